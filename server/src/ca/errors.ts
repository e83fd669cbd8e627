// Stable error codes of the certificate authority, all in the error catalogue
// (shared/src/errors/catalogue.ts); the CA throws them as MailsealError. The api maps them to HTTP
// answers; never rename one.
import type { ErrorCode } from "@mailseal/shared/offline";

export { MailsealError } from "@mailseal/shared/offline";

export const CA_ERROR_CODES = [
  "CA_BAD_ADDRESS",
  "CA_BAD_CSR",
  "CA_BAD_CSR_SIGNATURE",
  "CA_BAD_PUBLIC_KEY",
  "CA_UNSUPPORTED_KEY",
  "CA_WEAK_KEY",
  "CA_UNKNOWN_SERIAL",
  "CA_BAD_CONFIG",
  "CA_STATE_INVALID",
] as const satisfies readonly ErrorCode[];

export type CaErrorCode = (typeof CA_ERROR_CODES)[number];
