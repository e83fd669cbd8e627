// Every error leaves the server as `{ "error": { "code": CODE, "message": "plain words" } }`
// (docs/services.md, "HTTP API"): the route's ApiError as it is, a schema violation as BAD_REQUEST
// naming the field, Fastify's own client errors (bad JSON, body too large, wrong content type) with
// their status, and anything else as a bare 500 INTERNAL whose details stay in the log.
import { ApiError, API_ERROR_STATUS, isApiErrorCode, type ApiErrorBody, type ApiErrorCode } from "@mailseal/shared";
import type { FastifyBaseLogger } from "fastify";

export { ApiError, ApiErrorBody, API_ERROR_STATUS, type ApiErrorCode } from "@mailseal/shared";

function isApiError(error: unknown): error is ApiError {
  // By shape too: a second copy of the shared module (a bundle, a worker) makes instanceof miss.
  if (error instanceof ApiError) return true;
  const { name, code, status } = (error ?? {}) as { name?: unknown; code?: unknown; status?: unknown };
  return name === "ApiError" && isApiErrorCode(code) && typeof status === "number";
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
    if (error.status >= 500) log.error({ err: error }, "request failed");
    return reply(error.status, error.code, error.message);
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
