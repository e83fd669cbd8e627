// AES key schedule and block-level entry points over the bitsliced cores (bitslice.ts).
import { addKey, decryptState, encryptState, ortho, sbox, shiftAddKey, shiftMixAddKey } from "./bitslice";
import { ghashBlocks } from "./ghash";
import {
  OFF_BATCH,
  OFF_KEY_WORDS,
  OFF_RK128,
  OFF_RK64,
  OFF_ROUNDS,
  OFF_STATE,
} from "./layout";

/**
 * Spreads one block (four little-endian u32 words) over two u64 words q[k] and q[k + 4] of the
 * 64-bit layout, so that after ortho() each word holds one bit plane of four blocks (BearSSL's
 * br_aes_ct64_interleave_in). Pure bit movement: constant time.
 */
function interleaveIn(q: usize, k: i32, block: usize): void {
  let x0 = <u64>load<u32>(block), x1 = <u64>load<u32>(block, 4);
  let x2 = <u64>load<u32>(block, 8), x3 = <u64>load<u32>(block, 12);
  x0 = (x0 | (x0 << 16)) & 0x0000ffff0000ffff;
  x1 = (x1 | (x1 << 16)) & 0x0000ffff0000ffff;
  x2 = (x2 | (x2 << 16)) & 0x0000ffff0000ffff;
  x3 = (x3 | (x3 << 16)) & 0x0000ffff0000ffff;
  x0 = (x0 | (x0 << 8)) & 0x00ff00ff00ff00ff;
  x1 = (x1 | (x1 << 8)) & 0x00ff00ff00ff00ff;
  x2 = (x2 | (x2 << 8)) & 0x00ff00ff00ff00ff;
  x3 = (x3 | (x3 << 8)) & 0x00ff00ff00ff00ff;
  store<u64>(q + <usize>k * 8, x0 | (x2 << 8));
  store<u64>(q + <usize>(k + 4) * 8, x1 | (x3 << 8));
}

/** Inverse of interleaveIn: gathers block k back from q[k] and q[k + 4]. */
function interleaveOut(q: usize, k: i32, block: usize): void {
  const q0 = load<u64>(q + <usize>k * 8), q1 = load<u64>(q + <usize>(k + 4) * 8);
  let x0 = q0 & 0x00ff00ff00ff00ff, x1 = q1 & 0x00ff00ff00ff00ff;
  let x2 = (q0 >> 8) & 0x00ff00ff00ff00ff, x3 = (q1 >> 8) & 0x00ff00ff00ff00ff;
  x0 = (x0 | (x0 >> 8)) & 0x0000ffff0000ffff;
  x1 = (x1 | (x1 >> 8)) & 0x0000ffff0000ffff;
  x2 = (x2 | (x2 >> 8)) & 0x0000ffff0000ffff;
  x3 = (x3 | (x3 >> 8)) & 0x0000ffff0000ffff;
  store<u32>(block, <u32>x0 | <u32>(x0 >> 16));
  store<u32>(block, <u32>x1 | <u32>(x1 >> 16), 4);
  store<u32>(block, <u32>x2 | <u32>(x2 >> 16), 8);
  store<u32>(block, <u32>x3 | <u32>(x3 >> 16), 12);
}

/** SubWord (FIPS 197, 5.2) through the bitsliced S-box, so the key schedule has no lookups either. */
function subWord(ctx: usize, x: u32): u32 {
  const q = ctx + OFF_STATE;
  memory.fill(q, 0, 64);
  store<u64>(q, <u64>x);
  ortho<u64>(q);
  sbox<u64>(q);
  ortho<u64>(q);
  return <u32>load<u64>(q);
}

/** Rounds for a key length in bytes (FIPS 197, 5: Nr = 10, 12, 14), 0 for any other length. */
export function roundsForKeyLength(keyLen: i32): i32 {
  return keyLen == 16 ? 10 : keyLen == 24 ? 12 : keyLen == 32 ? 14 : 0;
}

/**
 * KeyExpansion (FIPS 197, 5.2), then converts each round key to the bitsliced layouts. Words are
 * kept little-endian (byte 0 in the low bits), so RotWord is a right rotation by 8 and Rcon goes
 * into the low byte. The caller has checked the key length.
 */
