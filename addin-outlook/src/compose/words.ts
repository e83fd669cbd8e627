// The compose pane's own sentences, beside the catalogue's words for stable codes.
const list = (addresses: readonly string[]) => addresses.join(", ");

export const COMPOSE_WORDS = {
  noItem: "Open a message you are writing to send it securely.",
  checking: "Checking the recipients…",
  readyEncrypted: "Ready: this message will be encrypted and signed.",
  readySigned: "Ready: this message will be signed, but not encrypted.",
  readyNothing: "Encrypt and Sign are off.",
  noSubject: "(no subject)",
  addRecipients: "Add recipients to the message, then open this pane again.",
  sending: "Encrypting and sending…",
  sentEncrypted: "Sent, encrypted and signed. A copy is in Sent Items.",
  sentSigned: "Sent, signed but not encrypted. A copy is in Sent Items.",
  notSent: "Not sent; your draft is kept.",
  failed: "Something went wrong. Your draft is kept; try again.",
  notSaved: "mailseal could not save this choice with the message; it still applies when you send from this pane.",
  lookupFailed: "mailseal could not check who can receive encrypted mail right now.",
  lockYes: "can receive encrypted mail",
  lockNo: "no certificate yet",
  lockUnknown: "not checked",
  signNote: "Encrypted mail is always signed too, so the recipients can check it came from you.",
  nothingToDo: "Encrypt and Sign are both off: send this message with Outlook's own Send button.",
  encryptBlocked: (missing: readonly string[]) =>
    `Encrypt is on, but ${list(missing)} ${missing.length === 1 ? "has" : "have"} no mailseal certificate yet, so the message cannot be encrypted to them. Remove them, or turn Encrypt off to send it signed only.`,
  encryptOffMissing: (missing: readonly string[]) =>
    `Encrypt is off because ${list(missing)} ${missing.length === 1 ? "has" : "have"} no mailseal certificate yet. The message is signed, so they can check it came from you.`,
  required: "Your organisation requires mail to be encrypted, so Encrypt stays on.",
  requiredBlocked: (missing: readonly string[]) =>
    `Your organisation requires mail to be encrypted, but ${list(missing)} ${missing.length === 1 ? "has" : "have"} no mailseal certificate yet, so the message cannot be encrypted to them. Remove them to send it.`,
  itemFailed: (what: string) => `Outlook did not hand over ${what}, so nothing was sent. Try again.`,
  linkAttachment: (name: string) =>
    `${name} is attached as a link to a file in the cloud, which cannot go inside an encrypted message. Attach the file itself instead.`,
} as const;
