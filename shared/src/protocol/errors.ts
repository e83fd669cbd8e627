// Stable error codes of the services' wire protocol. They are API: the server maps them to HTTP
// answers, clients show them and map them to words. Never rename one.
export type ProtocolErrorCode =
  | "MALFORMED_BASE64URL"
  | "MALFORMED_JWS"
  | "UNSUPPORTED_ALGORITHM"
  | "BAD_SIGNATURE"
  | "WRONG_TYPE"
  | "WRONG_AUDIENCE"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "PROOF_MISMATCH"
  | "KEY_MISMATCH"
  | "MALFORMED_KEY"
  | "MALFORMED_FIELD"
  | "SEAL_OPEN_FAILED"
  | "SHARE_MISMATCH"
  | "COMMITMENT_MISMATCH"
  | "PROTECTION_KEY_WRONG"
  | "MALFORMED_CHALLENGE";

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}
