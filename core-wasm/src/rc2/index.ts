export type { Rc2Core, Rc2Exports } from "./exports.js";
export { Rc2CbcDecryptor, rc2Block } from "./modes.js";
