export type { AesCore, AesExports } from "./exports.js";
export { AesCbcDecryptor, AesCbcEncryptor, AesCtr, AesGcmDecryptor, AesGcmEncryptor } from "./modes.js";
export { aesEncryptBlock, gcmCounterBlock0, gf128Multiply, Ghash } from "./ghash.js";
export { aesKeyUnwrap, aesKeyUnwrapPad, aesKeyWrap, aesKeyWrapPad } from "./keywrap.js";
