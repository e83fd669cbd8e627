// The accounts whose keys open mail in this pane: the states the setup (src/setup/) saved in the
// add-in's IndexedDB store, sealed at rest under a non-extractable key (IndexedDbStateStore of
// @mailseal/engine/browser, the Thunderbird add-in's store too). One store per page: its database
// connection and sealing key are opened once.
import { IndexedDbStateStore } from "@mailseal/engine/browser";
import type { DeviceState } from "@mailseal/shared";

let store: IndexedDbStateStore | undefined;

/** The add-in's store of device states and device keys (IndexedDB of the add-in's origin). */
export function accountStore(): IndexedDbStateStore {
  store ??= new IndexedDbStateStore();
  return store;
}

/** Every account set up in this browser profile, with its keys. */
export async function loadAccounts(): Promise<DeviceState[]> {
  const store = accountStore();
  const states: DeviceState[] = [];
  for (const address of await store.list()) {
    const state = await store.load(address);
    // Set up as far as the keys: a setup still waiting for its code opens no mail yet.
    if (state !== undefined && state.keys.length > 0) states.push(state);
  }
  return states;
}
