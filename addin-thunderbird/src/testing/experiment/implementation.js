// TEST FLAVOUR ONLY: the Experiment `mailsealTest`, which only dist/mailseal-test.xpi declares (its
// manifest is written by scripts/build.mjs); the release .xpi has neither this file nor the API. It
// gives the end-to-end harness (test/thunderbird) what it needs from the parent process. Even in the
// test flavour, every function refuses (or the readers answer "" / 0) unless the profile sets the
// test channel pref, which only the harness's user.js does.
"use strict";

const TEST_CHANNEL_PREF = "extensions.mailseal.test.channel";
const TEST_CLOCK_PREF = "extensions.mailseal.test.clockOffset";

function testChannelUrl() {
  return Services.prefs.getStringPref(TEST_CHANNEL_PREF, "");
}

function requireTestProfile(what) {
  if (testChannelUrl() === "")
    throw new Error(`mailsealTest.${what} works only in test profiles (${TEST_CHANNEL_PREF})`);
}

async function logged(name, fn) {
  try {
    return await fn();
  } catch (error) {
    console.error(`mailseal test experiment: ${name} failed:`, error);
    throw new ExtensionCommon.ExtensionError(`mailsealTest.${name}: ${error?.message ?? error}`);
  }
}

// Thunderbird looks the API class up by this global name (experiment_apis.mailsealTest).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
var mailsealTest = class extends ExtensionCommon.ExtensionAPI {
  getAPI(context) {
    return {
      mailsealTest: {
        testChannel: () => logged("testChannel", async () => testChannelUrl()),
        // Milliseconds; 0 unless this is a test profile.
        testClockOffset: () =>
          logged("testClockOffset", async () =>
            testChannelUrl() === "" ? 0 : Number(Services.prefs.getStringPref(TEST_CLOCK_PREF, "0")) || 0,
          ),
        testSetClockOffset: (offsetMs) =>
          logged("testSetClockOffset", async () => {
            requireTestProfile("testSetClockOffset");
            Services.prefs.setStringPref(TEST_CLOCK_PREF, String(offsetMs));
          }),
        testAddLogin: (origin, username, password) =>
          logged("testAddLogin", async () => {
            requireTestProfile("testAddLogin");
            const login = Cc["@mozilla.org/login-manager/loginInfo;1"].createInstance(Ci.nsILoginInfo);
            login.init(origin, null, origin, username, password, "", "");
            await Services.logins.addLoginAsync(login);
          }),
        // The compose window's toolbar as laid out: the Send button and the add-on's compose action
        // button (their widths, and whether a label is cut short), for the visual run's check that
        // the add-on's button does not squeeze Send.
        testComposeToolbar: (windowId) =>
          logged("testComposeToolbar", async () => {
            requireTestProfile("testComposeToolbar");
            const window = context.extension.windowManager.get(windowId, context).window;
            // Measured once the window has painted (two frames), as a person would see it.
            await new Promise((resolve) => window.requestAnimationFrame(() => window.requestAnimationFrame(resolve)));
            const measure = (button) => {
              if (button === null) return null;
              const label = button.querySelector(".toolbarbutton-text");
              const rect = button.getBoundingClientRect();
              return {
                width: Math.round(rect.width),
                label: button.label ?? button.getAttribute("label") ?? "",
                // A label wider than its box is cut (crop="end" shows an ellipsis).
                labelCut: label !== null && label.scrollWidth > label.clientWidth + 1,
                visible: rect.width > 0 && !button.hidden,
              };
            };
            const toolbar = window.document.getElementById("composeToolbar2");
            return {
              toolbarWidth: Math.round(toolbar?.getBoundingClientRect().width ?? 0),
              send: measure(window.document.getElementById("button-send")),
              mailseal: measure(window.document.querySelector('[id$="-composeAction-toolbarbutton"]')),
            };
          }),
        // What Thunderbird's own message header and attachment bar show for the tab's message: its
        // S/MIME button (the lock and seal icons) and attachment bar, each whether laid out at all.
        // Whether the message list shows the message with a paperclip (its header's Attachment flag).
        // Saves compose window `tabId` as a draft as its Save button does (SaveAsDraft), or as its
        // autosave does when its timer fires and the message changed (AutoSave, MsgComposeCommands.js).
        testSaveDraft: (tabId, autosave) =>
          logged("testSaveDraft", async () => {
            requireTestProfile("testSaveDraft");
            const win = context.extension.tabManager.get(tabId).nativeTab;
            if (autosave) await win.GenericSendMessage(Ci.nsIMsgCompDeliverMode.AutoSaveAsDraft);
            else await win.SaveAsDraft();
          }),
        // Opens a draft for editing as a double click in the Drafts folder does (mailCommands.js,
        // ComposeMessage with nsIMsgCompType.Draft), not as compose.beginNew, which edits it as new.
        testOpenDraft: (messageId) =>
          logged("testOpenDraft", async () => {
            requireTestProfile("testOpenDraft");
            const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
            const hdr = context.extension.messageManager.get(messageId);
            if (!hdr) throw new Error(`no message ${messageId}`);
            const msgWindow = Cc["@mozilla.org/messenger/msgwindow;1"].createInstance(Ci.nsIMsgWindow);
            MailServices.compose.OpenComposeWindow(
              null,
              hdr,
              hdr.folder.getUriForMsg(hdr),
              Ci.nsIMsgCompType.Draft,
              Ci.nsIMsgCompFormat.Default,
              hdr.folder.server ? MailServices.accounts.getFirstIdentityForServer(hdr.folder.server) : null,
              null,
              msgWindow,
            );
          }),
        // Selects a message in the first mail tab's list, as a click on it does (about3Pane.js
        // selectMessage: its folder shown, the message in the message pane below the list);
        // answers that tab's id.
        testSelectMessage: (messageId) =>
          logged("testSelectMessage", async () => {
            requireTestProfile("testSelectMessage");
            const hdr = context.extension.messageManager.get(messageId);
            if (!hdr) throw new Error(`no message ${messageId}`);
            const window = Services.wm.getMostRecentWindow("mail:3pane");
            const tabmail = window.document.getElementById("tabmail");
            const tab = tabmail.tabInfo.find((info) => info.mode.name === "mail3PaneTab");
            tabmail.switchToTab(tab);
            tab.chromeBrowser.contentWindow.selectMessage(hdr);
            return context.extension.tabManager.getWrapper(tab).id;
          }),
        // How Thunderbird's own certificate verification (mozilla::pkix, as nsMsgComposeSecure uses it
        // before it encrypts a draft) judges the identity's S/MIME certificates: the error code per
        // usage (0: valid) and the chain it built.
        testVerifyIdentityCertificates: (identityId) =>
          logged("testVerifyIdentityCertificates", async () => {
            requireTestProfile("testVerifyIdentityCertificates");
            const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
            const identity = MailServices.accounts.getIdentity(identityId);
            const db = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
            const verify = (cert, usage) =>
              new Promise((resolve) =>
                db.asyncVerifyCertAtTime(
                  cert,
                  usage,
                  Ci.nsIX509CertDB.FLAG_LOCAL_ONLY,
                  "",
                  Math.floor(Date.now() / 1000),
                  [],
                  {
                    verifyCertFinished: (code, chain) =>
                      resolve({ code, chain: (chain ?? []).map((c) => c.subjectName) }),
                  },
                ),
              );
            const out = {};
            for (const use of ["signing", "encryption"]) {
              const cert = db.findCertByDBKey(identity.getCharAttribute(`${use}_cert_dbkey`));
              out[use] = cert
                ? {
                    signer: await verify(cert, Ci.nsIX509CertDB.verifyUsageEmailSigner),
                    recipient: await verify(cert, Ci.nsIX509CertDB.verifyUsageEmailRecipient),
                  }
                : null;
            }
            return out;
          }),
        // Thunderbird's own encryption state in a compose window: its Encrypt toggle (gSendEncrypted,
        // what its toolbar button and menu show) and whether it would encrypt a send itself.
        testComposeEncryption: (tabId) =>
          logged("testComposeEncryption", async () => {
            requireTestProfile("testComposeEncryption");
            const win = context.extension.tabManager.get(tabId).nativeTab;
            const button = win.document.getElementById("button-encryption");
            return {
              sendEncrypted: Boolean(win.gSendEncrypted),
              sendSigned: Boolean(win.gSendSigned),
              buttonChecked: Boolean(button?.hasAttribute("checked")),
              // Its notification "encryption is possible" with its Enable button.
              reminder: Boolean(win.gComposeNotification?.getNotificationWithValue("enableNotification")),
              draftId: win.gMsgCompose?.compFields?.draftId ?? "",
            };
          }),
        testHasAttachmentFlag: (messageId) =>
          logged("testHasAttachmentFlag", async () => {
            requireTestProfile("testHasAttachmentFlag");
            const hdr = context.extension.messageManager.get(messageId);
            return Boolean(hdr && hdr.flags & Ci.nsMsgMessageFlags.Attachment);
          }),
        testMessagePane: (tabId) =>
          logged("testMessagePane", async () => {
            requireTestProfile("testMessagePane");
            const native = context.extension.tabManager.get(tabId).nativeTab;
            const content = native.chromeBrowser?.contentWindow;
            const win = content?.messageBrowser ? content.messageBrowser.contentWindow : content;
            const shown = (id) => {
              const element = win.document.getElementById(id);
              if (!element || element.hidden || element.collapsed) return false;
              return win.getComputedStyle(element).display !== "none";
            };
            // The add-on's banner for a key that waits for the password, and whether the message
            // pane under it (Thunderbird's "cannot decrypt" page) still takes space.
            const banner = win.document.getElementById("mailseal-key-waiting");
            const pane = win.document.getElementById("messagepane");
            const rect = banner?.getBoundingClientRect();
            return {
              cryptoBox: shown("cryptoBox"),
              encryptedIcon: shown("encryptedHdrIcon"),
              signedIcon: shown("signedHdrIcon"),
              attachmentBar: shown("attachmentView"),
              keyWaiting:
                banner && rect.width > 0 && rect.height > 0
                  ? {
                      text: banner.textContent,
                      button: banner.querySelector("button")?.textContent ?? "",
                      colour: win.getComputedStyle(banner).backgroundColor,
                    }
                  : null,
              messagePaneLaidOut: Boolean(pane && win.getComputedStyle(pane).visibility === "visible"),
            };
          }),
        // The content tab of the add-on's page as a person sees it: its label, its icon, and
        // whether the address toolbar (with the moz-extension:// URL) is laid out.
        testPageTab: () =>
          logged("testPageTab", async () => {
            requireTestProfile("testPageTab");
            const page = `${context.extension.baseURL}options.html`;
            for (const window of Services.wm.getEnumerator("mail:3pane")) {
              const tabmail = window.document.getElementById("tabmail");
              for (const tab of tabmail?.tabInfo ?? []) {
                if (!(tab.browser?.currentURI?.spec ?? "").startsWith(page)) continue;
                const toolbox = tab.root?.querySelector(".contentTabToolbox");
                const rect = toolbox?.getBoundingClientRect();
                return {
                  title: tab.title ?? "",
                  icon: tab.favIconUrl ?? "",
                  addressBarLaidOut: Boolean(rect && rect.height > 0 && rect.width > 0),
                };
              }
            }
            return null;
          }),
        // Stands for the person's choice of an application for a media type (Thunderbird's settings,
        // "Files & Attachments"): the test's own opener, which records the file it was handed.
        testSetOpenHandler: (contentType, extension, executable) =>
          logged("testSetOpenHandler", async () => {
            requireTestProfile("testSetOpenHandler");
            const mime = Cc["@mozilla.org/mime;1"].getService(Ci.nsIMIMEService);
            const info = mime.getFromTypeAndExtension(contentType, extension);
            const app = Cc["@mozilla.org/uriloader/local-handler-app;1"].createInstance(Ci.nsILocalHandlerApp);
            app.name = "test opener";
            app.executable = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
            app.executable.initWithPath(executable);
            info.preferredApplicationHandler = app;
            info.preferredAction = Ci.nsIHandlerInfo.useHelperApp;
            info.alwaysAskBeforeHandling = false;
            Cc["@mozilla.org/uriloader/handler-service;1"].getService(Ci.nsIHandlerService).store(info);
          }),
        // File > Send Unsent Messages: the Outbox's messages go out now.
        testSendUnsent: () =>
          logged("testSendUnsent", async () => {
            requireTestProfile("testSendUnsent");
            const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
            const sendLater = Cc["@mozilla.org/messengercompose/sendlater;1"].getService(Ci.nsIMsgSendLater);
            const identity = MailServices.accounts.defaultAccount.defaultIdentity;
            await new Promise((resolve, reject) => {
              const listener = {
                QueryInterface: ChromeUtils.generateQI(["nsIMsgSendLaterListener"]),
                onStartSending() {},
                onMessageStartSending() {},
                onMessageSendProgress() {},
                onMessageSendError() {},
                onStopSending(status, errorMsg, totalTried, successful) {
                  sendLater.removeListener(listener);
                  if (Components.isSuccessCode(status)) resolve(successful);
                  else
                    reject(new Error(`sending unsent messages failed (0x${(status >>> 0).toString(16)}): ${errorMsg}`));
                },
              };
              sendLater.addListener(listener);
              sendLater.sendUnsentMessages(identity);
            });
          }),
        testClickKeyWaiting: (tabId) =>
          logged("testClickKeyWaiting", async () => {
            requireTestProfile("testClickKeyWaiting");
            const native = context.extension.tabManager.get(tabId).nativeTab;
            const content = native.chromeBrowser?.contentWindow;
            const win = content?.messageBrowser ? content.messageBrowser.contentWindow : content;
            const button = win?.document.querySelector("#mailseal-key-waiting button");
            button?.click();
            return Boolean(button);
          }),
        testQuit: () =>
          logged("testQuit", async () => {
            requireTestProfile("testQuit");
            // Let the answer reach the add-in before the process goes.
            const { setTimeout } = ChromeUtils.importESModule("resource://gre/modules/Timer.sys.mjs");
            setTimeout(() => Services.startup.quit(Ci.nsIAppStartup.eForceQuit), 100);
          }),
      },
    };
  }
};
