// The one error class of mailseal above the crypto core: a stable code from the catalogue, a message
// for logs and developers, and optional structured details. Hosts map the code to words
// (catalogue.ts) and behaviour; nothing discriminates by class any more, only by code (hasCode).
import { CryptoError } from "@mailseal/core-wasm";
import { isErrorCode, type ErrorCode } from "./catalogue.js";

/** What some codes carry besides the message. Structured-cloneable, so it crosses worker ports. */
export interface ErrorDetails {
  /** NO_CERTIFICATE: the recipients without a certificate. */
  readonly addresses?: readonly string[];
  /** An HTTP API code: the status it was (or is to be) answered with, when not the code's usual one. */
  readonly status?: number;
  /** CERT_REVOKED: when the certificate was revoked, and the CRL's reason code (RFC 5280 5.3.1). */
  readonly revokedAt?: Date;
  readonly reason?: number;
  /** ITEM_NOT_READ: what Outlook did not hand over; ATTACHMENT_IS_LINK: the attachment's name. */
  readonly part?: string;
}

export interface MailsealErrorOptions {
  readonly details?: ErrorDetails;
  readonly cause?: unknown;
}

export class MailsealError extends Error {
  override readonly name = "MailsealError";
  readonly details: ErrorDetails | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: MailsealErrorOptions = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.details = options.details;
  }
}

/** A MailsealError, also one made by a second copy of this module (a bundle, a worker). */
export function isMailsealError(value: unknown): value is MailsealError {
  if (value instanceof MailsealError) return true;
  if (!(value instanceof Error)) return false;
  const { code } = value as { code?: unknown };
  return value.name === "MailsealError" && isErrorCode(code);
}

/**
 * Whether `error` is a MailsealError with one of `codes`. A CryptoError of the core is not one: the
 * places that catch the core's failures name CryptoError themselves.
 */
export function hasCode<C extends ErrorCode>(
  error: unknown,
  ...codes: readonly C[]
): error is MailsealError & { code: C } {
  return isMailsealError(error) && (codes as readonly ErrorCode[]).includes(error.code);
}

/**
 * The catalogue code of a coded error: a MailsealError, or the core's CryptoError (also one rebuilt
 * by a worker or made by a second copy of the core's module, known by its name); else undefined. A
 * code on any other error (Node's ENOENT, a library's TIMEOUT) is not one of ours. Hosts map errors
 * to words and behaviour with this, never by class.
 */
export function codeOf(error: unknown): ErrorCode | undefined {
  if (isMailsealError(error)) return error.code;
  const core = error instanceof CryptoError || (error instanceof Error && error.name === "CryptoError");
  const { code } = (error ?? {}) as { code?: unknown };
  return core && isErrorCode(code) ? code : undefined;
}
