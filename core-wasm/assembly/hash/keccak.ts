// The Keccak sponge (FIPS 202 section 4) for SHA3-256, SHA3-384, SHA3-512 (6.1) and SHAKE256 (6.2),
// streaming over a plain context block like hash.ts. Internal API; the host exports are in index.ts.
import { HashAlg } from "./alg";
import { keccakF1600 } from "./keccak-rounds";

// Context layout (byte offsets). Input is XORed into the state as it comes (the rate part), so
// there is no block buffer: POS says where in the current block the next byte goes.
const ALG: usize = 0; // u32 HashAlg, 0 once finalised (or never initialised)
const POS: usize = 4; // u32 bytes absorbed into the current block, 0..rate-1
const STATE: usize = 8; // 200 bytes, lane (x, y) at 8 (x + 5y), little-endian

export const KECCAK_CTX_SIZE: usize = STATE + 200;

export function keccakAlg(alg: i32): bool {
  return alg >= HashAlg.SHA3_256 && alg <= HashAlg.SHAKE256;
}

/** The rate r in bytes: 1600 - 2 x capacity, the capacity twice the security level (FIPS 202 6.1, 6.2). */
function rate(alg: HashAlg): usize {
  switch (alg) {
    case HashAlg.SHA3_384:
      return 104;
    case HashAlg.SHA3_512:
      return 72;
    default:
      return 136; // SHA3-256 and SHAKE256 (capacity 512 bits)
  }
}

/**
 * Digest length in bytes. SHAKE256's is the 512 bits CMS uses (RFC 8702 3.1, RFC 8419 3.1); other
 * lengths come from keccakSqueeze.
 */
export function keccakDigestSize(alg: HashAlg): i32 {
  switch (alg) {
    case HashAlg.SHA3_256:
      return 32;
    case HashAlg.SHA3_384:
      return 48;
    default:
      return 64;
  }
}

export function keccakInit(ctx: usize, alg: HashAlg): void {
  memory.fill(ctx, 0, KECCAK_CTX_SIZE);
  store<u32>(ctx, alg, ALG);
}

export function keccakUpdate(ctx: usize, data: usize, len: usize): void {
  const r = rate(<HashAlg>load<u32>(ctx, ALG));
  const state = ctx + STATE;
  let pos = <usize>load<u32>(ctx, POS);
  // Finish a partial block byte by byte.
  while (pos > 0 && len > 0) {
    store<u8>(state + pos, load<u8>(state + pos) ^ load<u8>(data));
    pos++;
    data++;
    len--;
    if (pos == r) {
      keccakF1600(state);
      pos = 0;
    }
  }
  // Whole blocks lane by lane, straight from the caller's buffer (every rate is a multiple of 8).
  while (len >= r) {
    for (let i: usize = 0; i < r; i += 8) store<u64>(state + i, load<u64>(state + i) ^ load<u64>(data + i));
    keccakF1600(state);
    data += r;
    len -= r;
  }
  for (let i: usize = 0; i < len; i++) store<u8>(state + i, load<u8>(state + i) ^ load<u8>(data + i));
  store<u32>(ctx, <u32>(pos + len), POS);
}

/**
 * Pads and writes `outLen` bytes of output to `out`, then wipes the context. The domain bits and the
 * first bit of pad10*1 share a byte: 01 then 1 for SHA-3 (0x06), 1111 then 1 for SHAKE (0x1f), in
 * FIPS 202's bit order (B.2); the final 1 is the top bit of the block's last byte.
 */
export function keccakSqueeze(ctx: usize, out: usize, outLen: usize): void {
  const alg = <HashAlg>load<u32>(ctx, ALG);
  const r = rate(alg);
  const state = ctx + STATE;
  const pos = <usize>load<u32>(ctx, POS);
  const domain: u8 = alg == HashAlg.SHAKE256 ? 0x1f : 0x06;
  store<u8>(state + pos, load<u8>(state + pos) ^ domain);
  store<u8>(state + r - 1, load<u8>(state + r - 1) ^ 0x80);
  keccakF1600(state);
  // Squeeze (FIPS 202 Algorithm 8 steps 7-10): rate bytes at a time, permuting between them.
  while (outLen > r) {
    memory.copy(out, state, r);
    keccakF1600(state);
    out += r;
    outLen -= r;
  }
  memory.copy(out, state, outLen);
  memory.fill(ctx, 0, KECCAK_CTX_SIZE);
}
