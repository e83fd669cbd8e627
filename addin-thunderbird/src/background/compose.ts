// Sending (addin-thunderbird/README.md, "Sending"): the add-in signs and encrypts the message
// itself and hands the finished S/MIME message to Thunderbird's SMTP. When the user sends from an
// identity set up with mailseal, compose.onBeforeSend takes the message (details and attachments)
// and prepareSend of shared/src/mailflow finds the recipients' certificates (the service's
// directory, batch lookup, cached; each path validated to the service's root by the engine). The
// engine, in its worker, then writes the message as RFC 5322 + MIME and signs it, and encrypts it
// to every recipient and the sender when each has a certificate (one sealMessage call); the result
// streams into a private temp file of the Experiment, which gives it to the identity's outgoing
// server and copies it to Sent; then Thunderbird's own send is cancelled and the window closed. The
// compose action shows the choice.
import { concatBytes } from "@mailseal/core-wasm";
import {
  DirectoryCache,
  hasCode,
  MailsealError,
  fromAddress,
  normalizeAccountAddress,
  openAccount,
  prepareSend,
  recipientCertificates,
  type StateStore,
} from "@mailseal/shared";
import { chunksOf, enginePathCheck, plainError, sealOptionsOf, type ComposedMessage } from "@mailseal/engine";
import { engineWorker } from "../host/engine.js";
import { mailflowHost } from "../host/mailflow-host.js";
import { toBase64 } from "../host/nss.js";
import { offeredIdentities } from "./setup.js";

export interface ComposeSecurity {
  sign: boolean;
  encrypt: boolean;
  /** Recipients without a usable certificate (then the message is signed only). */
  missing: string[];
}

export interface SentMessage {
  security: ComposeSecurity;
  messageId: string;
  /** Bytes handed to the outgoing server. */
  size: number;
  /** The copy in the Sent folder: "saved", "off" or "failed: why". */
  sentCopy: string;
}

let cache: DirectoryCache | undefined;

function listOf(field: string | string[] | undefined): string[] {
  return field === undefined ? [] : (Array.isArray(field) ? field : [field]).filter((v) => typeof v === "string");
}

/** The addresses of To, Cc and Bcc (compose gives strings "Name <addr>" or contact ids, which we skip). */
function recipientsOf(details: messenger.ComposeDetails): string[] {
  return [details.to, details.cc, details.bcc].flatMap(listOf).flatMap((value) => {
    const address = fromAddress(value);
    return address === undefined ? [] : [normalizeAccountAddress(address)];
  });
}

/** The sending identity of a compose window when it is set up with mailseal here, else undefined. */
async function mailsealIdentity(
  store: StateStore,
  details: messenger.ComposeDetails,
): Promise<{ identity: messenger.MailIdentity; address: string } | undefined> {
  const identity = (await messenger.accounts.list(false))
    .flatMap((account) => account.identities)
    .find((i) => i.id === details.identityId);
  if (identity === undefined) return undefined;
  const address = normalizeAccountAddress(identity.email);
  const state = await store.load(address);
  return state?.signing === undefined ? undefined : { identity, address };
}

/** Signed always; encrypted when every recipient has a valid certificate in the directory. */
async function decide(store: StateStore, address: string, recipients: string[]): Promise<ComposeSecurity> {
  return (await lookUp(store, address, recipients)).security;
}

/** decide()'s answer, with the recipients' certificates (validated) when it encrypts. */
async function lookUp(
  store: StateStore,
  address: string,
  recipients: string[],
): Promise<{ security: ComposeSecurity; certificates: { address: string; der: Uint8Array }[] }> {
  if (recipients.length === 0) return { security: { sign: true, encrypt: false, missing: [] }, certificates: [] };
  const host = await mailflowHost(store);
  cache ??= new DirectoryCache(host.clock);
  const { client, state } = await openAccount(host, address);
  const engine = await engineWorker();
  try {
    const { entries } = await recipientCertificates(
      { client, cache, clock: host.clock, state, recipients },
      enginePathCheck(engine),
    );
    return {
      security: { sign: true, encrypt: true, missing: [] },
      certificates: entries.map((entry) => ({ address: entry.address, der: entry.certificate.der })),
    };
  } catch (error) {
    if (!hasCode(error, "NO_CERTIFICATE")) throw error;
    return {
      security: { sign: true, encrypt: false, missing: [...(error.details?.addresses ?? [])] },
      certificates: [],
    };
  }
}

