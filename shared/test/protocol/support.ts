// Helpers of the protocol tests: error matching and key pairs.
import { expect } from "vitest";
import { ProtocolError, type ProtocolErrorCode } from "../../src/index.js";

/** Asserts that `action` fails with a ProtocolError of `code`. */
export async function rejectsWith(action: () => unknown, code: ProtocolErrorCode): Promise<ProtocolError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe(code);
  return caught as ProtocolError;
}

export const signingPair = (): Promise<CryptoKeyPair> =>
  crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);

export const agreementPair = (): Promise<CryptoKeyPair> =>
  crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
