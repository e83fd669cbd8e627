// HMAC (RFC 2104, FIPS 198-1) over the streaming hashes of hash.ts.
import { HashAlg } from "./alg";
import {
  HASH_CTX_MAX,
  hashBlockSize,
  hashCtxAlg,
  hashCtxSize,
  hashDigestSize,
  hashFinal,
  hashInit,
  hashUpdate,
} from "./hash";

// Context layout: the inner hash (already fed K0 ^ ipad) at 0, the outer hash (fed K0 ^ opad) at
// HASH_CTX_MAX. Keeping both pre-keyed states means the key itself is not stored.
const INNER: usize = 0;
const OUTER: usize = HASH_CTX_MAX;

/** Bytes enough for an HMAC context of any HashAlg. */
export const HMAC_CTX_MAX: usize = 2 * HASH_CTX_MAX;

// Scratch for the padded key K0 and the inner digest; wiped after each use.
const scratch = memory.data(128);

export function hmacCtxSize(alg: HashAlg): usize {
  return OUTER + hashCtxSize(alg);
}

/** The algorithm an HMAC context was initialised with, or 0 if it is not ready for update/final. */
export function hmacCtxAlg(ctx: usize): i32 {
  return hashCtxAlg(ctx + INNER);
}

function keyPad(alg: HashAlg, hashCtx: usize, pad: u8): void {
  const blockSize = <usize>hashBlockSize(alg);
  for (let i: usize = 0; i < blockSize; i++) store<u8>(scratch + i, load<u8>(scratch + i) ^ pad);
  hashInit(hashCtx, alg);
  hashUpdate(hashCtx, scratch, blockSize);
}

export function hmacInit(ctx: usize, alg: HashAlg, key: usize, keyLen: usize): void {
  const blockSize = <usize>hashBlockSize(alg);
  // K0 (FIPS 198-1 section 4 steps 1-3): keys longer than a block are hashed first, then zero-padded.
  memory.fill(scratch, 0, 128);
  if (keyLen > blockSize) {
    hashInit(ctx + OUTER, alg);
    hashUpdate(ctx + OUTER, key, keyLen);
    hashFinal(ctx + OUTER, scratch);
  } else {
    memory.copy(scratch, key, keyLen);
  }
  keyPad(alg, ctx + INNER, 0x36);
  // scratch now holds K0 ^ ipad; ipad ^ opad = 0x36 ^ 0x5c turns it into K0 ^ opad.
  keyPad(alg, ctx + OUTER, 0x36 ^ 0x5c);
  memory.fill(scratch, 0, 128);
}

export function hmacUpdate(ctx: usize, data: usize, len: usize): void {
  hashUpdate(ctx + INNER, data, len);
}

/** Writes H((K0 ^ opad) || H((K0 ^ ipad) || text)) to `out` and wipes the context. */
export function hmacFinal(ctx: usize, out: usize): void {
  const alg = <HashAlg>hashCtxAlg(ctx + INNER);
  hashFinal(ctx + INNER, scratch);
  hashUpdate(ctx + OUTER, scratch, <usize>hashDigestSize(alg));
  memory.fill(scratch, 0, 64);
  hashFinal(ctx + OUTER, out);
}
