// The mailseal Experiment (parent process, full privileges): the few things no MailExtension API
// does. Plain JavaScript: Thunderbird loads it as is. Errors inside an Experiment reach the add-in
// only as "An unexpected error occurred", so each function logs its own failure before rethrowing.
"use strict";

const SERVICE_PREF = "extensions.mailseal.service";

function certDb() {
  return Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
}

function mailServices() {
  return ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs").MailServices;
}

/**
 * What each compose window's current send is (Send or Send Later): its "compose-prepare-message-start"
 * event says it (detail.msgType) just before onBeforeSend runs, which itself is not told.
 */
const sendModes = new WeakMap();
const SEND_MODES_LISTENER = "mailseal-send-modes";
let watchingSendModes = false;

function watchSendModes() {
  if (watchingSendModes) return;
  watchingSendModes = true;
  const { ExtensionSupport } = ChromeUtils.importESModule("resource:///modules/ExtensionSupport.sys.mjs");
  ExtensionSupport.registerWindowListener(SEND_MODES_LISTENER, {
    chromeURLs: ["chrome://messenger/content/messengercompose/messengercompose.xhtml"],
    onLoadWindow(win) {
      win.addEventListener("compose-prepare-message-start", (event) => {
        sendModes.set(win, event.detail?.msgType);
        encryptDraft(win, event.detail?.msgType);
      });
    },
  });
}

/**
 * Drafts of mailseal messages are stored encrypted (addin-thunderbird/README.md, "Drafts"). The
 * add-in sends such messages itself and leaves Thunderbird's own S/MIME toggle off, so Thunderbird
 * would write their drafts in clear. Its own draft encryption is used instead: a draft is encrypted
 * when the compose fields' requireEncryptMessage (gSendEncrypted, read at the start of
 * CompleteGenericSendMessage) and the identity's autoEncryptDrafts are on (MimeMessage.sys.mjs,
 * _getComposeSecure). nsMsgComposeSecure then encrypts it, unsigned, to the identity's encryption
 * certificate (the mailseal one in NSS) and to every recipient, each of whose certificates it takes
 * only from the compose window's cache (cacheValidCertForEmail, which the window fills only while
 * its own encryption is on): a recipient missing there fails the save (MissingRecipientEncryptionCert).
 * So the add-in hands over, per compose window, the certificates it found for the recipients
 * (draftRecipientCertificates, held as temporary certificates); a draft is encrypted when every
 * recipient is among them, which is when the add-in encrypts the message itself, and Thunderbird
 * decrypts it again when the draft is opened for editing. gSendEncrypted is on for the draft's
 * write only: Thunderbird's Encrypt toggle and its recipient checks in the window stay off, the
 * add-on's compose button is the one signal of what Send does.
 */
const draftIdentities = new Set();
/** Compose window -> Map(lower-case address -> its certificate, an nsIX509Cert), from the add-in. */
const draftCertificates = new WeakMap();

function encryptDraft(win, msgType) {
  const drafts = [Ci.nsIMsgCompDeliverMode.SaveAsDraft, Ci.nsIMsgCompDeliverMode.AutoSaveAsDraft];
  if (!drafts.includes(msgType)) return;
  const identity = win.gCurrentIdentity;
  if (!identity || !draftIdentities.has(identity.key)) return;
  // The person's own choice of OpenPGP or of Thunderbird's Encrypt, and the account setting
  // "store drafts encrypted" (on by default) turned off, are left as they are.
  if (win.gSelectedTechnologyIsPGP || win.gSendEncrypted) return;
  if (!identity.getBoolAttribute("autoEncryptDrafts")) return;
  const secure = win.gMsgCompose?.compFields?.composeSecure;
  if (!secure) return;
  const certificates = draftCertificates.get(win) ?? new Map();
  if (typeof win.getEncryptionCompatibleRecipients !== "function") return;
  // The recipients as the draft will name them (the address pills, as GenericSendMessage reads them).
  const recipients = win.getEncryptionCompatibleRecipients();
  // A recipient without a certificate: the message goes out signed only, and its draft as Thunderbird writes it.
  if (recipients.some((address) => !certificates.has(address))) return;
  for (const address of recipients) secure.cacheValidCertForEmail(address, certificates.get(address).dbKey);
  win.gSendEncrypted = true;
  // Dispatched when the draft is written or failed (GenericSendMessage), never before the fields were read.
  win.addEventListener("compose-prepare-message-completed", () => (win.gSendEncrypted = false), { once: true });
}

