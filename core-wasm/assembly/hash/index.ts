// Host exports of the hash area: streaming SHA-1/SHA-2, SHA-3 and SHAKE256, and HMAC over
// host-allocated contexts. Every export returns i32: >= 0 on success, a negative Status otherwise.
import { Status } from "../status";
import { HashAlg } from "./alg";
import { hashAlgKnown, hashCtxAlg, hashCtxSize, hashDigestSize, hashFinal, hashInit, hashUpdate } from "./hash";
import { hmacCtxAlg, hmacCtxSize, hmacFinal, hmacInit, hmacUpdate } from "./hmac";
import { KECCAK_CTX_SIZE, keccakAlg, keccakDigestSize, keccakInit, keccakSqueeze, keccakUpdate } from "./keccak";

// Both context layouts keep the algorithm in their first word, so hashCtxAlg reads either.

/** Context size in bytes for `alg`, or UNSUPPORTED_ALGORITHM. */
export function hash_ctx_size(alg: i32): i32 {
  if (keccakAlg(alg)) return <i32>KECCAK_CTX_SIZE;
  return hashAlgKnown(alg) ? <i32>hashCtxSize(<HashAlg>alg) : Status.UNSUPPORTED_ALGORITHM;
}

/** Digest size in bytes for `alg`, or UNSUPPORTED_ALGORITHM. */
export function hash_digest_size(alg: i32): i32 {
  if (keccakAlg(alg)) return keccakDigestSize(<HashAlg>alg);
  return hashAlgKnown(alg) ? hashDigestSize(<HashAlg>alg) : Status.UNSUPPORTED_ALGORITHM;
}

export function hash_init(ctx: usize, alg: i32): i32 {
  if (keccakAlg(alg)) keccakInit(ctx, <HashAlg>alg);
  else if (hashAlgKnown(alg)) hashInit(ctx, <HashAlg>alg);
  else return Status.UNSUPPORTED_ALGORITHM;
  return Status.OK;
}

export function hash_update(ctx: usize, data: usize, len: usize): i32 {
  const alg = hashCtxAlg(ctx);
  if (alg == 0) return Status.INVALID_STATE;
  if (keccakAlg(alg)) keccakUpdate(ctx, data, len);
  else hashUpdate(ctx, data, len);
  return Status.OK;
}

/** Writes the digest to `out` and returns its length; the context must be initialised again to reuse. */
export function hash_final(ctx: usize, out: usize): i32 {
  const alg = hashCtxAlg(ctx);
  if (alg == 0) return Status.INVALID_STATE;
  if (keccakAlg(alg)) {
    const size = keccakDigestSize(<HashAlg>alg);
    keccakSqueeze(ctx, out, <usize>size);
    return size;
  }
  hashFinal(ctx, out);
  return hashDigestSize(<HashAlg>alg);
}

/**
 * SHAKE256 only: writes `len` bytes of output (an extendable-output function, FIPS 202 6.2) to `out`
 * and returns `len`; the host bounds `len` by its output buffer.
 */
export function hash_final_xof(ctx: usize, out: usize, len: usize): i32 {
  const alg = hashCtxAlg(ctx);
  if (alg == 0) return Status.INVALID_STATE;
  if (alg != HashAlg.SHAKE256) return Status.UNSUPPORTED_ALGORITHM;
  if (len == 0 || len > 0x7fffffff) return Status.INVALID_ARGUMENT;
  keccakSqueeze(ctx, out, len);
  return <i32>len;
}

export function hmac_ctx_size(alg: i32): i32 {
  return hashAlgKnown(alg) ? <i32>hmacCtxSize(<HashAlg>alg) : Status.UNSUPPORTED_ALGORITHM;
}

/** Any key length is valid for HMAC (RFC 2104 section 3); keys longer than a block are hashed. */
export function hmac_init(ctx: usize, alg: i32, key: usize, keyLen: usize): i32 {
  if (!hashAlgKnown(alg)) return Status.UNSUPPORTED_ALGORITHM;
  hmacInit(ctx, <HashAlg>alg, key, keyLen);
  return Status.OK;
}

export function hmac_update(ctx: usize, data: usize, len: usize): i32 {
  if (hmacCtxAlg(ctx) == 0) return Status.INVALID_STATE;
  hmacUpdate(ctx, data, len);
  return Status.OK;
}

export function hmac_final(ctx: usize, out: usize): i32 {
  const alg = hmacCtxAlg(ctx);
  if (alg == 0) return Status.INVALID_STATE;
  hmacFinal(ctx, out);
  return hashDigestSize(<HashAlg>alg);
}
