// The setup pane's own sentences (plain words), beside the engine's table of stable codes.
export const SETUP_WORDS = {
  title: (address: string) => `Set up mailseal for ${address}`,
  intro:
    "mailseal needs to set up this computer once before it can open encrypted mail sent to you and sign what you send.",
  start: "Set up",
  again: "Try again",
  working: "Setting up… this takes a few seconds.",
  codeLabel: (address: string) =>
    `mailseal sent a mail “Confirm a new mailseal device” to ${address}. Type the code from that mail here:`,
  confirm: "Confirm",
  confirming: "Checking the code…",
  emptyCode: "Type the code from the mail first.",
  done: (address: string) => `mailseal is set up for ${address} on this computer.`,
  noAddress: "Outlook did not say which mailbox this is, so mailseal cannot be set up here.",
} as const;