export function setKey(ctx: usize, key: usize, keyLen: i32): void {
  const rounds = roundsForKeyLength(keyLen);
  const nk = keyLen >> 2;
  const totalWords = (rounds + 1) * 4;
  const w = ctx + OFF_KEY_WORDS;
  store<i32>(ctx + OFF_ROUNDS, rounds);
  memory.copy(w, key, keyLen);
  let rcon: u32 = 1;
  for (let i = nk; i < totalWords; i++) {
    let t = load<u32>(w + <usize>(i - 1) * 4);
    if (i % nk == 0) {
      t = subWord(ctx, rotr<u32>(t, 8)) ^ rcon;
      rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
    } else if (nk > 6 && i % nk == 4) {
      t = subWord(ctx, t);
    }
    store<u32>(w + <usize>i * 4, t ^ load<u32>(w + <usize>(i - nk) * 4));
  }
  const q = ctx + OFF_STATE;
  for (let r = 0; r <= rounds; r++) {
    // Four copies of the round key, so each bit plane is the key bit repeated for all blocks.
    interleaveIn(q, 0, w + <usize>r * 16);
    for (let k = 1; k < 4; k++) {
      store<u64>(q + <usize>k * 8, load<u64>(q));
      store<u64>(q + <usize>(k + 4) * 8, load<u64>(q, 32));
    }
    ortho<u64>(q);
    memory.copy(ctx + OFF_RK64 + <usize>r * 64, q, 64);
    if (ASC_FEATURE_SIMD) {
      const b = ctx + OFF_BATCH;
      for (let k = 0; k < 8; k++) v128.store(b + <usize>k * 16, v128.load(w + <usize>r * 16));
      ortho<v128>(b);
      memory.copy(ctx + OFF_RK128 + <usize>r * 128, b, 128);
    }
  }
  memory.fill(w, 0, 240);
  memory.fill(q, 0, 64);
  memory.fill(ctx + OFF_BATCH, 0, 128);
}

@inline function rounds(ctx: usize): i32 {
  return load<i32>(ctx + OFF_ROUNDS);
}

/** Encrypts one 16-byte block from src to dst (may be equal) with the 64-bit core. */
export function encryptBlock(ctx: usize, src: usize, dst: usize): void {
  const q = ctx + OFF_STATE;
  memory.fill(q, 0, 64);
  interleaveIn(q, 0, src);
  ortho<u64>(q);
  encryptState<u64>(q, ctx + OFF_RK64, rounds(ctx));
  ortho<u64>(q);
  interleaveOut(q, 0, dst);
}

/** Decrypts one 16-byte block from src to dst (may be equal). */
export function decryptBlock(ctx: usize, src: usize, dst: usize): void {
  const q = ctx + OFF_STATE;
  memory.fill(q, 0, 64);
  interleaveIn(q, 0, src);
  ortho<u64>(q);
  decryptState<u64>(q, ctx + OFF_RK64, rounds(ctx));
  ortho<u64>(q);
  interleaveOut(q, 0, dst);
}

/** Encrypts the PARALLEL_BLOCKS blocks of the batch buffer (ctx + OFF_BATCH) in place. */
export function encryptBatch(ctx: usize): void {
  encryptBatchWithGhash(ctx, 0, 0);
}

/** GHASH blocks absorbed between two cipher rounds (one aggregated group, see ghash.ts). */
const GHASH_GROUP = 4;

/**
 * encryptBatch, absorbing meanwhile `blocks` (0 or PARALLEL_BLOCKS) GHASH blocks from hashSrc,
 * one group after each of the first rounds. The cipher (vector units in the SIMD build) and GHASH (integer
 * multiplier) are independent, so the CPU overlaps them instead of running one after the other.
 */
export function encryptBatchWithGhash(ctx: usize, hashSrc: usize, blocks: i32): void {
  const b = ctx + OFF_BATCH;
  const n = rounds(ctx);
  if (ASC_FEATURE_SIMD) {
    const rk = ctx + OFF_RK128;
    ortho<v128>(b);
    addKey<v128>(b, rk);
    for (let r = 1; r < n; r++) {
      sbox<v128>(b);
      shiftMixAddKey<v128>(b, rk + <usize>r * 128);
      if (r * GHASH_GROUP <= blocks) ghashBlocks(ctx, hashSrc + <usize>(r - 1) * 16 * GHASH_GROUP, GHASH_GROUP);
    }
    sbox<v128>(b);
    shiftAddKey<v128>(b, rk + <usize>n * 128);
    ortho<v128>(b);
  } else {
    const q = ctx + OFF_STATE, rk = ctx + OFF_RK64;
    for (let k = 0; k < 4; k++) interleaveIn(q, k, b + <usize>k * 16);
    ortho<u64>(q);
    addKey<u64>(q, rk);
    for (let r = 1; r < n; r++) {
      sbox<u64>(q);
      shiftMixAddKey<u64>(q, rk + <usize>r * 64);
      if (r * GHASH_GROUP <= blocks) ghashBlocks(ctx, hashSrc + <usize>(r - 1) * 16 * GHASH_GROUP, GHASH_GROUP);
    }
    sbox<u64>(q);
    shiftAddKey<u64>(q, rk + <usize>n * 64);
    ortho<u64>(q);
    for (let k = 0; k < 4; k++) interleaveOut(q, k, b + <usize>k * 16);
  }
}

/** Decrypts the PARALLEL_BLOCKS blocks of the batch buffer in place. */
export function decryptBatch(ctx: usize): void {
  const b = ctx + OFF_BATCH;
  if (ASC_FEATURE_SIMD) {
    ortho<v128>(b);
    decryptState<v128>(b, ctx + OFF_RK128, rounds(ctx));
    ortho<v128>(b);
  } else {
    const q = ctx + OFF_STATE;
    for (let k = 0; k < 4; k++) interleaveIn(q, k, b + <usize>k * 16);
    ortho<u64>(q);
    decryptState<u64>(q, ctx + OFF_RK64, rounds(ctx));
    ortho<u64>(q);
    for (let k = 0; k < 4; k++) interleaveOut(q, k, b + <usize>k * 16);
  }
}
