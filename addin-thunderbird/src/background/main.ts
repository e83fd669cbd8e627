// The background (MV3 event page): event wiring only. The work is in host/ (Thunderbird adapters),
// the engine (decrypt, verify, render model, seal) in its worker.
import { IndexedDbStateStore } from "@mailseal/engine/browser";
import { harnessHooks } from "../testing/hooks.js";
import { wireCompose } from "./compose.js";
import { wireDisplay } from "./display.js";
import { notifyWaiting, type ShownNotification } from "./notify.js";
import { keyRefresher, REFRESH_ALARM, REFRESH_PERIOD_MINUTES } from "./refresh.js";
import { wireUi } from "./ui.js";

const store = new IndexedDbStateStore();
// Registered at once, not after an await: an event page must add its listeners in its first turn,
// or runtime.onInstalled (which opens the setup page) has fired unheard.
let pageReporter: ((report: unknown) => void) | undefined;
let notificationReporter: ((shown: ShownNotification) => void) | undefined;
let keysArrived: (() => void) | undefined;
const ui = wireUi(
  store,
  (report) => pageReporter?.(report),
  () => keysArrived?.(),
);
// Keys that wait for the key-protection password: the person is told once per key (notify.ts).
const refresher = keyRefresher(store, Date.now, async (address, keys) => {
  const shown = await notifyWaiting(address, keys).catch((error: unknown) => {
    console.warn(`mailseal: ${address}: telling of a key that waits for the password`, error);
    return undefined;
  });
  if (shown !== undefined) notificationReporter?.(shown);
});
// The daily key refresh: the alarm wakes the event page, so its listener is added in the first turn too.
messenger.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === REFRESH_ALARM) void refresher.refresh();
});

async function main(): Promise<void> {
  // The test flavour only (../flavour.d.ts), and there only in profiles with a harness channel.
  const harness = MAILSEAL_TEST_FLAVOUR ? await harnessHooks() : undefined;
  // Not awaited: a slow or absent service must not delay reading mail with the keys already here.
  void refresher.refresh();
  if ((await messenger.alarms.get(REFRESH_ALARM)) === undefined) {
    await messenger.alarms.create(REFRESH_ALARM, {
      delayInMinutes: REFRESH_PERIOD_MINUTES,
      periodInMinutes: REFRESH_PERIOD_MINUTES,
    });
  }
  const display = wireDisplay({ store, refresher, askPassword: ui.askPassword, ...harness?.display });
  keysArrived = () => void display.keysArrived();
  if (harness !== undefined) {
    pageReporter = harness.onPage;
    notificationReporter = harness.onNotified;
  }
  wireCompose(store);
  await display.ready;
  if (MAILSEAL_TEST_FLAVOUR) harness?.start(store, { display, ui, refresher });
}

main().catch((error: unknown) => console.error("mailseal: background failed to start", error));
