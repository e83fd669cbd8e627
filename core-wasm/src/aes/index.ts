export type { AesCore, AesExports } from "./exports.js";
export { AesCbcDecryptor, AesCbcEncryptor, AesCtr, AesGcmDecryptor, AesGcmEncryptor } from "./modes.js";
export { aesEncryptBlock, gcmCounterBlock0, Ghash } from "./ghash.js";
export { aesKeyUnwrap, aesKeyUnwrapPad, aesKeyWrap, aesKeyWrapPad } from "./keywrap.js";
