// Multi-precision arithmetic for RSA: little-endian arrays of 32-bit limbs in linear memory,
// Montgomery multiplication (CIOS, Koc/Acar/Kaliski 1996) with 64-bit products, and modular
// exponentiation. Everything that can touch a secret (values, moduli p and q, exponents) runs with
// an instruction trace and memory-access pattern that depend only on public lengths: no branch and
// no table index depends on a limb value. Only montExpPublic branches on its (public) exponent.

/** Montgomery modulus block: [limbs: u32][n0: u32][modulus: limbs][R^2 mod m: limbs]. */
export function montSize(limbs: i32): usize {
  return 8 + ((<usize>limbs) << 3);
}

export function montLimbs(mm: usize): i32 {
  return load<i32>(mm);
}

export function montModulus(mm: usize): usize {
  return mm + 8;
}

function montRR(mm: usize): usize {
  return mm + 8 + ((<usize>load<i32>(mm)) << 2);
}

/** All-ones when x == 0, else zero (no branch). */
export function ctIsZero(x: u32): u32 {
  return <u32>((<i32>(~x & (x - 1))) >> 31);
}

/** All-ones when a == b, else zero. */
export function ctEq(a: u32, b: u32): u32 {
  return ctIsZero(a ^ b);
}

/** All-ones when a < b (both below 2^31), else zero. */
export function ctLt(a: u32, b: u32): u32 {
  return <u32>((<i32>(a - b)) >> 31);
}

export function bnZero(r: usize, limbs: i32): void {
  memory.fill(r, 0, (<usize>limbs) << 2);
}

export function bnCopy(r: usize, a: usize, limbs: i32): void {
  memory.copy(r, a, (<usize>limbs) << 2);
}

/** r = 1 (as a limbs-long number). */
export function bnSetOne(r: usize, limbs: i32): void {
  bnZero(r, limbs);
  store<u32>(r, 1);
}

/**
 * Big-endian bytes to limbs. `len` may exceed limbs*4 only by leading zero bytes, which the caller
 * has checked; the access pattern depends on the lengths only.
 */
export function bnFromBytes(r: usize, limbs: i32, src: usize, len: i32): void {
  bnZero(r, limbs);
  const max = limbs << 2;
  for (let i = 0; i < len && i < max; i++) {
    const b = <u32>load<u8>(src + <usize>(len - 1 - i));
    const at = r + ((<usize>(i >> 2)) << 2);
    store<u32>(at, load<u32>(at) | (b << ((<u32>(i & 3)) << 3)));
  }
}

/** Limbs to `len` big-endian bytes (the low `len` bytes of the number, zero-extended). */
export function bnToBytes(dst: usize, len: i32, a: usize, limbs: i32): void {
  const max = limbs << 2;
  for (let i = 0; i < len; i++) {
    let b: u32 = 0;
    if (i < max) b = (load<u32>(a + ((<usize>(i >> 2)) << 2)) >>> ((<u32>(i & 3)) << 3)) & 0xff;
    store<u8>(dst + <usize>(len - 1 - i), <u8>b);
  }
}

/** r = a - b, returns the borrow (0 or 1). r may alias a or b. */
export function bnSub(r: usize, a: usize, b: usize, limbs: i32): u32 {
  let borrow: u64 = 0;
  for (let i = 0; i < limbs; i++) {
    const o = (<usize>i) << 2;
    const d = <u64>load<u32>(a + o) - <u64>load<u32>(b + o) - borrow;
    store<u32>(r + o, <u32>d);
    borrow = (d >> 32) & 1;
  }
  return <u32>borrow;
}

/** r = a + b, returns the carry. r may alias a or b. */
export function bnAdd(r: usize, a: usize, b: usize, limbs: i32): u32 {
  let carry: u64 = 0;
  for (let i = 0; i < limbs; i++) {
    const o = (<usize>i) << 2;
    const s = <u64>load<u32>(a + o) + <u64>load<u32>(b + o) + carry;
    store<u32>(r + o, <u32>s);
    carry = s >> 32;
  }
  return <u32>carry;
}

