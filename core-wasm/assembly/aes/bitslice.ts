// Operations shared by the two bitsliced AES layouts: the 64-bit one (4 blocks per pass, after
// BearSSL's aes_ct64) and the 128-bit SIMD one (8 blocks per pass, after Käsper and Schwabe,
// "Faster and Timing-Attack Resistant AES-GCM", CHES 2009). A state is 8 words in memory; word i
// holds bit i of every state byte of every block, so the S-box becomes a Boolean circuit evaluated
// on whole words: no table lookup and no branch ever depends on key or data.
//
// The functions are generic over the word type T (u64 or v128); the helpers below pick the
// matching instruction at compile time, since AssemblyScript has no operators on v128.

@inline export function wxor<T>(a: T, b: T): T {
  if (isVector<T>()) return v128.xor(a, b);
  else return a ^ b;
}

@inline export function wand<T>(a: T, b: T): T {
  if (isVector<T>()) return v128.and(a, b);
  else return a & b;
}

@inline export function wor<T>(a: T, b: T): T {
  if (isVector<T>()) return v128.or(a, b);
  else return a | b;
}

@inline export function wnot<T>(a: T): T {
  if (isVector<T>()) return v128.not(a);
  else return ~a;
}

@inline function wshl<T>(a: T, s: i32): T {
  if (isVector<T>()) return i64x2.shl(a, s);
  else return a << (s as u64);
}

@inline function wshr<T>(a: T, s: i32): T {
  if (isVector<T>()) return i64x2.shr_u(a, s);
  else return a >> (s as u64);
}

@inline function wconst<T>(m: u64): T {
  if (isVector<T>()) return i64x2.splat(m);
  else return m;
}

@inline function word<T>(q: usize, i: i32): T {
  return load<T>(q + <usize>i * sizeof<T>());
}

@inline function setWord<T>(q: usize, i: i32, v: T): void {
  store<T>(q + <usize>i * sizeof<T>(), v);
}

/**
 * AES S-box on all bytes of a bitsliced state: the 115-gate circuit (32 AND, 83 XOR/XNOR) of
 * Boyar and Peralta, "A new combinational logic minimization technique with applications to
 * cryptology" (SEA 2010), as also used by BearSSL. u0 is the most significant bit of each byte
 * (word 7).
 */