/** Outgoing messages being written: path -> nsIFile (private temp files, removed after sending). */
const outgoing = new Map();

/**
 * Copies a sent message into the identity's Sent folder (as Thunderbird's own send does when
 * "place a copy" is on). Resolves "saved", "off" or "failed: why": a missing copy does not unsend.
 */
async function saveToSent(identity, file) {
  if (!identity.doFcc || !identity.fccFolderURI) return "off";
  const folder = mailServices().folderLookup.getFolderForURL(identity.fccFolderURI);
  if (!folder) return `failed: no folder ${identity.fccFolderURI}`;
  const { setTimeout } = ChromeUtils.importESModule("resource://gre/modules/Timer.sys.mjs");
  return new Promise((resolve) => {
    setTimeout(() => resolve("failed: no answer within 30 s"), 30_000);
    const listener = {
      QueryInterface: ChromeUtils.generateQI(["nsIMsgCopyServiceListener"]),
      onStartCopy() {},
      onProgress() {},
      setMessageKey() {},
      getMessageId() {
        return "";
      },
      onStopCopy(status) {
        resolve(Components.isSuccessCode(status) ? "saved" : `failed: 0x${(status >>> 0).toString(16)}`);
      },
    };
    try {
      mailServices().copy.copyFileMessage(file, folder, null, false, Ci.nsMsgMessageFlags.Read, "", listener, null);
    } catch (error) {
      resolve(`failed: ${error?.message ?? error}`);
    }
  });
}

/**
 * The about:message window that shows a tab's message: the message pane of a 3-pane mail tab, a
 * message tab, or a message window. Null when the tab shows no message.
 */
function aboutMessageWindow(context, tabId) {
  const native = context.extension.tabManager.get(tabId).nativeTab;
  const content = native.chromeBrowser?.contentWindow;
  if (content?.messageBrowser) return content.messageBrowser.contentWindow;
  if (content?.document?.documentURI?.startsWith("about:message")) return content;
  return native.messageBrowser?.contentWindow ?? null;
}

/**
 * While about:message shows a message mailseal judged (its root has data-mailseal-verdict),
 * Thunderbird's own S/MIME header button (#cryptoBox: its lock and seal icons) and its attachment
 * bar are not shown: the add-on's banner and attachment list in the message say the same things
 * from the add-on's own reading, and a second verdict that can disagree (Thunderbird decrypts CBC
 * mail itself and judges its signature with its own trust) is what issue 14 (finding 8) saw.
 * Thunderbird toggles those elements' `hidden`/`collapsed` itself on each message, so the rule is a
 * style sheet keyed on our attribute, which it never touches.
 */
const OWN_VERDICT_SHEET =
  "data:text/css," +
  encodeURIComponent(
    ":root[data-mailseal-verdict] #cryptoBox, :root[data-mailseal-verdict] #attachmentView," +
      " :root[data-mailseal-verdict] #attachment-splitter { display: none !important; }",
  );
const sheetLoaded = new WeakSet();

/** Marks an about:message window as showing a message the add-on judged (or not): OWN_VERDICT_SHEET. */
function markOwnVerdict(win, judged) {
  if (!sheetLoaded.has(win)) {
    win.windowUtils.loadSheetUsingURIString(OWN_VERDICT_SHEET, win.windowUtils.AUTHOR_SHEET);
    sheetLoaded.add(win);
  }
  if (judged) win.document.documentElement.setAttribute("data-mailseal-verdict", "");
  else win.document.documentElement.removeAttribute("data-mailseal-verdict");
}

/**
 * Mail Thunderbird's own S/MIME cannot decrypt: NSS finds no key, or cannot decode the
 * EnvelopedData at all (one holding an OtherRecipientInfo, RFC 5652 6.2.5, such as the ML-KEM
 * KEMRecipientInfo of RFC 9629 in the post-quantum hybrid: SEC_ERROR_BAD_DER). Thunderbird's
 * S/MIME sink (msgHdrViewSMIMEOverlay.js, smimeSink.encryptionStatus) then hides the header and
 * loads its own "cannot decrypt" page over the message; that load never completes, so the add-on's
 * display script never runs there. The add-on reads such a message itself (its engine knows those
 * forms, and says in plain words why when it cannot), so each about:message window's sink reports
 * the failure as ENCRYPT_INCOMPLETE instead: Thunderbird keeps its bookkeeping of an encrypted
 * message it did not decrypt (reply and forward treat it as encrypted) but loads no page of its own;
 * the message load completes, and the display script (kept hidden until the verdict by
 * hide-until-checked.css) shows the add-on's verdict and the message, as for GCM mail.
 * Thunderbird's own header button, which would say "not decrypted", is hidden at once.
 */
