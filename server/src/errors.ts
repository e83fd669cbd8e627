// Errors of starting the server, in the style of the mailseal command (cli/src/cli-error.ts): a
// stable code and plain words, printed as `error CODE: message` with exit status 1.

/** USAGE: the command line or environment is wrong. DATABASE: a database cannot be opened or migrated. */
export type ServerErrorCode = "USAGE" | "DATABASE";

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
