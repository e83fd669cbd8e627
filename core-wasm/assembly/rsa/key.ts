// RSA key contexts and the raw RSA primitives (RFC 8017 5.1 RSAEP/RSADP, 5.2 RSASP1/RSAVP1).
// A context is one host-allocated block: a header of byte offsets, the Montgomery blocks, the key
// components in limb form, and every scratch buffer an operation needs, so nothing is allocated
// per operation. A private context extends the public layout, so public operations accept both.
import { Status } from "../status";
import {
  bnAdd,
  bnBitLength,
  bnCopy,
  bnEqualMask,
  bnFromBytes,
  bnLess,
  bnMul,
  bnReduce,
  bnSelect,
  bnSetOne,
  bnSub,
  bnToBytes,
  bnZero,
  expTableSize,
  montExpPublic,
  montExpSecret,
  montModulus,
  montMul,
  montSetup,
  montSize,
  montTo,
} from "./bignum";

/** Public moduli: 512 bits (old signatures) to 8192 bits. */
export const PUBLIC_MIN_BYTES: i32 = 64;
/** Private keys: 1024 to 8192 bits. */
export const PRIVATE_MIN_BYTES: i32 = 128;
export const MAX_BYTES: i32 = 1024;
/** Random bytes the host supplies for the blinding value at key load: the modulus length plus 64
 * bits, so that r mod n is uniform up to a 2^-64 bias. */
export const BLINDING_RANDOM_EXTRA: i32 = 8;
/** Bytes for the padding layer's hash and HMAC contexts, digests and PRF output (pad.ts PAD_AREA). */
const HASH_AREA: usize = 1536;

// Header slots (u32 each). Offsets are relative to the context.
const H_KIND: usize = 0; // 1 public, 2 private
const H_NLEN: usize = 4; // modulus bytes k
const H_NL: usize = 8; // modulus limbs
const H_ELEN: usize = 12;
const H_MONN: usize = 16;
const H_E: usize = 20;
const H_BUF: usize = 24; // first scratch buffer
const H_BUFSTRIDE: usize = 28;
const H_T: usize = 32;
const H_EM: usize = 36; // two byte buffers for encoding, k + 64 bytes each
const H_HASH: usize = 40;
const H_PL: usize = 44;
const H_QL: usize = 48;
const H_MONP: usize = 52;
const H_MONQ: usize = 56;
const H_DP: usize = 60;
const H_DQ: usize = 64;
const H_QI: usize = 68; // qi * R mod p
const H_VI: usize = 72; // blinding r^e, Montgomery form mod n
const H_VF: usize = 76; // unblinding r^-1, Montgomery form mod n
const H_DHASH: usize = 80; // SHA-256(I2OSP(d, k)) for implicit rejection
const H_TABLE: usize = 84;
const HEADER: usize = 88;

const KIND_PUBLIC: u32 = 1;
const KIND_PRIVATE: u32 = 2;
/** Scratch buffers of limbs + 2 limbs each. */
const NBUF: i32 = 10;

function field(ctx: usize, slot: usize): usize {
  return ctx + <usize>load<u32>(ctx + slot);
}

function limbsOf(bytes: i32): i32 {
  return (bytes + 3) >> 2;
}

function align8(x: usize): usize {
  return (x + 7) & ~(<usize>7);
}

export function keyModulusBytes(ctx: usize): i32 {
  return load<i32>(ctx + H_NLEN);
}

/** Bit length of the modulus (public). */
export function keyModulusBits(ctx: usize): i32 {
  return bnBitLength(montModulus(field(ctx, H_MONN)), load<i32>(ctx + H_NL));
}

export function keyIsPrivate(ctx: usize): bool {
  return load<u32>(ctx + H_KIND) == KIND_PRIVATE;
}

/** Scratch buffer i (0..NBUF-1) of limbs + 2 limbs. */
export function buf(ctx: usize, i: i32): usize {
  return field(ctx, H_BUF) + <usize>load<u32>(ctx + H_BUFSTRIDE) * <usize>i;
}

/** Byte buffer i (0 or 1) of k + 64 bytes for message encodings. */
export function emBuf(ctx: usize, i: i32): usize {
  return field(ctx, H_EM) + align8(<usize>load<i32>(ctx + H_NLEN) + 64) * <usize>i;
}

/** Area for hash/HMAC contexts and digests used by the padding layer. */
export function hashArea(ctx: usize): usize {
  return field(ctx, H_HASH);
}

export function hashAreaSize(): usize {
  return HASH_AREA;
}

