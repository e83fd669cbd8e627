// Automatic decryption of displayed messages: onMessagesDisplayed (MV3's form of onMessageDisplayed)
// starts reading the message (getRaw ->
// readMessage: the key history, then the inner signature; the core in its worker) and the display script, when it
// connects from that tab, receives the render model. Either may come first; both ask answerFor,
// which reads each message once.
import type { MailflowCore, StateStore, DeviceState } from "@mailseal/shared";
import { readForDisplay } from "../reader/read-message.js";
import { DISPLAY_PORT, type DisplayAnswer, type DisplayReport } from "../reader/render-model.js";
import { coreWorker } from "../host/core.js";
import { addinClock } from "../host/mailflow-host.js";
import { rawMessage } from "../host/raw-message.js";
import { READ_TIME_LIMIT_MS, ReadTimeoutError, withinTimeLimit } from "../reader/time-limit.js";

const DISPLAY_SCRIPT_ID = "mailseal-display";
/** Answers kept for recently displayed messages (switching back and forth needs no new decryption). */
const KEPT_ANSWERS = 8;

export interface DisplayWiring {
  store: StateStore;
  /** Called with what each display script rendered (the test harness listens here). */
  onRendered?: (messageId: number, report: DisplayReport) => void;
}

export function wireDisplay({ store, onRendered }: DisplayWiring): { ready: Promise<void> } {
  const answers = new Map<number, Promise<DisplayAnswer>>();

  async function read(messageId: number): Promise<DisplayAnswer> {
    const { core } = await coreWorker();
    const accounts: DeviceState[] = [];
    for (const address of await store.list()) {
      const state = await store.load(address);
      if (state !== undefined) accounts.push(state);
    }
    // The worker's proxy offers the core's methods asynchronously: what MailflowCore asks for.
    const model = await readForDisplay(
      rawMessage(messageId),
      accounts,
      await addinClock(),
      core as unknown as MailflowCore,
    );
    return model === undefined ? { kind: "pass" } : { kind: "render", model };
  }

  function answerFor(messageId: number): Promise<DisplayAnswer> {
    let answer = answers.get(messageId);
    if (answer === undefined) {
      answer = withinTimeLimit(read(messageId), READ_TIME_LIMIT_MS).catch((error: unknown): DisplayAnswer => {
        console.error("mailseal: reading message", messageId, error);
        const timedOut = error instanceof ReadTimeoutError;
        // Not kept: opening the message again reads it again.
        if (timedOut) answers.delete(messageId);
        const detail = timedOut
          ? `${error.message}; open it again to retry`
          : `could not read this message: ${error instanceof Error ? error.message : String(error)}`;
        return {
          kind: "render",
          model: {
            banner: { kind: "failed", code: timedOut ? error.code : "INTERNAL", detail },
            body: { kind: "none" },
            attachments: [],
          },
        };
      });
      answers.set(messageId, answer);
      while (answers.size > KEPT_ANSWERS) answers.delete(answers.keys().next().value!);
    }
    return answer;
  }

  messenger.messageDisplay.onMessagesDisplayed.addListener((_tab, displayed) => {
    // Several selected messages show a summary, not a message: nothing to decrypt then.
    const [message] = displayed.messages;
    if (displayed.messages.length === 1 && message !== undefined) void answerFor(message.id);
  });

  messenger.runtime.onConnect.addListener((port) => {
    if (port.name !== DISPLAY_PORT) return;
    const tabId = port.sender?.tab?.id;
    if (tabId === undefined) return port.disconnect();
    void (async () => {
      const displayed = await messenger.messageDisplay.getDisplayedMessages(tabId);
      const message = displayed.messages.length === 1 ? displayed.messages[0] : undefined;
      if (message === undefined) return port.disconnect();
      port.onMessage.addListener((report) => onRendered?.(message.id, report as DisplayReport));
      port.postMessage(await answerFor(message.id));
    })();
  });

  const ready = (async () => {
    // Unfiltered: asking for an id that is not registered logs an error in Thunderbird.
    const registered = await messenger.scripting.messageDisplay.getRegisteredScripts();
    if (!registered.some((script) => script.id === DISPLAY_SCRIPT_ID)) {
      await messenger.scripting.messageDisplay.registerScripts([
        { id: DISPLAY_SCRIPT_ID, js: ["display.js"], runAt: "document_idle" },
      ]);
    }
  })();
  return { ready };
}
