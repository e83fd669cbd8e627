// The MIME layer of mailseal's S/MIME code: see README.md.
export { concatBytes, readAll, fromBytes } from "./bytes.js";
export {
  MAX_BOUNDARY_PADDING,
  MAX_HEADER_BYTES,
  MAX_HEADER_LINES,
  MAX_PARAMETER_SECTIONS,
  MAX_SIGNATURE_PART_BYTES,
} from "./limits.js";
export { parseHeaderFields, singleField, type HeaderField } from "./rfc5322-header.js";
export { readHeader, type HeaderAndBody } from "./rfc5322-header-reader.js";
export {
  splitMessage,
  serializeEntity,
  assembleMessage,
  type MimeEntity,
  type SplitMessage,
} from "./rfc5322-message.js";
export {
  parseContentType,
  contentTypeOf,
  transferEncodingOf,
  boundaryOf,
  type ContentType,
  type TransferEncoding,
} from "./rfc2045-content-type.js";
export {
  parseContentDisposition,
  contentDispositionOf,
  type ContentDisposition,
} from "./rfc2183-content-disposition.js";
export { decodeBody, encodeBase64, type Base64Core, type Base64Stream } from "./rfc2045-transfer-encoding.js";
export { LineEndCanonicalizer, canonicalizeLineEnds } from "./rfc8551-canonical.js";
export { multipartParts } from "./rfc2046-multipart.js";
export { openMultipartSigned, type MultipartSigned, type SignaturePart } from "./rfc1847-multipart-signed.js";
export { detectSmime, type SmimeEntity, type SmimeType } from "./rfc8551-detect.js";
export {
  pkcs7MimeEntity,
  multipartSignedEntity,
  micalgOf,
  type MicalgHash,
  type MultipartSignedOptions,
} from "./rfc8551-writer.js";
