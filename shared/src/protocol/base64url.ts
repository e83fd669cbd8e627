// base64url without padding (RFC 4648 5; RFC 7515 2 and appendix C for JOSE), used for every binary
// value on the wire. Decoding is strict so that one value has exactly one text form: a token, a
// thumbprint or a commitment compared as text cannot be varied by an attacker.
import { MailsealError } from "../errors/index.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64url(bytes: Uint8Array): string {
  let text = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    text += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    text += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    text += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return text;
}

function fail(what: string, problem: string): never {
  throw new MailsealError("MALFORMED_BASE64URL", `${what} is not base64url: ${problem}`);
}

function value(text: string, index: number, what: string): number {
  const code = text.charCodeAt(index);
  const v = code < 128 ? VALUES[code]! : -1;
  if (v === -1) {
    fail(what, code === 0x3d ? "padding '=' is not used" : `character ${JSON.stringify(text[index])} at ${index}`);
  }
  return v;
}

/**
 * Decodes base64url without padding. Refuses padding, characters outside the URL-safe alphabet
 * (so also '+', '/' and whitespace), a length of 4n+1, and non-zero unused bits in the last
 * character (RFC 4648 3.5: such text is not canonical). `what` names the value in the error.
 */
export function decodeBase64url(text: string, what = "value"): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string") fail(what, "not a string");
  const rest = text.length % 4;
  if (rest === 1) fail(what, `length ${text.length} cannot be base64url`);
  const result = new Uint8Array(((text.length - rest) / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  let out = 0;
  let i = 0;
  for (; i + 3 < text.length; i += 4) {
    const n =
      (value(text, i, what) << 18) |
      (value(text, i + 1, what) << 12) |
      (value(text, i + 2, what) << 6) |
      value(text, i + 3, what);
    result[out++] = n >> 16;
    result[out++] = (n >> 8) & 255;
    result[out++] = n & 255;
  }
  if (rest === 2) {
    const last = value(text, i + 1, what);
    if ((last & 15) !== 0) fail(what, "non-zero bits after the last byte");
    result[out] = (value(text, i, what) << 2) | (last >> 4);
  } else if (rest === 3) {
    const last = value(text, i + 2, what);
    if ((last & 3) !== 0) fail(what, "non-zero bits after the last byte");
    const n = (value(text, i, what) << 10) | (value(text, i + 1, what) << 4) | (last >> 2);
    result[out++] = n >> 8;
    result[out] = n & 255;
  }
  return result;
}
