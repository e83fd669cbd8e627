// Helpers of the protocol tests: error matching and key pairs.
import { expect } from "vitest";
import { MailsealError, type ErrorCode } from "../../src/index.js";

/** Asserts that `action` fails with a MailsealError of `code`. */
export async function rejectsWith(action: () => unknown, code: ErrorCode): Promise<MailsealError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(MailsealError);
  expect((caught as MailsealError).code).toBe(code);
  return caught as MailsealError;
}

export const signingPair = (): Promise<CryptoKeyPair> =>
  crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);

export const agreementPair = (): Promise<CryptoKeyPair> =>
  crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
