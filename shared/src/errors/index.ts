export {
  ERROR_ALIASES,
  ERROR_CATALOGUE,
  ERROR_CODES,
  MAILFLOW_ERROR_CODES,
  PROTOCOL_ERROR_CODES,
  SMIME_ERROR_CODES,
  canonicalCode,
  isErrorCode,
  plainWordsOf,
  type CatalogueEntry,
  type ErrorCode,
} from "./catalogue.js";
export {
  MailsealError,
  codeOf,
  hasCode,
  isMailsealError,
  type ErrorDetails,
  type MailsealErrorOptions,
} from "./mailseal-error.js";
