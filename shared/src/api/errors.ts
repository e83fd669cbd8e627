// The stable error codes of the HTTP API (docs/services.md, "HTTP API"). They are API: clients map
// them to words and behaviour, so never rename one. Every error response has the body
// `{ "error": { "code": CODE, "message": "plain words" } }` and the status of API_ERROR_STATUS.
import { Type, type Static } from "typebox";

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
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The HTTP status each code is answered with (RFC 9110 section 15). */
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
};

export const ApiErrorCodeSchema = Type.Enum(API_ERROR_CODES);

export const ApiErrorBody = Type.Object(
  { error: Type.Object({ code: ApiErrorCodeSchema, message: Type.String() }) },
  { description: "Every error response" },
);
export type ApiErrorBody = Static<typeof ApiErrorBody>;

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === "string" && (API_ERROR_CODES as readonly string[]).includes(value);
}

/** An API error: thrown by the server's routes, and by clients for an error response. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    status?: number,
  ) {
    super(message);
    this.status = status ?? API_ERROR_STATUS[code];
  }

  get body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message } };
  }

  /**
   * The error a client throws for a non-2xx response. A body that is not an error body (a proxy's
   * HTML page, an unknown code from a newer server) still gives an ApiError, never a TypeError.
   */
  static fromResponse(status: number, body: unknown): ApiError {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
    const message = typeof error?.message === "string" ? error.message : `HTTP status ${status}`;
    if (isApiErrorCode(error?.code)) return new ApiError(error.code, message, status);
    const code: ApiErrorCode =
      status === 404 ? "NOT_FOUND" : status === 429 ? "RATE_LIMITED" : status < 500 ? "BAD_REQUEST" : "INTERNAL";
    return new ApiError(code, message, status);
  }
}
