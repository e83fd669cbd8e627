// Sending (addin-thunderbird/README.md, "Sending"): Thunderbird's own S/MIME signs and encrypts,
// with the keys setup put into NSS. Before a message goes out, the recipients' certificates come
// from the service's directory (POST /v1/certs/lookup in batches, cached: DirectoryCache), each
// validated to the service's root and imported into NSS; then the compose window's S/MIME is set:
// always signed, encrypted when every recipient has a certificate (else Thunderbird would stop at
// a recipient it cannot encrypt to). The compose action shows the choice.
import {
  DirectoryCache,
  MailflowError,
  fromAddress,
  normalizeAccountAddress,
  openAccount,
  recipientCertificates,
  type MailflowCore,
  type StateStore,
} from "@mailseal/shared";
import { coreWorker } from "../host/core.js";
import { addinClock, mailflowHost } from "../host/mailflow-host.js";
import { toBase64 } from "../host/nss.js";

export interface ComposeSecurity {
  sign: boolean;
  encrypt: boolean;
  /** Recipients without a usable certificate (then the message is signed only). */
  missing: string[];
}

let cache: DirectoryCache | undefined;

/** The addresses of To, Cc and Bcc (compose gives strings "Name <addr>" or contact ids, which we skip). */
function recipientsOf(details: messenger.ComposeDetails): string[] {
  const all = [details.to, details.cc, details.bcc].flatMap((field) =>
    field === undefined ? [] : Array.isArray(field) ? field : [field],
  );
  return all.flatMap((value) => {
    if (typeof value !== "string") return [];
    const address = fromAddress(value);
    return address === undefined ? [] : [normalizeAccountAddress(address)];
  });
}

/**
 * Decides and sets the S/MIME security of the compose window `tabId`; undefined when the sending
 * identity is not set up with mailseal (the window is left as the user has it).
 */
export async function secureCompose(store: StateStore, tabId: number): Promise<ComposeSecurity | undefined> {
  const details = await messenger.compose.getComposeDetails(tabId);
  const identity = (await messenger.accounts.list(false))
    .flatMap((account) => account.identities)
    .find((i) => i.id === details.identityId);
  if (identity === undefined) return undefined;
  const address = normalizeAccountAddress(identity.email);
  const state = await store.load(address);
  if (state?.signing === undefined) return undefined;
  const host = await mailflowHost(store);
  const clock = await addinClock();
  cache ??= new DirectoryCache(clock);
  const recipients = recipientsOf(details);
  let missing: string[] = [];
  if (recipients.length > 0) {
    const { client, state: account } = await openAccount(host, address);
    const { core } = await coreWorker();
    try {
      const { entries } = await recipientCertificates(
        { client, cache, clock, state: account, recipients },
        core as unknown as MailflowCore,
      );
      for (const entry of entries) {
        for (const ca of entry.chain) await messenger.mailseal.importPeerCertificate(toBase64(ca.der));
        await messenger.mailseal.importPeerCertificate(toBase64(entry.certificate.der));
      }
    } catch (error) {
      if (!(error instanceof MailflowError && error.code === "NO_CERTIFICATE")) throw error;
      missing = [...error.addresses];
    }
  }
  secured.set(tabId, recipients.join(","));
  const security: ComposeSecurity = { sign: true, encrypt: recipients.length > 0 && missing.length === 0, missing };
  await messenger.compose.setComposeDetails(tabId, {
    selectedEncryptionTechnology: { name: "S/MIME", signMessage: security.sign, encryptBody: security.encrypt },
  });
  await messenger.composeAction.setTitle({
    tabId,
    title: security.encrypt
      ? "mailseal: signed and encrypted"
      : `mailseal: signed only${missing.length > 0 ? ` (no certificate for ${missing.join(", ")})` : ""}`,
  });
  await messenger.composeAction.setBadgeText({ tabId, text: security.encrypt ? "🔒" : "✎" });
  return security;
}

/** The recipients each compose window was last secured for. */
const secured = new Map<number, string>();

/** Every message checked again right before it goes, unless its recipients are those last checked. */
export function wireCompose(store: StateStore): void {
  messenger.compose.onBeforeSend.addListener(async (tab, details) => {
    try {
      if (secured.get(tab.id!) !== recipientsOf(details).join(",")) await secureCompose(store, tab.id!);
      return {};
    } catch (error) {
      console.error("mailseal: securing the message failed", error);
      // Better not sent than sent other than shown: the user sees the compose window again.
      return { cancel: true };
    }
  });
  messenger.composeAction.onClicked.addListener((tab) => void secureCompose(store, tab.id!).catch(console.error));
}
