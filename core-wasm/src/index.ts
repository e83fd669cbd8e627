// Public, platform-neutral API of the crypto core. Hosts start it in a worker with
// "@mailseal/core-wasm/node" or "@mailseal/core-wasm/browser", or use CoreService in process.
export { concatBytes, constantTimeEqual, release } from "./bytes.js";
export { CryptoError, type CryptoErrorCode } from "./errors.js";
export type * from "./service/api.js";
export { CoreService } from "./service/core-service.js";
export { rsaPrivateKeyFromJwk, rsaPublicKeyFromJwk } from "./rsa/index.js";
export { installErrorTransfer, registerErrorClass } from "./worker/transfer.js";
