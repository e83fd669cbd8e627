// Poly1305 (RFC 8439 2.5): the one-time authenticator, with the accumulator in five 26-bit limbs
// so that every product fits a u64 (the usual 32-bit formulation). Multiplications and masks only,
// no branch on secret data; the final reduction selects with a mask.
import { OFF_BUF, OFF_BUF_LEN, OFF_H, OFF_PAD, OFF_R } from "./layout";

const MASK26: u32 = 0x3ffffff;

/** r (clamped, RFC 8439 2.5: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff) and s from the 32-byte key. */
export function polyInit(ctx: usize, key: usize): void {
  const t0 = load<u32>(key, 0), t1 = load<u32>(key, 4), t2 = load<u32>(key, 8), t3 = load<u32>(key, 12);
  const r = ctx + OFF_R;
  store<u32>(r, t0 & 0x3ffffff, 0);
  store<u32>(r, ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03, 4);
  store<u32>(r, ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff, 8);
  store<u32>(r, ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff, 12);
  store<u32>(r, (t3 >>> 8) & 0x00fffff, 16);
  memory.fill(ctx + OFF_H, 0, 20);
  memory.copy(ctx + OFF_PAD, key + 16, 16);
  store<u32>(ctx + OFF_BUF_LEN, 0);
}

/** h = (h + block + hibit * 2^128) * r mod 2^130 - 5, for one 16-byte block at `m`. */
function polyBlock(ctx: usize, m: usize, hibit: u32): void {
  const r = ctx + OFF_R;
  const h = ctx + OFF_H;
  const r0 = <u64>load<u32>(r, 0), r1 = <u64>load<u32>(r, 4), r2 = <u64>load<u32>(r, 8);
  const r3 = <u64>load<u32>(r, 12), r4 = <u64>load<u32>(r, 16);
  const s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  const t0 = load<u32>(m, 0), t1 = load<u32>(m, 4), t2 = load<u32>(m, 8), t3 = load<u32>(m, 12);
  const h0 = <u64>(load<u32>(h, 0) + (t0 & MASK26));
  const h1 = <u64>(load<u32>(h, 4) + (((t0 >>> 26) | (t1 << 6)) & MASK26));
  const h2 = <u64>(load<u32>(h, 8) + (((t1 >>> 20) | (t2 << 12)) & MASK26));
  const h3 = <u64>(load<u32>(h, 12) + (((t2 >>> 14) | (t3 << 18)) & MASK26));
  const h4 = <u64>(load<u32>(h, 16) + ((t3 >>> 8) | hibit));
  const d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
  let d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
  let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
  let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
  let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
  // Partial reduction: carry each limb into the next, the top one times 5 into the first (2^130 = 5).
  d1 += d0 >> 26;
  d2 += d1 >> 26;
  d3 += d2 >> 26;
  d4 += d3 >> 26;
  let n0 = <u32>d0 & MASK26;
  let n1 = <u32>d1 & MASK26;
  n0 += <u32>(d4 >> 26) * 5;
  n1 += n0 >>> 26;
  n0 &= MASK26;
  store<u32>(h, n0, 0);
  store<u32>(h, n1, 4);
  store<u32>(h, <u32>d2 & MASK26, 8);
  store<u32>(h, <u32>d3 & MASK26, 12);
  store<u32>(h, <u32>d4 & MASK26, 16);
}

/** Feeds `len` bytes, keeping a partial block for the next call. */
export function polyUpdate(ctx: usize, src: usize, len: usize): void {
  const buf = ctx + OFF_BUF;
  let have = <usize>load<u32>(ctx + OFF_BUF_LEN);
  let i: usize = 0;
  if (have > 0) {
    const room: usize = <usize>16 - have;
    const take: usize = room < len ? room : len;
    memory.copy(buf + have, src, take);
    have += take;
    i = take;
    if (have < 16) {
      store<u32>(ctx + OFF_BUF_LEN, <u32>have);
      return;
    }
    polyBlock(ctx, buf, 1 << 24);
    have = 0;
  }
  for (; len - i >= 16; i += 16) polyBlock(ctx, src + i, 1 << 24);
  if (i < len) {
    memory.copy(buf, src + i, len - i);
    have = len - i;
  }
  store<u32>(ctx + OFF_BUF_LEN, <u32>have);
}

/**
 * RFC 8439 2.8: the AEAD's MAC input pads each part to a multiple of 16 with zero bytes: a pending
 * partial block is completed with zeros and taken as a whole block.
 */
export function polyPad16(ctx: usize): void {
  const have = <usize>load<u32>(ctx + OFF_BUF_LEN);
  if (have == 0) return;
  memory.fill(ctx + OFF_BUF + have, 0, <usize>16 - have);
  polyBlock(ctx, ctx + OFF_BUF, 1 << 24);
  store<u32>(ctx + OFF_BUF_LEN, 0);
}

/** The tag: h fully reduced mod 2^130 - 5, plus s, mod 2^128 (RFC 8439 2.5.1). Call after polyPad16. */
export function polyFinish(ctx: usize, tag: usize): void {
  const h = ctx + OFF_H;
  let h0 = load<u32>(h, 0), h1 = load<u32>(h, 4), h2 = load<u32>(h, 8), h3 = load<u32>(h, 12), h4 = load<u32>(h, 16);
  let c: u32;
  c = h1 >>> 26; h1 &= MASK26; h2 += c;
  c = h2 >>> 26; h2 &= MASK26; h3 += c;
  c = h3 >>> 26; h3 &= MASK26; h4 += c;
  c = h4 >>> 26; h4 &= MASK26; h0 += c * 5;
  c = h0 >>> 26; h0 &= MASK26; h1 += c;
  // g = h + 5 - 2^130: if it does not go negative, h >= p and g is the reduced value.
  let g0 = h0 + 5; c = g0 >>> 26; g0 &= MASK26;
  let g1 = h1 + c; c = g1 >>> 26; g1 &= MASK26;
  let g2 = h2 + c; c = g2 >>> 26; g2 &= MASK26;
  let g3 = h3 + c; c = g3 >>> 26; g3 &= MASK26;
  const g4 = h4 + c - (1 << 26);
  const useG = (g4 >>> 31) - 1; // all ones when g4 did not borrow (h >= p), else zero
  const useH = ~useG;
  h0 = (h0 & useH) | (g0 & useG);
  h1 = (h1 & useH) | (g1 & useG);
  h2 = (h2 & useH) | (g2 & useG);
  h3 = (h3 & useH) | (g3 & useG);
  h4 = (h4 & useH) | (g4 & useG);
  // h mod 2^128 as four words, plus s with carries.
  const w0 = h0 | (h1 << 26);
  const w1 = (h1 >>> 6) | (h2 << 20);
  const w2 = (h2 >>> 12) | (h3 << 14);
  const w3 = (h3 >>> 18) | (h4 << 8);
  const p = ctx + OFF_PAD;
  let f = <u64>w0 + <u64>load<u32>(p, 0);
  store<u32>(tag, <u32>f, 0);
  f = <u64>w1 + <u64>load<u32>(p, 4) + (f >> 32);
  store<u32>(tag, <u32>f, 4);
  f = <u64>w2 + <u64>load<u32>(p, 8) + (f >> 32);
  store<u32>(tag, <u32>f, 8);
  f = <u64>w3 + <u64>load<u32>(p, 12) + (f >> 32);
  store<u32>(tag, <u32>f, 12);
}
