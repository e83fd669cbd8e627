// GHASH (NIST SP 800-38D, 6.4) in constant time: carry-less 64x64 multiplication done with
// ordinary integer multiplications on operands with "holes" (BearSSL's ghash_ctmul64 method).
// Each operand is split into four masks keeping every fourth bit; products of such masks never
// carry into the bits that are kept, so XOR of the right partial products is the carry-less
// product. No table, no branch on data. The high half of a 64x64 product is obtained by
// multiplying the bit-reversed operands. Three products per 128-bit multiplication (Karatsuba),
// and four blocks share one reduction (aggregated with H^2..H^4).
import { OFF_GHASH_BUF, OFF_GHASH_FILL, OFF_H, OFF_Y } from "./layout";

/**
 * Low 64 bits of the carry-less product of x and y, with y given as its four masks
 * y & 0x1111..., y & 0x2222..., y & 0x4444..., y & 0x8888... (precomputed once per key).
 */
@inline function clmulLow(x: u64, y0: u64, y1: u64, y2: u64, y3: u64): u64 {
  const x0 = x & 0x1111111111111111, x1 = x & 0x2222222222222222;
  const x2 = x & 0x4444444444444444, x3 = x & 0x8888888888888888;
  const z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (
    (z0 & 0x1111111111111111) | (z1 & 0x2222222222222222) | (z2 & 0x4444444444444444) | (z3 & 0x8888888888888888)
  );
}

/** Bit reversal of a 64-bit word. */
@inline function reverseBits(x: u64): u64 {
  x = ((x & 0x5555555555555555) << 1) | ((x >> 1) & 0x5555555555555555);
  x = ((x & 0x3333333333333333) << 2) | ((x >> 2) & 0x3333333333333333);
  x = ((x & 0x0f0f0f0f0f0f0f0f) << 4) | ((x >> 4) & 0x0f0f0f0f0f0f0f0f);
  return bswap<u64>(x);
}

/** Multiplicand `index` (0..5, see OFF_H) of H^power (power 1..4), as four masks. */
@inline function maskedKey(ctx: usize, power: i32, index: i32): usize {
  return ctx + OFF_H + <usize>((power - 1) * 6 + index) * 32;
}

function storeMasks(p: usize, h: u64): void {
  store<u64>(p, h & 0x1111111111111111);
  store<u64>(p, h & 0x2222222222222222, 8);
  store<u64>(p, h & 0x4444444444444444, 16);
  store<u64>(p, h & 0x8888888888888888, 24);
}

/** Product of x with a masked multiplicand. */
@inline function clmulKey(x: u64, p: usize): u64 {
  return clmulLow(x, load<u64>(p), load<u64>(p, 8), load<u64>(p, 16), load<u64>(p, 24));
}

function setPower(ctx: usize, power: i32, h1: u64, h0: u64): void {
  const h0r = reverseBits(h0), h1r = reverseBits(h1);
  storeMasks(maskedKey(ctx, power, 0), h0);
  storeMasks(maskedKey(ctx, power, 1), h1);
  storeMasks(maskedKey(ctx, power, 2), h0 ^ h1);
  storeMasks(maskedKey(ctx, power, 3), h0r);
  storeMasks(maskedKey(ctx, power, 4), h1r);
  storeMasks(maskedKey(ctx, power, 5), h0r ^ h1r);
}

/**
 * Reduces the 256-bit product given by its Karatsuba parts (z for the low halves, zh for the
 * bit-reversed operands, i.e. the high halves) and stores it as Y. GCM's bit order is reflected,
 * so the product of the reflected operands is shifted left by one, then reduced modulo
 * x^128 + x^7 + x^2 + x + 1.
 */
@inline function reduceToY(ctx: usize, z0: u64, z1: u64, z2: u64, z0h: u64, z1h: u64, z2h: u64): void {
  const mid = z2 ^ z0 ^ z1, midh = z2h ^ z0h ^ z1h;
  let v0 = z0;
  let v1 = (reverseBits(z0h) >> 1) ^ mid;
  let v2 = z1 ^ (reverseBits(midh) >> 1);
  let v3 = reverseBits(z1h) >> 1;
  v3 = (v3 << 1) | (v2 >> 63);
  v2 = (v2 << 1) | (v1 >> 63);
  v1 = (v1 << 1) | (v0 >> 63);
  v0 = v0 << 1;
  v2 ^= v0 ^ (v0 >> 1) ^ (v0 >> 2) ^ (v0 >> 7);
  v1 ^= (v0 << 63) ^ (v0 << 62) ^ (v0 << 57);
  v3 ^= v1 ^ (v1 >> 1) ^ (v1 >> 2) ^ (v1 >> 7);
  v2 ^= (v1 << 63) ^ (v1 << 62) ^ (v1 << 57);
  store<u64>(ctx + OFF_Y, v3);
  store<u64>(ctx + OFF_Y, v2, 8);
}

/**
 * Y = (Y ^ X_1) * H^g ^ X_2 * H^(g-1) ^ ... ^ X_g * H for the g blocks at src (g = 1..4; the
 * powers must be set). Multiplication is linear, so the partial products of all g blocks are
 * XOR-accumulated and reduced once.
 */
