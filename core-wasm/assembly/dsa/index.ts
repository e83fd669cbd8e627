// DSA signature verification (FIPS 186-4 4.7; RFC 3370 3.1, RFC 5754 3.1 in CMS; RFC 3279 2.3.2
// for the key), on the Montgomery arithmetic of the RSA area. Verification only: mailseal reads
// DSA signatures of old mail and never signs with DSA. Every input is public (the key, the digest,
// the signature), so the exponentiations branch on their exponents (Shamir's simultaneous
// square-and-multiply) and nothing here needs to be constant time.
import { Status } from "../status";
import {
  bnBitLength,
  bnCopy,
  bnEqualMask,
  bnFromBytes,
  bnLess,
  bnReduce,
  bnSetOne,
  bnZero,
  montFrom,
  montModulus,
  montMul,
  montSetup,
  montSize,
  montTo,
} from "../rsa/bignum";

/** p: 512 to 4096 bits (FIPS 186-4 has 1024..3072; older and larger keys are still read). */
const P_MIN_BYTES: i32 = 64;
const P_MAX_BYTES: i32 = 512;
/** q: 160 to 512 bits (FIPS 186-4: 160, 224, 256). */
const Q_MIN_BYTES: i32 = 20;
const Q_MAX_BYTES: i32 = 64;
/** Scratch buffers of pLimbs + 2 limbs each. */
const NBUF: i32 = 14;

function limbsOf(bytes: i32): i32 {
  return (bytes + 3) >> 2;
}

/** Bytes of the context for a key with p of pLen and q of qLen bytes (both without leading zeros). */
export function dsa_ctx_size(pLen: i32, qLen: i32): i32 {
  const pl = limbsOf(pLen);
  const ql = limbsOf(qLen);
  return <i32>(montSize(pl) + montSize(ql) + <usize>(NBUF * (pl + 2) * 4));
}

/**
 * Verifies (r, s) over `digest` with the key (p, q, g, y). `data` holds p | q | g | y | digest | r | s
 * back to back, big-endian; p and q without leading zero bytes (the host strips them), the others
 * at most as long as p (g, y) or q (r, s) once their leading zeros are stripped. Returns 1 valid,
 * 0 invalid, or INVALID_KEY for a key outside the sizes above, an even p or q, q not below p, or
 * g or y outside 2..p-1.
 */
export function dsa_verify(
  ctx: usize,
  data: usize,
  pLen: i32,
  qLen: i32,
  gLen: i32,
  yLen: i32,
  hLen: i32,
  rLen: i32,
  sLen: i32,
): i32 {
  if (pLen < P_MIN_BYTES || pLen > P_MAX_BYTES || qLen < Q_MIN_BYTES || qLen > Q_MAX_BYTES) return Status.INVALID_KEY;
  if (gLen < 1 || gLen > pLen || yLen < 1 || yLen > pLen || hLen < 1 || hLen > 64) return Status.INVALID_ARGUMENT;
  if (rLen < 0 || sLen < 0) return Status.INVALID_ARGUMENT;
  const p = data;
  const q = p + <usize>pLen;
  const g = q + <usize>qLen;
  const y = g + <usize>gLen;
  const h = y + <usize>yLen;
  const r = h + <usize>hLen;
  const s = r + <usize>rLen;
  if (load<u8>(p) == 0 || load<u8>(q) == 0) return Status.INVALID_KEY;
  if ((load<u8>(p + <usize>(pLen - 1)) & 1) == 0 || (load<u8>(q + <usize>(qLen - 1)) & 1) == 0)
    return Status.INVALID_KEY;
  if (qLen >= pLen) return Status.INVALID_KEY;

  const pl = limbsOf(pLen);
  const ql = limbsOf(qLen);
  const stride = (<usize>(pl + 2)) << 2;
  const mmP = ctx;
  const mmQ = mmP + montSize(pl);
  const base = mmQ + montSize(ql);
  memory.fill(base, 0, stride * <usize>NBUF);
  const t = scratch(base, stride, 0);
  const tmp = scratch(base, stride, 1);
  montSetup(mmP, pl, p, pLen, t);
  montSetup(mmQ, ql, q, qLen, t);

  // 1 < g < p and 1 < y < p (FIPS 186-4 4.1, SP 800-89 5.3.1's partial check): the arithmetic mod p needs
  // them reduced, and g or y of 0 or 1 would make every signature by the key trivially forgeable.
  const gb = scratch(base, stride, 2);
  const yb = scratch(base, stride, 3);
  bnFromBytes(gb, pl, g, gLen);
  bnFromBytes(yb, pl, y, yLen);
  const pm = montModulus(mmP);
  if (bnLess(gb, pm, pl) == 0 || bnLess(yb, pm, pl) == 0 || bnBitLength(gb, pl) < 2 || bnBitLength(yb, pl) < 2)
    return Status.INVALID_KEY;

  // Step 1: 0 < r < q and 0 < s < q, else the signature is invalid (r or s too long is out of range too).
  if (rLen > qLen || sLen > qLen) return 0;
  const rb = scratch(base, stride, 4);
  const sb = scratch(base, stride, 5);
  bnFromBytes(rb, ql, r, rLen);
  bnFromBytes(sb, ql, s, sLen);
  const qm = montModulus(mmQ);
  if (bnBitLength(rb, ql) == 0 || bnBitLength(sb, ql) == 0) return 0;
  if (bnLess(rb, qm, ql) == 0 || bnLess(sb, qm, ql) == 0) return 0;

  // Step 2: w = s^-1 mod q = s^(q-2) mod q (q is prime), in the Montgomery domain of q.
  const w = scratch(base, stride, 6);
  const exponent = scratch(base, stride, 7);
  bnCopy(exponent, qm, ql);
  subtractTwo(exponent, ql);
  expMod(w, sb, exponent, ql, mmQ, scratch(base, stride, 8), t);

  // Step 3: z = the leftmost min(N, outlen) bits of the digest, N the bit length of q.
  const n = bnBitLength(qm, ql);
  const z = scratch(base, stride, 8);
  const zBytes = min(hLen, (n + 7) >> 3);
  bnFromBytes(z, ql + 1, h, zBytes);
  const extra = (zBytes << 3) - n;
  if (extra > 0) shiftRight(z, ql + 1, extra);
  // z < 2^N but may exceed q: reduce it.
  const zr = scratch(base, stride, 9);
  bnReduce(zr, z, ql, mmQ, tmp, t);

  // Step 4: u1 = z w mod q, u2 = r w mod q (w to the Montgomery domain, so one product gives the plain result).
  const wm = scratch(base, stride, 10);
  montTo(wm, w, mmQ, t);
  const u1 = scratch(base, stride, 11);
  const u2 = scratch(base, stride, 12);
  montMul(u1, zr, wm, mmQ, t);
  montMul(u2, rb, wm, mmQ, t);

  // Step 5: v = (g^u1 y^u2 mod p) mod q.
  const vp = scratch(base, stride, 13);
  const am = scratch(base, stride, 6);
  const bm = scratch(base, stride, 7);
  const abm = scratch(base, stride, 8);
  const acc = scratch(base, stride, 9);
  doubleExp(vp, gb, u1, yb, u2, ql, mmP, am, bm, abm, acc, t);
  const v = scratch(base, stride, 2);
  bnReduce(v, vp, pl, mmQ, tmp, t);
  const valid = bnEqualMask(v, rb, ql) != 0;
  memory.fill(base, 0, stride * <usize>NBUF);
  return valid ? 1 : 0;
}

