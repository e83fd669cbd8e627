// Errors keep their class, stable code and details across the engine's worker boundary: shared
// registers MailsealError with the core's error transfer when it loads (shared/src/offline.ts), so a
// host catches MailsealError("NO_KEY") from the worker as it would in process. Imported by both ends.
import { installErrorTransfer } from "@mailseal/core-wasm";
import "@mailseal/shared/offline";

export { installErrorTransfer };