/** 1 when a < b, else 0, with no early exit. */
export function bnLess(a: usize, b: usize, limbs: i32): u32 {
  let borrow: u64 = 0;
  for (let i = 0; i < limbs; i++) {
    const o = (<usize>i) << 2;
    borrow = ((<u64>load<u32>(a + o) - <u64>load<u32>(b + o) - borrow) >> 32) & 1;
  }
  return <u32>borrow;
}

/** All-ones when a == b (constant time). */
export function bnEqualMask(a: usize, b: usize, limbs: i32): u32 {
  let diff: u32 = 0;
  for (let i = 0; i < limbs; i++) {
    const o = (<usize>i) << 2;
    diff |= load<u32>(a + o) ^ load<u32>(b + o);
  }
  return ctIsZero(diff);
}

/** r = mask ? a : b, mask all-ones or zero. r may alias a or b. */
export function bnSelect(r: usize, a: usize, b: usize, mask: u32, limbs: i32): void {
  for (let i = 0; i < limbs; i++) {
    const o = (<usize>i) << 2;
    store<u32>(r + o, (load<u32>(a + o) & mask) | (load<u32>(b + o) & ~mask));
  }
}

/** Number of significant bits of a public number (variable time: only for public values). */
export function bnBitLength(a: usize, limbs: i32): i32 {
  for (let i = limbs - 1; i >= 0; i--) {
    const w = load<u32>(a + ((<usize>i) << 2));
    if (w != 0) return (i << 5) + 32 - <i32>clz(w);
  }
  return 0;
}

/**
 * r = (2r + bit) mod m for r < m, in constant time: the shift may carry out of the top limb, and
 * one conditional subtraction (selected by mask) brings the value back below m. tmp: limbs.
 */
function modShiftInBit(r: usize, bit: u32, m: usize, limbs: i32, tmp: usize): void {
  let carry = bit;
  for (let i = 0; i < limbs; i++) {
    const o = (<usize>i) << 2;
    const w = load<u32>(r + o);
    store<u32>(r + o, (w << 1) | carry);
    carry = w >>> 31;
  }
  const borrow = bnSub(tmp, r, m, limbs);
  // Keep the difference when the doubled value overflowed (carry) or is >= m (no borrow).
  const useDiff = ctIsZero(~carry & borrow & 1);
  bnSelect(r, tmp, r, useDiff, limbs);
}

/**
 * r = x mod m for any x of xLimbs limbs (a ciphertext reduced mod p for CRT, say), in constant
 * time. x is cut into chunks X_j of `limbs` limbs; each is brought into the Montgomery domain with
 * montMul(X_j, R^2 mod m), which is exact although X_j may exceed m (X_j < R and R^2 mod m < m keep
 * the CIOS bound), and the chunks are combined Horner-style, A = A * R + X_j, in the Montgomery
 * domain, with a masked modular addition. The work depends on the lengths only.
 * r must not alias x; tmp: limbs; t: limbs + 2. The Montgomery block must be set up.
 */
export function bnReduce(r: usize, x: usize, xLimbs: i32, mm: usize, tmp: usize, t: usize): void {
  const limbs = montLimbs(mm);
  const m = montModulus(mm);
  const rr = montRR(mm);
  bnZero(r, limbs);
  for (let chunk = (xLimbs + limbs - 1) / limbs - 1; chunk >= 0; chunk--) {
    const first = chunk * limbs;
    const count = xLimbs - first < limbs ? xLimbs - first : limbs;
    bnZero(tmp, limbs);
    bnCopy(tmp, x + ((<usize>first) << 2), count);
    montMul(tmp, tmp, rr, mm, t);
    montMul(r, r, rr, mm, t);
    const carry = bnAdd(r, r, tmp, limbs);
    const borrow = bnSub(t, r, m, limbs);
    bnSelect(r, t, r, ctIsZero(~carry & borrow & 1), limbs);
  }
  montFrom(r, r, mm, tmp, t);
}

