// P-256 public keys as JWK (RFC 7517, RFC 7518 6.2): device keys, store ingest keys, the
// ephemeral keys of sealing and release. Only P-256 public keys pass; the result carries exactly
// kty, crv, x and y, so nothing else a sender put in (key_ops, kid, a private `d`) travels on.
import { decodeBase64url, encodeBase64url } from "./base64url.js";
import { sha256, utf8 } from "./bytes.js";
import { MailsealError } from "../errors/index.js";

export interface P256PublicJwk {
  readonly kty: "EC";
  readonly crv: "P-256";
  readonly x: string;
  readonly y: string;
}

/** What a P-256 public key is used for: signatures (device keys) or key agreement (sealing). */
export type P256Use = "ECDSA" | "ECDH";

function malformed(what: string, problem: string): never {
  throw new MailsealError("MALFORMED_KEY", `${what}: ${problem}`);
}

function coordinate(jwk: Record<string, unknown>, name: "x" | "y", what: string): string {
  const text = jwk[name];
  if (typeof text !== "string") malformed(what, `member "${name}" is missing`);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64url(text, name);
  } catch (error) {
    malformed(what, (error as Error).message);
  }
  // RFC 7518 6.2.1.2: the full coordinate, 32 bytes for P-256, leading zeros kept.
  if (bytes.length !== 32) malformed(what, `"${name}" is ${bytes.length} bytes, P-256 needs 32`);
  return text;
}

/**
 * Checks that `jwk` is a P-256 public key and returns its four members only. A key with a private
 * part (`d`) is refused: a public slot holding a private key means a sender leaked it (RFC 9449 4.2
 * says the same of the proof's `jwk`). Whether the point lies on the curve is checked on import.
 */
export function validatePublicJwk(jwk: unknown, what = "key"): P256PublicJwk {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) malformed(what, "not a JWK object");
  const record = jwk as Record<string, unknown>;
  if (record.kty !== "EC") malformed(what, `kty ${JSON.stringify(record.kty)}, expected "EC"`);
  if (record.crv !== "P-256") malformed(what, `crv ${JSON.stringify(record.crv)}, expected "P-256"`);
  if ("d" in record) malformed(what, "a public key must not carry the private member d");
  return { kty: "EC", crv: "P-256", x: coordinate(record, "x", what), y: coordinate(record, "y", what) };
}

/**
 * Imports a P-256 public JWK for ECDSA (usage verify) or ECDH (no usages: a public key takes part
 * in deriveBits as the peer). A point off the curve is MALFORMED_KEY (the import checks it).
 */
export async function importPublicJwk(jwk: unknown, use: P256Use, what = "key"): Promise<CryptoKey> {
  const valid = validatePublicJwk(jwk, what);
  try {
    return await globalThis.crypto.subtle.importKey(
      "jwk",
      { ...valid, ext: true },
      { name: use, namedCurve: "P-256" },
      true,
      use === "ECDSA" ? ["verify"] : [],
    );
  } catch (error) {
    malformed(what, `not a point on P-256 (${(error as Error).message})`);
  }
}

/** The public JWK of a P-256 key (ECDSA or ECDH, public or private half with its public part). */
export async function exportPublicJwk(key: CryptoKey): Promise<P256PublicJwk> {
  const algorithm = key.algorithm as EcKeyAlgorithm;
  if ((algorithm.name !== "ECDSA" && algorithm.name !== "ECDH") || algorithm.namedCurve !== "P-256") {
    malformed("key", `expected a P-256 key, got ${algorithm.name} ${algorithm.namedCurve ?? ""}`.trim());
  }
  if (key.type !== "public") malformed("key", "pass the public half of the key pair");
  return validatePublicJwk(await globalThis.crypto.subtle.exportKey("jwk", key));
}

/**
 * RFC 7638 thumbprint (`jkt`): base64url of SHA-256 over the required members in lexicographic
 * order, no whitespace (3.2, 3.3). For EC keys those are crv, kty, x, y; the member values are
 * plain ASCII here, so JSON.stringify writes exactly the canonical form.
 */
export async function jwkThumbprint(jwk: unknown): Promise<string> {
  const { crv, kty, x, y } = validatePublicJwk(jwk);
  return encodeBase64url(await sha256(utf8(JSON.stringify({ crv, kty, x, y }))));
}
