// JWS compact serialization (RFC 7515 3.1, 7.1) with one algorithm: ES256, ECDSA on P-256 with
// SHA-256, the signature being r || s as two 32-byte big-endian integers (RFC 7518 3.4), which is
// exactly what WebCrypto's ECDSA sign produces and verify takes. Every other `alg`, `none`
// included, is refused (RFC 8725 2.1, 3.1: never let the token choose the algorithm).
import { decodeBase64url, encodeBase64url } from "./base64url.js";
import { decodeUtf8, utf8 } from "./bytes.js";
import { MailsealError } from "../errors/index.js";

/** Longest token accepted, in characters: ours are under 2 KiB; anything far larger is an attack. */
export const MAX_JWS_LENGTH = 8192;

export type JsonObject = { [name: string]: unknown };

export interface JwsHeader {
  readonly alg: "ES256";
  readonly typ?: string;
  readonly [name: string]: unknown;
}

export interface DecodedJws {
  readonly header: JwsHeader;
  readonly payload: JsonObject;
  /** ASCII(BASE64URL(header) || '.' || BASE64URL(payload)): the bytes the signature covers (RFC 7515 5.1). */
  readonly signingInput: Uint8Array<ArrayBuffer>;
  /** r || s, 64 bytes. */
  readonly signature: Uint8Array<ArrayBuffer>;
}

const ES256 = { name: "ECDSA", hash: "SHA-256" } as const;

function malformed(problem: string): never {
  throw new MailsealError("MALFORMED_JWS", `JWS: ${problem}`);
}

function jsonSegment(segment: string, what: string): JsonObject {
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64url(segment, what);
  } catch (error) {
    malformed((error as Error).message);
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) malformed(`the ${what} is not UTF-8`);
  let value: unknown;
  try {
    // JSON.parse keeps the last of duplicate member names, as RFC 7515 4 allows for parsers.
    value = JSON.parse(text);
  } catch {
    malformed(`the ${what} is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    malformed(`the ${what} is not a JSON object`);
  return value as JsonObject;
}

/**
 * Splits and decodes a compact JWS without checking the signature: exactly three segments, strict
 * base64url, header and payload JSON objects, `alg` ES256, no `crit` (RFC 7515 4.1.11: we
 * understand no extension, so any listed one must be refused), a 64-byte signature.
 */
export function decodeJws(token: string): DecodedJws {
  if (typeof token !== "string") malformed("not a string");
  if (token.length > MAX_JWS_LENGTH) malformed(`longer than ${MAX_JWS_LENGTH} characters`);
  const segments = token.split(".");
  if (segments.length !== 3) malformed(`${segments.length} segments, the compact form has 3 (RFC 7515 7.1)`);
  const [headerText, payloadText, signatureText] = segments as [string, string, string];
  const header = jsonSegment(headerText, "header");
  if (typeof header.alg !== "string") malformed('the header has no "alg"');
  if (header.alg !== "ES256") {
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `JWS: alg ${JSON.stringify(header.alg)} is refused, only ES256`);
  }
  if ("crit" in header) malformed('"crit" extensions are not supported');
  const payload = jsonSegment(payloadText, "payload");
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = decodeBase64url(signatureText, "signature");
  } catch (error) {
    malformed((error as Error).message);
  }
  if (signature.length !== 64) {
    throw new MailsealError(
      "BAD_SIGNATURE",
      `JWS: an ES256 signature is r || s, 64 bytes (RFC 7518 3.4), this one is ${signature.length}`,
    );
  }
  return {
    header: header as JwsHeader,
    payload,
    signingInput: utf8(`${headerText}.${payloadText}`),
    signature,
  };
}

function checkKey(key: CryptoKey, type: KeyType): void {
  const algorithm = key.algorithm as EcKeyAlgorithm;
  if (algorithm.name !== "ECDSA" || algorithm.namedCurve !== "P-256" || key.type !== type) {
    throw new MailsealError("MALFORMED_KEY", `ES256 needs an ECDSA P-256 ${type} key`);
  }
}

/** Signs `payload` under `header` (whose alg must be ES256) and returns the compact JWS. */
export async function signJws(header: JwsHeader, payload: object, privateKey: CryptoKey): Promise<string> {
  if (header.alg !== "ES256") throw new MailsealError("UNSUPPORTED_ALGORITHM", "JWS: only ES256 is signed");
  checkKey(privateKey, "private");
  const signingInput = `${encodeBase64url(utf8(JSON.stringify(header)))}.${encodeBase64url(utf8(JSON.stringify(payload)))}`;
  const signature = await globalThis.crypto.subtle.sign(ES256, privateKey, utf8(signingInput));
  return `${signingInput}.${encodeBase64url(new Uint8Array(signature))}`;
}

/** Decodes `token` and checks its signature with `publicKey` (ECDSA P-256): BAD_SIGNATURE if it fails. */
export async function verifyJws(token: string, publicKey: CryptoKey): Promise<DecodedJws> {
  checkKey(publicKey, "public");
  const jws = decodeJws(token);
  const ok = await globalThis.crypto.subtle.verify(ES256, publicKey, jws.signature, jws.signingInput);
  if (!ok) throw new MailsealError("BAD_SIGNATURE", "JWS: the signature does not verify");
  return jws;
}
