// Errors of starting the server, in the style of the mailseal command (cli/src/cli-error.ts): a
// MailsealError with a catalogue code and plain words, printed as `error CODE: message`, exit 1.
// USAGE: the command line or environment is wrong. DATABASE: a database cannot be opened or migrated.
// COMBINED_ROLES, TICKET_KEY_UNPINNED: a deployment that undoes the split without --dev (config.ts,
// checkDeployment). DATA_LAYOUT: the data folder cannot be brought to the per-role layout.
import type { ErrorCode } from "@mailseal/shared/offline";

export { MailsealError } from "@mailseal/shared/offline";

/** The codes the server's start-up raises. */
export const SERVER_ERROR_CODES = [
  "USAGE",
  "DATABASE",
  "COMBINED_ROLES",
  "TICKET_KEY_UNPINNED",
  "DATA_LAYOUT",
] as const satisfies readonly ErrorCode[];

export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];
