// TEST FLAVOUR ONLY: the commands the harness sends through the channel (see harness-channel.ts).
// Each is named test*: they exist only in dist/mailseal-test.xpi, and there only run when the
// profile sets the test channel pref.
import { normalizeAccountAddress, type StateStore } from "@mailseal/shared";
import { sendOutcome } from "../background/compose.js";
import { offeredIdentities, setUpIdentity } from "../background/setup.js";
import { openUiPage } from "../background/ui.js";
import type { HarnessCommand, HarnessHandlers } from "./harness-channel.js";

function field(command: HarnessCommand, name: string): string {
  const value = command[name];
  if (typeof value !== "string" || value === "") throw new Error(`${command.type}: ${name} is missing`);
  return value;
}

async function accountOf(address: string): Promise<messenger.MailAccount> {
  const accounts = await messenger.accounts.list(false);
  const account = accounts.find((a) => a.identities.some((i) => i.email.toLowerCase() === address.toLowerCase()));
  if (account === undefined) throw new Error(`no account has the identity ${address}`);
  return account;
}

async function findInInbox(accountId: string, subject: string): Promise<messenger.MessageHeader | undefined> {
  let page = await messenger.messages.query({ accountId, subject });
  for (;;) {
    const hit = page.messages.find((m) => m.subject === subject && m.folder?.specialUse?.includes("inbox") === true);
    if (hit !== undefined || page.id === null) return hit;
    page = await messenger.messages.continueList(page.id);
  }
}

/** The compose action's tooltip, label and badge once the add-in has set them (at most 20 s). */
async function shownBeforeSend(
  tabId: number,
): Promise<{ title: string; badge: string; label: string; badgeColour: number[] }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [title, badge, label, badgeColour] = await Promise.all([
      messenger.composeAction.getTitle({ tabId }),
      messenger.composeAction.getBadgeText({ tabId }),
      messenger.composeAction.getLabel({ tabId }),
      messenger.composeAction.getBadgeBackgroundColor({ tabId }),
    ]);
    if (badge !== "" || Date.now() > deadline) return { title, badge, label, badgeColour };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A compose window from `from` to `to` with `subject` and `body` (plain text, or HTML when `html` is
 * set), and attachments of a repeated byte pattern: `attachmentName`/`attachmentSize`, or several
 * as `attachments: [{name, size}]`. With `replyTo` (a message id), Thunderbird's own reply to that
 * message's sender instead (its recipient and subject Thunderbird's), with `body`.
 */
async function composeWindow(c: HarnessCommand): Promise<messenger.Tab> {
  const html = typeof c.html === "string" ? c.html : undefined;
  const body =
    html === undefined ? { plainTextBody: field(c, "body"), isPlainText: true } : { body: html, isPlainText: false };
  if (typeof c.replyTo === "number") return messenger.compose.beginReply(c.replyTo, "replyToSender", body);
  const account = await accountOf(field(c, "from"));
  const identity = account.identities.find((i) => i.email.toLowerCase() === field(c, "from").toLowerCase())!;
  const tab = await messenger.compose.beginNew(null, {
    identityId: identity.id,
    to: [field(c, "to")],
    subject: field(c, "subject"),
    ...body,
  });
  const attachments = Array.isArray(c.attachments)
    ? (c.attachments as { name: string; size: number }[])
    : Number(c.attachmentSize ?? 0) > 0
      ? [{ name: field(c, "attachmentName"), size: Number(c.attachmentSize) }]
      : [];
  for (const { name, size } of attachments) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 10)) & 0xff;
    await messenger.compose.addAttachment(tab.id!, { file: new File([bytes], name) });
  }
  return tab;
}

/**
 * Presses Send (compose.sendMessage) in compose window `tabId` after reading what the compose
 * action shows: the add-in's onBeforeSend sends it signed and encrypted and cancels Thunderbird's own
 * send, so sendMessage rejects; answers what the add-in's send came to.
 */
async function sendFromTab(tabId: number): Promise<Record<string, unknown>> {
  // What the compose action shows by itself before Send (no click): the add-in watches new
  // compose windows. Waited for, never asked for: a test that asked would hide a missing watch.
  const shown = await shownBeforeSend(tabId);
  // The background shares the parent process's main thread with Thunderbird's windows here
  // (no remote extension process): its longest stall while sending is how long the UI froze.
  let last = performance.now();
  let longestStallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestStallMs = Math.max(longestStallMs, now - last - 20);
    last = now;
  }, 20);
  const cancelled = await messenger.compose.sendMessage(tabId, { mode: "sendNow" }).then(
    () => "Thunderbird sent it itself",
    (error: unknown) => String(error),
  );
  const outcome = sendOutcome(tabId);
  if (outcome === undefined) throw new Error(`the add-in did not take the message (${cancelled})`);
  try {
    return { shown, cancelled, ...(await outcome), longestStallMs: Math.round(longestStallMs) };
  } finally {
    clearInterval(ticker);
  }
}

