// The S/MIME message layer: whole RFC 5322 messages in, whole messages out, streamed.
export type { SmimeCore } from "./core.js";
export { encryptMessage, decryptMessage, type EncryptMessageOptions, type DecryptedMessage } from "./envelope.js";
export {
  signMessage,
  verifyMessage,
  SMIME_CAPABILITIES,
  type SignMessageOptions,
  type VerifiedMessage,
  type VerifyMessageOptions,
} from "./signature.js";
