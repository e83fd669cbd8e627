// Host-neutral library of mailseal: S/MIME, CMS, MIME (growing).
import { registerErrorClass } from "@mailseal/core-wasm";
import { SmimeError, type SmimeErrorCode } from "./errors.js";

export { SmimeError, type SmimeErrorCode };
export * from "./mime/index.js";

// S/MIME errors thrown inside a worker arrive as SmimeError, code intact.
registerErrorClass("SmimeError", (code, message) => new SmimeError(code as SmimeErrorCode, message));
