// Bringing each account's keys up to date after setup, the way `mailseal read` does
// (cli/src/commands/read.ts): refreshKeys releases any key a rotation made since (docs/services.md,
// "Rotation", "Client flows"), renewSigningCertificate renews a due signing certificate. Whatever is
// new goes into NSS with the same import as at setup (host/nss.ts): without the new key there,
// Thunderbird shows its own error page for CBC mail to it and the add-in never sees the message
// (README, "Reading"). The CA's CRL is fetched here too (mailflow/crl.ts), for the signatures the
// reader checks. When: at start-up, once a day (alarms), and when a displayed message is NO_KEY.
import {
  hasCode,
  openAccount,
  refreshCrl,
  refreshKeys,
  renewSigningCertificate,
  type DeviceState,
  type StateStore,
} from "@mailseal/shared";
import { engineCrlCheck } from "@mailseal/engine";
import { engineWorker } from "../host/engine.js";
import { mailflowHost } from "../host/mailflow-host.js";
import { installInNss, trustRoot } from "../host/nss.js";
import { offeredIdentities } from "./setup.js";

export const REFRESH_ALARM = "mailseal-refresh-keys";
/** The daily refresh (a rotation makes a key about once in three years; a day's delay is harmless). */
export const REFRESH_PERIOD_MINUTES = 24 * 60;
/** NO_KEY refreshes at most this often: mail not meant for this device must not hammer the service. */
export const NO_KEY_REFRESH_INTERVAL_MS = 60_000;

/** Whether `next` holds something NSS lacks: a released key, or another signing certificate. */
function changedForNss(before: DeviceState, next: DeviceState): boolean {
  const held = new Set(before.keys.filter((k) => k.pkcs8 !== undefined).map((k) => k.keyId));
  return (
    next.keys.some((k) => k.pkcs8 !== undefined && !held.has(k.keyId)) ||
    next.signing?.certificate !== before.signing?.certificate
  );
}

/** Refreshes one provisioned account; resolves whether anything new arrived (and went into NSS). */
export async function refreshAccount(store: StateStore, address: string): Promise<boolean> {
  const host = await mailflowHost(store);
  const { state, client } = await openAccount(host, address);
  // Before asking the service: the root's NSS trust is set to e-mail only at every refresh, so that a
  // root which an earlier version imported trusted for TLS and code signing too loses that at start-up.
  if (state.root !== undefined) await trustRoot(state.root);
  // No password here (a background task asks no one): protected keys wait for the page, where the
  // password is typed; PASSWORD_REQUIRED then propagates to the caller, which logs it.
  const refreshed = await refreshKeys(client, store, state);
  const renewed = await renewSigningCertificate(client, store, refreshed, host.clock);
  // The CA's CRL (when the kept one is due): a signature by a removed device's certificate then
  // shows as revoked. The engine checks the CRL's signature in its worker.
  const next = await refreshCrl(client, store, renewed, host.clock, engineCrlCheck(await engineWorker()));
  if (!changedForNss(state, next)) return false;
  for (const offer of await offeredIdentities(store)) {
    if (offer.state === "ready" && offer.address.toLowerCase() === next.address) {
      await installInNss(next, offer.identityId);
    }
  }
  return true;
}

/** Refreshes every account of this device; one failing (offline, not set up) does not stop the others. */
export async function refreshAllAccounts(store: StateStore): Promise<boolean> {
  let changed = false;
  for (const address of await store.list()) {
    try {
      changed = (await refreshAccount(store, address)) || changed;
    } catch (error) {
      const expected = hasCode(error, "NOT_PROVISIONED", "SERVICE_UNAVAILABLE", "PASSWORD_REQUIRED");
      (expected ? console.warn : console.error)(`mailseal: ${address}: keys not refreshed`, error);
    }
  }
  return changed;
}

/**
 * One refresh at a time (start-up, the alarm and a NO_KEY message may coincide); `onNoKey` refreshes
 * at most every NO_KEY_REFRESH_INTERVAL_MS and resolves whether a retry can help.
 */
export function keyRefresher(store: StateStore, now: () => number = Date.now) {
  let running: Promise<boolean> | undefined;
  let lastNoKey = -Infinity;
  const refresh = (): Promise<boolean> => {
    running ??= refreshAllAccounts(store).finally(() => (running = undefined));
    return running;
  };
  return {
    refresh,
    async onNoKey(): Promise<boolean> {
      if (running !== undefined) return running;
      if (now() - lastNoKey < NO_KEY_REFRESH_INTERVAL_MS) return false;
      lastNoKey = now();
      return refresh();
    },
  };
}

export type KeyRefresher = ReturnType<typeof keyRefresher>;
