// DSA signature verification (FIPS 186-4 4.7) over the core's Montgomery arithmetic, for the
// signatures of old mail (RFC 3370 3.1, RFC 5754 3.1). Always WASM: WebCrypto has no DSA.
// Verification only: the core never makes a DSA signature.
import { CryptoError } from "../errors.js";
import type { BaseExports, WasmCore } from "../wasm/instance.js";

/** Exports of the DSA area of the core (assembly/dsa/index.ts). */
export interface DsaExports {
  dsa_ctx_size(pLen: number, qLen: number): number;
  dsa_verify(
    ctx: number,
    data: number,
    pLen: number,
    qLen: number,
    gLen: number,
    yLen: number,
    hLen: number,
    rLen: number,
    sLen: number,
  ): number;
}

export type DsaCore = WasmCore<BaseExports & DsaExports>;

/** A DSA public key (RFC 3279 2.3.2): the domain parameters p, q, g and y, big-endian. */
export interface DsaPublicKey {
  p: Uint8Array;
  q: Uint8Array;
  g: Uint8Array;
  y: Uint8Array;
}

function stripZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** Length of a DER length field at `at`: [value, bytes used], or undefined if not minimal definite DER. */
function derLength(der: Uint8Array, at: number): [number, number] | undefined {
  const first = der[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return [first, 1];
  const count = first & 0x7f;
  if (count === 0 || count > 2 || at + count >= der.length) return undefined; // indefinite, or absurdly long
  let value = 0;
  for (let i = 1; i <= count; i++) value = value * 256 + der[at + i]!;
  if (value < 0x80 || (count === 2 && value < 0x100)) return undefined; // not the shortest form
  return [value, 1 + count];
}

/**
 * Dss-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 2.2.2), strict DER: minimal lengths
 * and integers, both positive, nothing after. Anything else is no signature (undefined): a BER
 * variant of a valid signature is a second valid encoding, which DER forbids.
 */
export function parseDsaSignature(der: Uint8Array): { r: Uint8Array; s: Uint8Array } | undefined {
  if (der[0] !== 0x30) return undefined;
  const seq = derLength(der, 1);
  if (seq === undefined || 1 + seq[1] + seq[0] !== der.length) return undefined;
  let at = 1 + seq[1];
  const ints: Uint8Array[] = [];
  while (at < der.length) {
    if (der[at] !== 0x02 || ints.length === 2) return undefined;
    const len = derLength(der, at + 1);
    if (len === undefined || len[0] === 0) return undefined;
    const start = at + 1 + len[1];
    const value = der.subarray(start, start + len[0]);
    if (value.length !== len[0]) return undefined;
    if ((value[0]! & 0x80) !== 0) return undefined; // negative
    if (value.length > 1 && value[0] === 0 && (value[1]! & 0x80) === 0) return undefined; // not minimal
    ints.push(value);
    at = start + len[0];
  }
  if (ints.length !== 2) return undefined;
  return { r: ints[0]!, s: ints[1]! };
}

/**
 * Verifies a DER Dss-Sig-Value over `digest` (the message's hash, any of SHA-1 to SHA-512: FIPS
 * 186-4 4.6 takes its leftmost bits as q is long). Returns false for a signature that does not hold
 * or is not strict DER; throws INVALID_KEY for a key the core cannot use (p of 512..4096 bits, q of
 * 160..512 bits below p, both odd, g and y in 2..p-1).
 */
export function dsaVerify(core: DsaCore, key: DsaPublicKey, digest: Uint8Array, signature: Uint8Array): boolean {
  const parsed = parseDsaSignature(signature);
  if (parsed === undefined) return false;
  if (digest.length < 1 || digest.length > 64)
    throw new CryptoError("INVALID_ARGUMENT", `DSA verify: a digest of ${digest.length} bytes`);
  const parts = [key.p, key.q, key.g, key.y, digest, parsed.r, parsed.s].map((part, i) =>
    i === 4 ? part : stripZeros(part),
  );
  const [p, q, g, y, h, r, s] = parts as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  if (p.length > 512 || q.length > 64)
    throw new CryptoError("INVALID_KEY", "DSA verify: p of at most 4096 bits and q of at most 512 bits");
  if (g.length > p.length || y.length > p.length) throw new CryptoError("INVALID_KEY", "DSA verify: g or y exceeds p");
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  const size = core.exports.dsa_ctx_size(p.length, q.length);
  const ctx = core.alloc(size);
  const ptr = core.alloc(data);
  try {
    const result = core.check(
      core.exports.dsa_verify(ctx, ptr, p.length, q.length, g.length, y.length, h.length, r.length, s.length),
      "DSA verify",
    );
    return result === 1;
  } finally {
    core.free(ptr, data.length);
    core.free(ctx, size);
  }
}
