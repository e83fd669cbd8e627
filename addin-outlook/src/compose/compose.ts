// The "Send securely" pane (the compose button, and the send handler's Take Action). It reads the
// message being written through Office.js, shows each recipient with a lock when the service's
// directory (CerDB: batch lookup, cached) has a certificate for them, and the Encrypt and Sign state
// (the item's custom properties the ribbon buttons use; unset, Encrypt is on when every recipient has
// a certificate, Sign always). "Send securely" has the engine (in its Web Worker, as the read pane)
// write, sign and encrypt the message, sends it through Microsoft Graph (which keeps the sent copy in
// Sent Items), and then discards the draft. Any failure: plain words in the pane, nothing sent, the
// draft kept. Graph's root is the deployment's (config.json), its tokens come from the page's token
// source (startComposePane's seams: nested app authentication in Outlook, compose/main.ts).
import { enginePathCheck, sealOptionsOf, type ComposedMessage } from "@mailseal/engine";
import { startBrowserEngine, type BrowserEngineWorker } from "@mailseal/engine/browser";
import { errorCode, plainError, plainWords } from "@mailseal/engine/view";
import {
  DirectoryCache,
  MailsealError,
  ServiceClient,
  currentCertificate,
  encryptionRecipe,
  hasCode,
  normalizeAccountAddress,
  recipientCertificates,
  systemClock,
  type DeviceState,
  type SealRecipe,
} from "@mailseal/shared";
import { PROPERTY } from "../commands/send-gate.js";
import { graphClient, type GraphTokens } from "../graph/access.js";
import { loadAccounts } from "../read/accounts.js";
import { loadSetupConfig } from "../setup/config.js";
import { attachmentData, itemNotRead, readItem, type ComposeItem } from "./item.js";
import { COMPOSE_WORDS } from "./words.js";

type Level = "ok" | "neutral" | "warning" | "error";

interface Pane {
  item: Office.MessageItem;
  account: DeviceState;
  sender: { address: string; name: string };
  properties: Office.CustomProperties;
  /** Recipients the directory has no usable certificate for (undefined: the lookup failed). */
  missing: string[] | undefined;
  encrypt: boolean;
  sign: boolean;
  /** The organisation requires every message to be encrypted (config.json `requireEncryption`). */
  required: boolean;
  /** How many recipients the message had when the pane opened. */
  recipients: number;
}

const clock = systemClock(0);
const cache = new DirectoryCache(clock);
let engine: Promise<BrowserEngineWorker> | undefined;
let lookupKey: Promise<CryptoKeyPair> | undefined;
let pane: Pane | undefined;
let paneSeams: ComposeSeams = {};

/** What the page gives the pane. */
export interface ComposeSeams {
  /** Microsoft Graph access (nested app authentication in Outlook), if any. */
  graphTokens?: GraphTokens;
}

function $(id: string): HTMLElement {
  return document.getElementById(id)!;
}

function say(level: Level, headline: string, details = ""): void {
  const status = $("status");
  status.dataset.level = level;
  $("headline").textContent = headline;
  ($("details") as HTMLDetailsElement).hidden = details === "";
  $("details-text").textContent = details;
}

function setState(state: "loading" | "ready" | "sending" | "sent" | "failed"): void {
  document.body.dataset.state = state;
}

async function engineFor(): Promise<BrowserEngineWorker["engine"]> {
  engine ??= startBrowserEngine(new URL("engine-worker.js", document.baseURI)).catch((error: unknown) => {
    engine = undefined;
    throw error;
  });
  return (await engine).engine;
}

/**
 * A client for the directory's lookup, which is anonymous (docs/services.md, POST /v1/certs/lookup):
 * the proof every request carries is made with a key of this pane that identifies no device.
 */
async function directoryClient(account: DeviceState): Promise<ServiceClient> {
  lookupKey ??= globalThis.crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]) as Promise<CryptoKeyPair>;
  return new ServiceClient({
    fetch: (input, init) => globalThis.fetch(input, init),
    clock,
    endpoints: account.service,
    deviceKey: await lookupKey,
  });
}

function addressesOf(item: ComposeItem): string[] {
  return [...new Set([...item.to, ...item.cc, ...item.bcc].map((r) => normalizeAccountAddress(r.address)))];
}

/** The recipients without a usable certificate; throws what is not NO_CERTIFICATE (the service unreachable). */
async function missingCertificates(account: DeviceState, recipients: string[]): Promise<string[]> {
  if (recipients.length === 0) return [];
  try {
    await recipientCertificates(
      { client: await directoryClient(account), cache, clock, state: account, recipients },
      enginePathCheck(await engineFor()),
    );
    return [];
  } catch (error) {
    if (!hasCode(error, "NO_CERTIFICATE")) throw error;
    return [...(error.details?.addresses ?? [])];
  }
}

