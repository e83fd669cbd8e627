// The OnMessageSend handler (SendMode SoftBlock) and the compose toggles Encrypt and Sign. Outlook's
// own Send cannot write application/pkcs7-mime (DESIGN.md, "Clients"), so this handler only gates: it
// lets a message go when nothing asks for protection, and otherwise stops it and offers "Take
// Action" (the "Send securely" pane). It never lets a message go when it could not find out: a
// failure reading the item stops the send too, with the reason in plain words.
//
// It runs where Outlook runs event handlers: in classic Outlook on Windows a JavaScript-only runtime
// (one file, no imports, no DOM; WebAssembly, Workers and WebCrypto not promised), elsewhere a
// browser runtime. So it is written for ES2016 with callbacks, and uses Office.js only.
import { addinSource } from "../../manifest/source.js";

/** Custom properties of the item being written (loadCustomPropertiesAsync): the toggles' state. */
export const PROPERTY = { encrypt: "mailsealEncrypt", sign: "mailsealSign" } as const;

/** The roaming setting an administrator's deployment sets when every message must be encrypted. */
export const REQUIRE_ENCRYPTION_SETTING = "mailsealRequireEncryption";

/** The Take Action command: the compose button that opens the "Send securely" pane (manifest/source.ts). */
export const SEND_SECURELY_COMMAND = addinSource().compose.sendSecurely.id;
const SEND_SECURELY_LABEL = addinSource().compose.sendSecurely.label;

/** What a person reads when Send is stopped: why, and what to do next. */
export const SEND_WORDS = {
  encrypt:
    "This message is set to be encrypted, but Outlook's Send would send it unencrypted. Choose “Send securely” to encrypt and send it with mailseal, or turn Encrypt off to send it as it is.",
  required:
    "Your organisation requires mail to be encrypted, but Outlook's Send would send this message unencrypted. Choose “Send securely” to encrypt and send it with mailseal.",
  sign: "This message is set to be signed, but Outlook's Send would send it without a signature. Choose “Send securely” to sign and send it with mailseal, or turn Sign off to send it as it is.",
  unknown:
    "mailseal could not find out whether this message must be encrypted, so it was not sent. Try Send again; if it keeps happening, choose “Send securely”.",
} as const;

/** What the toggles say after a press. */
export const TOGGLE_WORDS = {
  encryptOn: "Encrypt is on: send this message with “Send securely”.",
  encryptOff: "Encrypt is off: this message is sent as it is.",
  signOn: "Sign is on: send this message with “Send securely”.",
  signOff: "Sign is off.",
  failed: "mailseal could not change this setting. Try again.",
} as const;

const NOTICE_KEY = "mailsealState";

function stop(event: Office.AddinCommandEvent, words: string): void {
  event.completed({
    allowEvent: false,
    errorMessage: words,
    cancelLabel: SEND_SECURELY_LABEL,
    commandId: SEND_SECURELY_COMMAND,
  });
}

function requiredByPolicy(): boolean {
  const settings = Office.context.roamingSettings;
  return settings !== undefined && settings.get(REQUIRE_ENCRYPTION_SETTING) === true;
}

export function onMessageSendHandler(event: Office.AddinCommandEvent): void {
  try {
    const item = Office.context.mailbox.item;
    if (item === null || item === undefined) return stop(event, SEND_WORDS.unknown);
    item.loadCustomPropertiesAsync((result) => {
      try {
        if (result.status !== "succeeded" || result.value === undefined || result.value === null)
          return stop(event, SEND_WORDS.unknown);
        const properties = result.value;
        if (properties.get(PROPERTY.encrypt) === true) return stop(event, SEND_WORDS.encrypt);
        if (requiredByPolicy()) return stop(event, SEND_WORDS.required);
        if (properties.get(PROPERTY.sign) === true) return stop(event, SEND_WORDS.sign);
        event.completed({ allowEvent: true });
      } catch {
        stop(event, SEND_WORDS.unknown);
      }
    });
  } catch {
    stop(event, SEND_WORDS.unknown);
  }
}

function notify(
  item: Office.MessageItem,
  type: "informationalMessage" | "errorMessage",
  message: string,
  done: () => void,
): void {
  const details: Office.NotificationMessageDetails =
    type === "informationalMessage" ? { type, message, icon: "Icon.16", persistent: false } : { type, message };
  item.notificationMessages.replaceAsync(NOTICE_KEY, details, () => done());
}

function toggle(event: Office.AddinCommandEvent, name: string, on: string, off: string): void {
  const item = Office.context.mailbox.item;
  if (item === null || item === undefined) return event.completed();
  const failed = () => notify(item, "errorMessage", TOGGLE_WORDS.failed, () => event.completed());
  try {
    item.loadCustomPropertiesAsync((result) => {
      if (result.status !== "succeeded") return failed();
      const properties = result.value;
      const next = properties.get(name) !== true;
      properties.set(name, next);
      properties.saveAsync((saved) => {
        if (saved.status !== "succeeded") return failed();
        notify(item, "informationalMessage", next ? on : off, () => event.completed());
      });
    });
  } catch {
    failed();
  }
}

export function toggleEncrypt(event: Office.AddinCommandEvent): void {
  toggle(event, PROPERTY.encrypt, TOGGLE_WORDS.encryptOn, TOGGLE_WORDS.encryptOff);
}

export function toggleSign(event: Office.AddinCommandEvent): void {
  toggle(event, PROPERTY.sign, TOGGLE_WORDS.signOn, TOGGLE_WORDS.signOff);
}