/**
 * Montgomery product r = a * b * R^-1 mod m (R = 2^(32*limbs)), for a, b < m, result < m.
 * CIOS with the multiplication and reduction passes fused into one loop over j; the final
 * subtraction is always computed and selected by mask. r may alias a or b; t: limbs + 2 scratch.
 */
export function montMul(r: usize, a: usize, b: usize, mm: usize, t: usize): void {
  const limbs = montLimbs(mm);
  const n0 = <u64>load<u32>(mm, 4);
  const m = mm + 8;
  const top = (<usize>limbs) << 2;
  memory.fill(t, 0, top + 8);
  for (let i: usize = 0; i < top; i += 4) {
    const ai = <u64>load<u32>(a + i);
    let s = <u64>load<u32>(t) + ai * <u64>load<u32>(b);
    const u = (<u64>(<u32>s) * n0) & 0xffffffff;
    let c1 = s >> 32;
    let s2 = (s & 0xffffffff) + u * <u64>load<u32>(m);
    let c2 = s2 >> 32;
    // The first limb is done; the rest runs four limbs per iteration with immediate load/store
    // offsets (fewer loop branches and address computations), then a tail for limbs % 4.
    let tj = t + 4;
    let bj = b + 4;
    let mj = m + 4;
    const end4 = t + top - 12;
    for (; tj < end4; tj += 16, bj += 16, mj += 16) {
      s = <u64>load<u32>(tj) + ai * <u64>load<u32>(bj) + c1;
      c1 = s >> 32;
      s2 = (s & 0xffffffff) + u * <u64>load<u32>(mj) + c2;
      c2 = s2 >> 32;
      store<u32>(tj - 4, <u32>s2);
      s = <u64>load<u32>(tj, 4) + ai * <u64>load<u32>(bj, 4) + c1;
      c1 = s >> 32;
      s2 = (s & 0xffffffff) + u * <u64>load<u32>(mj, 4) + c2;
      c2 = s2 >> 32;
      store<u32>(tj - 4, <u32>s2, 4);
      s = <u64>load<u32>(tj, 8) + ai * <u64>load<u32>(bj, 8) + c1;
      c1 = s >> 32;
      s2 = (s & 0xffffffff) + u * <u64>load<u32>(mj, 8) + c2;
      c2 = s2 >> 32;
      store<u32>(tj - 4, <u32>s2, 8);
      s = <u64>load<u32>(tj, 12) + ai * <u64>load<u32>(bj, 12) + c1;
      c1 = s >> 32;
      s2 = (s & 0xffffffff) + u * <u64>load<u32>(mj, 12) + c2;
      c2 = s2 >> 32;
      store<u32>(tj - 4, <u32>s2, 12);
    }
    let j: usize = tj - t;
    for (; j < top; j += 4) {
      s = <u64>load<u32>(t + j) + ai * <u64>load<u32>(b + j) + c1;
      c1 = s >> 32;
      s2 = (s & 0xffffffff) + u * <u64>load<u32>(m + j) + c2;
      c2 = s2 >> 32;
      store<u32>(t + j - 4, <u32>s2);
    }
    s = <u64>load<u32>(t + top) + c1 + c2;
    store<u32>(t + top - 4, <u32>s);
    store<u32>(t + top, <u32>(s >> 32));
  }
  // t < 2m: subtract m once if t >= m, chosen by mask.
  const borrow = bnSub(r, t, m, limbs);
  const keepT = ctIsZero(load<u32>(t + top)) & (0 - borrow);
  bnSelect(r, t, r, keepT, limbs);
}

/**
 * Fills a Montgomery block for the odd modulus m (big-endian bytes, no leading zero byte):
 * n0 = -m^-1 mod 2^32 by Newton iteration, and R^2 mod m. R mod m comes from 2^b - m (b the
 * bit length, public) and a few doublings; doubling further to 2^j * R and squaring k times in the
 * Montgomery domain gives R^2 when j * 2^k = 32 * limbs. Constant time in the value of m.
 * tmp: limbs + 2 limbs.
 */
