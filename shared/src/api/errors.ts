// The stable error codes of the HTTP API (docs/services.md, "HTTP API"): the subset of the catalogue
// (../errors/catalogue.ts) that travels in error responses. They are API: clients map them to words
// and behaviour, so never rename one. Every error response has the body
// `{ "error": { "code": CODE, "message": "plain words" } }`; the status each code is answered with is
// the server's (server/src/http/errors.ts).
import { Type, type Static } from "typebox";
import type { ErrorCode } from "../errors/catalogue.js";
import { MailsealError } from "../errors/mailseal-error.js";

export const API_ERROR_CODES = [
  "BAD_REQUEST",
  "NOT_FOUND",
  "RATE_LIMITED",
  "INTERNAL",
  "UNAUTHENTICATED",
  "BAD_PROOF",
  "PROOF_REPLAYED",
  "TOKEN_EXPIRED",
  "TOKEN_INVALID",
  "TOKEN_KEY_MISMATCH",
  "CHALLENGE_INVALID",
  "CHALLENGE_EXPIRED",
  "CHALLENGE_USED",
  "TOO_MANY_CHALLENGES",
  "DEVICE_NOT_ACTIVE",
  "ADDRESS_NOT_VERIFIED",
  "TICKET_INVALID",
  "TICKET_EXPIRED",
  "TICKET_USED",
  "SHARE_NOT_FOUND",
  "STORE_UNAVAILABLE",
  "PROTECTION_REQUIRED",
  "PROTECTION_LOGIN_FAILED",
  "PROTECTION_NOT_SET",
  "ADDRESS_PROOF_REQUIRED",
  "CSR_INVALID",
  "DOMAIN_NOT_SERVED",
  "CONFLICT",
  "PROOF_TOKEN_INVALID",
  "PROOF_TOKEN_EXPIRED",
  "PROOF_TOKEN_ISSUER",
  "PROOF_TOKEN_ADDRESS",
  "PROOF_ISSUER_UNAVAILABLE",
] as const satisfies readonly ErrorCode[];

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const ApiErrorCodeSchema = Type.Enum(API_ERROR_CODES);

export const ApiErrorBody = Type.Object(
  { error: Type.Object({ code: ApiErrorCodeSchema, message: Type.String() }) },
  { description: "Every error response" },
);
export type ApiErrorBody = Static<typeof ApiErrorBody>;

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === "string" && (API_ERROR_CODES as readonly string[]).includes(value);
}

/**
 * The error a client throws for a non-2xx response: the server's code, its status in
 * `details.status`. A body that is not an error body (a proxy's HTML page, an unknown code from a
 * newer server) still gives a MailsealError, never a TypeError.
 */
export function apiErrorFromResponse(status: number, body: unknown): MailsealError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  const message = typeof error?.message === "string" ? error.message : `HTTP status ${status}`;
  const code: ApiErrorCode = isApiErrorCode(error?.code)
    ? error.code
    : status === 404
      ? "NOT_FOUND"
      : status === 429
        ? "RATE_LIMITED"
        : status < 500
          ? "BAD_REQUEST"
          : "INTERNAL";
  return new MailsealError(code, message, { details: { status } });
}