/** SHA-256 of the private exponent (k bytes big-endian), input of the implicit-rejection KDK. */
export function keyExponentHash(ctx: usize): usize {
  return field(ctx, H_DHASH);
}

/** Size of the layout shared by public and private contexts. Returns the running offset. */
function publicLayout(ctx: usize, nLen: i32, eLen: i32, write: bool): usize {
  const nl = limbsOf(nLen);
  const stride = (<usize>(nl + 2)) << 2;
  let off = HEADER;
  if (write) {
    store<u32>(ctx + H_NLEN, nLen);
    store<u32>(ctx + H_NL, nl);
    store<u32>(ctx + H_ELEN, eLen);
    store<u32>(ctx + H_BUFSTRIDE, <u32>stride);
  }
  if (write) store<u32>(ctx + H_MONN, <u32>off);
  off += align8(montSize(nl));
  if (write) store<u32>(ctx + H_E, <u32>off);
  off += align8(<usize>eLen);
  if (write) store<u32>(ctx + H_BUF, <u32>off);
  off += stride * <usize>NBUF;
  if (write) store<u32>(ctx + H_T, <u32>off);
  off += align8(stride);
  if (write) store<u32>(ctx + H_EM, <u32>off);
  off += align8(<usize>nLen + 64) * 2;
  if (write) store<u32>(ctx + H_HASH, <u32>off);
  off += HASH_AREA;
  return off;
}

function privateLayout(ctx: usize, nLen: i32, eLen: i32, pLen: i32, qLen: i32, write: bool): usize {
  let off = publicLayout(ctx, nLen, eLen, write);
  const pl = limbsOf(pLen);
  const ql = limbsOf(qLen);
  const maxl = pl > ql ? pl : ql;
  if (write) {
    store<u32>(ctx + H_PL, pl);
    store<u32>(ctx + H_QL, ql);
    store<u32>(ctx + H_MONP, <u32>off);
  }
  off += align8(montSize(pl));
  if (write) store<u32>(ctx + H_MONQ, <u32>off);
  off += align8(montSize(ql));
  if (write) store<u32>(ctx + H_DP, <u32>off);
  off += align8((<usize>pl) << 2);
  if (write) store<u32>(ctx + H_DQ, <u32>off);
  off += align8((<usize>ql) << 2);
  if (write) store<u32>(ctx + H_QI, <u32>off);
  off += align8((<usize>pl) << 2);
  const nl = limbsOf(nLen);
  if (write) store<u32>(ctx + H_VI, <u32>off);
  off += align8((<usize>nl) << 2);
  if (write) store<u32>(ctx + H_VF, <u32>off);
  off += align8((<usize>nl) << 2);
  if (write) store<u32>(ctx + H_DHASH, <u32>off);
  off += 32;
  if (write) store<u32>(ctx + H_TABLE, <u32>off);
  off += expTableSize(maxl);
  return off;
}

export function publicCtxSize(nLen: i32, eLen: i32): i32 {
  return <i32>publicLayout(0, nLen, eLen, false);
}

export function privateCtxSize(nLen: i32, eLen: i32, pLen: i32, qLen: i32): i32 {
  return <i32>privateLayout(0, nLen, eLen, pLen, qLen, false);
}

/** Checks shared by public and private loads: modulus odd without leading zero byte, e odd > 1, e < n. */
function checkPublicComponents(n: usize, nLen: i32, e: usize, eLen: i32, minBytes: i32): Status {
  if (nLen < minBytes || nLen > MAX_BYTES) return Status.INVALID_KEY;
  if (load<u8>(n) == 0 || (load<u8>(n + <usize>(nLen - 1)) & 1) == 0) return Status.INVALID_KEY;
  if (eLen < 1 || eLen > nLen || load<u8>(e) == 0) return Status.INVALID_KEY;
  if ((load<u8>(e + <usize>(eLen - 1)) & 1) == 0) return Status.INVALID_KEY;
  if (eLen == 1 && load<u8>(e) == 1) return Status.INVALID_KEY;
  if (eLen == nLen && memory.compare(e, n, <usize>nLen) >= 0) return Status.INVALID_KEY;
  return Status.OK;
}

function loadPublicPart(ctx: usize, n: usize, nLen: i32, e: usize, eLen: i32): void {
  const nl = limbsOf(nLen);
  montSetup(field(ctx, H_MONN), nl, n, nLen, field(ctx, H_T));
  memory.copy(field(ctx, H_E), e, <usize>eLen);
}

