// Status values returned by every exported core function that can fail.
// Zero or positive means success (often a byte count); negative values are these codes.
// The host binding (src/wasm/status.ts) maps them to stable string error codes.
export enum Status {
  OK = 0,
  /** A length, size or parameter outside what the primitive allows. */
  INVALID_ARGUMENT = -1,
  /** Key material of the wrong size or shape. */
  INVALID_KEY = -2,
  /** AEAD tag did not verify (GCM). */
  AUTH_TAG_MISMATCH = -3,
  /** CBC padding, OAEP decoding, key-unwrap integrity check or similar failed; deliberately one code. */
  DECRYPTION_FAILED = -4,
  /** Base64 input held a character outside the alphabet, or bad padding. */
  MALFORMED_BASE64 = -5,
  /** Message longer than the padding scheme allows for this key. */
  MESSAGE_TOO_LONG = -6,
  /** Output buffer supplied by the host is too small. */
  BUFFER_TOO_SMALL = -7,
  /** Algorithm or parameter combination not implemented. */
  UNSUPPORTED_ALGORITHM = -8,
  /** Call out of order (update after final, and so on). */
  INVALID_STATE = -9,
}