/**
 * Thunderbird's own S/MIME toggle and its "encryption is possible" bar know nothing of mailseal: one
 * line in the tooltip says which one decides, so the two signals do not read as a contradiction.
 */
const OWN_TOGGLE_NOTE = "Thunderbird's own Encrypt button can stay off: mailseal does this when you press Send.";

async function showSecurity(tabId: number, security: ComposeSecurity | undefined): Promise<void> {
  const title =
    security === undefined
      ? "mailseal: this identity is not set up (sent as Thunderbird sends it)"
      : security.encrypt
        ? `mailseal: signed and encrypted. ${OWN_TOGGLE_NOTE}`
        : `mailseal: signed only${security.missing.length > 0 ? ` (no certificate for ${security.missing.join(", ")})` : ""}. ${OWN_TOGGLE_NOTE}`;
  await messenger.composeAction.setTitle({ tabId, title });
  // The state in a word on the button, which a person reads at a glance (issue 14: a badge alone was
  // a small red mark in both states). Short words: Send keeps its room (the visual run measures it).
  await messenger.composeAction.setLabel({
    tabId,
    label: security === undefined ? null : security.encrypt ? ENCRYPTED_LABEL : NOT_ENCRYPTED_LABEL,
  });
  // The colour before the text: a badge never shows in the previous state's colour.
  await messenger.composeAction.setBadgeBackgroundColor({
    tabId,
    color: security === undefined ? null : security.encrypt ? BADGE_ENCRYPTED : BADGE_NOT_ENCRYPTED,
  });
  await messenger.composeAction.setBadgeText({
    tabId,
    text: security === undefined ? "" : security.encrypt ? "🔒" : "✎",
  });
}

/** The compose button's label for a message that will go out signed and encrypted. */
export const ENCRYPTED_LABEL = "Encrypted";
/** ... and for one that will go out signed only (a recipient has no certificate). */
export const NOT_ENCRYPTED_LABEL = "Not encrypted";
/** Badge colours: green as the reading banner's "ok", amber as its warning; never the red of an error. */
const BADGE_ENCRYPTED = "#188038";
const BADGE_NOT_ENCRYPTED = "#b06000";

/** Decides and shows the security of the compose window `tabId`; undefined when its identity is not set up. */
export async function secureCompose(store: StateStore, tabId: number): Promise<ComposeSecurity | undefined> {
  const details = await messenger.compose.getComposeDetails(tabId);
  const sender = await mailsealIdentity(store, details);
  const found = sender === undefined ? undefined : await lookUp(store, sender.address, recipientsOf(details));
  // Its drafts are stored encrypted when the message will be (README, "Drafts"): Thunderbird's own
  // draft encryption takes the recipients' certificates from the add-in.
  if (sender !== undefined) {
    const certificates = (found?.certificates ?? []).map(({ address, der }) => ({ address, der: toBase64(der) }));
    // A failure here leaves drafts as Thunderbird writes them; the button still shows what Send does.
    await messenger.mailseal
      .draftRecipientCertificates(tabId, certificates)
      .catch((error: unknown) => console.error("mailseal: certificates for the drafts", error));
  }
  await showSecurity(tabId, found?.security);
  return found?.security;
}

/** How often an open compose window's recipients are looked at: the compose API has no event for them. */
const RECIPIENT_CHECK_MS = 1500;
const watchedTabs = new Set<number>();

/**
 * Shows the security of compose window `tabId` without a click (issue 14, finding 3): at once, and
 * again whenever its identity or recipients change, until the window closes. A lookup that fails
 * (the service is unreachable) says so in plain words; the decision at Send is made again anyway.
 */
function watchCompose(store: StateStore, tabId: number): void {
  if (watchedTabs.has(tabId)) return;
  watchedTabs.add(tabId);
  let shownFor: string | undefined;
  let busy = false;
  const check = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      let details: messenger.ComposeDetails;
      try {
        details = await messenger.compose.getComposeDetails(tabId);
      } catch {
        // The window is gone.
        clearInterval(timer);
        watchedTabs.delete(tabId);
        return;
      }
      const key = JSON.stringify([details.identityId, recipientsOf(details)]);
      if (key === shownFor) return;
      shownFor = key;
      await secureCompose(store, tabId).catch(async (error: unknown) => {
        shownFor = undefined; // tried again at the next check
        await messenger.composeAction
          .setTitle({ tabId, title: `mailseal: cannot check the recipients now. ${plainError(error)}` })
          .catch(() => {});
      });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), RECIPIENT_CHECK_MS);
  void check();
}