export function montSetup(mm: usize, limbs: i32, mod: usize, modLen: i32, tmp: usize): void {
  store<i32>(mm, limbs);
  const m = mm + 8;
  bnFromBytes(m, limbs, mod, modLen);
  const m0 = load<u32>(m);
  let inv: u32 = m0; // correct to 3 bits for odd m0
  for (let i = 0; i < 4; i++) inv *= 2 - m0 * inv;
  store<u32>(mm, 0 - inv, 4);

  const rr = montRR(mm);
  const bits = (modLen << 3) - <i32>clz(<u32>load<u8>(mod)) + 24;
  // rr = 2^bits - m = (-m) mod 2^bits, since 2^(bits-1) <= m < 2^bits.
  bnZero(tmp, limbs);
  bnSub(rr, tmp, m, limbs);
  const topBits = bits & 31;
  if (topBits != 0) {
    const at = rr + ((<usize>(bits >> 5)) << 2);
    store<u32>(at, load<u32>(at) & (((<u32>1) << (<u32>topBits)) - 1));
  }
  const total = limbs << 5;
  let j = total;
  let k = 0;
  while ((j & 1) == 0) {
    j >>= 1;
    k++;
  }
  for (let i = 0; i < total - bits + j; i++) modShiftInBit(rr, 0, m, limbs, tmp);
  for (let i = 0; i < k; i++) montMul(rr, rr, rr, mm, tmp);
}

/** r = a * R mod m (to the Montgomery domain), a < m. */
export function montTo(r: usize, a: usize, mm: usize, t: usize): void {
  montMul(r, a, montRR(mm), mm, t);
}

/** r = a * R^-1 mod m (out of the Montgomery domain). one: limbs scratch. */
export function montFrom(r: usize, a: usize, mm: usize, one: usize, t: usize): void {
  bnSetOne(one, montLimbs(mm));
  montMul(r, a, one, mm, t);
}

/** Window width of the constant-time exponentiation: 32 table entries. */
const WINDOW: i32 = 5;
const TABLE_ENTRIES: i32 = 1 << WINDOW;

/** Bytes of the table montExpSecret needs for a modulus of `limbs` limbs. */
export function expTableSize(limbs: i32): usize {
  return (<usize>(TABLE_ENTRIES * limbs)) << 2;
}

/**
 * r = table[index], reading every entry and combining with masks (no secret memory index). Limb
 * pair by limb pair (u64) with the accumulator in a register; the SIMD build does four limbs per v128
 * operation.
 */
function ctLookup(r: usize, table: usize, index: u32, limbs: i32): void {
  const stride = (<usize>limbs) << 2;
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= stride; i += 16) {
      let acc = i32x4.splat(0);
      let entry = table + i;
      for (let e = 0; e < TABLE_ENTRIES; e++, entry += stride) {
        acc = v128.or(acc, v128.and(v128.load(entry), i32x4.splat(ctEq(<u32>e, index))));
      }
      v128.store(r + i, acc);
    }
  }
  for (; i + 8 <= stride; i += 8) {
    let acc: u64 = 0;
    let entry = table + i;
    for (let e = 0; e < TABLE_ENTRIES; e++, entry += stride)
      acc |= load<u64>(entry) & (<u64>(<i32>ctEq(<u32>e, index)));
    store<u64>(r + i, acc);
  }
  if (i < stride) {
    let acc: u32 = 0;
    let entry = table + i;
    for (let e = 0; e < TABLE_ENTRIES; e++, entry += stride) acc |= load<u32>(entry) & ctEq(<u32>e, index);
    store<u32>(r + i, acc);
  }
}