function absorbGroup(ctx: usize, src: usize, g: i32): void {
  let z0: u64 = 0, z1: u64 = 0, z2: u64 = 0, z0h: u64 = 0, z1h: u64 = 0, z2h: u64 = 0;
  let a1 = load<u64>(ctx + OFF_Y), a0 = load<u64>(ctx + OFF_Y, 8);
  for (let k = 0; k < g; k++) {
    const p = src + <usize>k * 16;
    a1 ^= bswap<u64>(load<u64>(p));
    a0 ^= bswap<u64>(load<u64>(p, 8));
    const power = g - k;
    const a0r = reverseBits(a0), a1r = reverseBits(a1);
    z0 ^= clmulKey(a0, maskedKey(ctx, power, 0));
    z1 ^= clmulKey(a1, maskedKey(ctx, power, 1));
    z2 ^= clmulKey(a0 ^ a1, maskedKey(ctx, power, 2));
    z0h ^= clmulKey(a0r, maskedKey(ctx, power, 3));
    z1h ^= clmulKey(a1r, maskedKey(ctx, power, 4));
    z2h ^= clmulKey(a0r ^ a1r, maskedKey(ctx, power, 5));
    a1 = 0;
    a0 = 0;
  }
  reduceToY(ctx, z0, z1, z2, z0h, z1h, z2h);
}

/** Sets the hash subkey H (16 bytes, SP 800-38D 6.4) and its powers, and clears the accumulator. */
export function ghashSetKey(ctx: usize, h: usize): void {
  const h1 = bswap<u64>(load<u64>(h)), h0 = bswap<u64>(load<u64>(h, 8));
  setPower(ctx, 1, h1, h0);
  // H^(k+1) = H^k * H, computed in the accumulator Y.
  store<u64>(ctx + OFF_Y, h1);
  store<u64>(ctx + OFF_Y, h0, 8);
  const zero = ctx + OFF_GHASH_BUF;
  memory.fill(zero, 0, 16);
  for (let power = 2; power <= 4; power++) {
    absorbGroup(ctx, zero, 1);
    setPower(ctx, power, load<u64>(ctx + OFF_Y), load<u64>(ctx + OFF_Y, 8));
  }
  ghashReset(ctx);
}

/** Clears the accumulator and the pending partial block, keeping H. */
export function ghashReset(ctx: usize): void {
  memory.fill(ctx + OFF_Y, 0, 16);
  memory.fill(ctx + OFF_GHASH_BUF, 0, 16);
  store<i32>(ctx + OFF_GHASH_FILL, 0);
}

/** Y = (Y ^ X_i) * H for n full blocks at src (SP 800-38D, Algorithm 2), four at a time. */
export function ghashBlocks(ctx: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) absorbGroup(ctx, src + <usize>i * 16, 4);
  for (; i < n; i++) absorbGroup(ctx, src + <usize>i * 16, 1);
}

/** Absorbs len bytes of any alignment; a trailing partial block waits for more data or ghashPad. */
export function ghashUpdate(ctx: usize, src: usize, len: i32): void {
  const buf = ctx + OFF_GHASH_BUF;
  let fill = load<i32>(ctx + OFF_GHASH_FILL);
  if (fill > 0) {
    const take = min(16 - fill, len);
    memory.copy(buf + <usize>fill, src, take);
    fill += take;
    src += take;
    len -= take;
    if (fill < 16) {
      store<i32>(ctx + OFF_GHASH_FILL, fill);
      return;
    }
    ghashBlocks(ctx, buf, 1);
    fill = 0;
  }
  const full = len >> 4;
  ghashBlocks(ctx, src, full);
  const rest = len & 15;
  memory.copy(buf, src + <usize>(full << 4), rest);
  store<i32>(ctx + OFF_GHASH_FILL, rest);
}

/** Completes a pending partial block with zeros (SP 800-38D 7.1 step 5: the 0^v and 0^u padding). */
export function ghashPad(ctx: usize): void {
  const fill = load<i32>(ctx + OFF_GHASH_FILL);
  if (fill == 0) return;
  const buf = ctx + OFF_GHASH_BUF;
  memory.fill(buf + <usize>fill, 0, 16 - fill);
  ghashBlocks(ctx, buf, 1);
  memory.fill(buf, 0, 16);
  store<i32>(ctx + OFF_GHASH_FILL, 0);
}

/** Absorbs the length block [bits A]64 || [bits C]64 after padding (SP 800-38D 7.1 step 5). */
export function ghashLengths(ctx: usize, aadBytes: u64, textBytes: u64): void {
  ghashPad(ctx);
  const buf = ctx + OFF_GHASH_BUF;
  store<u64>(buf, bswap<u64>(aadBytes << 3));
  store<u64>(buf, bswap<u64>(textBytes << 3), 8);
  ghashBlocks(ctx, buf, 1);
  memory.fill(buf, 0, 16);
}

/** Writes the accumulator Y as 16 bytes. */
export function ghashOutput(ctx: usize, out: usize): void {
  store<u64>(out, bswap<u64>(load<u64>(ctx + OFF_Y)));
  store<u64>(out, bswap<u64>(load<u64>(ctx + OFF_Y, 8)), 8);
}
