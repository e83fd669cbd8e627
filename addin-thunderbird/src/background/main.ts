// The background (MV3 event page): event wiring only. The work is in host/ (Thunderbird adapters),
// reader/ (decrypt and render model) and the core's worker.
import { IndexedDbStateStore } from "../host/state-store.js";
import { harnessEvent, runHarnessChannel } from "../testing/harness-channel.js";
import { testCommands } from "../testing/commands.js";
import { wireCompose } from "./compose.js";
import { wireDisplay } from "./display.js";
import { wireUi } from "./ui.js";

const store = new IndexedDbStateStore();
// Registered at once, not after an await: an event page must add its listeners in its first turn,
// or runtime.onInstalled (which opens the setup page) has fired unheard.
let pageReporter: ((report: unknown) => void) | undefined;
const ui = wireUi(store, (report) => pageReporter?.(report));

async function main(): Promise<void> {
  // Only test profiles have a channel (an empty string otherwise): see testing/harness-channel.ts.
  const channel = await messenger.mailseal.testChannel();
  const display = wireDisplay({
    store,
    ...(channel === ""
      ? {}
      : {
          onRendered: (messageId, report) => harnessEvent(channel, { type: "displayed", messageId, ...report }),
          onSaved: (messageId, saved) => harnessEvent(channel, { type: "saved", messageId, ...saved }),
        }),
  });
  if (channel !== "") pageReporter = (report) => harnessEvent(channel, { ...(report as object), type: "page" });
  wireCompose(store);
  await display.ready;
  if (channel !== "") {
    harnessEvent(channel, { type: "ready" });
    void runHarnessChannel(channel, testCommands(store, { display, ui }));
  }
}

main().catch((error: unknown) => console.error("mailseal: background failed to start", error));