const takenOver = new Map();
const ABOUT_MESSAGE_LOADED = "chrome-document-loaded";

function takeOverCannotDecrypt(win) {
  // smimeHeaderSink: the same object's name in earlier Thunderbird releases (only 153 is tested here).
  const sink = win?.smimeSink ?? win?.smimeHeaderSink;
  if (!sink || takenOver.has(sink)) return;
  const original = sink.encryptionStatus;
  const { SUCCESS, ENCRYPT_INCOMPLETE } = Ci.nsICMSMessageErrors;
  sink.encryptionStatus = function (nestingLevel, status, recipientCert, neckoURL, partNumber) {
    if (status === SUCCESS || status === ENCRYPT_INCOMPLETE) {
      return original.call(this, nestingLevel, status, recipientCert, neckoURL, partNumber);
    }
    try {
      // Only the top-level status would load the page (the original ignores nested ones).
      if (nestingLevel <= 1) markOwnVerdict(win, true);
    } catch (error) {
      console.error("mailseal experiment: hiding Thunderbird's own verdict failed:", error);
    }
    return original.call(this, nestingLevel, ENCRYPT_INCOMPLETE, recipientCert, neckoURL, partNumber);
  };
  takenOver.set(sink, original);
  win.addEventListener("unload", () => takenOver.delete(sink), { once: true });
}

const aboutMessageLoaded = {
  observe(document) {
    if (document?.documentURI?.startsWith("about:message")) takeOverCannotDecrypt(document.defaultView);
  },
};
let watchingAboutMessage = false;

function watchAboutMessage() {
  if (watchingAboutMessage) return;
  watchingAboutMessage = true;
  Services.obs.addObserver(aboutMessageLoaded, ABOUT_MESSAGE_LOADED);
  // The windows already open: each about:message in any window (a 3-pane tab's message pane, a
  // message tab, a message window).
  for (const top of Services.wm.getEnumerator(null)) {
    for (const shell of top.docShell?.getAllDocShellsInSubtree(
      Ci.nsIDocShellTreeItem.typeAll,
      Ci.nsIDocShell.ENUMERATE_FORWARDS,
    ) ?? []) {
      const win = shell.domWindow;
      if (win?.document?.documentURI?.startsWith("about:message")) takeOverCannotDecrypt(win);
    }
  }
}

function releaseAboutMessage() {
  if (!watchingAboutMessage) return;
  watchingAboutMessage = false;
  Services.obs.removeObserver(aboutMessageLoaded, ABOUT_MESSAGE_LOADED);
  for (const [sink, original] of takenOver) sink.encryptionStatus = original;
  takenOver.clear();
}

/**
 * CBC mail to a key that waits for the key-protection password (a rotation on a protected account):
 * NSS lacks the key, so Thunderbird shows its own "cannot decrypt" page, where no display script
 * runs. The add-on's banner then takes that page's place in about:message (its chrome document,
 * which the Experiment reaches): the words and the unlock action, the message pane under it out of
 * the layout while the banner shows (keyed on an attribute of the root, as OWN_VERDICT_SHEET).
 */
const KEY_WAITING_ID = "mailseal-key-waiting";
const KEY_WAITING_SHEET =
  "data:text/css," +
  encodeURIComponent(":root[data-mailseal-key-waiting] #messagepane { visibility: collapse !important; }");
const XHTML = "http://www.w3.org/1999/xhtml";
/** The banner's style: the display script's "warning" level (src/display/display.ts, BANNER_STYLE). */
const KEY_WAITING_STYLE =
  "background:#fef7e0;border:1px solid #f9ab00;color:#7a4f01;padding:6px 10px;margin:10px;font:menu";
const keyWaitingSheetLoaded = new WeakSet();
/** about:message window -> what resolves the pending keyWaitingClicked (true: clicked, false: gone). */
const keyWaitingClick = new WeakMap();