function customProperties(item: Office.MessageItem): Promise<Office.CustomProperties> {
  return new Promise((resolve, reject) => {
    try {
      item.loadCustomPropertiesAsync((result) =>
        result.status === "succeeded"
          ? resolve(result.value)
          : reject(itemNotRead("the Encrypt and Sign settings", result.error?.message ?? "failed")),
      );
    } catch (error) {
      reject(itemNotRead("the Encrypt and Sign settings", String(error)));
    }
  });
}

function saveProperties(properties: Office.CustomProperties): Promise<void> {
  return new Promise((resolve, reject) =>
    properties.saveAsync((result) =>
      result.status === "succeeded" ? resolve() : reject(new Error(result.error?.message ?? "saveAsync failed")),
    ),
  );
}

/**
 * What a person reads for a failure: where Outlook did not hand over a part or handed over a link, the
 * pane's own words naming that part; the catalogue's for the rest. The code stays in the details.
 */
function failureWords(error: unknown): { headline: string; details: string } {
  if (hasCode(error, "ITEM_NOT_READ", "ATTACHMENT_IS_LINK") && error.details?.part !== undefined) {
    const { part } = error.details;
    const headline =
      error.code === "ITEM_NOT_READ" ? COMPOSE_WORDS.itemFailed(part) : COMPOSE_WORDS.linkAttachment(part);
    return { headline, details: `${error.code}: ${error.message}` };
  }
  const code = errorCode(error);
  const words = plainWords(code);
  const message = error instanceof Error ? error.message : String(error);
  return words === undefined
    ? { headline: COMPOSE_WORDS.failed, details: plainError(error) }
    : { headline: words, details: `${code}: ${message}` };
}

const SVG = "http://www.w3.org/2000/svg";

/** A padlock, drawn (no emoji font is promised in Outlook's web views). */
function lockIcon(): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  const shackle = document.createElementNS(SVG, "path");
  shackle.setAttribute("d", "M5 7V5a3 3 0 0 1 6 0v2");
  shackle.setAttribute("fill", "none");
  shackle.setAttribute("stroke", "currentColor");
  shackle.setAttribute("stroke-width", "1.6");
  const body = document.createElementNS(SVG, "rect");
  const attributes: [string, string][] = [
    ["x", "3"],
    ["y", "7"],
    ["width", "10"],
    ["height", "8"],
    ["rx", "1.5"],
    ["fill", "currentColor"],
  ];
  for (const [name, value] of attributes) body.setAttribute(name, value);
  svg.append(shackle, body);
  return svg;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Subject, recipients (each with whether it can receive encrypted mail) and attachments. */
function renderMessage(item: ComposeItem, missing: string[] | undefined): void {
  $("subject").textContent = item.subject === "" ? COMPOSE_WORDS.noSubject : item.subject;
  const list = $("recipients");
  list.replaceChildren();
  for (const [field, recipients] of [
    ["To", item.to],
    ["Cc", item.cc],
    ["Bcc", item.bcc],
  ] as const) {
    for (const recipient of recipients) {
      const li = document.createElement("li");
      const known = missing === undefined ? undefined : !missing.includes(normalizeAccountAddress(recipient.address));
      li.dataset.certificate = known === undefined ? "unknown" : known ? "yes" : "no";
      const kind = document.createElement("span");
      kind.className = "field";
      kind.textContent = field;
      const label = document.createElement("span");
      label.className = "who";
      label.textContent =
        recipient.name !== "" && recipient.name !== recipient.address
          ? `${recipient.name} <${recipient.address}>`
          : recipient.address;
      const can = document.createElement("span");
      can.className = "can";
      if (known === true) can.append(lockIcon(), COMPOSE_WORDS.lockYes);
      else can.textContent = known === false ? COMPOSE_WORDS.lockNo : COMPOSE_WORDS.lockUnknown;
      li.append(kind, label, can);
      list.appendChild(li);
    }
  }
  $("no-recipients").hidden = list.childElementCount > 0;
  // Inline images are part of the body, not attachments a person added.
  const files = item.attachments.filter((a) => !a.isInline);
  const attachments = $("attachments");
  attachments.replaceChildren(
    ...files.map((a) => {
      const li = document.createElement("li");
      li.textContent = `${a.name} (${formatSize(a.size)})`;
      return li;
    }),
  );
  $("attachments-line").hidden = files.length === 0;
}