export interface TestTargets {
  display: { click(messageId: number, selector: string): boolean };
  ui: { page(message: unknown): boolean; notificationClicked(id: string): void };
  refresher: { refresh(): Promise<boolean> };
}

export function testCommands(store: StateStore, targets: TestTargets): HarnessHandlers {
  return {
    /** Opens the add-in's page in a tab (as the install or the Add-ons Manager does). */
    testOpenPage: async () => openUiPage(),
    /**
     * Presses a button of the open page (by CSS selector) as the user would, or with no selector
     * only asks it to report; the page answers with a "page" event (its DOM read back).
     */
    testPage: async (c) => {
      const selector = c.selector;
      const fill = typeof c.fill === "object" && c.fill !== null ? (c.fill as Record<string, string>) : undefined;
      const sent = targets.ui.page(
        typeof selector === "string"
          ? { test: "click", selector, ...(fill === undefined ? {} : { fill }) }
          : { test: "report" },
      );
      if (!sent) throw new Error("the add-in's page is not open");
    },
    /** Presses a button in the decrypted view of a displayed message (e.g. an attachment's Save). */
    testClickInDisplay: async (c) => {
      if (!targets.display.click(Number(c.messageId), field(c, "selector"))) {
        throw new Error(`message ${String(c.messageId)} is not displayed`);
      }
    },
    /** Shifts this running profile's clock (time passing, e.g. to a rotation of the service). */
    testSetClockOffset: async (c) => messenger.mailsealTest.testSetClockOffset(Number(c.offsetMs)),
    /** Runs the key refresh now (as start-up and the daily alarm do); resolves whether anything was new. */
    testRefreshKeys: async () => targets.refresher.refresh(),
    /** Stands for the person's click on the add-in's notification `notificationId`. */
    testClickNotification: async (c) => targets.ui.notificationClicked(field(c, "notificationId")),
    testAddLogin: async (c) =>
      messenger.mailsealTest.testAddLogin(field(c, "origin"), field(c, "username"), field(c, "password")),
    /** What the add-in offers to set up (the identities and their state). */
    testOffers: async () => offeredIdentities(store),
    /** Stands for the user's click "set up this identity": real provisioning through the services. */
    testSetUp: async (c) => {
      const started = Date.now();
      const state = await setUpIdentity(store, field(c, "address"), { challengeTimeoutMs: 60_000 });
      return { deviceId: state.deviceId, keys: state.keys.length, ms: Date.now() - started };
    },
    /**
     * The account's key history as the state keeps it (certificate and PKCS#8, base64url): for the
     * test to check with openssl that what Thunderbird sent is standard S/MIME.
     */
    testExportKeys: async (c) => {
      const state = await store.load(normalizeAccountAddress(field(c, "address")));
      if (state === undefined) throw new Error("no such account here");
      return state.keys.map(({ keyId, certificate, pkcs8, status }) => ({ keyId, certificate, pkcs8, status }));
    },
    /** The account's signing certificate and kept CRL (when fetched), to see a refresh renew them. */
    testAccountState: async (c) => {
      const state = await store.load(normalizeAccountAddress(field(c, "address")));
      if (state === undefined) throw new Error("no such account here");
      return { signingCertificate: state.signing?.certificate ?? null, crlFetchedAt: state.crl?.fetchedAt ?? null };
    },
    /**
     * Composes a message in a compose window (plain text, an attachment of `attachmentSize` bytes of
     * a repeated pattern), asks the add-in what the compose action shows, and presses Send
     * (compose.sendMessage): the add-in's onBeforeSend sends it signed and encrypted and cancels
     * Thunderbird's own send, so sendMessage rejects; the answer is what the add-in's send came to.
     */
    testComposeAndSend: async (c) => sendFromTab((await composeWindow(c)).id!),
    /**
     * Composes as testComposeAndSend does and saves it as a draft as the Save button does, leaving
     * the window open: answers what the compose action showed and Thunderbird's own encryption
     * state in the window after the save.
     */
    testSaveDraft: async (c) => {
      const tab = await composeWindow(c);
      const shown = await shownBeforeSend(tab.id!);
      await messenger.mailsealTest.testSaveDraft(tab.id!, false);
      const encryption = await messenger.mailsealTest.testComposeEncryption(tab.id!);
      return { tabId: tab.id, shown, encryption };
    },
    /** Changes the text of compose window `tabId` and lets Thunderbird autosave it now. */
    testAutoSave: async (c) => {
      const tabId = Number(c.tabId);
      await messenger.compose.setComposeDetails(tabId, { plainTextBody: field(c, "body") });
      await messenger.mailsealTest.testSaveDraft(tabId, true);
      return messenger.mailsealTest.testComposeEncryption(tabId);
    },
    /** Closes compose window `tabId` (its draft saved: nothing to ask). */
    testCloseCompose: async (c) => {
      const tab = await messenger.tabs.get(Number(c.tabId));
      await messenger.windows.remove(tab.windowId!);
    },
    /** The message id of the draft with `subject` in the Drafts folder of the address's account. */
    testFindDraft: async (c) => {
      const account = await accountOf(field(c, "address"));
      const subject = field(c, "subject");
      const deadline = Date.now() + 20_000;
      for (;;) {
        const page = await messenger.messages.query({ accountId: account.id, subject });
        const drafts = page.messages.filter((m) => m.subject === subject && m.folder?.specialUse?.includes("drafts"));
        if (drafts.length > 0) return drafts.map((m) => m.id);
        if (Date.now() > deadline) throw new Error(`no draft "${subject}" in the Drafts folder of ${account.name}`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    },
    /**
     * Opens draft `messageId` for editing (as a double click in the Drafts folder) and answers what
     * the compose window holds once loaded: recipients, subject, text, attachments, the compose
     * action's choice and Thunderbird's own encryption state; the window stays open.
     */
    testEditDraft: async (c) => {
      const before = new Set((await messenger.tabs.query({ type: "messageCompose" })).map((t) => t.id));
      await messenger.mailsealTest.testOpenDraft(Number(c.messageId));
      const deadline = Date.now() + 20_000;
      for (;;) {
        const tab = (await messenger.tabs.query({ type: "messageCompose" })).find((t) => !before.has(t.id));
        // The draft is parsed into the window after it opens: wait for its subject to arrive.
        const details = tab === undefined ? undefined : await messenger.compose.getComposeDetails(tab.id!);
        if (tab !== undefined && details !== undefined && (details.subject ?? "") !== "") {
          // A little longer for the body, which the editor receives last.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const loaded = await messenger.compose.getComposeDetails(tab.id!);
          const attachments = (await messenger.compose.listAttachments(tab.id!)).map(({ name, size }) => ({
            name,
            size,
          }));
          const shown = await shownBeforeSend(tab.id!);
          const encryption = await messenger.mailsealTest.testComposeEncryption(tab.id!);
          return { tabId: tab.id, details: loaded, attachments, shown, encryption };
        }
        if (Date.now() > deadline) throw new Error(`draft ${String(c.messageId)} did not open for editing`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    },
    /** How Thunderbird's own verification judges the S/MIME certificates of the address's identity. */
    /** Selects message `messageId` in the mail tab's list, as a click does; answers `{ tabId }`. */
    testSelectMessage: async (c) => ({
      tabId: await messenger.mailsealTest.testSelectMessage(Number(c.messageId)),
    }),
    testVerifyIdentityCertificates: async (c) => {
      const account = await accountOf(field(c, "address"));
      const identity = account.identities.find((i) => i.email.toLowerCase() === field(c, "address").toLowerCase())!;
      return messenger.mailsealTest.testVerifyIdentityCertificates(identity.id);
    },
    /** Presses Send in the open compose window `tabId` (as testComposeAndSend does). */
    testSendTab: async (c) => sendFromTab(Number(c.tabId)),
    /**
     * Opens a compose window as testComposeAndSend does, without sending: answers what the compose
     * action shows by itself and the compose toolbar as laid out (the visual run's screenshots).
     */
    testCompose: async (c) => {
      const tab = await composeWindow(c);
      const shown = await shownBeforeSend(tab.id!);
      const toolbar = await messenger.mailsealTest.testComposeToolbar(tab.windowId!);
      return { tabId: tab.id, shown, toolbar };
    },
    /** Presses Send Later; answers what it came to (rejected: the add-in took it) and the add-in's outcome. */
    testSendLater: async (c) => {
      const tab = await composeWindow(c);
      if (typeof c.bcc === "string") {
        await messenger.compose.setComposeDetails(tab.id!, { bcc: [c.bcc] });
      }
      const shown = await shownBeforeSend(tab.id!);
      const result = await messenger.compose.sendMessage(tab.id!, { mode: "sendLater" }).then(
        () => "Thunderbird queued it itself",
        (error: unknown) => String(error),
      );
      const outcome = await sendOutcome(tab.id!)?.catch((error: unknown) => ({ failed: String(error) }));
      return { shown, result, outcome: outcome ?? null };
    },
    /** Sends the messages waiting in the Outbox now (File > Send Unsent Messages). */
    testSendUnsent: async () => messenger.mailsealTest.testSendUnsent(),
    /** Whether the message list shows the message with a paperclip. */
    testHasAttachmentFlag: async (c) => messenger.mailsealTest.testHasAttachmentFlag(Number(c.messageId)),
    /** The tab of the add-in's page as a person sees it: title, icon, whether its address bar shows. */
    testPageTab: async () => messenger.mailsealTest.testPageTab(),
    /** Sets the application that opens a media type (as in Thunderbird's settings): the test's opener. */
    testSetOpenHandler: async (c) =>
      messenger.mailsealTest.testSetOpenHandler(field(c, "contentType"), field(c, "extension"), field(c, "executable")),
    /** Stands for the person's click on the button of the key-waiting banner in a tab's message pane. */
    testClickKeyWaiting: async (c) => {
      if (!(await messenger.mailsealTest.testClickKeyWaiting(Number(c.tabId)))) {
        throw new Error(`tab ${String(c.tabId)} shows no key-waiting banner`);
      }
    },
    /** Thunderbird's own S/MIME header button and attachment bar for the message shown in a tab. */
    testMessagePane: async (c) => messenger.mailsealTest.testMessagePane(Number(c.tabId)),
    /** Fetches the inbox of the address until Thunderbird manages (the first sync also discovers folders). */
    testSyncInbox: async (c) => {
      const account = await accountOf(field(c, "address"));
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          return await messenger.mailseal.updateInbox(account.id);
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    },
    /** Fetches new mail of the address's inbox, waits for a message with `subject`, opens it in a tab. */
    testOpenMessage: async (c) => {
      const account = await accountOf(field(c, "address"));
      const subject = field(c, "subject");
      const deadline = Date.now() + 25_000;
      let last = "not found";
      let opens = 0;
      while (Date.now() < deadline) {
        // A busy folder (another update running) refuses an update, and on a loaded machine an update
        // of a new profile's inbox can stall: either way the next round tries again.
        await Promise.race([
          messenger.mailseal.updateInbox(account.id).catch((error: unknown) => (last = String(error))),
          new Promise((resolve) => setTimeout(() => resolve((last = "inbox update did not finish")), 5000)),
        ]);
        const message = await findInInbox(account.id, subject);
        if (message !== undefined) {
          // Right after a fetch Thunderbird may re-add a header under a new id (the old one is then
          // invalid, or its open never finishes): query again and open the current one.
          let tabId: number | undefined;
          opens++;
          last = await Promise.race([
            messenger.messageDisplay.open({ messageId: message.id, location: "tab" }).then(
              (tab) => {
                tabId = tab.id;
                return "opened";
              },
              (error: unknown) => `open failed: ${String(error)}`,
            ),
            new Promise<string>((resolve) => setTimeout(() => resolve(`open(${message.id}) did not finish`), 4000)),
          ]);
          // `opens`: how many tabs it took (1: the first tab showed it, as a person would see it).
          if (last === "opened") return { messageId: message.id, tabId, opens };
          // `once`: a message expected never to finish loading (Thunderbird's "cannot decrypt" page,
          // then the add-in's banner): one tab, and no second try.
          if (c.once === true) return { messageId: message.id, opens };
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      throw new Error(`could not open "${subject}" in the inbox of ${account.name}: ${last}`);
    },
    /**
     * The messages of the address's account in the folder of special use `use` ("inbox", "trash"):
     * subject, read flag and whether it is a challenge mail (its Mailseal-Challenge field), so the
     * test sees where service mail ended up.
     */
    testListFolder: async (c) => {
      const account = await accountOf(field(c, "address"));
      const use = field(c, "use");
      const listed: { subject: string; read: boolean | null; challenge: boolean }[] = [];
      let page = await messenger.messages.query({ accountId: account.id });
      for (;;) {
        for (const m of page.messages.filter((m) => m.folder?.specialUse?.includes(use) === true)) {
          const full = await messenger.messages.getFull(m.id);
          listed.push({
            subject: m.subject,
            read: m.read ?? null,
            challenge: full.headers?.["mailseal-challenge"] !== undefined,
          });
        }
        if (page.id === null) return listed;
        page = await messenger.messages.continueList(page.id);
      }
    },
    testQuit: async () => messenger.mailsealTest.testQuit(),
  };
}
