// Every error leaves the server as `{ "error": { "code": CODE, "message": "plain words" } }`
// (docs/services.md, "HTTP API"): a route's MailsealError with an API code as it is, a schema
// violation as BAD_REQUEST naming the field, Fastify's own client errors (bad JSON, body too large,
// wrong content type) with their status, and anything else (a MailsealError of another layer
// included) as a bare 500 INTERNAL whose details stay in the log.
import type { MailsealError } from "@mailseal/shared";
import { isApiErrorCode, isMailsealError, type ApiErrorBody, type ApiErrorCode } from "@mailseal/shared";
import type { FastifyBaseLogger } from "fastify";

export { ApiErrorBody, type ApiErrorCode } from "@mailseal/shared";

/** The HTTP status each API code is answered with (RFC 9110 section 15), unless the error names one. */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAUTHENTICATED: 401,
  BAD_PROOF: 401,
  PROOF_REPLAYED: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_INVALID: 401,
  TOKEN_KEY_MISMATCH: 401,
  CHALLENGE_INVALID: 400,
  CHALLENGE_EXPIRED: 410,
  CHALLENGE_USED: 409,
  TOO_MANY_CHALLENGES: 429,
  DEVICE_NOT_ACTIVE: 403,
  ADDRESS_NOT_VERIFIED: 403,
  TICKET_INVALID: 401,
  TICKET_EXPIRED: 401,
  TICKET_USED: 409,
  SHARE_NOT_FOUND: 404,
  STORE_UNAVAILABLE: 503,
  PROTECTION_REQUIRED: 403,
  PROTECTION_LOGIN_FAILED: 401,
  PROTECTION_NOT_SET: 409,
  ADDRESS_PROOF_REQUIRED: 403,
  CSR_INVALID: 400,
  DOMAIN_NOT_SERVED: 403,
  CONFLICT: 409,
  PROOF_TOKEN_INVALID: 401,
  PROOF_TOKEN_EXPIRED: 401,
  PROOF_TOKEN_ISSUER: 403,
  PROOF_TOKEN_ADDRESS: 403,
  PROOF_ISSUER_UNAVAILABLE: 503,
};

/** The status `error` is answered with: the one it names (details.status), else its code's. */
export function apiErrorStatus(error: MailsealError & { code: ApiErrorCode }): number {
  return error.details?.status ?? API_ERROR_STATUS[error.code];
}

function isApiError(error: unknown): error is MailsealError & { code: ApiErrorCode } {
  // isMailsealError checks the shape too: a second copy of the shared module (a bundle, a worker)
  // makes instanceof miss.
  return isMailsealError(error) && isApiErrorCode(error.code);
}

export interface ErrorReply {
  status: number;
  body: ApiErrorBody;
}

function reply(status: number, code: ApiErrorCode, message: string): ErrorReply {
  return { status, body: { error: { code, message } } };
}

/** The reply for an error thrown while handling a request; unexpected errors are logged here. */
export function errorReply(error: unknown, log: FastifyBaseLogger): ErrorReply {
  if (isApiError(error)) {
    const status = apiErrorStatus(error);
    if (status >= 500) log.error({ err: error }, "request failed");
    return reply(status, error.code, error.message);
  }
  const { validation, statusCode, message } = (error ?? {}) as {
    validation?: unknown;
    statusCode?: unknown;
    message?: unknown;
  };
  // Fastify's message names the part and the field: "body/address must be string".
  if (validation !== undefined) return reply(400, "BAD_REQUEST", String(message));
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) {
    const code: ApiErrorCode = statusCode === 404 ? "NOT_FOUND" : statusCode === 429 ? "RATE_LIMITED" : "BAD_REQUEST";
    return reply(statusCode, code, typeof message === "string" ? message : "bad request");
  }
  log.error({ err: error }, "request failed");
  return reply(API_ERROR_STATUS.INTERNAL, "INTERNAL", "internal error");
}