function removeKeyWaiting(win) {
  win.document.getElementById(KEY_WAITING_ID)?.remove();
  win.document.documentElement.removeAttribute("data-mailseal-key-waiting");
  keyWaitingClick.get(win)?.(false);
  keyWaitingClick.delete(win);
}

async function logged(name, fn) {
  try {
    return await fn();
  } catch (error) {
    console.error(`mailseal experiment: ${name} failed:`, error);
    throw new ExtensionCommon.ExtensionError(`mailseal.${name}: ${error?.message ?? error}`);
  }
}

// Thunderbird looks the API class up by this global name (experiment_apis.mailseal in manifest.json).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
var mailseal = class extends ExtensionCommon.ExtensionAPI {
  // An update or a disable loads this script anew: the next one registers its own window listener.
  onShutdown() {
    try {
      releaseAboutMessage();
    } catch (error) {
      console.error("mailseal experiment: giving Thunderbird's S/MIME sink back failed:", error);
    }
    if (!watchingSendModes) return;
    const { ExtensionSupport } = ChromeUtils.importESModule("resource:///modules/ExtensionSupport.sys.mjs");
    ExtensionSupport.unregisterWindowListener(SEND_MODES_LISTENER);
    watchingSendModes = false;
  }

  getAPI(context) {
    watchSendModes();
    try {
      watchAboutMessage();
    } catch (error) {
      console.error('mailseal experiment: taking over Thunderbird\'s "cannot decrypt" page failed:', error);
    }
    return {
      mailseal: {
        // Trust for e-mail only (NSS trust "SSL,S/MIME,code signing"): the service's root vouches
        // for S/MIME certificates, never for web sites or code. For a root already in the database
        // (an earlier version gave it all three), addCertFromBase64 sets the trust anew.
        importCaCertificate: (der) =>
          logged("importCaCertificate", async () => certDb().addCertFromBase64(der, ",C,").dbKey),
        importPeerCertificate: (der) =>
          logged("importPeerCertificate", async () => certDb().addCertFromBase64(der, ",,").dbKey),
        importPkcs12: (pkcs12, password) =>
          logged("importPkcs12", async () => {
            // nsIX509CertDB imports PKCS#12 from a file only: write it to a private temp file first.
            const file = Services.dirsvc.get("TmpD", Ci.nsIFile);
            file.append("mailseal.p12");
            file.createUnique(Ci.nsIFile.NORMAL_FILE_TYPE, 0o600);
            try {
              // No atob in this scope: ChromeUtils decodes base64url (RFC 4648 5).
              const url = pkcs12.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
              const bytes = new Uint8Array(ChromeUtils.base64URLDecode(url, { padding: "reject" }));
              await IOUtils.write(file.path, bytes);
              const status = certDb().importPKCS12File(file, password);
              if (status !== 0) throw new Error(`NSS refused the PKCS#12 (status ${status})`);
            } finally {
              file.remove(false);
            }
          }),
        setIdentityCertificates: (identityId, signingCert, encryptionCert) =>
          logged("setIdentityCertificates", async () => {
            const identity = mailServices().accounts.getIdentity(identityId);
            if (!identity) throw new Error(`no identity ${identityId}`);
            const db = certDb();
            // As the account settings (am-e2e.js) store them: the dbKey selects the certificate, the
            // name is what compose checks to offer S/MIME at all (isSmimeSigningConfigured).
            for (const [use, base64] of [
              ["signing", signingCert],
              ["encryption", encryptionCert],
            ]) {
              const cert = db.constructX509FromBase64(base64);
              const stored = db.findCertByDBKey(cert.dbKey);
              if (!stored) throw new Error(`the ${use} certificate is not in the certificate database`);
              identity.setCharAttribute(`${use}_cert_dbkey`, stored.dbKey);
              identity.setUnicharAttribute(`${use}_cert_name`, stored.displayName);
            }
          }),
        draftRecipientCertificates: (tabId, certificates) =>
          logged("draftRecipientCertificates", async () => {
            const win = context.extension.tabManager.get(tabId).nativeTab;
            const db = certDb();
            const byAddress = new Map();
            for (const { address, der } of certificates) {
              // Temporary certificates (NSS's in-memory store: found by their dbKey while held here),
              // not imported: a correspondent's certificate in the database would bring up
              // Thunderbird's "encryption is possible" notification in every later compose window
              // to that address (measured), a second signal beside the add-on's button.
              byAddress.set(address.toLowerCase(), db.constructX509FromBase64(der));
            }
            draftCertificates.set(win, byAddress);
          }),
        encryptDrafts: (identityId) =>
          logged("encryptDrafts", async () => {
            const identity = mailServices().accounts.getIdentity(identityId);
            if (!identity) throw new Error(`no identity ${identityId}`);
            // nsMsgComposeSecure verifies the identity's encryption certificate (mozilla::pkix, local
            // checks only) before it encrypts a draft; one it refuses fails the save with an alert
            // (NoSenderEncryptionCert) and clears the identity's encryption_cert_dbkey. So drafts are
            // encrypted only while the certificate passes that check here (setup, key refresh, start);
            // otherwise they stay as Thunderbird writes them and the reason goes to the console.
            const db = certDb();
            const cert = db.findCertByDBKey(identity.getCharAttribute("encryption_cert_dbkey"));
            const code = !cert
              ? "no encryption certificate"
              : await new Promise((resolve) =>
                  db.asyncVerifyCertAtTime(
                    cert,
                    Ci.nsIX509CertDB.verifyUsageEmailRecipient,
                    Ci.nsIX509CertDB.FLAG_LOCAL_ONLY,
                    "",
                    Math.floor(Date.now() / 1000),
                    [],
                    { verifyCertFinished: (status) => resolve(status) },
                  ),
                );
            if (code === 0) {
              draftIdentities.add(identity.key);
            } else {
              draftIdentities.delete(identity.key);
              console.warn(`mailseal experiment: drafts of ${identity.email} stay unencrypted:`, code);
            }
            return code === 0;
          }),
        updateInbox: (accountId) =>
          logged("updateInbox", async () => {
            const account = mailServices().accounts.getAccount(accountId);
            if (!account) throw new Error(`no account ${accountId}`);
            const inbox = account.incomingServer.rootFolder.getFolderWithFlags(Ci.nsMsgFolderFlags.Inbox);
            if (!inbox) throw new Error(`account ${accountId} has no inbox`);
            await new Promise((resolve, reject) => {
              const listener = {
                QueryInterface: ChromeUtils.generateQI(["nsIUrlListener"]),
                OnStartRunningUrl() {},
                OnStopRunningUrl(url, status) {
                  if (Components.isSuccessCode(status)) resolve();
                  else reject(new Error(`updating the inbox failed (0x${(status >>> 0).toString(16)})`));
                },
              };
              if (account.incomingServer.type === "imap") {
                inbox.QueryInterface(Ci.nsIMsgImapMailFolder).updateFolderWithListener(null, listener);
              } else {
                inbox.getNewMessages(null, listener);
              }
            });
          }),
        // Sending (addin-thunderbird/README.md, "Sending"): the add-in makes the finished S/MIME
        // message; these put it into a private temp file, hand it to the identity's outgoing (SMTP)
        // server as it is (sendMailMessage does no processing on the file) and copy it to Sent.
        beginOutgoing: () =>
          logged("beginOutgoing", async () => {
            const file = Services.dirsvc.get("TmpD", Ci.nsIFile);
            file.append("mailseal-outgoing.eml");
            file.createUnique(Ci.nsIFile.NORMAL_FILE_TYPE, 0o600);
            outgoing.set(file.path, file);
            return file.path;
          }),
        appendOutgoing: (path, bytes) =>
          logged("appendOutgoing", async () => {
            if (!outgoing.has(path)) throw new Error("no such outgoing message");
            await IOUtils.write(path, new Uint8Array(bytes), { mode: "append" });
          }),
        discardOutgoing: (path) =>
          logged("discardOutgoing", async () => {
            const file = outgoing.get(path);
            outgoing.delete(path);
            if (file?.exists()) file.remove(false);
          }),
        sendOutgoing: (path, identityId, recipients, messageId) =>
          logged("sendOutgoing", async () => {
            const file = outgoing.get(path);
            if (!file) throw new Error("no such outgoing message");
            const identity = mailServices().accounts.getIdentity(identityId);
            if (!identity) throw new Error(`no identity ${identityId}`);
            const server = mailServices().outgoingServer.getServerByIdentity(identity);
            if (!server) throw new Error(`no outgoing server for ${identity.email}`);
            // The envelope: every To, Cc and Bcc address (Bcc is in no header field of the file).
            const addresses = mailServices().headerParser.makeFromDisplayAddress(recipients.join(", "));
            if (addresses.length === 0) throw new Error("no recipients");
            await new Promise((resolve, reject) => {
              const listener = {
                QueryInterface: ChromeUtils.generateQI(["nsIMsgOutgoingListener"]),
                onSendStart() {},
                onSendStop(serverURI, status, secInfo, errorMessage) {
                  if (Components.isSuccessCode(status)) resolve();
                  else
                    reject(
                      new Error(
                        `the outgoing server refused the message (0x${(status >>> 0).toString(16)}): ${errorMessage ?? ""}`,
                      ),
                    );
                },
              };
              // Through XPConnect the (void) method returns nothing: the listener tells the outcome.
              server.sendMailMessage(
                file,
                addresses,
                [],
                identity,
                identity.email,
                null,
                null,
                false,
                messageId,
                listener,
              );
            });
            return saveToSent(identity, file);
          }),
        // Send Later (README, "Sending"): the finished message goes into the Outbox ("Unsent
        // Messages"), as Thunderbird queues its own, with the headers its send-later reads and
        // removes before sending (X-Identity-Key, FCC, Bcc: the caller wrote them first); File >
        // Send Unsent Messages sends it then as it is.
        composeSendMode: (tabId) =>
          logged("composeSendMode", async () => {
            const win = context.extension.tabManager.get(tabId).nativeTab;
            return sendModes.get(win) === Ci.nsIMsgCompDeliverMode.Later ? "later" : "now";
          }),
        queueOutgoing: (path, identityId, bcc) =>
          logged("queueOutgoing", async () => {
            const file = outgoing.get(path);
            if (!file) throw new Error("no such outgoing message");
            const identity = mailServices().accounts.getIdentity(identityId);
            if (!identity) throw new Error(`no identity ${identityId}`);
            // The headers Thunderbird's send-later reads (which identity and server, where the sent
            // copy goes, the Bcc recipients) and removes before it sends the rest as it is.
            const fcc = identity.doFcc && identity.fccFolderURI ? identity.fccFolderURI : "nocopy://";
            const head = [`X-Identity-Key: ${identity.key}`, `FCC: ${fcc}`];
            if (bcc.length > 0) head.push(`Bcc: ${bcc.join(", ").replace(/[\r\n]+/g, " ")}`);
            const body = await IOUtils.read(file.path);
            await IOUtils.writeUTF8(file.path, `${head.join("\r\n")}\r\n`);
            await IOUtils.write(file.path, body, { mode: "append" });
            const outbox = Cc["@mozilla.org/messengercompose/sendlater;1"]
              .getService(Ci.nsIMsgSendLater)
              .getUnsentMessagesFolder(identity);
            if (!outbox) throw new Error("no Outbox folder");
            await new Promise((resolve, reject) => {
              const listener = {
                QueryInterface: ChromeUtils.generateQI(["nsIMsgCopyServiceListener"]),
                onStartCopy() {},
                onProgress() {},
                setMessageKey() {},
                getMessageId() {
                  return "";
                },
                onStopCopy(status) {
                  if (Components.isSuccessCode(status)) resolve();
                  else reject(new Error(`queueing the message failed (0x${(status >>> 0).toString(16)})`));
                },
              };
              mailServices().copy.copyFileMessage(
                file,
                outbox,
                null,
                false,
                Ci.nsMsgMessageFlags.Queued,
                "",
                listener,
                null,
              );
            });
            return "queued";
          }),
        closeComposeAfterCancel: (tabId) =>
          logged("closeComposeAfterCancel", async () => {
            // The add-in cancels Thunderbird's own send in onBeforeSend after it sent the message
            // itself; the window closes once Thunderbird has finished with the cancelled send.
            const win = context.extension.tabManager.get(tabId).nativeTab;
            // The window's draft (saved from it or opened from Drafts) goes once the message is
            // sent or queued, as Thunderbird's own send removes it (nsMsgCompose's
            // RemoveCurrentDraftMessage), which the cancelled send does not reach.
            const draftId = win.gMsgCompose?.compFields?.draftId ?? "";
            if (draftId !== "") {
              try {
                const hdr = mailServices().messageServiceFromURI(draftId).messageURIToMsgHdr(draftId);
                if (hdr?.folder?.getFlag(Ci.nsMsgFolderFlags.Drafts))
                  hdr.folder.deleteMessages([hdr], null, true, false, null, false);
              } catch (error) {
                // The message went out; a draft left behind is only clutter.
                console.warn("mailseal experiment: removing the sent message's draft failed:", error);
              }
            }
            win.addEventListener(
              "compose-prepare-message-completed",
              () => {
                if (win.gMsgCompose) win.gMsgCompose.bodyModified = false;
                win.gContentChanged = false;
                win.close();
              },
              { once: true },
            );
          }),
        // The message list's paperclip (the header's Attachment flag): Thunderbird sets it from the
        // attachments it saw itself, and in GCM mail, which it cannot decrypt, it sees none. The
        // add-on sets it once its own reading found attachments, as Thunderbird's message header
        // view does for the mail it reads (msgHdrView.js, markHasAttachments).
        markHasAttachments: (messageId) =>
          logged("markHasAttachments", async () => {
            const hdr = context.extension.messageManager.get(messageId);
            if (!hdr || hdr.flags & Ci.nsMsgMessageFlags.Attachment) return false;
            hdr.markHasAttachments(true);
            return true;
          }),
        shownMessageId: (tabId) =>
          logged("shownMessageId", async () => {
            const message = aboutMessageWindow(context, tabId)?.gMessage;
            if (!message) return -1;
            return context.extension.messageManager.convert(message)?.id ?? -1;
          }),
        reloadMessage: (tabId) =>
          logged("reloadMessage", async () => {
            const win = aboutMessageWindow(context, tabId);
            if (typeof win?.ReloadMessage !== "function") return false;
            win.ReloadMessage();
            return true;
          }),
        showKeyWaiting: (tabId, headline, text, button) =>
          logged("showKeyWaiting", async () => {
            const win = aboutMessageWindow(context, tabId);
            const pane = win?.document.getElementById("messagepane");
            if (!pane) return false;
            removeKeyWaiting(win);
            if (!keyWaitingSheetLoaded.has(win)) {
              win.windowUtils.loadSheetUsingURIString(KEY_WAITING_SHEET, win.windowUtils.AUTHOR_SHEET);
              keyWaitingSheetLoaded.add(win);
            }
            const doc = win.document;
            const box = doc.createElementNS(XHTML, "div");
            box.id = KEY_WAITING_ID;
            box.setAttribute("role", "status");
            box.setAttribute("data-level", "warning");
            box.setAttribute("style", KEY_WAITING_STYLE);
            const title = doc.createElementNS(XHTML, "div");
            title.setAttribute("style", "font-weight:bold;margin-bottom:4px");
            title.textContent = headline;
            const body = doc.createElementNS(XHTML, "div");
            body.textContent = text;
            const action = doc.createElementNS(XHTML, "button");
            action.setAttribute("style", "margin-top:6px");
            action.textContent = button;
            action.addEventListener("click", () => {
              keyWaitingClick.get(win)?.(true);
              keyWaitingClick.delete(win);
            });
            box.append(title, body, action);
            pane.before(box);
            doc.documentElement.setAttribute("data-mailseal-key-waiting", "");
            return true;
          }),
        keyWaitingClicked: (tabId) =>
          logged("keyWaitingClicked", async () => {
            const win = aboutMessageWindow(context, tabId);
            if (!win?.document.getElementById(KEY_WAITING_ID)) return false;
            keyWaitingClick.get(win)?.(false);
            return new Promise((resolve) => keyWaitingClick.set(win, resolve));
          }),
        clearKeyWaiting: (tabId) =>
          logged("clearKeyWaiting", async () => {
            const win = aboutMessageWindow(context, tabId);
            if (!win) return false;
            removeKeyWaiting(win);
            return true;
          }),
        showsOwnVerdict: (tabId, judged) =>
          logged("showsOwnVerdict", async () => {
            const win = aboutMessageWindow(context, tabId);
            if (!win) return false;
            markOwnVerdict(win, judged);
            return true;
          }),
        // "Open" for a decrypted attachment (README, "Reading"): as Thunderbird opens its own
        // (AttachmentInfo.sys.mjs): a private file, the type's application, else its dialog asks.
        // The add-in refused programs by name and type already; the platform's own test of the
        // written file (nsIFile.isExecutable: on Windows by extension, elsewhere .desktop and the
        // like) refuses what it knows besides.
        openAttachment: (name, contentType, bytes) =>
          logged("openAttachment", async () => {
            const { DownloadPaths } = ChromeUtils.importESModule("resource://gre/modules/DownloadPaths.sys.mjs");
            const safeName = DownloadPaths.sanitize(name) || "attachment";
            const dot = safeName.lastIndexOf(".");
            const extension = dot >= 0 ? safeName.slice(dot + 1).toLowerCase() : "";
            // A folder of this process only the user can enter; the file only the user can read.
            const file = Services.dirsvc.get("TmpD", Ci.nsIFile);
            file.append(`mailseal-open-${Services.appinfo.processID}`);
            await IOUtils.makeDirectory(file.path, { permissions: 0o700 });
            await IOUtils.setPermissions(file.path, 0o700);
            file.append(safeName);
            file.createUnique(Ci.nsIFile.NORMAL_FILE_TYPE, 0o600);
            Cc["@mozilla.org/uriloader/external-helper-app-service;1"]
              .getService(Ci.nsPIExternalAppLauncher)
              .deleteTemporaryFileOnExit(file);
            const data = new Uint8Array(bytes);
            await IOUtils.write(file.path, data);
            // Read-only, as Thunderbird does: edits in the application would be lost with the file.
            await IOUtils.setPermissions(file.path, 0o400);
            if (file.isExecutable()) {
              await IOUtils.remove(file.path);
              return "program";
            }
            const mime = Cc["@mozilla.org/mime;1"].getService(Ci.nsIMIMEService);
            let info;
            try {
              info = mime.getFromTypeAndExtension(contentType, extension);
            } catch {
              info = mime.getFromTypeAndExtension("application/octet-stream", "");
            }
            const handlers = Cc["@mozilla.org/uriloader/handler-service;1"].getService(Ci.nsIHandlerService);
            const known = handlers.exists(info);
            if (
              known &&
              !info.alwaysAskBeforeHandling &&
              (info.preferredAction === Ci.nsIHandlerInfo.useHelperApp ||
                info.preferredAction === Ci.nsIHandlerInfo.useSystemDefault)
            ) {
              info.launchWithFile(file);
              return "launched";
            }
            // No application chosen for the type: Thunderbird's own "open with" dialog asks.
            if (!known) {
              info.alwaysAskBeforeHandling = true;
              info.preferredAction = Ci.nsIHandlerInfo.alwaysAsk;
            }
            const win = Services.wm.getMostRecentWindow("mail:3pane");
            const dialog = Cc["@mozilla.org/helperapplauncherdialog;1"].createInstance(Ci.nsIHelperAppLauncherDialog);
            dialog.show(
              {
                QueryInterface: ChromeUtils.generateQI(["nsIHelperAppLauncher"]),
                MIMEInfo: info,
                source: Services.io.newFileURI(file),
                suggestedFileName: safeName,
                cancel() {},
                promptForSaveDestination() {
                  dialog.promptForSaveToFileAsync(this, win, safeName, `.${extension}`, false);
                },
                launchLocalFile() {
                  info.launchWithFile(file);
                },
                async setDownloadToLaunch() {
                  info.launchWithFile(file);
                },
                async saveDestinationAvailable(destination) {
                  if (destination) await IOUtils.write(destination.path, data);
                },
                setWebProgressListener() {},
                targetFile: null,
                targetFileIsExecutable: null,
                timeDownloadStarted: null,
                contentLength: data.byteLength,
                browsingContextId: win?.browsingContext?.id ?? 0,
              },
              win,
              null,
            );
            return "asked";
          }),
        // The add-on's page opens in a content tab, whose toolbar shows the page's address (its
        // moz-extension:// URL, meaningless to a person; Thunderbird shows that toolbar for any page
        // that is not about:, specialTabs.js onLocationChange). Thunderbird's own pages (about:addons,
        // its settings) show none: neither does ours, which is the add-on's own and has no links away.
        hidePageAddressBar: (tabId) =>
          logged("hidePageAddressBar", async () => {
            const tab = context.extension.tabManager.get(tabId).nativeTab;
            const url = tab?.browser?.currentURI?.spec ?? "";
            // Only a tab showing this add-on's own page.
            if (!tab?.root || !url.startsWith(context.extension.baseURL)) return false;
            tab.root.setAttribute("tabtoolbar", "false");
            return true;
          }),
        configuredService: () =>
          logged("configuredService", async () => Services.prefs.getStringPref(SERVICE_PREF, "")),
      },
    };
  }
};
