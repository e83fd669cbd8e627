// The property every target checks: outside bytes either parse or fail with a stable code from the
// project's catalogues, never INTERNAL, never a bare TypeError/RangeError or a pkijs/asn1js message.
/**
 * The error classes whose `code` is a stable code meant for users (shared/src/errors MailsealError,
 * whose codes are the catalogue's, and core-wasm's CryptoError): the set the command prints as
 * `error CODE` with exit 1 (cli/src/cli-error.ts).
 */
const CODED = new Set(["MailsealError", "CryptoError"]);

/** CryptoError codes that say the caller, not the input, was wrong (core-wasm/src/errors.ts). */
const CALLER_BUGS = new Set(["INVALID_ARGUMENT", "BUFFER_TOO_SMALL", "INVALID_STATE", "WORKER_FAILED"]);

/** Why `error` breaks the property, or undefined when it is a proper coded refusal. */
export function violation(error: unknown): string | undefined {
  if (!(error instanceof Error)) return `threw a non-Error: ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  if (CODED.has(error.name) && typeof code === "string") {
    // The core's argument and state codes mean a parser passed it what it never checked: a bug.
    const bug = code === "INTERNAL" || (error.name === "CryptoError" && CALLER_BUGS.has(code));
    return bug ? `${error.name} ${code}: ${error.message}` : undefined;
  }
  return `${error.name}: ${error.message}`;
}

/** A target's own check failed (a 500 answer, output where none may be): a finding. */
export class PropertyViolation extends Error {
  override readonly name = "PropertyViolation";
}
