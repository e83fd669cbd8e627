import { CryptoError, type CryptoErrorCode } from "../errors.js";

/** Mirrors assembly/status.ts. Negative return values of core exports are these codes. */
const statusCodes: Record<number, CryptoErrorCode> = {
  [-1]: "INVALID_ARGUMENT",
  [-2]: "INVALID_KEY",
  [-3]: "AUTH_TAG_MISMATCH",
  [-4]: "DECRYPTION_FAILED",
  [-5]: "MALFORMED_BASE64",
  [-6]: "MESSAGE_TOO_LONG",
  [-7]: "BUFFER_TOO_SMALL",
  [-8]: "UNSUPPORTED_ALGORITHM",
  [-9]: "INVALID_STATE",
};

const statusMessages: Record<CryptoErrorCode, string> = {
  INVALID_ARGUMENT: "argument outside the range the primitive accepts",
  INVALID_KEY: "key has the wrong size or form",
  AUTH_TAG_MISMATCH: "authentication tag does not match: the data was altered or the key is wrong",
  DECRYPTION_FAILED: "decryption failed",
  MALFORMED_BASE64: "input is not valid base64",
  MESSAGE_TOO_LONG: "message is too long for this key and padding",
  BUFFER_TOO_SMALL: "internal output buffer too small",
  UNSUPPORTED_ALGORITHM: "algorithm or parameter combination is not supported",
  INVALID_STATE: "operation called out of order",
  WORKER_FAILED: "the crypto worker failed",
};

/**
 * Returns `result` when it is a success value (>= 0), otherwise throws the CryptoError for it.
 * `context` names the operation so the message says what failed (for example "AES-GCM decrypt").
 */
export function checkStatus(result: number, context: string): number {
  if (result >= 0) return result;
  const code = statusCodes[result];
  if (code === undefined) throw new CryptoError("INVALID_STATE", `${context}: unknown core status ${result}`);
  throw new CryptoError(code, `${context}: ${statusMessages[code]}`);
}
