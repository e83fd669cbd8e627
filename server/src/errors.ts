// Errors of starting the server, in the style of the mailseal command (cli/src/cli-error.ts): a
// stable code and plain words, printed as `error CODE: message` with exit status 1.

/**
 * USAGE: the command line or environment is wrong. DATABASE: a database cannot be opened or migrated.
 * COMBINED_ROLES, TICKET_KEY_UNPINNED: a deployment that undoes the split without --dev
 * (config.ts, checkDeployment). DATA_LAYOUT: the data folder cannot be brought to the per-role layout.
 */
export type ServerErrorCode = "USAGE" | "DATABASE" | "COMBINED_ROLES" | "TICKET_KEY_UNPINNED" | "DATA_LAYOUT";

export class ServerError extends Error {
  override readonly name = "ServerError";
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
