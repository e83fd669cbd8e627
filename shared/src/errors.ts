// Stable error codes of the S/MIME layer. They are API: clients show them and map them to words,
// and they cross worker and extension message ports unchanged. Never rename one.
export const SMIME_ERROR_CODES = [
  "MALFORMED_MIME",
  "NOT_SMIME",
  "MALFORMED_CMS",
  "NESTING_TOO_DEEP",
  "INPUT_TOO_LARGE",
  "TRUNCATED",
  "NO_MATCHING_RECIPIENT",
  "DECRYPTION_FAILED",
  "AUTH_TAG_MISMATCH",
  "UNSUPPORTED_ALGORITHM",
  "BAD_SIGNATURE",
  "UNTRUSTED_CERTIFICATE",
  "CERTIFICATE_EXPIRED",
  /** The certificate is on its CA's CRL at the time asked about (pki/crl.ts). */
  "CERT_REVOKED",
  "INVALID_KEY",
  "WRONG_PASSWORD",
] as const;

export type SmimeErrorCode = (typeof SMIME_ERROR_CODES)[number];

export class SmimeError extends Error {
  override readonly name = "SmimeError";
  constructor(
    readonly code: SmimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