/** Scratch buffer i of the context. */
@inline function scratch(base: usize, stride: usize, i: i32): usize {
  return base + stride * <usize>i;
}

/** x -= 2 for an odd x >= 3 (q - 2). */
function subtractTwo(x: usize, limbs: i32): void {
  let borrow: u64 = 2;
  for (let i = 0; i < limbs && borrow != 0; i++) {
    const at = x + ((<usize>i) << 2);
    const d = <u64>load<u32>(at) - borrow;
    store<u32>(at, <u32>d);
    borrow = (d >> 32) & 1;
  }
}

/** x >>= bits (0 < bits < 32). */
function shiftRight(x: usize, limbs: i32, bits: i32): void {
  const sh = <u32>bits;
  for (let i = 0; i < limbs; i++) {
    const at = x + ((<usize>i) << 2);
    const next = i + 1 < limbs ? load<u32>(at + 4) : 0;
    store<u32>(at, (load<u32>(at) >>> sh) | (next << (32 - sh)));
  }
}

/** Bit `i` of a limb array. */
@inline function bitAt(x: usize, i: i32): u32 {
  return (load<u32>(x + ((<usize>(i >> 5)) << 2)) >>> (<u32>(i & 31))) & 1;
}

/** r = x^e mod m, x < m in normal form, e of eLimbs limbs (any value, 0 included); result normal form. */
function expMod(r: usize, x: usize, e: usize, eLimbs: i32, mm: usize, xm: usize, t: usize): void {
  const limbs = load<i32>(mm);
  montTo(xm, x, mm, t);
  bnSetOne(r, limbs);
  montTo(r, r, mm, t);
  for (let i = bnBitLength(e, eLimbs) - 1; i >= 0; i--) {
    montMul(r, r, r, mm, t);
    if (bitAt(e, i)) montMul(r, r, xm, mm, t);
  }
  montFrom(r, r, mm, xm, t);
}

/**
 * r = a^ea b^eb mod m (Shamir's trick: one squaring per exponent bit, a multiplication by a, b or
 * ab), a and b < m in normal form, exponents of eLimbs limbs. am, bm, ab, acc: scratch of m's size + 2.
 */
function doubleExp(
  r: usize,
  a: usize,
  ea: usize,
  b: usize,
  eb: usize,
  eLimbs: i32,
  mm: usize,
  am: usize,
  bm: usize,
  abm: usize,
  acc: usize,
  t: usize,
): void {
  const limbs = load<i32>(mm);
  montTo(am, a, mm, t);
  montTo(bm, b, mm, t);
  montMul(abm, am, bm, mm, t);
  bnSetOne(acc, limbs);
  montTo(acc, acc, mm, t);
  const top = max(bnBitLength(ea, eLimbs), bnBitLength(eb, eLimbs));
  for (let i = top - 1; i >= 0; i--) {
    montMul(acc, acc, acc, mm, t);
    const bits = (bitAt(ea, i) << 1) | bitAt(eb, i);
    if (bits == 3) montMul(acc, acc, abm, mm, t);
    else if (bits == 2) montMul(acc, acc, am, mm, t);
    else if (bits == 1) montMul(acc, acc, bm, mm, t);
  }
  bnZero(r, limbs);
  montFrom(r, acc, mm, am, t);
}

