// Automatic decryption of displayed messages: onMessagesDisplayed (MV3's form of onMessageDisplayed)
// starts reading the message (getRaw -> the engine's renderMessage in its worker: the key the
// message names, then the inner signature, then the render model) and the display script, when it
// connects from that tab, receives the render model. Either may come first; both ask answerFor,
// which reads each message once.
import { hasCode, type StateStore, type DeviceState } from "@mailseal/shared";
import {
  DISPLAY_PORT,
  errorCode,
  plainError,
  READ_TIME_LIMIT_MS,
  withinTimeLimit,
  type DisplayAnswer,
  type DisplayNotice,
  type DisplayReport,
  type DisplayRequest,
} from "@mailseal/engine";
import { engineWorker } from "../host/engine.js";
import { addinClock } from "../host/mailflow-host.js";
import { rawMessageFile } from "../host/raw-message.js";
import { openAttachment } from "./open-attachment.js";
import { keysWaitingForPassword, type KeyRefresher } from "./refresh.js";

const DISPLAY_SCRIPT_ID = "mailseal-display";
/** The style that keeps a message hidden until the display script has the verdict (issue 14, finding 8). */
const HIDE_SCRIPT_ID = "mailseal-hide-until-checked";
/** Answers kept for recently displayed messages (switching back and forth needs no new decryption). */
const KEPT_ANSWERS = 8;
/**
 * How long after a tab shows a message the add-in looks whether Thunderbird reported it displayed;
 * if not, it may be stuck on a load that never completes (see probeTab). Opening takes
 * 0.25-0.45 s; looking early costs nothing (it is the same reading the display needs, read once).
 */
const DISPLAY_EXPECTED_WITHIN_MS = 500;

export interface DisplayWiring {
  store: StateStore;
  /** Asked once when no key opens a message: a rotation may have made the key since the last refresh. */
  refresher?: Pick<KeyRefresher, "onNoKey">;
  /** Called with what each display script rendered (the test harness listens here). */
  onRendered?: (messageId: number, report: DisplayReport) => void;
  /** Called when an attachment was saved from the view (the test harness reads the file). */
  onSaved?: (messageId: number, saved: { index: number; path: string }) => void;
  /** Called when Open of an attachment was answered: how it opened, or the error code (the test harness). */
  onOpened?: (messageId: number, opened: { index: number; how?: string; code?: string }) => void;
  /** Opens the add-in's page, where the key-protection password is typed (the key-waiting banner's button). */
  askPassword?: () => void;
  /** Called when a tab shows the banner of a key that waits for the password (the test harness listens here). */
  onKeyWaiting?: (messageId: number, shown: { tabId: number; headline: string; text: string }) => void;
}

/** The banner of CBC mail to a key that waits for the key-protection password (issue 14, finding 10). */
export function keyWaitingWords(address: string): { headline: string; text: string; button: string } {
  return {
    headline: `A new key for ${address} waits for your password`,
    text:
      "This message cannot be opened on this computer until that key is here: it was most likely " +
      "encrypted to it. Enter your key-protection password, and the message opens here.",
    button: "Enter the password",
  };
}

/**
 * Saves decrypted bytes as a download (the downloads API, which Thunderbird 153 has from the
 * toolkit): a blob: URL of the background page, so the bytes never leave the add-in except into the
 * file; without saveAs, Thunderbird follows the user's setting ("save files to" a folder, or ask
 * where). Resolves the saved file's path once the download is complete.
 */
