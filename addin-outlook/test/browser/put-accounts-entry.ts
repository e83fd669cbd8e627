// A test page (test/pane-browser.ts): puts the device states the test gives into the add-in's
// store (IndexedDbStateStore, as the setup saves them) before the read pane opens in the same origin.
import { IndexedDbStateStore } from "@mailseal/engine/browser";
import type { DeviceState } from "@mailseal/shared";

const scope = globalThis as unknown as { __accountsToStore: DeviceState[] };
void (async () => {
  const store = new IndexedDbStateStore();
  for (const state of scope.__accountsToStore) await store.save(state);
  document.body.dataset.stored = String(scope.__accountsToStore.length);
})();
