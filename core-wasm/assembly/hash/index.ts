// Host exports of the hash area: streaming SHA-1/SHA-2 and HMAC over host-allocated contexts.
// Every export returns i32: >= 0 on success, a negative Status otherwise.
import { Status } from "../status";
import { HashAlg } from "./alg";
import { hashAlgKnown, hashCtxAlg, hashCtxSize, hashDigestSize, hashFinal, hashInit, hashUpdate } from "./hash";
import { hmacCtxAlg, hmacCtxSize, hmacFinal, hmacInit, hmacUpdate } from "./hmac";

/** Context size in bytes for `alg`, or UNSUPPORTED_ALGORITHM. */
export function hash_ctx_size(alg: i32): i32 {
  return hashAlgKnown(alg) ? <i32>hashCtxSize(<HashAlg>alg) : Status.UNSUPPORTED_ALGORITHM;
}

/** Digest size in bytes for `alg`, or UNSUPPORTED_ALGORITHM. */
export function hash_digest_size(alg: i32): i32 {
  return hashAlgKnown(alg) ? hashDigestSize(<HashAlg>alg) : Status.UNSUPPORTED_ALGORITHM;
}

export function hash_init(ctx: usize, alg: i32): i32 {
  if (!hashAlgKnown(alg)) return Status.UNSUPPORTED_ALGORITHM;
  hashInit(ctx, <HashAlg>alg);
  return Status.OK;
}

export function hash_update(ctx: usize, data: usize, len: usize): i32 {
  if (hashCtxAlg(ctx) == 0) return Status.INVALID_STATE;
  hashUpdate(ctx, data, len);
  return Status.OK;
}

/** Writes the digest to `out` and returns its length; the context must be initialised again to reuse. */
export function hash_final(ctx: usize, out: usize): i32 {
  const alg = hashCtxAlg(ctx);
  if (alg == 0) return Status.INVALID_STATE;
  hashFinal(ctx, out);
  return hashDigestSize(<HashAlg>alg);
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
