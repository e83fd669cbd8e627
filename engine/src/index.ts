// @mailseal/engine: the one interface of mail crypto for every host (api.ts), the engine in this
// thread (MailEngine), and what a message view and a compose window need around it (the reader's
// render model, the message writer, the plain words). Workers: ./node, ./browser, ./worker.
export type * from "./api.js";
export { MailEngine } from "./mail-engine.js";
export { RemoteEngine } from "./client/remote.js";
export { enginePathCheck, engineCrlCheck, sealOptionsOf, type SealChoices } from "./host-seams.js";
export { chunksOf, streamOf } from "./source.js";
export * from "./reader/render-model.js";
export { looksEncrypted, MAX_INLINE_IMAGE, MAX_INLINE_TEXT } from "./reader/read-message.js";
export { READ_TIME_LIMIT_MS, readTimeout, withinTimeLimit } from "./reader/time-limit.js";
export { writeMessage, type OutgoingAttachment, type OutgoingMessage } from "./writer/message-writer.js";
export * from "./words/plain-words.js";