/** The toggles, why Encrypt is what it is, and whether "Send securely" can go. */
function renderChoice(state: Pane): void {
  const encrypt = $("encrypt") as HTMLInputElement;
  const sign = $("sign") as HTMLInputElement;
  encrypt.checked = state.encrypt;
  // The organisation's policy: Encrypt stays on.
  encrypt.disabled = state.required;
  // The engine signs every message it encrypts: the recipient learns who sent it.
  sign.checked = state.sign || state.encrypt;
  sign.disabled = state.encrypt;
  $("sign-note").textContent = COMPOSE_WORDS.signNote;
  $("sign-note").hidden = !state.encrypt;
  const why = $("why");
  const missing = state.missing ?? [];
  let reason = "";
  let blocked = false;
  if (state.missing === undefined) reason = COMPOSE_WORDS.lookupFailed;
  else if (state.encrypt && missing.length > 0) {
    reason = state.required ? COMPOSE_WORDS.requiredBlocked(missing) : COMPOSE_WORDS.encryptBlocked(missing);
    blocked = true;
  } else if (!state.encrypt && missing.length > 0) reason = COMPOSE_WORDS.encryptOffMissing(missing);
  else if (state.required) reason = COMPOSE_WORDS.required;
  if (!state.encrypt && !state.sign) {
    reason = COMPOSE_WORDS.nothingToDo;
    blocked = true;
  }
  why.textContent = reason;
  why.hidden = reason === "";
  ($("send") as HTMLButtonElement).disabled = blocked;
  // The headline says what will happen, while nothing else (a warning, a failure) is shown there.
  if (document.body.dataset.state === "ready" && $("status").dataset.level === "neutral")
    say("neutral", headlineFor(state));
}

function headlineFor(state: Pane): string {
  if (state.recipients === 0) return COMPOSE_WORDS.addRecipients;
  if (state.encrypt) return COMPOSE_WORDS.readyEncrypted;
  return state.sign ? COMPOSE_WORDS.readySigned : COMPOSE_WORDS.readyNothing;
}

async function toggled(name: "encrypt" | "sign"): Promise<void> {
  if (pane === undefined) return;
  const box = $(name) as HTMLInputElement;
  if (name === "encrypt" && pane.required) {
    box.checked = true;
    return;
  }
  pane[name] = box.checked;
  renderChoice(pane);
  pane.properties.set(PROPERTY[name], box.checked);
  try {
    await saveProperties(pane.properties);
  } catch (error) {
    // The pane still sends as shown; only the ribbon and the send gate would not know.
    say("warning", COMPOSE_WORDS.notSaved, error instanceof Error ? error.message : String(error));
  }
}

