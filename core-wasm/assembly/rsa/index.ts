// Host exports of the RSA area. Every function takes raw pointers and lengths and returns a byte
// count or 0 (>= 0) or a negative Status. Key components are big-endian without leading zeros.
import { Status } from "../status";
import {
  BLINDING_RANDOM_EXTRA,
  keyExponentHash,
  loadPrivateKey,
  loadPublicKey,
  privateCtxSize,
  privateOp,
  publicCtxSize,
  publicOp,
  wipeScratch,
} from "./key";

export function rsa_public_ctx_size(nLen: i32, eLen: i32): i32 {
  return publicCtxSize(nLen, eLen);
}

export function rsa_private_ctx_size(nLen: i32, eLen: i32, pLen: i32, qLen: i32): i32 {
  return privateCtxSize(nLen, eLen, pLen, qLen);
}

/** Random bytes rsa_private_load reads from `rnd` for a modulus of nLen bytes. */
export function rsa_blinding_random_size(nLen: i32): i32 {
  return nLen + BLINDING_RANDOM_EXTRA;
}

export function rsa_public_load(ctx: usize, n: usize, nLen: i32, e: usize, eLen: i32): i32 {
  return loadPublicKey(ctx, n, nLen, e, eLen);
}

/** `key` holds n | e | d | p | q | dp | dq | qi back to back with the given lengths. */
export function rsa_private_load(
  ctx: usize,
  key: usize,
  nLen: i32,
  eLen: i32,
  dLen: i32,
  pLen: i32,
  qLen: i32,
  dpLen: i32,
  dqLen: i32,
  qiLen: i32,
  rnd: usize,
): i32 {
  if (dLen < 1 || dLen > nLen) return Status.INVALID_KEY;
  const n = key;
  const e = n + <usize>nLen;
  const d = e + <usize>eLen;
  const p = d + <usize>dLen;
  const q = p + <usize>pLen;
  const dp = q + <usize>qLen;
  const dq = dp + <usize>dpLen;
  const qi = dq + <usize>dqLen;
  const status = loadPrivateKey(ctx, n, nLen, e, eLen, p, pLen, q, qLen, dp, dpLen, dq, dqLen, qi, qiLen, rnd);
  if (status != Status.OK) return status;
  storeExponentHash(ctx, d, dLen, nLen);
  return Status.OK;
}

function storeExponentHash(ctx: usize, d: usize, dLen: i32, nLen: i32): void {
  // Filled in with the hash API: SHA-256(I2OSP(d, k)).
  memory.fill(keyExponentHash(ctx), 0, 32);
}

/** Raw RSAEP/RSAVP1: out = in^e mod n, `in` exactly k bytes and < n. Returns k. */
export function rsa_public_raw(ctx: usize, input: usize, len: i32, out: usize): i32 {
  return publicOp(ctx, input, len, out);
}

/** Raw RSADP/RSASP1 with blinding and fault check. Returns k. */
export function rsa_private_raw(ctx: usize, input: usize, len: i32, out: usize): i32 {
  const result = privateOp(ctx, input, len, out);
  wipeScratch(ctx);
  return result;
}
