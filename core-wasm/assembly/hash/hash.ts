// Streaming SHA-1 and SHA-2 (FIPS 180-4: SHA-224, SHA-256, SHA-384, SHA-512) over plain context blocks in linear memory.
// Internal API shared with the RSA module; the host exports are in index.ts.
import { HashAlg } from "./alg";
import { sha1Blocks, sha256Blocks, sha512Blocks } from "./rounds";

// Context layout (byte offsets). The state is host-endian words; the block buffer holds a partial block.
const ALG: usize = 0; // u32 HashAlg, 0 once finalised (or never initialised)
const BUFFERED: usize = 4; // u32 bytes waiting in the block buffer
const TOTAL: usize = 8; // u64 bytes hashed so far
const STATE: usize = 16; // 5 x u32 (SHA-1), 8 x u32 (SHA-224/256) or 8 x u64 (SHA-384/512)
const BLOCK: usize = 80; // one block: 64 or 128 bytes

/** Bytes enough for a context of any HashAlg. */
export const HASH_CTX_MAX: usize = BLOCK + 128;

/** True for the identifiers of the HashAlg enum (1..5); everything else is rejected by the host exports. */
export function hashAlgKnown(alg: i32): bool {
  return alg >= HashAlg.SHA1 && alg <= HashAlg.SHA224;
}

/**
 * SHA-384 and SHA-512 use 64-bit words and 128-byte blocks (FIPS 180-4 6.4, 6.5); SHA-1, SHA-224 and
 * SHA-256 use 32-bit words and 64-byte blocks.
 */
function hashIs64Bit(alg: HashAlg): bool {
  return alg == HashAlg.SHA384 || alg == HashAlg.SHA512;
}

/** The algorithm a context was initialised with, or 0 if it is not ready for update/final. */
export function hashCtxAlg(ctx: usize): i32 {
  return load<u32>(ctx, ALG);
}

export function hashBlockSize(alg: HashAlg): i32 {
  return hashIs64Bit(alg) ? 128 : 64;
}

export function hashDigestSize(alg: HashAlg): i32 {
  switch (alg) {
    case HashAlg.SHA1:
      return 20;
    case HashAlg.SHA224:
      return 28;
    case HashAlg.SHA256:
      return 32;
    case HashAlg.SHA384:
      return 48;
    default:
      return 64;
  }
}

export function hashCtxSize(alg: HashAlg): usize {
  return BLOCK + <usize>hashBlockSize(alg);
}

// Initial hash values (FIPS 180-4 5.3.1 to 5.3.5), stored as the context holds them.
const IV_SHA1 = memory.data<u32>([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);
const IV_SHA224 = memory.data<u32>([
  0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
]);
const IV_SHA256 = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const IV_SHA384 = memory.data<u64>([
  0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939, 0x67332667ffc00b31,
  0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
]);
const IV_SHA512 = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1, 0x510e527fade682d1,
  0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);

export function hashInit(ctx: usize, alg: HashAlg): void {
  memory.fill(ctx, 0, hashCtxSize(alg));
  store<u32>(ctx, alg, ALG);
  let iv: usize;
  switch (alg) {
    case HashAlg.SHA1:
      memory.copy(ctx + STATE, IV_SHA1, 20);
      return;
    case HashAlg.SHA224:
      iv = IV_SHA224;
      break;
    case HashAlg.SHA256:
      iv = IV_SHA256;
      break;
    case HashAlg.SHA384:
      iv = IV_SHA384;
      break;
    default:
      iv = IV_SHA512;
  }
  memory.copy(ctx + STATE, iv, hashIs64Bit(alg) ? 64 : 32);
}

function compress(alg: HashAlg, state: usize, p: usize, blocks: usize): void {
  if (alg == HashAlg.SHA1) sha1Blocks(state, p, blocks);
  else if (hashIs64Bit(alg)) sha512Blocks(state, p, blocks);
  // SHA-224 is SHA-256's computation from another initial value, truncated (FIPS 180-4 6.3).
  else sha256Blocks(state, p, blocks);
}

export function hashUpdate(ctx: usize, data: usize, len: usize): void {
  const alg = <HashAlg>load<u32>(ctx, ALG);
  const blockSize = <usize>hashBlockSize(alg);
  store<u64>(ctx, load<u64>(ctx, TOTAL) + <u64>len, TOTAL);
  let buffered = <usize>load<u32>(ctx, BUFFERED);
  if (buffered > 0) {
    const take = min(blockSize - buffered, len);
    memory.copy(ctx + BLOCK + buffered, data, take);
    buffered += take;
    data += take;
    len -= take;
    if (buffered < blockSize) {
      store<u32>(ctx, <u32>buffered, BUFFERED);
      return;
    }
    compress(alg, ctx + STATE, ctx + BLOCK, 1);
  }
  // Whole blocks straight from the caller's buffer, without copying.
  const blocks = len / blockSize;
  if (blocks > 0) compress(alg, ctx + STATE, data, blocks);
  const rest = len - blocks * blockSize;
  memory.copy(ctx + BLOCK, data + blocks * blockSize, rest);
  store<u32>(ctx, <u32>rest, BUFFERED);
}

/** Pads (FIPS 180-4 5.1), writes the digest big-endian to `out`, and wipes the context. */
export function hashFinal(ctx: usize, out: usize): void {
  const alg = <HashAlg>load<u32>(ctx, ALG);
  const blockSize = <usize>hashBlockSize(alg);
  // The length field is 64 bits (SHA-1, SHA-224, SHA-256) or 128 bits (SHA-384/512); its top part is zero
  // for any message below 2^61 bytes, and the block is zeroed, so only the low 64 bits are written.
  const bitLength = load<u64>(ctx, TOTAL) << 3;
  let buffered = <usize>load<u32>(ctx, BUFFERED);
  const block = ctx + BLOCK;
  store<u8>(block + buffered, 0x80);
  buffered++;
  if (buffered > blockSize - (blockSize >> 3)) {
    memory.fill(block + buffered, 0, blockSize - buffered);
    compress(alg, ctx + STATE, block, 1);
    buffered = 0;
  }
  memory.fill(block + buffered, 0, blockSize - 8 - buffered);
  store<u64>(block + blockSize - 8, bswap<u64>(bitLength));
  compress(alg, ctx + STATE, block, 1);

  // Truncated digests (SHA-224: the leftmost 224 bits, FIPS 180-4 6.3) are whole words, so the
  // loops write only digest bytes.
  const digestSize = <usize>hashDigestSize(alg);
  if (hashIs64Bit(alg)) {
    for (let i: usize = 0; i < digestSize; i += 8) store<u64>(out + i, bswap<u64>(load<u64>(ctx + STATE + i)));
  } else {
    for (let i: usize = 0; i < digestSize; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(ctx + STATE + i)));
  }
  memory.fill(ctx, 0, hashCtxSize(alg));
}
