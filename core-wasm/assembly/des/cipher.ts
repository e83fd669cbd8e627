// Triple-DES (TDEA, NIST SP 800-67 Rev. 2, keying option 1: three independent keys) over DES
// (FIPS 46-3), bitsliced: 64 (u64) or 128 (v128) blocks per pass, word i of the state holding bit
// i + 1 of every block. The initial and final permutations and the expansion E are then choices
// of words, the S-boxes Boolean circuits (circuits.ts): no data or key value selects a branch or
// an address. All indexes below are public constants (bit positions, round numbers).
import { feistel } from "./circuits";
import { OFF_BATCH, OFF_ROWS, OFF_RK, OFF_STATE } from "./layout";

/** FIPS 46-3, initial permutation IP: bit i (1-based) of the permuted block is input bit IP[i - 1]. */
const IP = memory.data<u8>([
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32,
  24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47,
  39, 31, 23, 15, 7,
]);

/** FIPS 46-3, "Key Schedule Calculation": permuted choice 1 (C0 from the first 28, D0 from the rest). */
const PC1 = memory.data<u8>([
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, 63, 55,
  47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
]);

/** Permuted choice 2: bit j of K_n is bit PC2[j - 1] of C_n D_n. */
const PC2 = memory.data<u8>([
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47, 55, 30,
  40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
]);

/** Left shifts of C and D before round n. */
const SHIFTS = memory.data<u8>([1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1]);

/**
 * Writes the 16 round keys of one DES key (8 bytes at key; the parity bits, every eighth, are not
 * selected by PC-1 and so ignored) as 48 u64 masks each, forward or in reverse order (decryption
 * uses K16 first: FIPS 46-3, "Deciphering"). Only shifts and masks touch key bits.
 */
function desKeySchedule(key: usize, dst: usize, reverse: bool): void {
  const k = bswap<u64>(load<u64>(key)); // bit 1 of FIPS 46-3 is the most significant
  let c: u32 = 0,
    d: u32 = 0;
  for (let i = 0; i < 28; i++) {
    c |= <u32>((k >> (64 - <u64>load<u8>(PC1 + i))) & 1) << (27 - i);
    d |= <u32>((k >> (64 - <u64>load<u8>(PC1 + 28 + i))) & 1) << (27 - i);
  }
  for (let n = 0; n < 16; n++) {
    const s = <u32>load<u8>(SHIFTS + n);
    c = ((c << s) | (c >> (28 - s))) & 0x0fffffff;
    d = ((d << s) | (d >> (28 - s))) & 0x0fffffff;
    const cd = (<u64>c << 28) | <u64>d; // bit 1 of C_n D_n at position 55
    const out = dst + <usize>(reverse ? 15 - n : n) * 48 * 8;
    for (let j = 0; j < 48; j++) {
      const bit = (cd >> (56 - <u64>load<u8>(PC2 + j))) & 1;
      store<u64>(out + <usize>j * 8, 0 - bit);
    }
  }
}

/**
 * Round keys for the 48 rounds of TDEA with the 24-byte key K1 || K2 || K3 (SP 800-67 3.1 and
 * 3.2): encryption is E_K3(D_K2(E_K1(P))), decryption D_K1(E_K2(D_K3(C))).
 */
export function setKey(ctx: usize, key: usize, decrypt: bool): void {
  const rk = ctx + OFF_RK;
  const stage = <usize>16 * 48 * 8;
  if (decrypt) {
    desKeySchedule(key + 16, rk, true);
    desKeySchedule(key + 8, rk + stage, false);
    desKeySchedule(key, rk + 2 * stage, true);
  } else {
    desKeySchedule(key, rk, false);
    desKeySchedule(key + 8, rk + stage, true);
    desKeySchedule(key + 16, rk + 2 * stage, false);
  }
}

@inline function wshl<T>(a: T, s: i32): T {
  if (isVector<T>()) return i64x2.shl(a, s);
  else return a << (s as u64);
}

@inline function wshr<T>(a: T, s: i32): T {
  if (isVector<T>()) return i64x2.shr_u(a, s);
  else return a >> (s as u64);
}

@inline function wxor<T>(a: T, b: T): T {
  if (isVector<T>()) return v128.xor(a, b);
  else return a ^ b;
}

@inline function wand<T>(a: T, b: T): T {
  if (isVector<T>()) return v128.and(a, b);
  else return a & b;
}

@inline function wconst<T>(m: u64): T {
  if (isVector<T>()) return i64x2.splat(m);
  else return m;
}

/**
 * Transposes the 64 x 64 bit matrix in each 64-bit lane of the 64 words at q (Hacker's Delight,
 * 7-3, widened to 64 bits): bit 63 - j of word i becomes bit 63 - i of word j. Its own inverse.
 */