export function sbox<T>(q: usize): void {
  const u0 = word<T>(q, 7), u1 = word<T>(q, 6), u2 = word<T>(q, 5), u3 = word<T>(q, 4);
  const u4 = word<T>(q, 3), u5 = word<T>(q, 2), u6 = word<T>(q, 1), u7 = word<T>(q, 0);

  // Top linear layer.
  const y14 = wxor<T>(u3, u5), y13 = wxor<T>(u0, u6), y9 = wxor<T>(u0, u3), y8 = wxor<T>(u0, u5);
  const t0 = wxor<T>(u1, u2);
  const y1 = wxor<T>(t0, u7);
  const y4 = wxor<T>(y1, u3), y12 = wxor<T>(y13, y14), y2 = wxor<T>(y1, u0), y5 = wxor<T>(y1, u6);
  const y3 = wxor<T>(y5, y8);
  const t1 = wxor<T>(u4, y12);
  const y15 = wxor<T>(t1, u5), y20 = wxor<T>(t1, u1);
  const y6 = wxor<T>(y15, u7), y10 = wxor<T>(y15, t0), y11 = wxor<T>(y20, y9);
  const y7 = wxor<T>(u7, y11), y17 = wxor<T>(y10, y11), y19 = wxor<T>(y10, y8), y16 = wxor<T>(t0, y11);
  const y21 = wxor<T>(y13, y16), y18 = wxor<T>(u0, y16);

  // Non-linear middle: inversion in GF(2^8) through GF(2^4).
  const t2 = wand<T>(y12, y15), t3 = wand<T>(y3, y6);
  const t4 = wxor<T>(t3, t2);
  const t5 = wand<T>(y4, u7);
  const t6 = wxor<T>(t5, t2);
  const t7 = wand<T>(y13, y16), t8 = wand<T>(y5, y1);
  const t9 = wxor<T>(t8, t7);
  const t10 = wand<T>(y2, y7);
  const t11 = wxor<T>(t10, t7);
  const t12 = wand<T>(y9, y11), t13 = wand<T>(y14, y17);
  const t14 = wxor<T>(t13, t12);
  const t15 = wand<T>(y8, y10);
  const t16 = wxor<T>(t15, t12);
  const t17 = wxor<T>(t4, t14), t18 = wxor<T>(t6, t16), t19 = wxor<T>(t9, t14), t20 = wxor<T>(t11, t16);
  const t21 = wxor<T>(t17, y20), t22 = wxor<T>(t18, y19), t23 = wxor<T>(t19, y21), t24 = wxor<T>(t20, y18);
  const t25 = wxor<T>(t21, t22);
  const t26 = wand<T>(t21, t23);
  const t27 = wxor<T>(t24, t26);
  const t28 = wand<T>(t25, t27);
  const t29 = wxor<T>(t28, t22), t30 = wxor<T>(t23, t24), t31 = wxor<T>(t22, t26);
  const t32 = wand<T>(t31, t30);
  const t33 = wxor<T>(t32, t24);
  const t34 = wxor<T>(t23, t33), t35 = wxor<T>(t27, t33);
  const t36 = wand<T>(t24, t35);
  const t37 = wxor<T>(t36, t34), t38 = wxor<T>(t27, t36);
  const t39 = wand<T>(t29, t38);
  const t40 = wxor<T>(t25, t39);
  const t41 = wxor<T>(t40, t37), t42 = wxor<T>(t29, t33), t43 = wxor<T>(t29, t40), t44 = wxor<T>(t33, t37);
  const t45 = wxor<T>(t42, t41);
  const z0 = wand<T>(t44, y15), z1 = wand<T>(t37, y6), z2 = wand<T>(t33, u7), z3 = wand<T>(t43, y16);
  const z4 = wand<T>(t40, y1), z5 = wand<T>(t29, y7), z6 = wand<T>(t42, y11), z7 = wand<T>(t45, y17);
  const z8 = wand<T>(t41, y10), z9 = wand<T>(t44, y12), z10 = wand<T>(t37, y3), z11 = wand<T>(t33, y4);
  const z12 = wand<T>(t43, y13), z13 = wand<T>(t40, y5), z14 = wand<T>(t29, y2), z15 = wand<T>(t42, y9);
  const z16 = wand<T>(t45, y14), z17 = wand<T>(t41, y8);

  // Bottom linear layer (with the affine constant 0x63 folded in as the complements).
  const t46 = wxor<T>(z15, z16), t47 = wxor<T>(z10, z11), t48 = wxor<T>(z5, z13), t49 = wxor<T>(z9, z10);
  const t50 = wxor<T>(z2, z12), t51 = wxor<T>(z2, z5), t52 = wxor<T>(z7, z8), t53 = wxor<T>(z0, z3);
  const t54 = wxor<T>(z6, z7), t55 = wxor<T>(z16, z17);
  const t56 = wxor<T>(z12, t48), t57 = wxor<T>(t50, t53), t58 = wxor<T>(z4, t46), t59 = wxor<T>(z3, t54);
  const t60 = wxor<T>(t46, t57), t61 = wxor<T>(z14, t57), t62 = wxor<T>(t52, t58), t63 = wxor<T>(t49, t58);
  const t64 = wxor<T>(z4, t59);
  const t65 = wxor<T>(t61, t62), t66 = wxor<T>(z1, t63);
  const s0 = wxor<T>(t59, t63);
  const s6 = wxor<T>(t56, wnot<T>(t62));
  const s7 = wxor<T>(t48, wnot<T>(t60));
  const t67 = wxor<T>(t64, t65);
  const s3 = wxor<T>(t53, t66), s4 = wxor<T>(t51, t66), s5 = wxor<T>(t47, t65);
  const s1 = wxor<T>(t64, wnot<T>(s3));
  const s2 = wxor<T>(t55, wnot<T>(t67));

  setWord<T>(q, 7, s0);
  setWord<T>(q, 6, s1);
  setWord<T>(q, 5, s2);
  setWord<T>(q, 4, s3);
  setWord<T>(q, 3, s4);
  setWord<T>(q, 2, s5);
  setWord<T>(q, 1, s6);
  setWord<T>(q, 0, s7);
}

/**
 * y -> A^-1(y ^ 0x63) on every byte, where A is the linear part of the S-box's affine map
 * (FIPS 197, 5.1.1): bit i of the result is bit (i+2) ^ bit (i+5) ^ bit (i+7) of the input.
 * Since S(x) = A(x^-1) ^ 0x63, the inverse S-box is this map, then S, then this map again.
 */
