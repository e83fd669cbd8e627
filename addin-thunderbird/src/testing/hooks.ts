// TEST FLAVOUR ONLY: what the background wires when built as dist/mailseal-test.xpi and the profile
// names a harness channel (the pref extensions.mailseal.test.channel, read through the test
// Experiment). background/main.ts reaches this only under `if (MAILSEAL_TEST_FLAVOUR)`, so the
// release bundle holds none of it.
import type { StateStore } from "@mailseal/shared";
import type { DisplayWiring } from "../background/display.js";
import { testCommands, type TestTargets } from "./commands.js";
import { harnessEvent, runHarnessChannel } from "./harness-channel.js";

export interface HarnessHooks {
  /** Reports what each display script rendered and each saved attachment. */
  display: Pick<DisplayWiring, "onRendered" | "onSaved" | "onOpened" | "onKeyWaiting">;
  /** Reports what the add-in's page shows (its DOM read back). */
  onPage(report: unknown): void;
  /** Reports each notification the add-in showed. */
  onNotified(notification: { id: string; title: string; message: string }): void;
  /** Says "ready" and runs the harness's commands. */
  start(store: StateStore, targets: TestTargets): void;
}

/** The hooks when this profile has a harness channel, else undefined (a test build in a normal profile). */
export async function harnessHooks(): Promise<HarnessHooks | undefined> {
  const channel = await messenger.mailsealTest.testChannel();
  if (channel === "") return undefined;
  return {
    display: {
      onRendered: (messageId, report) => harnessEvent(channel, { type: "displayed", messageId, ...report }),
      onSaved: (messageId, saved) => harnessEvent(channel, { type: "saved", messageId, ...saved }),
      onOpened: (messageId, opened) => harnessEvent(channel, { type: "opened", messageId, ...opened }),
      onKeyWaiting: (messageId, shown) => harnessEvent(channel, { type: "keyWaiting", messageId, ...shown }),
    },
    onPage: (report) => harnessEvent(channel, { ...(report as object), type: "page" }),
    onNotified: (notification) => harnessEvent(channel, { type: "notified", ...notification }),
    start: (store, targets) => {
      harnessEvent(channel, { type: "ready" });
      void runHarnessChannel(channel, testCommands(store, targets));
    },
  };
}