function transpose<T>(q: usize): void {
  const w = <usize>sizeof<T>();
  let m: u64 = 0x00000000ffffffff;
  for (let j = 32; j != 0; ) {
    const mask = wconst<T>(m);
    for (let k = 0; k < 64; k = ((k | j) + 1) & ~j) {
      const a = q + <usize>k * w, b = q + <usize>(k | j) * w;
      const x = load<T>(a), y = load<T>(b);
      const t = wand<T>(wxor<T>(x, wshr<T>(y, j)), mask);
      store<T>(a, wxor<T>(x, t));
      store<T>(b, wxor<T>(y, wshl<T>(t, j)));
    }
    j >>= 1;
    m ^= m << <u64>j;
  }
}

/**
 * The 48 rounds on the state at OFF_STATE (L in words 0..31, R in 32..63, after IP). Round n:
 * L_n = R_{n-1}, R_n = L_{n-1} ^ f(R_{n-1}, K_n) (FIPS 46-3, "Enciphering"), done in place by
 * XORing into the half that holds L_{n-1}, so the halves swap roles each round. Between the three
 * DES passes the final permutation of one and the initial permutation of the next cancel, and
 * the pass's closing swap (the preoutput is R16 L16) means the roles do not change there. The
 * preoutput of the last pass is words 32..63 then 0..31.
 */
function rounds<T>(ctx: usize): void {
  const st = ctx + OFF_STATE, rk = ctx + OFF_RK;
  const halfBytes = <usize>32 * sizeof<T>();
  let target: usize = 0;
  for (let n = 0; n < 48; n++) {
    feistel<T>(st + target, st + (halfBytes - target), rk + <usize>n * 48 * 8);
    if (n != 15 && n != 31) target = halfBytes - target;
  }
}

/** Loads bitsliced state from the rows at OFF_ROWS: transposition, then IP as a choice of words. */
function stateFromRows<T>(ctx: usize): void {
  const rows = ctx + OFF_ROWS, st = ctx + OFF_STATE, w = <usize>sizeof<T>();
  transpose<T>(rows);
  for (let i = 0; i < 64; i++) store<T>(st + <usize>i * w, load<T>(rows + <usize>(load<u8>(IP + i) - 1) * w));
}

/**
 * Inverse of stateFromRows on the preoutput R16 L16 (words 32..63, 0..31): the final permutation
 * IP^-1 puts preoutput bit i at output bit IP[i - 1].
 */
function rowsFromState<T>(ctx: usize): void {
  const rows = ctx + OFF_ROWS, st = ctx + OFF_STATE, w = <usize>sizeof<T>();
  for (let i = 0; i < 64; i++) {
    const pre = (i + 32) & 63;
    store<T>(rows + <usize>(load<u8>(IP + i) - 1) * w, load<T>(st + <usize>pre * w));
  }
  transpose<T>(rows);
}

/**
 * Runs TDEA (in the direction of the key schedule) on the PARALLEL_BLOCKS blocks at OFF_BATCH, in
 * place. u64 rows hold one block each (bit 1 most significant); v128 rows hold blocks k and k + 64.
 */
export function cryptBatch(ctx: usize): void {
  const b = ctx + OFF_BATCH, rows = ctx + OFF_ROWS;
  if (ASC_FEATURE_SIMD) {
    for (let k = 0; k < 64; k++) {
      const lo = bswap<u64>(load<u64>(b + <usize>k * 8)), hi = bswap<u64>(load<u64>(b + <usize>(k + 64) * 8));
      v128.store(rows + <usize>k * 16, i64x2.replace_lane(i64x2.splat(lo), 1, hi));
    }
    stateFromRows<v128>(ctx);
    rounds<v128>(ctx);
    rowsFromState<v128>(ctx);
    for (let k = 0; k < 64; k++) {
      const row = v128.load(rows + <usize>k * 16);
      store<u64>(b + <usize>k * 8, bswap<u64>(i64x2.extract_lane(row, 0)));
      store<u64>(b + <usize>(k + 64) * 8, bswap<u64>(i64x2.extract_lane(row, 1)));
    }
  } else {
    for (let k = 0; k < 64; k++) store<u64>(rows + <usize>k * 8, bswap<u64>(load<u64>(b + <usize>k * 8)));
    stateFromRows<u64>(ctx);
    rounds<u64>(ctx);
    rowsFromState<u64>(ctx);
    for (let k = 0; k < 64; k++) store<u64>(b + <usize>k * 8, bswap<u64>(load<u64>(rows + <usize>k * 8)));
  }
}

/**
 * One block from src to dst (may be equal), for sequential CBC encryption: a full u64 pass with
 * the block in lane 0. The other lanes compute on whatever the rows held; lanes never mix.
 */
export function cryptBlock(ctx: usize, src: usize, dst: usize): void {
  const rows = ctx + OFF_ROWS;
  store<u64>(rows, bswap<u64>(load<u64>(src)));
  stateFromRows<u64>(ctx);
  rounds<u64>(ctx);
  rowsFromState<u64>(ctx);
  store<u64>(dst, bswap<u64>(load<u64>(rows)));
}
