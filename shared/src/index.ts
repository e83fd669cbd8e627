// Host-neutral library of mailseal: S/MIME, CMS, MIME (growing).
import { registerErrorClass } from "@mailseal/core-wasm";
import { SmimeError, type SmimeErrorCode } from "./errors.js";

export { SmimeError, type SmimeErrorCode };
export * from "./asn1/index.js";

// S/MIME errors thrown inside a worker arrive as SmimeError, code intact.
registerErrorClass("SmimeError", (code, message) => new SmimeError(code as SmimeErrorCode, message));

export { decodePem, type PemBlock } from "./pki/pem.js";
export { readPkcs12, type Pkcs12Contents } from "./pki/pkcs12.js";
export { readPrivateKey } from "./pki/private-key.js";