export async function saveDownload(bytes: Uint8Array, name: string, contentType: string): Promise<string> {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType }));
  try {
    // A file name only: no path separators or leading dots from the sender (the API refuses them).
    const filename =
      Array.from(name, (c) => (c.charCodeAt(0) < 0x20 || '\\/:*?"<>|'.includes(c) ? "_" : c))
        .join("")
        .replace(/^[.\s]+/, "") || "attachment";
    const id = await messenger.downloads.download({ url, filename, conflictAction: "uniquify" });
    return await new Promise<string>((resolve, reject) => {
      const settle = async (): Promise<boolean> => {
        const [item] = await messenger.downloads.search({ id });
        if (item === undefined || item.state === "in_progress") return false;
        messenger.downloads.onChanged.removeListener(listener);
        if (item.state === "complete") resolve(item.filename);
        else reject(new Error(`the download stopped (${item.error ?? "interrupted"})`));
        return true;
      };
      const listener = (delta: messenger.DownloadDelta): void => {
        if (delta.id === id && delta.state?.current !== undefined) void settle();
      };
      messenger.downloads.onChanged.addListener(listener);
      void settle();
    });
  } finally {
    // The download has read the blob by the time it is complete or failed.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/**
 * The failure code for which fetching keys made since the last refresh may help: NO_KEY, which the
 * library and the flows both raise now that NO_MATCHING_RECIPIENT is merged into it.
 */
const MISSING_KEY_CODE = "NO_KEY";

export function wireDisplay({
  store,
  refresher,
  onRendered,
  onSaved,
  onOpened,
  askPassword,
  onKeyWaiting,
}: DisplayWiring): {
  ready: Promise<void>;
  /** Keys that waited for the password arrived (the page's unlock): the messages they stopped open now. */
  keysArrived(): Promise<void>;
  /** Test flavour only (a no-op in the release .xpi): presses a button in the view of a displayed message. */
  click(messageId: number, selector: string): boolean;
} {
  const answers = new Map<number, Promise<DisplayAnswer>>();
  const ports = new Map<number, messenger.Port>();
  /** Messages whose reading needed a key refresh that brought something new (a key now in NSS). */
  const refreshedFor = new Set<number>();
  /** The message Thunderbird last reported displayed in each tab. */
  const displayedIn = new Map<number, number>();
  /** Messages that no key opens while an account has keys waiting for the password: message -> address. */
  const waitingFor = new Map<number, string>();
  /** Tabs showing the key-waiting banner: tab -> message. */
  const waitingIn = new Map<number, number>();
  /** The tab whose banner's button asked for the password: shown again once the key came. */
  let askedFrom: number | undefined;

  async function readOnce(messageId: number): Promise<DisplayAnswer> {
    const engine = await engineWorker();
    const accounts: DeviceState[] = [];
    for (const address of await store.list()) {
      const state = await store.load(address);
      if (state !== undefined) accounts.push(state);
    }
    // Keys the engine holds already stay loaded; a key of a removed account is wiped there.
    await engine.setAccounts(accounts);
    const time = (await addinClock()).now().getTime();
    // The File crosses into the worker without copying its bytes; the engine reads it as it goes.
    const model = await engine.renderMessage(await rawMessageFile(messageId), { time });
    if (model === undefined) return { kind: "pass" };
    // A message in the Drafts folder is the person's draft (Thunderbird encrypts it without signing):
    // the banner says so rather than warn of an unknown sender (bannerView's `draft`).
    const folder = (await messenger.messages.get(messageId)).folder;
    if (folder?.specialUse?.includes("drafts") === true) model.draft = true;
    return { kind: "render", model };
  }

  const missingKey = (answer: DisplayAnswer): boolean =>
    answer.kind === "render" && answer.model.banner.kind === "failed" && answer.model.banner.code === MISSING_KEY_CODE;

  /** An account of this device with keys that wait for the key-protection password, if any. */
  async function accountWaiting(): Promise<string | undefined> {
    for (const address of await store.list()) {
      const state = await store.load(address);
      if (state !== undefined && keysWaitingForPassword(state).length > 0) return state.address;
    }
    return undefined;
  }

  async function read(messageId: number): Promise<DisplayAnswer> {
    let answer = await readOnce(messageId);
    if (!missingKey(answer) || refresher === undefined) return answer;
    // Once: a refresh that brought nothing new leaves the NO_KEY banner as it is.
    const changed = await refresher.onNoKey().catch((error: unknown) => {
      console.warn("mailseal: refreshing keys after NO_KEY", error);
      return false;
    });
    if (changed) {
      refreshedFor.add(messageId);
      answer = await readOnce(messageId);
    }
    // Still no key while one waits for the password: most likely this message's (probeTab says so).
    const waiting = missingKey(answer) ? await accountWaiting() : undefined;
    if (waiting !== undefined) waitingFor.set(messageId, waiting);
    return answer;
  }

  function answerFor(messageId: number): Promise<DisplayAnswer> {
    let answer = answers.get(messageId);
    if (answer === undefined) {
      answer = withinTimeLimit(read(messageId), READ_TIME_LIMIT_MS).catch((error: unknown): DisplayAnswer => {
        console.error("mailseal: reading message", messageId, error);
        const timedOut = hasCode(error, "TIMEOUT");
        // Not kept: opening the message again reads it again.
        if (timedOut) answers.delete(messageId);
        const detail = timedOut
          ? `${error.message}; open it again to retry`
          : `could not read this message: ${error instanceof Error ? error.message : String(error)}`;
        return {
          kind: "render",
          model: {
            banner: { kind: "failed", code: timedOut ? error.code : "INTERNAL", stage: "read", detail },
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

  messenger.messageDisplay.onMessagesDisplayed.addListener((tab, displayed) => {
    // Several selected messages show a summary, not a message: nothing to decrypt then.
    const [message] = displayed.messages;
    // Another message (or none) in a tab that showed the key-waiting banner: the banner goes.
    if (tab.id !== undefined && waitingIn.has(tab.id) && waitingIn.get(tab.id) !== message?.id)
      void clearKeyWaiting(tab.id);
    if (displayed.messages.length === 1 && message !== undefined) {
      if (tab.id !== undefined) displayedIn.set(tab.id, message.id);
      void answerFor(message.id);
    }
  });

  async function clearKeyWaiting(tabId: number): Promise<void> {
    waitingIn.delete(tabId);
    await messenger.mailseal
      .clearKeyWaiting(tabId)
      .catch((error: unknown) => console.warn("mailseal: removing the key-waiting banner", error));
  }

  /**
   * CBC mail that no key opens while a key of this device waits for the key-protection password:
   * Thunderbird's "cannot decrypt" page gives way to the add-in's banner, whose button opens the page
   * where the password is typed; once the key came (keysArrived), the message is shown again.
   */
  async function showKeyWaiting(tabId: number, messageId: number, address: string): Promise<void> {
    const words = keyWaitingWords(address);
    if (!(await messenger.mailseal.showKeyWaiting(tabId, words.headline, words.text, words.button))) return;
    waitingIn.set(tabId, messageId);
    onKeyWaiting?.(messageId, { tabId, headline: words.headline, text: words.text });
    while (await messenger.mailseal.keyWaitingClicked(tabId)) {
      askedFrom = tabId;
      askPassword?.();
    }
  }

  /**
   * A fallback for a tab whose message never finished loading. Thunderbird's own "cannot decrypt"
   * page (mail NSS cannot decrypt: a key it lacks, a form it cannot decode) is what stopped such
   * loads: that load never completes, onMessagesDisplayed never fires and no display script runs
   * (README, "Reading"); the Experiment now keeps that page from loading (takeOverCannotDecrypt),
   * so this is for a window where that failed. The tab still names its message: when it was
   * not reported displayed in time, the add-in reads it itself, which on NO_KEY runs the
   * (rate-limited) key refresh; when that brought the key (now in NSS too), the tab shows the
   * message again, and this time Thunderbird decrypts it and the display script shows ours.
   */
  async function probeTab(tabId: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, DISPLAY_EXPECTED_WITHIN_MS));
    // Not messageDisplay.getDisplayedMessages: it waits for the load to complete, which this one never does.
    const messageId = await messenger.mailseal.shownMessageId(tabId);
    // Another message in a tab that showed the key-waiting banner: the banner goes.
    if (waitingIn.has(tabId) && waitingIn.get(tabId) !== messageId) await clearKeyWaiting(tabId);
    if (messageId < 0 || displayedIn.get(tabId) === messageId) return;
    const answer = await answerFor(messageId);
    if (answer.kind !== "render" || ports.has(messageId) || displayedIn.get(tabId) === messageId) return;
    const waiting = waitingFor.get(messageId);
    if (waiting !== undefined && !waitingIn.has(tabId)) {
      // Still on Thunderbird's page for this message (not another one chosen meanwhile).
      if ((await messenger.mailseal.shownMessageId(tabId)) === messageId)
        await showKeyWaiting(tabId, messageId, waiting);
      return;
    }
    if (!refreshedFor.has(messageId)) return;
    await messenger.mailseal.reloadMessage(tabId);
  }
  const probe = (tab: messenger.Tab): void => {
    if (tab.id === undefined) return;
    probeTab(tab.id).catch((error: unknown) => console.warn("mailseal: checking a message tab", error));
  };
  // A message opened in its own tab or window, and one chosen in the three-pane tab's list.
  messenger.tabs.onCreated.addListener((tab) => {
    if (tab.type === "messageDisplay") probe(tab);
  });
  messenger.mailTabs.onSelectedMessagesChanged.addListener((tab, selected) => {
    if (selected.messages.length === 1) probe(tab);
  });

  messenger.runtime.onConnect.addListener((port) => {
    if (port.name !== DISPLAY_PORT) return;
    const tabId = port.sender?.tab?.id;
    if (tabId === undefined) return port.disconnect();
    void (async () => {
      const displayed = await messenger.messageDisplay.getDisplayedMessages(tabId);
      const message = displayed.messages.length === 1 ? displayed.messages[0] : undefined;
      if (message === undefined) return port.disconnect();
      ports.set(message.id, port);
      port.onDisconnect.addListener(() => ports.get(message.id) === port && ports.delete(message.id));
      const answer = await answerFor(message.id);
      // No key opens it while one waits for the password: the key-waiting banner over the message,
      // which NO_KEY alone would not tell (Thunderbird's own failure no longer stops the load, see
      // the Experiment's takeOverCannotDecrypt; probeTab covers a tab that never loads).
      const waiting = missingKey(answer) ? waitingFor.get(message.id) : undefined;
      if (waiting !== undefined && !waitingIn.has(tabId)) {
        showKeyWaiting(tabId, message.id, waiting).catch((error: unknown) =>
          console.warn("mailseal: showing the key-waiting banner", error),
        );
      }
      // Ours: Thunderbird's own S/MIME header button and attachment bar step aside for the banner
      // and the attachment list (issue 14, findings 8 and 9); anything else keeps them.
      messenger.mailseal
        .showsOwnVerdict(tabId, answer.kind === "render")
        .catch((error: unknown) => console.warn("mailseal: Thunderbird's own verdict", error));
      // The paperclip in the message list for attachments only our reading found (GCM mail).
      if (answer.kind === "render" && answer.model.attachments.length > 0) {
        messenger.mailseal
          .markHasAttachments(message.id)
          .catch((error: unknown) => console.warn("mailseal: marking attachments", error));
      }
      port.onMessage.addListener((value) => {
        const request = value as DisplayRequest;
        if (request.kind === "report") return onRendered?.(message.id, request.report);
        if ((request.kind !== "save" && request.kind !== "open") || answer.kind !== "render") return;
        const attachment = answer.model.attachments[request.index];
        const bytes = answer.model.attachmentData?.[request.index];
        if (attachment === undefined || bytes === undefined) return;
        const reply = (notice: DisplayNotice): void => port.postMessage(notice);
        if (request.kind === "open") {
          openAttachment(bytes, attachment.name, attachment.contentType).then(
            (how) => {
              reply({ kind: "opened", index: request.index, ok: true, how });
              onOpened?.(message.id, { index: request.index, how });
            },
            (error: unknown) => {
              console.warn("mailseal: opening an attachment", error);
              reply({ kind: "opened", index: request.index, ok: false, message: plainError(error) });
              onOpened?.(message.id, { index: request.index, code: errorCode(error) });
            },
          );
          return;
        }
        saveDownload(bytes, attachment.name, attachment.contentType).then(
          (path) => {
            reply({ kind: "saved", index: request.index, ok: true, filename: path });
            onSaved?.(message.id, { index: request.index, path });
          },
          (error: unknown) => reply({ kind: "saved", index: request.index, ok: false, message: plainError(error) }),
        );
      });
      // The bytes of attachments stay here: the pane gets the model without them.
      if (answer.kind === "render") {
        const model = { ...answer.model };
        delete model.attachmentData;
        port.postMessage({ kind: "render", model } satisfies DisplayAnswer);
      } else port.postMessage(answer);
    })();
  });

  const ready = (async () => {
    // Unfiltered: asking for an id that is not registered logs an error in Thunderbird.
    const registered = new Set((await messenger.scripting.messageDisplay.getRegisteredScripts()).map((s) => s.id));
    const wanted = [
      // At document_start, before Thunderbird paints anything of the message.
      { id: HIDE_SCRIPT_ID, css: ["hide-until-checked.css"], runAt: "document_start" },
      { id: DISPLAY_SCRIPT_ID, js: ["display.js"], runAt: "document_idle" },
    ].filter((script) => !registered.has(script.id));
    if (wanted.length > 0) await messenger.scripting.messageDisplay.registerScripts(wanted);
  })();
  return {
    ready,
    async keysArrived() {
      // Read again when shown again: the kept answers said NO_KEY.
      for (const messageId of waitingFor.keys()) answers.delete(messageId);
      waitingFor.clear();
      const back = askedFrom;
      askedFrom = undefined;
      for (const tabId of [...waitingIn.keys()]) {
        await clearKeyWaiting(tabId);
        await messenger.mailseal
          .reloadMessage(tabId)
          .catch((error: unknown) => console.warn("mailseal: reload", error));
        // The person asked from this message: it is what they want to see now, not the page.
        if (tabId === back) await messenger.tabs.update(tabId, { active: true }).catch(() => undefined);
      }
    },
    click(messageId, selector) {
      if (!MAILSEAL_TEST_FLAVOUR) return false;
      const port = ports.get(messageId);
      port?.postMessage({ kind: "testClick", selector } satisfies DisplayNotice);
      return port !== undefined;
    },
  };
}
