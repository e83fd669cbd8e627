// The accounts whose keys open mail in this pane. Setting an address up in Outlook (provisioning and
// a state store in the add-in's storage) is a later step of issue 13; until then the pane takes the
// states its host page puts in `globalThis.mailsealAccounts` before the pane's script runs (the tests
// do), and with none it says the address is not set up.
import type { DeviceState } from "@mailseal/shared";

// Asynchronous because the account store it will read (IndexedDB) is.
export function loadAccounts(): Promise<DeviceState[]> {
  const states = (globalThis as { mailsealAccounts?: unknown }).mailsealAccounts;
  return Promise.resolve(Array.isArray(states) ? (states as DeviceState[]) : []);
}