/** Loads a public key (n, e big-endian without leading zeros) into a context of publicCtxSize. */
export function loadPublicKey(ctx: usize, n: usize, nLen: i32, e: usize, eLen: i32): Status {
  const status = checkPublicComponents(n, nLen, e, eLen, PUBLIC_MIN_BYTES);
  if (status != Status.OK) return status;
  publicLayout(ctx, nLen, eLen, true);
  store<u32>(ctx + H_KIND, KIND_PUBLIC);
  loadPublicPart(ctx, n, nLen, e, eLen);
  return Status.OK;
}

/** A nonempty component of len bytes fits in `limbs` limbs. */
function fitsLimbs(len: i32, limbs: i32): bool {
  return len >= 1 && len <= limbs << 2;
}

/** RSAVP1/RSAEP on limbs: buf1 = buf0^e mod n (buf0 < n). Uses buf2. */
function publicOpLimbs(ctx: usize): void {
  montExpPublic(
    buf(ctx, 1),
    buf(ctx, 0),
    field(ctx, H_E),
    load<i32>(ctx + H_ELEN),
    field(ctx, H_MONN),
    buf(ctx, 2),
    field(ctx, H_T),
  );
}

/**
 * Garner's CRT recombination (RFC 8017 5.1.2 step 2.b): from m1 = buf3 (mod p, pl limbs) and
 * m2 = buf4 (mod q, ql limbs) computes buf1 = m2 + q * (qInv * (m1 - m2) mod p), all in constant time.
 */
function crtCombine(ctx: usize): void {
  const pl = load<i32>(ctx + H_PL);
  const ql = load<i32>(ctx + H_QL);
  const nl = load<i32>(ctx + H_NL);
  const monP = field(ctx, H_MONP);
  const monQ = field(ctx, H_MONQ);
  const t = field(ctx, H_T);
  const m1 = buf(ctx, 3);
  const m2 = buf(ctx, 4);
  const m2p = buf(ctx, 2);
  const sum = buf(ctx, 5);
  // m2 may exceed p (q > p): reduce it first, then m1 - m2 mod p with a masked correction.
  bnReduce(m2p, m2, ql, monP, buf(ctx, 7), t);
  const borrow = bnSub(m1, m1, m2p, pl);
  bnAdd(sum, m1, montModulus(monP), pl);
  bnSelect(m1, sum, m1, 0 - borrow, pl);
  // qi is stored as qi * R mod p, so the Montgomery product gives qi * (m1 - m2) mod p directly.
  montMul(m1, m1, field(ctx, H_QI), monP, t);
  bnMul(sum, m1, pl, montModulus(monQ), ql);
  const out = buf(ctx, 1);
  bnZero(out, nl + 2);
  bnCopy(out, m2, ql);
  bnAdd(out, out, sum, nl);
}

/** buf1 = buf0^d mod n by CRT, unblinded. buf0 < n is left intact. Uses buffers 1..7. */
function privateCrt(ctx: usize): void {
  const nl = load<i32>(ctx + H_NL);
  const pl = load<i32>(ctx + H_PL);
  const ql = load<i32>(ctx + H_QL);
  const monP = field(ctx, H_MONP);
  const monQ = field(ctx, H_MONQ);
  const table = field(ctx, H_TABLE);
  const t = field(ctx, H_T);
  const c = buf(ctx, 0);
  const reduced = buf(ctx, 2);
  bnReduce(reduced, c, nl, monP, buf(ctx, 7), t);
  montExpSecret(buf(ctx, 3), reduced, field(ctx, H_DP), pl, monP, table, buf(ctx, 6), t);
  bnReduce(reduced, c, nl, monQ, buf(ctx, 7), t);
  montExpSecret(buf(ctx, 4), reduced, field(ctx, H_DQ), ql, monQ, table, buf(ctx, 6), t);
  crtCombine(ctx);
}

/**
 * RSADP/RSASP1 on limbs with blinding and the fault check: buf1 = buf0^d mod n, buf0 < n.
 * The input is multiplied by Vi = r^e, the CRT result by Vf = r^-1, and both are squared for the
 * next call (the OpenSSL blinding update). Returns false when result^e != input (a computation
 * fault or inconsistent key); the result is then wiped.
 */
