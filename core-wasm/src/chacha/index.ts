export type { ChaChaCore, ChaChaExports } from "./exports.js";
export { CHACHA20_POLY1305_TAG_BYTES, ChaCha20Poly1305Decryptor, ChaCha20Poly1305Encryptor } from "./aead.js";