/** The message id's right-hand side: the sender's domain (RFC 5322 3.6.4). */
function newMessageId(address: string): string {
  return `<${globalThis.crypto.randomUUID()}@${address.slice(address.lastIndexOf("@") + 1)}>`;
}

/** The msg-ids (RFC 5322 3.6.4) of a header field's value, in order. */
function msgIds(value: string | undefined): string[] {
  return value === undefined ? [] : [...value.matchAll(/<[^<>\s]+>/g)].map((m) => m[0]);
}

/**
 * A reply's In-Reply-To and References (RFC 5322 3.6.4): the parent's Message-ID, after the
 * parent's References (or, without them, its one In-Reply-To). Thunderbird would write them when
 * it sends, but the add-in writes the message itself, so it takes them from the message replied
 * to. None when that message cannot be read (the reply then starts a new thread, as before).
 */
async function threadOf(details: messenger.ComposeDetails): Promise<Pick<ComposedMessage, "inReplyTo" | "references">> {
  if (details.type !== "reply" || typeof details.relatedMessageId !== "number") return {};
  const id = details.relatedMessageId;
  // The parent's Message-ID from Thunderbird's message database (without angle brackets there).
  const parentId = (await messenger.messages.get(id).catch(() => undefined))?.headerMessageId;
  const [parent] = msgIds(parentId === undefined || parentId === "" ? undefined : `<${parentId}>`);
  if (parent === undefined) return {};
  // Its References or In-Reply-To, from its header; without them the thread starts at the parent.
  // (getFull reads the whole message, a large one from the server: bounded, the thread is not worth a hang.)
  const full = await Promise.race([
    messenger.messages.getFull(id).catch(() => undefined),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
  ]);
  const headers = full?.headers;
  const earlier = msgIds(headers?.references?.[0]);
  const before = earlier.length > 0 ? earlier : msgIds(headers?.["in-reply-to"]?.[0]).slice(0, 1);
  return { inReplyTo: parent, references: [...before.filter((m) => m !== parent), parent].join(" ") };
}

/** Makes, secures and sends the message of compose window `tabId` from a mailseal identity. */
async function sendSecured(
  store: StateStore,
  tabId: number,
  details: messenger.ComposeDetails,
  sender: { identity: messenger.MailIdentity; address: string },
): Promise<SentMessage> {
  const recipients = recipientsOf(details);
  if (recipients.length === 0) throw new MailsealError("NO_CERTIFICATE", "the message has no recipients");
  const security = await decide(store, sender.address, recipients);
  await showSecurity(tabId, security);
  const messageId = newMessageId(sender.address);
  // Send Later queues the same signed and encrypted message Send would send (issue 14).
  const later = (await messenger.mailseal.composeSendMode(tabId)) === "later";
  const sealed = await sealCompose(store, tabId, details, sender, messageId, recipients, security.encrypt);
  try {
    if (later) {
      await messenger.mailseal.queueOutgoing(sealed.path, sender.identity.id, listOf(details.bcc));
      return { security, messageId, size: sealed.size, sentCopy: "queued" };
    }
    const envelope = [details.to, details.cc, details.bcc].flatMap(listOf);
    const sentCopy = await messenger.mailseal.sendOutgoing(sealed.path, sender.identity.id, envelope, messageId);
    return { security, messageId, size: sealed.size, sentCopy };
  } finally {
    await messenger.mailseal.discardOutgoing(sealed.path);
  }
}

/**
 * The message of compose window `tabId` as RFC 5322 + MIME, signed, and encrypted to `recipients`
 * and the sender when `encrypt`, streamed into an outgoing file of the Experiment (beginOutgoing);
 * the caller sends or queues it, and discards the file.
 */