@inline function inverseAffine<T>(q: usize): void {
  const x0 = wnot<T>(word<T>(q, 0)), x1 = wnot<T>(word<T>(q, 1)), x2 = word<T>(q, 2), x3 = word<T>(q, 3);
  const x4 = word<T>(q, 4), x5 = wnot<T>(word<T>(q, 5)), x6 = wnot<T>(word<T>(q, 6)), x7 = word<T>(q, 7);
  setWord<T>(q, 0, wxor<T>(wxor<T>(x2, x5), x7));
  setWord<T>(q, 1, wxor<T>(wxor<T>(x3, x6), x0));
  setWord<T>(q, 2, wxor<T>(wxor<T>(x4, x7), x1));
  setWord<T>(q, 3, wxor<T>(wxor<T>(x5, x0), x2));
  setWord<T>(q, 4, wxor<T>(wxor<T>(x6, x1), x3));
  setWord<T>(q, 5, wxor<T>(wxor<T>(x7, x2), x4));
  setWord<T>(q, 6, wxor<T>(wxor<T>(x0, x3), x5));
  setWord<T>(q, 7, wxor<T>(wxor<T>(x1, x4), x6));
}

/** Inverse S-box on all bytes of a bitsliced state. */
export function invSbox<T>(q: usize): void {
  inverseAffine<T>(q);
  sbox<T>(q);
  inverseAffine<T>(q);
}

@inline function swapMove<T>(q: usize, i: i32, j: i32, lowMask: u64, shift: i32): void {
  const a = word<T>(q, i), b = word<T>(q, j);
  const cl = wconst<T>(lowMask), ch = wconst<T>(~lowMask);
  setWord<T>(q, i, wor<T>(wand<T>(a, cl), wshl<T>(wand<T>(b, cl), shift)));
  setWord<T>(q, j, wor<T>(wshr<T>(wand<T>(a, ch), shift), wand<T>(b, ch)));
}

/**
 * Transposes, at every byte position, the 8x8 bit matrix formed by that byte of the 8 words:
 * afterwards bit k of byte j of word i is bit i of byte j of the former word k. It converts
 * between "one block (or interleaved blocks) per word" and "one bit plane per word", and is its
 * own inverse.
 */
export function ortho<T>(q: usize): void {
  swapMove<T>(q, 0, 1, 0x5555555555555555, 1);
  swapMove<T>(q, 2, 3, 0x5555555555555555, 1);
  swapMove<T>(q, 4, 5, 0x5555555555555555, 1);
  swapMove<T>(q, 6, 7, 0x5555555555555555, 1);
  swapMove<T>(q, 0, 2, 0x3333333333333333, 2);
  swapMove<T>(q, 1, 3, 0x3333333333333333, 2);
  swapMove<T>(q, 4, 6, 0x3333333333333333, 2);
  swapMove<T>(q, 5, 7, 0x3333333333333333, 2);
  swapMove<T>(q, 0, 4, 0x0f0f0f0f0f0f0f0f, 4);
  swapMove<T>(q, 1, 5, 0x0f0f0f0f0f0f0f0f, 4);
  swapMove<T>(q, 2, 6, 0x0f0f0f0f0f0f0f0f, 4);
  swapMove<T>(q, 3, 7, 0x0f0f0f0f0f0f0f0f, 4);
}

// Byte movements inside one word. In the 64-bit layout (4 blocks interleaved, BearSSL's aes_ct64)
// a row of the AES state is a 16-bit field and each column a 4-bit group within it, so ShiftRows
// moves nibbles and the row rotation of MixColumns is a 16-bit rotation. In the 128-bit layout
// byte j of a word is state byte j (column j / 4, row j % 4) of all 8 blocks, so all of these are
// single byte shuffles.

/** ShiftRows (FIPS 197, 5.1.2): row r of the state rotates left by r columns. */
@inline function shiftRows<T>(x: T): T {
  if (isVector<T>()) {
    return i8x16.shuffle(x, x, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11);
  } else {
    return (
      (x & 0x000000000000ffff) |
      ((x & 0x00000000fff00000) >> 4) |
      ((x & 0x00000000000f0000) << 12) |
      ((x & 0x0000ff0000000000) >> 8) |
      ((x & 0x000000ff00000000) << 8) |
      ((x & 0xf000000000000000) >> 12) |
      ((x & 0x0fff000000000000) << 4)
    );
  }
}

