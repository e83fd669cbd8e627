export type { DesCore, DesExports } from "./exports.js";
export { TripleDesCbcDecryptor, TripleDesCbcEncryptor, tripleDesBlock } from "./modes.js";
