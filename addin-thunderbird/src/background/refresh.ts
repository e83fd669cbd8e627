// Bringing each account's keys up to date after setup, the way `mailseal read` does
// (cli/src/commands/read.ts): refreshKeys releases any key a rotation made since (docs/services.md,
// "Rotation", "Client flows"), renewSigningCertificate renews a due signing certificate. Whatever is
// new goes into NSS with the same import as at setup (host/nss.ts): without the new key there,
// Thunderbird shows its own error page for CBC mail to it and the add-in never sees the message
// (README, "Reading"). The CA's CRL is fetched here too (mailflow/crl.ts), for the signatures the
// reader checks. When: at start-up, once a day (alarms), and when a displayed message is NO_KEY.
// On a protected account a key made by a rotation needs the key-protection password, which no
// background task asks for: the rest of the refresh goes on without it, the person is told once per
// waiting key (a notification that opens the page), and the page brings it here with the password.
import {
  hasCode,
  openAccount,
  passwordUnlock,
  refreshCrl,
  refreshKeys,
  renewSigningCertificate,
  type DeviceState,
  type StateStore,
  type StoredKey,
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

/** The account's keys this device does not hold: on a protected account, they wait for the password. */
export function keysWaitingForPassword(state: DeviceState): StoredKey[] {
  return state.keys.filter((k) => k.pkcs8 === undefined && k.protection !== "none");
}

export interface RefreshAccountOptions {
  /** The key-protection password, typed on the page: brings the keys that wait for it. */
  password?: string;
  /** Told of the keys that still wait for the password after the refresh (none: not called). */
  onWaiting?: (address: string, keys: StoredKey[]) => Promise<void>;
}

/** Refreshes one provisioned account; resolves whether anything new arrived (and went into NSS). */
export async function refreshAccount(
  store: StateStore,
  address: string,
  options: RefreshAccountOptions = {},
): Promise<boolean> {
  const host = await mailflowHost(store);
  const { state, client } = await openAccount(host, address);
  // Before asking the service: the root's NSS trust is set to e-mail only at every refresh, so that a
  // root which an earlier version imported trusted for TLS and code signing too loses that at start-up.
  if (state.root !== undefined) await trustRoot(state.root);
  const { password } = options;
  let refreshed: DeviceState;
  try {
    refreshed = await refreshKeys(
      client,
      store,
      state,
      password === undefined ? {} : { unlock: passwordUnlock(client, () => Promise.resolve(password)) },
    );
  } catch (error) {
    // Without the password (a background task asks no one) a protected key stops the release, after
    // refreshKeys saved the key list and the keys held: the signing certificate and the CRL do not
    // need the password, so they are renewed all the same (a protected account would otherwise sign
    // with an expired certificate and miss revocations until the password is typed).
    if (password !== undefined || !hasCode(error, "PASSWORD_REQUIRED")) throw error;
    refreshed = (await store.load(state.address)) ?? state;
  }
  const renewed = await renewSigningCertificate(client, store, refreshed, host.clock);
  // The CA's CRL (when the kept one is due): a signature by a removed device's certificate then
  // shows as revoked. The engine checks the CRL's signature in its worker.
  const next = await refreshCrl(client, store, renewed, host.clock, engineCrlCheck(await engineWorker()));
  const waiting = keysWaitingForPassword(next);
  if (waiting.length > 0) await options.onWaiting?.(next.address, waiting);
  if (!changedForNss(state, next)) return false;
  for (const offer of await offeredIdentities(store)) {
    if (offer.state === "ready" && offer.address.toLowerCase() === next.address) {
      await installInNss(next, offer.identityId);
    }
  }
  return true;
}

/** Refreshes every account of this device; one failing (offline, not set up) does not stop the others. */
export async function refreshAllAccounts(
  store: StateStore,
  onWaiting?: RefreshAccountOptions["onWaiting"],
): Promise<boolean> {
  let changed = false;
  for (const address of await store.list()) {
    try {
      changed = (await refreshAccount(store, address, onWaiting === undefined ? {} : { onWaiting })) || changed;
    } catch (error) {
      const expected = hasCode(error, "NOT_PROVISIONED", "SERVICE_UNAVAILABLE");
      (expected ? console.warn : console.error)(`mailseal: ${address}: keys not refreshed`, error);
    }
  }
  return changed;
}

/**
 * One refresh at a time (start-up, the alarm and a NO_KEY message may coincide); `onNoKey` refreshes
 * at most every NO_KEY_REFRESH_INTERVAL_MS and resolves whether a retry can help.
 */
export function keyRefresher(
  store: StateStore,
  now: () => number = Date.now,
  onWaiting?: RefreshAccountOptions["onWaiting"],
) {
  let running: Promise<boolean> | undefined;
  let lastNoKey = -Infinity;
  const refresh = (): Promise<boolean> => {
    running ??= refreshAllAccounts(store, onWaiting).finally(() => (running = undefined));
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
