// How any failure of the command ends: `error CODE: message` on stderr and exit 1 for a coded error
// (a MailsealError with a catalogue code: the command's own USAGE, IO and KEY_STORE, the libraries',
// the services'; or the core's CryptoError), exit 2 for anything else, which is a bug. One table,
// keyed by code, says how each code is printed.
import { codeOf, ERROR_CODES, type ErrorCode } from "@mailseal/shared/offline";

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_INTERNAL = 2;

/** The commands whose codes were promised before the catalogue merged two spellings (cli/README.md). */
const OFFLINE_COMMANDS: ReadonlySet<string> = new Set(["encrypt", "decrypt", "sign", "verify"]);

interface Printed {
  /** The exit status. */
  readonly status: number;
  /** The spelling the offline commands print: the documented alias they have always printed. */
  readonly offline?: string;
}

const USER_ERROR: Printed = { status: EXIT_ERROR };

/**
 * Every code of the catalogue: a user error (exit 1). The offline commands keep printing the codes
 * they promised (NO_MATCHING_RECIPIENT, WRONG_PASSWORD) for what the catalogue now calls NO_KEY and
 * PASSWORD_WRONG; the online commands print the catalogue's code.
 */
const BY_CODE: Readonly<Record<ErrorCode, Printed>> = {
  ...(Object.fromEntries(ERROR_CODES.map((code) => [code, USER_ERROR])) as Record<ErrorCode, Printed>),
  NO_KEY: { status: EXIT_ERROR, offline: "NO_MATCHING_RECIPIENT" },
  PASSWORD_WRONG: { status: EXIT_ERROR, offline: "WRONG_PASSWORD" },
};

/** A Node system error (ENOENT, EACCES, EPIPE, ...): the environment, not a bug. */
function systemError(error: Error): error is Error & { code: string; syscall?: string } {
  const { code } = error as { code?: unknown };
  return typeof code === "string" && /^E[A-Z]+$/.test(code);
}

/** The line printed for an error and the exit status; `command` is the command that ran. */
export function describeError(error: unknown, debug: boolean, command?: string): { line: string; status: number } {
  const coded = codeOf(error);
  if (coded !== undefined) {
    const printed = BY_CODE[coded];
    const code = command !== undefined && OFFLINE_COMMANDS.has(command) ? (printed.offline ?? coded) : coded;
    return { line: `error ${code}: ${(error as Error).message}`, status: printed.status };
  }
  if (error instanceof Error && systemError(error)) {
    return { line: `error IO: ${error.message}`, status: EXIT_ERROR };
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = debug && error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : "";
  return { line: `error INTERNAL: ${message}${stack}`, status: EXIT_INTERNAL };
}