function privateOpLimbs(ctx: usize): bool {
  const nl = load<i32>(ctx + H_NL);
  const monN = field(ctx, H_MONN);
  const t = field(ctx, H_T);
  const vi = field(ctx, H_VI);
  const vf = field(ctx, H_VF);
  const input = buf(ctx, 8);
  bnCopy(input, buf(ctx, 0), nl);
  montMul(buf(ctx, 0), buf(ctx, 0), vi, monN, t);
  privateCrt(ctx);
  montMul(buf(ctx, 1), buf(ctx, 1), vf, monN, t);
  montMul(vi, vi, vi, monN, t);
  montMul(vf, vf, vf, monN, t);
  // Fault check: recompute the input from the result with the public exponent.
  const result = buf(ctx, 9);
  bnCopy(result, buf(ctx, 1), nl);
  bnCopy(buf(ctx, 0), result, nl);
  publicOpLimbs(ctx);
  const ok = bnEqualMask(buf(ctx, 1), input, nl) != 0;
  bnCopy(buf(ctx, 1), result, nl);
  bnCopy(buf(ctx, 0), input, nl);
  if (!ok) bnZero(buf(ctx, 1), nl);
  return ok;
}

/** Wipes every scratch buffer (they held secret intermediates). */
export function wipeScratch(ctx: usize): void {
  const stride = <usize>load<u32>(ctx + H_BUFSTRIDE);
  memory.fill(field(ctx, H_BUF), 0, stride * <usize>NBUF);
  memory.fill(field(ctx, H_T), 0, stride);
  memory.fill(field(ctx, H_EM), 0, align8(<usize>load<i32>(ctx + H_NLEN) + 64) * 2);
  memory.fill(field(ctx, H_HASH), 0, HASH_AREA);
}

/**
 * Loads a private key. All components are big-endian without leading zero bytes. `rnd` holds
 * k + BLINDING_RANDOM_EXTRA random bytes for the blinding value r. Checks n = p * q, qi < p,
 * computes r^-1 by Fermat mod p and mod q (constant-time exponentiation with p - 2, q - 2) and
 * CRT, and proves the CRT components consistent with e by a private operation on r^e that must
 * give back r. `dHash` is SHA-256(I2OSP(d, k)), computed by the caller.
 */
export function loadPrivateKey(
  ctx: usize,
  n: usize,
  nLen: i32,
  e: usize,
  eLen: i32,
  p: usize,
  pLen: i32,
  q: usize,
  qLen: i32,
  dp: usize,
  dpLen: i32,
  dq: usize,
  dqLen: i32,
  qi: usize,
  qiLen: i32,
  rnd: usize,
): Status {
  const status = checkPublicComponents(n, nLen, e, eLen, PRIVATE_MIN_BYTES);
  if (status != Status.OK) return status;
  if (pLen < 1 || qLen < 1 || pLen + qLen > nLen + 1 || load<u8>(p) == 0 || load<u8>(q) == 0) return Status.INVALID_KEY;
  if ((load<u8>(p + <usize>(pLen - 1)) & 1) == 0 || (load<u8>(q + <usize>(qLen - 1)) & 1) == 0)
    return Status.INVALID_KEY;
  // Degenerate factors (p or q = 1, or single-byte primes) are not RSA keys.
  if (pLen < 2 || qLen < 2) return Status.INVALID_KEY;
  const pl = limbsOf(pLen);
  const ql = limbsOf(qLen);
  if (!fitsLimbs(dpLen, pl) || !fitsLimbs(dqLen, ql) || !fitsLimbs(qiLen, pl)) return Status.INVALID_KEY;

  privateLayout(ctx, nLen, eLen, pLen, qLen, true);
  store<u32>(ctx + H_KIND, KIND_PRIVATE);
  loadPublicPart(ctx, n, nLen, e, eLen);
  const nl = limbsOf(nLen);
  const t = field(ctx, H_T);
  const monN = field(ctx, H_MONN);
  const monP = field(ctx, H_MONP);
  const monQ = field(ctx, H_MONQ);
  montSetup(monP, pl, p, pLen, t);
  montSetup(monQ, ql, q, qLen, t);
  const pm = montModulus(monP);
  const qm = montModulus(monQ);

  // n = p * q (the product has pl + ql <= nl + 1 limbs; the top limb must then be zero).
  const prod = buf(ctx, 0);
  bnMul(prod, pm, pl, qm, ql);
  let consistent = bnEqualMask(prod, montModulus(monN), nl) != 0;
  if (pl + ql > nl) consistent = consistent && load<u32>(prod + ((<usize>nl) << 2)) == 0;
  bnFromBytes(buf(ctx, 1), pl, qi, qiLen);
  consistent = consistent && bnLess(buf(ctx, 1), pm, pl) == 1;
  if (!consistent) {
    wipeScratch(ctx);
    return Status.INVALID_KEY;
  }
  montTo(field(ctx, H_QI), buf(ctx, 1), monP, t);
  bnFromBytes(field(ctx, H_DP), pl, dp, dpLen);
  bnFromBytes(field(ctx, H_DQ), ql, dq, dqLen);

  // Blinding pair: r uniform mod n; Vf = r^-1 = CRT(r^(p-2) mod p, r^(q-2) mod q); Vi = r^e.
  const r = buf(ctx, 8);
  const rl = limbsOf(nLen + BLINDING_RANDOM_EXTRA);
  bnFromBytes(buf(ctx, 9), rl, rnd, nLen + BLINDING_RANDOM_EXTRA);
  bnReduce(r, buf(ctx, 9), rl, monN, buf(ctx, 7), t);
  const exponent = buf(ctx, 9);
  const two = buf(ctx, 5);
  const table = field(ctx, H_TABLE);
  bnReduce(buf(ctx, 2), r, nl, monP, buf(ctx, 7), t);
  bnZero(two, pl);
  store<u32>(two, 2);
  bnSub(exponent, pm, two, pl);
  montExpSecret(buf(ctx, 3), buf(ctx, 2), exponent, pl, monP, table, buf(ctx, 6), t);
  bnReduce(buf(ctx, 2), r, nl, monQ, buf(ctx, 7), t);
  bnZero(two, ql);
  store<u32>(two, 2);
  bnSub(exponent, qm, two, ql);
  montExpSecret(buf(ctx, 4), buf(ctx, 2), exponent, ql, monQ, table, buf(ctx, 6), t);
  crtCombine(ctx);
  const vf = field(ctx, H_VF);
  montTo(vf, buf(ctx, 1), monN, t); // Vf * R
  // r * r^-1 must be 1 (fails only if r shares a factor with n, probability ~2^-1000).
  montMul(buf(ctx, 2), r, vf, monN, t);
  bnSetOne(buf(ctx, 3), nl);
  consistent = bnEqualMask(buf(ctx, 2), buf(ctx, 3), nl) != 0;
  // Vi = r^e; the unblinded CRT private operation on Vi must return r.
  bnCopy(buf(ctx, 0), r, nl);
  publicOpLimbs(ctx);
  bnCopy(buf(ctx, 9), buf(ctx, 1), nl);
  montTo(field(ctx, H_VI), buf(ctx, 9), monN, t);
  bnCopy(buf(ctx, 0), buf(ctx, 9), nl);
  privateCrt(ctx);
  consistent = consistent && bnEqualMask(buf(ctx, 1), r, nl) != 0;
  wipeScratch(ctx);
  return consistent ? Status.OK : Status.INVALID_KEY;
}

