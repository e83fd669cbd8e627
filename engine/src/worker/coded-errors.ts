// Errors keep their class and stable code across the engine's worker boundary (core-wasm's error
// transfer rebuilds registered classes by name): a host catches MailflowError("NO_KEY") from the
// worker as it would in process. Imported by both ends.
import { installErrorTransfer, registerErrorClass } from "@mailseal/core-wasm";
import {
  ApiError,
  MailflowError,
  ProtocolError,
  type ApiErrorCode,
  type MailflowErrorCode,
  type ProtocolErrorCode,
} from "@mailseal/shared";

registerErrorClass("MailflowError", (code, message) => new MailflowError(code as MailflowErrorCode, message));
registerErrorClass("ApiError", (code, message) => new ApiError(code as ApiErrorCode, message));
registerErrorClass("ProtocolError", (code, message) => new ProtocolError(code as ProtocolErrorCode, message));

export { installErrorTransfer };
