// The read pane's own sentences, beside the engine's table of stable codes (engine/src/words/).
/** What the pane says when it shows no decrypted message (plain words, like the banner's). */
export const PANE_WORDS = {
  opening: "Opening the message…",
  noItem: "Select a message to see it here.",
  noRawMessage:
    "This version of Outlook cannot hand the whole message to mailseal (it needs Outlook's mailbox API 1.14), so it cannot be opened here.",
  getFailed: "Outlook did not hand the message to mailseal. Select it again to retry.",
  notEncrypted: "This message is not encrypted with S/MIME: Outlook shows it as it is.",
  engineFailed: "mailseal could not start in this pane. Close the pane and open it again.",
} as const;
