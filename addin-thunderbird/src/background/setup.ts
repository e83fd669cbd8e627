// Setting up an identity (docs/services.md, "Client flows"): the add-in offers each mail identity
// of Thunderbird's accounts; one click ("set up this identity") runs provision() from
// shared/src/mailflow with no typed input: the service is discovered (the domain's well-known
// file, else the configured one), the challenge mail is found in that account's own inbox, the key
// history is released and the signing certificate issued; then the keys go into Thunderbird's own
// S/MIME store (host/nss.ts) so that Thunderbird can open CBC mail itself (for an EnvelopedData whose
// key NSS lacks it shows its own error page and the add-in never sees the message: README, "Reading").
// Sending does not use NSS: the add-in writes its own S/MIME (README, "Sending").
import { normalizeAccountAddress, provision, type DeviceState, type StateStore } from "@mailseal/shared";
import { InboxChallengeMailbox } from "../host/challenge-mailbox.js";
import { configuredService, mailflowHost } from "../host/mailflow-host.js";
import { installInNss } from "../host/nss.js";

export interface OfferedIdentity {
  identityId: string;
  accountId: string;
  address: string;
  /** "ready": provisioned on this device; "started": an interrupted setup; "offered": not yet. */
  state: "ready" | "started" | "offered";
}

/** Every identity of every mail account, with how far it is set up here. */
export async function offeredIdentities(store: StateStore): Promise<OfferedIdentity[]> {
  const offers: OfferedIdentity[] = [];
  for (const account of await messenger.accounts.list(false)) {
    if (account.type !== "imap" && account.type !== "pop3") continue; // local folders, news, feeds: no mailbox
    for (const identity of account.identities) {
      if (identity.email === "") continue;
      const state = await store.load(normalizeAccountAddress(identity.email));
      offers.push({
        identityId: identity.id,
        accountId: account.id,
        address: identity.email,
        state:
          state === undefined
            ? "offered"
            : state.signing !== undefined && state.deviceId !== undefined
              ? "ready"
              : "started",
      });
    }
  }
  return offers;
}

/** Sets up the identity with `address` (or finishes an interrupted setup); resolves the saved state. */
export async function setUpIdentity(
  store: StateStore,
  address: string,
  options: {
    challengeTimeoutMs?: number;
    /** The code typed from the challenge mail (when the add-in did not find the mail itself). */
    code?: string;
    /** Each step, in plain words, as it starts. */
    progress?: (step: string) => void;
  } = {},
): Promise<DeviceState> {
  const progress = options.progress ?? (() => undefined);
  const offer = (await offeredIdentities(store)).find((o) => o.address.toLowerCase() === address.toLowerCase());
  if (offer === undefined) throw new Error(`no mail account of this Thunderbird has the identity ${address}`);
  progress("Contacting the mailseal service…");
  const inbox = new InboxChallengeMailbox({
    accountId: offer.accountId,
    ...(options.challengeTimeoutMs === undefined ? {} : { timeoutMs: options.challengeTimeoutMs }),
  });
  const code = options.code;
  const state = await provision(await mailflowHost(store), {
    address: offer.address,
    deviceName: `Thunderbird (${navigator.platform || "desktop"})`,
    server: await configuredService(),
    // A typed code answers the saved challenge (provision resumes it) instead of the inbox search.
    ...(code === undefined || code.trim() === ""
      ? {
          mailbox: {
            findChallenge: (challengeId: string, api: string) => {
              progress(`Waiting for the confirmation mail in the inbox of ${offer.address}…`);
              return inbox.findChallenge(challengeId, api);
            },
            consumed: (challengeId: string) => inbox.consumed(challengeId),
          },
        }
      : { code: () => Promise.resolve(code) }),
  });
  progress("Putting the certificates into Thunderbird…");
  await installInNss(state, offer.identityId);
  return state;
}