/** Reads a k-byte big-endian input into buf0; INVALID_ARGUMENT unless it is < n (public check). */
function inputToLimbs(ctx: usize, input: usize, len: i32): Status {
  const nLen = load<i32>(ctx + H_NLEN);
  const nl = load<i32>(ctx + H_NL);
  if (len != nLen) return Status.INVALID_ARGUMENT;
  bnFromBytes(buf(ctx, 0), nl, input, len);
  if (bnLess(buf(ctx, 0), montModulus(field(ctx, H_MONN)), nl) == 0) return Status.INVALID_ARGUMENT;
  return Status.OK;
}

/** RSAEP/RSAVP1: out (k bytes) = input^e mod n. Returns k or a Status. The caller wipes scratch. */
export function publicOp(ctx: usize, input: usize, len: i32, out: usize): i32 {
  const status = inputToLimbs(ctx, input, len);
  if (status != Status.OK) return status;
  publicOpLimbs(ctx);
  const nLen = load<i32>(ctx + H_NLEN);
  bnToBytes(out, nLen, buf(ctx, 1), load<i32>(ctx + H_NL));
  return nLen;
}

/**
 * RSADP/RSASP1: out (k bytes) = input^d mod n. Returns k, INVALID_ARGUMENT for an input of the
 * wrong length or >= n, INVALID_STATE for a public context, INVALID_KEY if the fault check failed.
 * The caller wipes scratch (the padding layer still needs the result).
 */
export function privateOp(ctx: usize, input: usize, len: i32, out: usize): i32 {
  if (!keyIsPrivate(ctx)) return Status.INVALID_STATE;
  const status = inputToLimbs(ctx, input, len);
  if (status != Status.OK) return status;
  const ok = privateOpLimbs(ctx);
  const nLen = load<i32>(ctx + H_NLEN);
  bnToBytes(out, nLen, buf(ctx, 1), load<i32>(ctx + H_NL));
  if (!ok) {
    memory.fill(out, 0, <usize>nLen);
    return Status.INVALID_KEY;
  }
  return nLen;
}