/** Bits [pos, pos + width) of a limb array (positions public, value secret). */
function exponentBits(exp: usize, expLimbs: i32, pos: i32, width: i32): u32 {
  const li = pos >> 5;
  const sh = <u32>(pos & 31);
  let v = load<u32>(exp + ((<usize>li) << 2)) >>> sh;
  if (sh + <u32>width > 32 && li + 1 < expLimbs) v |= load<u32>(exp + ((<usize>(li + 1)) << 2)) << (32 - sh);
  return v & (((<u32>1) << (<u32>width)) - 1);
}

/**
 * r = x^exp mod m for a secret exponent of expLimbs limbs, x < m in normal form, result in normal
 * form. Fixed 5-bit window over all 32*expLimbs bits (leading zero bits included), so the sequence
 * of squarings and multiplications depends on the exponent's limb count only; each window value
 * selects its table entry by a masked scan of the whole table. r must not alias x.
 * table: expTableSize(limbs); win: limbs; t: limbs + 2.
 */
export function montExpSecret(
  r: usize,
  x: usize,
  exp: usize,
  expLimbs: i32,
  mm: usize,
  table: usize,
  win: usize,
  t: usize,
): void {
  const limbs = montLimbs(mm);
  const stride = (<usize>limbs) << 2;
  // table[0] = R mod m (Montgomery 1), table[1] = x R, table[i] = x^i R.
  bnSetOne(win, limbs);
  montTo(table, win, mm, t);
  montTo(table + stride, x, mm, t);
  for (let e = 2; e < TABLE_ENTRIES; e++)
    montMul(table + stride * <usize>e, table + stride * <usize>(e - 1), table + stride, mm, t);

  const bits = expLimbs << 5;
  let pos = bits - (bits % WINDOW == 0 ? WINDOW : bits % WINDOW);
  ctLookup(r, table, exponentBits(exp, expLimbs, pos, bits - pos), limbs);
  while (pos > 0) {
    pos -= WINDOW;
    for (let s = 0; s < WINDOW; s++) montMul(r, r, r, mm, t);
    ctLookup(win, table, exponentBits(exp, expLimbs, pos, WINDOW), limbs);
    montMul(r, r, win, mm, t);
  }
  montFrom(r, r, mm, win, t);
  memory.fill(table, 0, expTableSize(limbs));
  bnZero(win, limbs);
}

/**
 * r = x^e mod m for a PUBLIC exponent given as big-endian bytes (left-to-right square and
 * multiply; branches on the bits of e). x < m normal form, result normal form. xm: limbs.
 */
export function montExpPublic(r: usize, x: usize, e: usize, eLen: i32, mm: usize, xm: usize, t: usize): void {
  const limbs = montLimbs(mm);
  montTo(xm, x, mm, t);
  let started = false;
  for (let i = 0; i < eLen; i++) {
    const byte = <u32>load<u8>(e + <usize>i);
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >>> (<u32>b)) & 1;
      if (started) {
        montMul(r, r, r, mm, t);
        if (bit) montMul(r, r, xm, mm, t);
      } else if (bit) {
        bnCopy(r, xm, limbs);
        started = true;
      }
    }
  }
  // Key loading rejects e < 3, so at least one bit was set.
  montFrom(r, r, mm, xm, t);
}

/** r = a * b (schoolbook), r of aLimbs + bLimbs limbs, must not alias a or b. */
export function bnMul(r: usize, a: usize, aLimbs: i32, b: usize, bLimbs: i32): void {
  bnZero(r, aLimbs + bLimbs);
  for (let i = 0; i < aLimbs; i++) {
    const ai = <u64>load<u32>(a + ((<usize>i) << 2));
    let c: u64 = 0;
    const row = r + ((<usize>i) << 2);
    for (let j = 0; j < bLimbs; j++) {
      const o = (<usize>j) << 2;
      const s = <u64>load<u32>(row + o) + ai * <u64>load<u32>(b + o) + c;
      store<u32>(row + o, <u32>s);
      c = s >> 32;
    }
    store<u32>(row + ((<usize>bLimbs) << 2), <u32>c);
  }
}