/** InvShiftRows (FIPS 197, 5.3.1). */
@inline function invShiftRows<T>(x: T): T {
  if (isVector<T>()) {
    return i8x16.shuffle(x, x, 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3);
  } else {
    return (
      (x & 0x000000000000ffff) |
      ((x & 0x000000000fff0000) << 4) |
      ((x & 0x00000000f0000000) >> 12) |
      ((x & 0x000000ff00000000) << 8) |
      ((x & 0x0000ff0000000000) >> 8) |
      ((x & 0x000f000000000000) << 12) |
      ((x & 0xfff0000000000000) >> 4)
    );
  }
}

/** Each state byte (row r of its column) replaced by the byte of row r + 1 of the same column. */
@inline function rotateRows1<T>(x: T): T {
  if (isVector<T>()) return i8x16.shuffle(x, x, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
  else return rotr<u64>(x, 16);
}

/** Each state byte replaced by the byte two rows further down its column. */
@inline function rotateRows2<T>(x: T): T {
  if (isVector<T>()) return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  else return rotr<u64>(x, 32);
}

/**
 * MixColumns (FIPS 197, 5.1.3) then AddRoundKey, on words a0..a7, stored to q. Per column,
 * out[r] = 2*(a[r] ^ a[r+1]) ^ a[r+1] ^ (a[r+2] ^ a[r+3]); doubling in GF(2^8) shifts the bit
 * planes up by one and folds plane 7 back into planes 0, 1, 3 and 4 (x^8 = x^4 + x^3 + x + 1).
 */
@inline function mixColumnsAddKey<T>(q: usize, rk: usize, a0: T, a1: T, a2: T, a3: T, a4: T, a5: T, a6: T, a7: T): void {
  const r0 = rotateRows1<T>(a0), r1 = rotateRows1<T>(a1), r2 = rotateRows1<T>(a2), r3 = rotateRows1<T>(a3);
  const r4 = rotateRows1<T>(a4), r5 = rotateRows1<T>(a5), r6 = rotateRows1<T>(a6), r7 = rotateRows1<T>(a7);
  const t0 = wxor<T>(a0, r0), t1 = wxor<T>(a1, r1), t2 = wxor<T>(a2, r2), t3 = wxor<T>(a3, r3);
  const t4 = wxor<T>(a4, r4), t5 = wxor<T>(a5, r5), t6 = wxor<T>(a6, r6), t7 = wxor<T>(a7, r7);
  setWord<T>(q, 0, wxor<T>(wxor<T>(t7, r0), wxor<T>(rotateRows2<T>(t0), word<T>(rk, 0))));
  setWord<T>(q, 1, wxor<T>(wxor<T>(wxor<T>(t0, t7), r1), wxor<T>(rotateRows2<T>(t1), word<T>(rk, 1))));
  setWord<T>(q, 2, wxor<T>(wxor<T>(t1, r2), wxor<T>(rotateRows2<T>(t2), word<T>(rk, 2))));
  setWord<T>(q, 3, wxor<T>(wxor<T>(wxor<T>(t2, t7), r3), wxor<T>(rotateRows2<T>(t3), word<T>(rk, 3))));
  setWord<T>(q, 4, wxor<T>(wxor<T>(wxor<T>(t3, t7), r4), wxor<T>(rotateRows2<T>(t4), word<T>(rk, 4))));
  setWord<T>(q, 5, wxor<T>(wxor<T>(t4, r5), wxor<T>(rotateRows2<T>(t5), word<T>(rk, 5))));
  setWord<T>(q, 6, wxor<T>(wxor<T>(t5, r6), wxor<T>(rotateRows2<T>(t6), word<T>(rk, 6))));
  setWord<T>(q, 7, wxor<T>(wxor<T>(t6, r7), wxor<T>(rotateRows2<T>(t7), word<T>(rk, 7))));
}

/** ShiftRows, MixColumns and AddRoundKey of one middle encryption round (after the S-box). */
export function shiftMixAddKey<T>(q: usize, rk: usize): void {
  mixColumnsAddKey<T>(
    q,
    rk,
    shiftRows<T>(word<T>(q, 0)),
    shiftRows<T>(word<T>(q, 1)),
    shiftRows<T>(word<T>(q, 2)),
    shiftRows<T>(word<T>(q, 3)),
    shiftRows<T>(word<T>(q, 4)),
    shiftRows<T>(word<T>(q, 5)),
    shiftRows<T>(word<T>(q, 6)),
    shiftRows<T>(word<T>(q, 7)),
  );
}

/**
 * InvShiftRows, AddRoundKey and InvMixColumns of one middle decryption round (the inverse S-box
 * is applied before; it commutes with InvShiftRows). InvMixColumns is MixColumns after the
 * circulant (05, 00, 04, 00): a[r] ^= 4*(a[r] ^ a[r+2]), which costs a few XORs instead of a
 * second multiplication network.
 */
function invShiftAddKeyInvMix<T>(q: usize, rk: usize): void {
  const a0 = wxor<T>(invShiftRows<T>(word<T>(q, 0)), word<T>(rk, 0));
  const a1 = wxor<T>(invShiftRows<T>(word<T>(q, 1)), word<T>(rk, 1));
  const a2 = wxor<T>(invShiftRows<T>(word<T>(q, 2)), word<T>(rk, 2));
  const a3 = wxor<T>(invShiftRows<T>(word<T>(q, 3)), word<T>(rk, 3));
  const a4 = wxor<T>(invShiftRows<T>(word<T>(q, 4)), word<T>(rk, 4));
  const a5 = wxor<T>(invShiftRows<T>(word<T>(q, 5)), word<T>(rk, 5));
  const a6 = wxor<T>(invShiftRows<T>(word<T>(q, 6)), word<T>(rk, 6));
  const a7 = wxor<T>(invShiftRows<T>(word<T>(q, 7)), word<T>(rk, 7));
  const d0 = wxor<T>(a0, rotateRows2<T>(a0)), d1 = wxor<T>(a1, rotateRows2<T>(a1));
  const d2 = wxor<T>(a2, rotateRows2<T>(a2)), d3 = wxor<T>(a3, rotateRows2<T>(a3));
  const d4 = wxor<T>(a4, rotateRows2<T>(a4)), d5 = wxor<T>(a5, rotateRows2<T>(a5));
  const d6 = wxor<T>(a6, rotateRows2<T>(a6)), d7 = wxor<T>(a7, rotateRows2<T>(a7));
  // Multiplication of d by 4 = two doublings, spelled out per bit plane.
  const d67 = wxor<T>(d6, d7);
  mixColumnsAddKey<T>(
    q,
    ZERO_ROUND_KEY,
    wxor<T>(a0, d6),
    wxor<T>(a1, d67),
    wxor<T>(a2, wxor<T>(d0, d7)),
    wxor<T>(a3, wxor<T>(d1, d6)),
    wxor<T>(a4, wxor<T>(d2, d67)),
    wxor<T>(a5, wxor<T>(d3, d7)),
    wxor<T>(a6, d4),
    wxor<T>(a7, d5),
  );
}

/** Eight zero words (of either size): the round key of the MixColumns inside InvMixColumns. */
const ZERO_ROUND_KEY = memory.data(8 * 16);

/** Final encryption round after the S-box: ShiftRows and AddRoundKey, no MixColumns. */
export function shiftAddKey<T>(q: usize, rk: usize): void {
  for (let i = 0; i < 8; i++) setWord<T>(q, i, wxor<T>(shiftRows<T>(word<T>(q, i)), word<T>(rk, i)));
}

function invShiftAddKey<T>(q: usize, rk: usize): void {
  for (let i = 0; i < 8; i++) setWord<T>(q, i, wxor<T>(invShiftRows<T>(word<T>(q, i)), word<T>(rk, i)));
}

export function addKey<T>(q: usize, rk: usize): void {
  for (let i = 0; i < 8; i++) setWord<T>(q, i, wxor<T>(word<T>(q, i), word<T>(rk, i)));
}

/** AES encryption (FIPS 197, 5.1) of a bitsliced state; rk holds rounds + 1 bitsliced round keys. */
export function encryptState<T>(q: usize, rk: usize, rounds: i32): void {
  const stride = 8 * sizeof<T>();
  addKey<T>(q, rk);
  for (let r = 1; r < rounds; r++) {
    sbox<T>(q);
    shiftMixAddKey<T>(q, rk + <usize>r * stride);
  }
  sbox<T>(q);
  shiftAddKey<T>(q, rk + <usize>rounds * stride);
}

/** AES decryption (FIPS 197, 5.3) of a bitsliced state with the same round keys. */
export function decryptState<T>(q: usize, rk: usize, rounds: i32): void {
  const stride = 8 * sizeof<T>();
  addKey<T>(q, rk + <usize>rounds * stride);
  for (let r = rounds - 1; r > 0; r--) {
    invSbox<T>(q);
    invShiftAddKeyInvMix<T>(q, rk + <usize>r * stride);
  }
  invSbox<T>(q);
  invShiftAddKey<T>(q, rk);
}