async function prepare(): Promise<void> {
  setState("loading");
  const item = Office.context.mailbox.item;
  if (item === null || item === undefined) {
    say("error", COMPOSE_WORDS.noItem);
    return setState("failed");
  }
  say("neutral", COMPOSE_WORDS.checking);
  try {
    const profile = Office.context.mailbox.userProfile;
    const address = profile === undefined ? "" : normalizeAccountAddress(profile.emailAddress);
    $("from").textContent = address;
    const account = (await loadAccounts()).find((a) => a.address === address);
    if (account === undefined) {
      say("error", plainWords("NO_ACCOUNT")!, `NO_ACCOUNT: ${address || "no mailbox address"}`);
      return setState("failed");
    }
    const [composed, properties, config] = await Promise.all([
      readItem(item),
      customProperties(item),
      loadSetupConfig(),
    ]);
    let missing: string[] | undefined;
    let lookupError: unknown;
    try {
      missing = await missingCertificates(account, addressesOf(composed));
    } catch (error) {
      lookupError = error;
    }
    const recipients = addressesOf(composed);
    const allHave = missing !== undefined && missing.length === 0 && recipients.length > 0;
    const encrypt = properties.get(PROPERTY.encrypt);
    const sign = properties.get(PROPERTY.sign);
    pane = {
      item,
      account,
      sender: { address, name: profile?.displayName ?? "" },
      properties,
      missing,
      encrypt: config.requireEncryption || (typeof encrypt === "boolean" ? encrypt : allHave),
      sign: typeof sign === "boolean" ? sign : true,
      required: config.requireEncryption,
      recipients: recipients.length,
    };
    // The defaults shown are saved with the item: Outlook's own Send (the send gate reads these
    // properties) must not send plaintext a person saw marked "Encrypt" here. Not when the directory
    // could not be asked: "off" then means "unknown", and is no choice to keep. Where the
    // organisation requires encryption, Encrypt is saved on whatever the item held.
    const unset = typeof encrypt !== "boolean" || typeof sign !== "boolean";
    if ((missing !== undefined && unset) || (pane.required && encrypt !== true)) {
      properties.set(PROPERTY.encrypt, pane.encrypt);
      properties.set(PROPERTY.sign, pane.sign);
      await saveProperties(properties).catch(() => undefined);
    }
    renderMessage(composed, missing);
    $("choice").hidden = false;
    setState("ready");
    if (lookupError !== undefined) {
      const words = failureWords(lookupError);
      say("warning", `${COMPOSE_WORDS.lookupFailed} ${words.headline}`, words.details);
    } else say("neutral", headlineFor(pane));
    renderChoice(pane);
  } catch (error) {
    const words = failureWords(error);
    say("error", words.headline, words.details);
    setState("failed");
  }
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function mailbox(recipient: { address: string; name: string }): string {
  return recipient.name === "" || recipient.name === recipient.address
    ? recipient.address
    : `${recipient.name} <${recipient.address}>`;
}

/** Closes the compose form and drops the draft: it was sent. */
function discardDraft(item: Office.MessageItem): void {
  if (typeof item.closeAsync === "function") item.closeAsync({ discardItem: true });
  else item.close?.();
}

async function sendSecurely(): Promise<void> {
  const state = pane;
  if (state === undefined) return;
  const button = $("send") as HTMLButtonElement;
  button.disabled = true;
  setState("sending");
  say("neutral", COMPOSE_WORDS.sending);
  try {
    // No Graph access, no sealing: the pane says so before any work.
    const config = await loadSetupConfig();
    const graph = graphClient(config, paneSeams.graphTokens?.(config, state.sender.address));
    // The policy as config.json says it now (it may have changed since the pane opened).
    const encrypt = state.encrypt || config.requireEncryption;
    // Read again: the message may have changed since the pane opened.
    const composed = await readItem(state.item);
    const recipients = addressesOf(composed);
    if (recipients.length === 0) throw new MailsealError("NO_CERTIFICATE", "the message has no recipients");
    const worker = await engineFor();
    // The recipe as prepareSend makes it, from this device's state (the pane has no device-signed
    // key list): the recipients' certificates and, where published, their ML-KEM ones (the hybrid).
    const recipe: SealRecipe = {
      own: currentCertificate(state.account),
      ...(encrypt
        ? {
            encryptTo: encryptionRecipe(
              await recipientCertificates(
                { client: await directoryClient(state.account), cache, clock, state: state.account, recipients },
                enginePathCheck(worker),
              ),
              state.account.kemKeys,
            ),
          }
        : {}),
    };
    const date = clock.now().getTime();
    const domain = state.sender.address.slice(state.sender.address.lastIndexOf("@") + 1);
    const messageId = `<${globalThis.crypto.randomUUID()}@${domain}>`;
    const message: ComposedMessage = {
      from: mailbox(state.sender),
      to: composed.to.map(mailbox),
      cc: composed.cc.map(mailbox),
      replyTo: [],
      subject: composed.subject,
      body: { type: "text/html", text: composed.html },
      attachments: await attachmentData(state.item, composed.attachments),
      messageId,
      date,
      ...(composed.inReplyTo === undefined ? {} : { inReplyTo: composed.inReplyTo }),
      ...(composed.references === undefined ? {} : { references: composed.references }),
    };
    await worker.setAccounts([state.account]);
    const sealed = await bytesOf(
      await worker.sealMessage({ composed: message }, sealOptionsOf(recipe, state.account.address, date)),
    );
    const path = await graph.sendSealed(sealed, {
      subject: composed.subject,
      to: composed.to.map((r) => r.address),
      cc: composed.cc.map((r) => r.address),
      bcc: composed.bcc.map((r) => r.address),
      messageId,
    });
    document.body.dataset.path = path;
    say("ok", encrypt ? COMPOSE_WORDS.sentEncrypted : COMPOSE_WORDS.sentSigned);
    setState("sent");
    discardDraft(state.item);
  } catch (error) {
    const words = failureWords(error);
    say("error", `${COMPOSE_WORDS.notSent} ${words.headline}`, words.details);
    button.disabled = false;
    setState("failed");
    if (hasCode(error, "NO_CERTIFICATE") && pane !== undefined) {
      pane.missing = [...(error.details?.addresses ?? [])];
      renderChoice(pane);
    }
  }
}

/** Starts the pane (once Office is ready) with what its page gives it. */
export function startComposePane(seams: ComposeSeams = {}): void {
  paneSeams = seams;
  $("encrypt").addEventListener("change", () => void toggled("encrypt"));
  $("sign").addEventListener("change", () => void toggled("sign"));
  $("send").addEventListener("click", () => void sendSecurely());
  void prepare();
}
