// Stable error codes of the certificate authority. The api maps them to HTTP answers; never rename one.
export type CaErrorCode =
  | "CA_BAD_ADDRESS"
  | "CA_BAD_CSR"
  | "CA_BAD_CSR_SIGNATURE"
  | "CA_BAD_PUBLIC_KEY"
  | "CA_UNSUPPORTED_KEY"
  | "CA_WEAK_KEY"
  | "CA_UNKNOWN_SERIAL"
  | "CA_BAD_CONFIG"
  | "CA_STATE_INVALID";

export class CaError extends Error {
  override readonly name = "CaError";
  constructor(
    readonly code: CaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
