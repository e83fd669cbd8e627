// Errors of the command itself, beside the SmimeError and CryptoError codes of the libraries. Every
// user error ends as `error CODE: message` on stderr and exit 1; anything else is a bug: exit 2.

/**
 * USAGE: the command line is wrong. IO: a file cannot be read or written. KEY_STORE: the home's
 * files are encrypted under a key in the OS secret store, which does not answer (or holds no key).
 */
export type CliErrorCode = "USAGE" | "IO" | "KEY_STORE";

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_INTERNAL = 2;

/**
 * Errors whose class carries a stable code meant for users: CliError, SmimeError, CryptoError,
 * ServerError, and for the online commands MailflowError (the device), ApiError (the server's
 * code) and ProtocolError.
 */
const CODED = new Set([
  "CliError",
  "SmimeError",
  "CryptoError",
  "ServerError",
  "MailflowError",
  "ApiError",
  "ProtocolError",
]);

/** A Node system error (ENOENT, EACCES, EPIPE, ...): the environment, not a bug. */
function systemError(error: Error): error is Error & { code: string; syscall?: string } {
  const { code } = error as { code?: unknown };
  return typeof code === "string" && /^E[A-Z]+$/.test(code);
}

/** The line printed for an error and the exit status. */
export function describeError(error: unknown, debug: boolean): { line: string; status: number } {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof Error && CODED.has(error.name) && typeof code === "string") {
    return { line: `error ${code}: ${error.message}`, status: EXIT_ERROR };
  }
  if (error instanceof Error && systemError(error)) {
    return { line: `error IO: ${error.message}`, status: EXIT_ERROR };
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = debug && error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : "";
  return { line: `error INTERNAL: ${message}${stack}`, status: EXIT_INTERNAL };
}
