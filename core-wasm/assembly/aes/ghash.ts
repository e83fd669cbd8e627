// GHASH (NIST SP 800-38D, 6.4) in constant time: carry-less 64x64 multiplication done with
// ordinary integer multiplications on operands with "holes" (BearSSL's ghash_ctmul64 method).
// Each operand is split into four masks keeping every fourth bit; products of such masks never
// carry into the bits that are kept, so XOR of the right partial products is the carry-less
// product. No table, no branch on data. The high half of a 64x64 product is obtained by
// multiplying the bit-reversed operands. Three products per 64-bit half (Karatsuba).
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

/** Sets the hash subkey H (16 bytes, SP 800-38D 6.4) and clears the accumulator. */
export function ghashSetKey(ctx: usize, h: usize): void {
  const h1 = bswap<u64>(load<u64>(h)), h0 = bswap<u64>(load<u64>(h, 8));
  const h0r = reverseBits(h0), h1r = reverseBits(h1);
  storeMasks(ctx, 0, h0);
  storeMasks(ctx, 1, h1);
  storeMasks(ctx, 2, h0 ^ h1);
  storeMasks(ctx, 3, h0r);
  storeMasks(ctx, 4, h1r);
  storeMasks(ctx, 5, h0r ^ h1r);
  ghashReset(ctx);
}

function storeMasks(ctx: usize, index: i32, h: u64): void {
  const p = ctx + OFF_H + <usize>index * 32;
  store<u64>(p, h & 0x1111111111111111);
  store<u64>(p, h & 0x2222222222222222, 8);
  store<u64>(p, h & 0x4444444444444444, 16);
  store<u64>(p, h & 0x8888888888888888, 24);
}

/** Product of x with multiplicand `index` of H (see OFF_H). */
@inline function clmulH(ctx: usize, x: u64, index: i32): u64 {
  const p = ctx + OFF_H + <usize>index * 32;
  return clmulLow(x, load<u64>(p), load<u64>(p, 8), load<u64>(p, 16), load<u64>(p, 24));
}

/** Clears the accumulator and the pending partial block, keeping H. */
export function ghashReset(ctx: usize): void {
  memory.fill(ctx + OFF_Y, 0, 16);
  memory.fill(ctx + OFF_GHASH_BUF, 0, 16);
  store<i32>(ctx + OFF_GHASH_FILL, 0);
}

/**
 * Y = (Y ^ X_i) * H for n full blocks at src (SP 800-38D, Algorithm 2). GCM's bit order is
 * reflected, so the product of the reflected operands is computed and shifted left by one,
 * then reduced modulo x^128 + x^7 + x^2 + x + 1.
 */
export function ghashBlocks(ctx: usize, src: usize, n: i32): void {
  let y1 = load<u64>(ctx + OFF_Y), y0 = load<u64>(ctx + OFF_Y, 8);
  for (let i = 0; i < n; i++) {
    const p = src + <usize>i * 16;
    y1 ^= bswap<u64>(load<u64>(p));
    y0 ^= bswap<u64>(load<u64>(p, 8));
    const y0r = reverseBits(y0), y1r = reverseBits(y1);
    const z0 = clmulH(ctx, y0, 0), z1 = clmulH(ctx, y1, 1);
    const z2 = clmulH(ctx, y0 ^ y1, 2) ^ z0 ^ z1;
    const z0h = clmulH(ctx, y0r, 3), z1h = clmulH(ctx, y1r, 4);
    const z2h = clmulH(ctx, y0r ^ y1r, 5) ^ z0h ^ z1h;
    // The 256-bit product v3:v2:v1:v0.
    let v0 = z0;
    let v1 = (reverseBits(z0h) >> 1) ^ z2;
    let v2 = z1 ^ (reverseBits(z2h) >> 1);
    let v3 = reverseBits(z1h) >> 1;
    v3 = (v3 << 1) | (v2 >> 63);
    v2 = (v2 << 1) | (v1 >> 63);
    v1 = (v1 << 1) | (v0 >> 63);
    v0 = v0 << 1;
    v2 ^= v0 ^ (v0 >> 1) ^ (v0 >> 2) ^ (v0 >> 7);
    v1 ^= (v0 << 63) ^ (v0 << 62) ^ (v0 << 57);
    v3 ^= v1 ^ (v1 >> 1) ^ (v1 >> 2) ^ (v1 >> 7);
    v2 ^= (v1 << 63) ^ (v1 << 62) ^ (v1 << 57);
    y0 = v2;
    y1 = v3;
  }
  store<u64>(ctx + OFF_Y, y1);
  store<u64>(ctx + OFF_Y, y0, 8);
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