async function sealCompose(
  store: StateStore,
  tabId: number,
  details: messenger.ComposeDetails,
  sender: { identity: messenger.MailIdentity; address: string },
  messageId: string,
  recipients: string[],
  encrypt: boolean,
): Promise<{ path: string; size: number }> {
  const host = await mailflowHost(store);
  cache ??= new DirectoryCache(host.clock);
  const { client, state } = await openAccount(host, sender.address);
  const engine = await engineWorker();
  const attachments: ComposedMessage["attachments"] = [];
  for (const attachment of await messenger.compose.listAttachments(tabId)) {
    // The File crosses into the engine's worker without copying; it is read there as it goes.
    const file = await messenger.compose.getAttachmentFile(attachment.id);
    attachments.push({ name: attachment.name, type: file.type, data: file });
  }
  const name = sender.identity.name ?? "";
  const plain = details.isPlainText !== false;
  const date = host.clock.now().getTime();
  const composed: ComposedMessage = {
    from: name === "" ? `<${sender.identity.email}>` : `${name} <${sender.identity.email}>`,
    to: listOf(details.to),
    cc: listOf(details.cc),
    replyTo: listOf(details.replyTo),
    subject: details.subject ?? "",
    body: plain
      ? { type: "text/plain", text: details.plainTextBody ?? "" }
      : { type: "text/html", text: details.body ?? "" },
    attachments,
    messageId,
    date,
    ...(await threadOf(details)),
  };
  const options = { client, cache, clock: host.clock, state, recipients, encrypt };
  const recipe = await prepareSend(options, enginePathCheck(engine));
  await engine.setAccounts([state]);
  const secured = await engine.sealMessage({ composed }, sealOptionsOf(recipe, state.address, date));
  const path = await messenger.mailseal.beginOutgoing();
  try {
    let size = 0;
    // Batches of about 1 MiB: few calls into the Experiment, never the whole message in one buffer.
    let batch: Uint8Array[] = [];
    let batched = 0;
    const flush = async () => {
      await messenger.mailseal.appendOutgoing(path, concatBytes(batch).buffer);
      batch = [];
      batched = 0;
    };
    for await (const chunk of chunksOf(secured)) {
      batch.push(chunk.slice());
      batched += chunk.length;
      size += chunk.length;
      if (batched >= 1 << 20) await flush();
    }
    if (batched > 0) await flush();
    return { path, size };
  } catch (error) {
    await messenger.mailseal.discardOutgoing(path);
    throw error;
  }
}

/** What the last send of each compose window came to (the test harness reads it). */
const outcomes = new Map<number, Promise<SentMessage>>();

export function sendOutcome(tabId: number): Promise<SentMessage> | undefined {
  return outcomes.get(tabId);
}

/**
 * Every message from a mailseal identity is sent by the add-in: onBeforeSend sends it secured and
 * cancels Thunderbird's own send (which would send it unprotected), then closes the window. On a
 * failure the send is cancelled too and the window stays, with the reason in the compose action:
 * better not sent than sent other than shown.
 */
export function wireCompose(store: StateStore): void {
  // Drafts of identities set up here are stored encrypted (README, "Drafts"); setup and the key
  // refresh tell the Experiment of an identity as they put its keys into NSS.
  void offeredIdentities(store)
    .then(async (offers) => {
      for (const offer of offers.filter((o) => o.state === "ready"))
        await messenger.mailseal.encryptDrafts(offer.identityId);
    })
    .catch((error: unknown) => console.error("mailseal: drafts of set-up identities", error));
  messenger.compose.onBeforeSend.addListener(async (tab, details) => {
    const tabId = tab.id!;
    const sender = await mailsealIdentity(store, details);
    if (sender === undefined) return {};
    const outcome = sendSecured(store, tabId, details, sender);
    outcomes.set(tabId, outcome);
    try {
      await outcome;
      await messenger.mailseal.closeComposeAfterCancel(tabId);
    } catch (error) {
      console.error("mailseal: sending failed", error);
      const reason = error instanceof Error ? error.message : String(error);
      await messenger.composeAction.setTitle({ tabId, title: `mailseal: not sent: ${reason}` }).catch(() => {});
      await messenger.composeAction.setLabel({ tabId, label: "Not sent" }).catch(() => {});
      await messenger.composeAction.setBadgeBackgroundColor({ tabId, color: "#d93025" }).catch(() => {});
      await messenger.composeAction.setBadgeText({ tabId, text: "!" }).catch(() => {});
    }
    return { cancel: true };
  });
  messenger.composeAction.onClicked.addListener((tab) => void secureCompose(store, tab.id!).catch(console.error));
  try {
    messenger.tabs.onCreated.addListener((tab) => {
      if (tab.type === "messageCompose" && tab.id !== undefined) watchCompose(store, tab.id);
    });
    // Compose windows already open when the background (an event page) starts again.
    void messenger.tabs
      .query({ type: "messageCompose" })
      .then((tabs) => {
        for (const tab of tabs) if (tab.id !== undefined) watchCompose(store, tab.id);
      })
      .catch((error: unknown) => console.error("mailseal: listing compose windows", error));
  } catch (error) {
    // Sending stays secured without the watch (onBeforeSend decides again); only the early signal is lost.
    console.error("mailseal: watching compose windows", error);
  }
}
