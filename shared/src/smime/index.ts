// The S/MIME message layer: whole RFC 5322 messages in and out.
export type { SmimeCore } from "./core.js";
export { encryptMessage, decryptMessage, type EncryptMessageOptions, type DecryptedMessage } from "./envelope.js";
