/** Stable error codes of the crypto core. They are part of the API: never rename one. */
export type CryptoErrorCode =
  | "INVALID_ARGUMENT"
  | "INVALID_KEY"
  | "AUTH_TAG_MISMATCH"
  | "DECRYPTION_FAILED"
  | "MALFORMED_BASE64"
  | "MESSAGE_TOO_LONG"
  | "BUFFER_TOO_SMALL"
  | "UNSUPPORTED_ALGORITHM"
  | "INVALID_STATE"
  | "WORKER_FAILED";

/**
 * An error with a stable machine-readable `code`. Every failure of the core surfaces as one,
 * and it keeps its code when it crosses the worker boundary (see worker/transfer.ts).
 */
export class CryptoError extends Error {
  override readonly name = "CryptoError";
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
