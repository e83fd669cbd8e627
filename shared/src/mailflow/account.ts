// What every online flow starts from: the saved account, its device key and a ServiceClient
// signing with that key (the host passes its fetch and clock).
import type { Clock } from "../clock.js";
import { MailsealError } from "../errors/index.js";
import { ServiceClient, type Fetch } from "./service-client.js";
import { loadAccount, normalizeAccountAddress, type DeviceState, type StateStore } from "./state.js";

export interface Host {
  fetch: Fetch;
  clock: Clock;
  store: StateStore;
}

export interface OpenAccount {
  state: DeviceState;
  client: ServiceClient;
}

/** The account of `address` with a client for its service; NO_ACCOUNT or NOT_PROVISIONED when it cannot talk yet. */
export async function openAccount(host: Host, address: string): Promise<OpenAccount> {
  const state = await loadAccount(host.store, normalizeAccountAddress(address));
  const deviceKey = await host.store.loadDeviceKey(state.address);
  if (deviceKey === undefined || state.deviceId === undefined) {
    throw new MailsealError(
      "NOT_PROVISIONED",
      `the account ${state.address} is not set up on this device yet (run mailseal account add to finish)`,
    );
  }
  const client = new ServiceClient({
    fetch: host.fetch,
    clock: host.clock,
    endpoints: state.service,
    deviceKey,
    deviceId: state.deviceId,
  });
  return { state, client };
}

/** The only account of the store, or the one named; for commands that work on one account. */
export async function pickAccount(store: StateStore, address: string | undefined): Promise<string> {
  if (address !== undefined) return normalizeAccountAddress(address);
  const all = await store.list();
  if (all.length === 1) return all[0]!;
  throw new MailsealError(
    "NO_ACCOUNT",
    all.length === 0
      ? "this device has no account (mailseal account add first)"
      : `this device has several accounts (${all.join(", ")}): say which`,
  );
}
