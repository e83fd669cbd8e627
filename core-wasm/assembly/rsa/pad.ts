// RSA encryption and signature schemes of RFC 8017 over the raw primitives of key.ts:
// RSAES-OAEP (7.1), RSAES-PKCS1-v1_5 (7.2) with implicit rejection, RSASSA-PKCS1-v1_5 (8.2,
// EMSA-PKCS1-v1_5 9.2) and RSASSA-PSS (8.1, EMSA-PSS 9.1), with MGF1 (B.2.1).
// Every decoding that sees secret data (OAEP, PKCS #1 v1.5 decryption) is branch-free over it
// until the single public outcome; signature verification handles public data only.
import { Status } from "../status";
import { HashAlg } from "../hash/alg";
import { hashAlgKnown, hashDigestSize, hashFinal, hashInit, hashUpdate } from "../hash/hash";
import { HMAC_CTX_MAX, hmacFinal, hmacInit, hmacUpdate } from "../hash/hmac";
import { ctEq, ctIsZero, ctLt } from "./bignum";
import {
  emBuf,
  hashArea,
  keyExponentHash,
  keyIsPrivate,
  keyModulusBits,
  keyModulusBytes,
  privateOp,
  publicOp,
  wipeScratch,
} from "./key";

// Layout of the key context's hash area.
const HC0: usize = 0; // hash or HMAC context in use
const HC1: usize = HMAC_CTX_MAX; // keyed HMAC context kept for the PRF iterations
const D0: usize = 2 * HMAC_CTX_MAX; // digests, 64 bytes each
const D1: usize = D0 + 64;
const KDK: usize = D1 + 64;
const PRF_IN: usize = KDK + 64; // counter and bit length of the PRF input
const CANDIDATES: usize = PRF_IN + 16; // 128 candidate synthetic lengths, 2 bytes each
export const PAD_AREA: usize = CANDIDATES + 256;

// DigestInfo prefixes of EMSA-PKCS1-v1_5 (RFC 8017 9.2 note 1): DER of AlgorithmIdentifier with
// NULL parameters and the OCTET STRING header, followed by the digest.
const PREFIX_SHA1 = memory.data<u8>([
  0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
]);
const PREFIX_SHA224 = memory.data<u8>([
  0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c,
]);
const PREFIX_SHA256 = memory.data<u8>([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
]);
const PREFIX_SHA384 = memory.data<u8>([
  0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
]);
const PREFIX_SHA512 = memory.data<u8>([
  0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
]);

// PRF labels of the implicit-rejection algorithm (draft-irtf-cfrg-rsa-guidance).
const LABEL_MESSAGE = memory.data<u8>([0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65]); // "message"
const LABEL_LENGTH = memory.data<u8>([0x6c, 0x65, 0x6e, 0x67, 0x74, 0x68]); // "length"
/** Candidate lengths drawn for the synthetic message; all 128 too large has probability < 2^-128. */
const LENGTH_CANDIDATES: i32 = 128;

function digestInfoPrefix(alg: HashAlg): usize {
  switch (alg) {
    case HashAlg.SHA1:
      return PREFIX_SHA1;
    case HashAlg.SHA224:
      return PREFIX_SHA224;
    case HashAlg.SHA256:
      return PREFIX_SHA256;
    case HashAlg.SHA384:
      return PREFIX_SHA384;
    default:
      return PREFIX_SHA512;
  }
}

function digestInfoPrefixLen(alg: HashAlg): i32 {
  return alg == HashAlg.SHA1 ? 15 : 19;
}

function hashOnce(ctx: usize, alg: HashAlg, data: usize, len: i32, out: usize): void {
  const hc = hashArea(ctx) + HC0;
  hashInit(hc, alg);
  hashUpdate(hc, data, <usize>len);
  hashFinal(hc, out);
}

/** out ^= MGF1(seed, len) (RFC 8017 B.2.1). seed must not overlap out. */
function mgf1Xor(ctx: usize, alg: HashAlg, seed: usize, seedLen: i32, out: usize, len: i32): void {
  const area = hashArea(ctx);
  const hc = area + HC0;
  const counter = area + PRF_IN;
  const digest = area + D1;
  const hLen = hashDigestSize(alg);
  let done = 0;
  for (let i: u32 = 0; done < len; i++) {
    hashInit(hc, alg);
    hashUpdate(hc, seed, <usize>seedLen);
    store<u32>(counter, bswap<u32>(i));
    hashUpdate(hc, counter, 4);
    hashFinal(hc, digest);
    const n = len - done < hLen ? len - done : hLen;
    for (let j = 0; j < n; j++) {
      const at = out + <usize>(done + j);
      store<u8>(at, load<u8>(at) ^ load<u8>(digest + <usize>j));
    }
    done += n;
  }
}

/** Constant-time comparison of two byte strings of public length: all-ones when equal. */
function ctBytesEqual(a: usize, b: usize, len: i32): u32 {
  let diff: u32 = 0;
  for (let i = 0; i < len; i++) diff |= <u32>(load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i));
  return ctIsZero(diff);
}

/** RSAES-OAEP-ENCRYPT (RFC 8017 7.1.1). seed: hLen random bytes. Returns k. */
export function oaepEncrypt(
  ctx: usize,
  alg: i32,
  mgfAlg: i32,
  label: usize,
  labelLen: i32,
  msg: usize,
  msgLen: i32,
  seed: usize,
  out: usize,
): i32 {
  if (!hashAlgKnown(alg) || !hashAlgKnown(mgfAlg)) return Status.UNSUPPORTED_ALGORITHM;
  const k = keyModulusBytes(ctx);
  const hLen = hashDigestSize(<HashAlg>alg);
  if (msgLen < 0 || msgLen > k - 2 * hLen - 2) return Status.MESSAGE_TOO_LONG;
  // EM = 0x00 || maskedSeed || maskedDB, DB = lHash || PS || 0x01 || M.
  const em = emBuf(ctx, 0);
  const dbLen = k - hLen - 1;
  const db = em + 1 + <usize>hLen;
  memory.fill(em, 0, <usize>k);
  hashOnce(ctx, <HashAlg>alg, label, labelLen, db);
  store<u8>(db + <usize>(dbLen - msgLen - 1), 1);
  memory.copy(db + <usize>(dbLen - msgLen), msg, <usize>msgLen);
  memory.copy(em + 1, seed, <usize>hLen);
  mgf1Xor(ctx, <HashAlg>mgfAlg, em + 1, hLen, db, dbLen);
  mgf1Xor(ctx, <HashAlg>mgfAlg, db, dbLen, em + 1, hLen);
  const result = publicOp(ctx, em, k, out);
  wipeScratch(ctx);
  return result;
}

/**
 * RSAES-OAEP-DECRYPT (RFC 8017 7.1.2). Every failure, public or not, is DECRYPTION_FAILED, and
 * the decoding of EM does not branch on its content: the checks (Y = 0, lHash, the 0x01 separator
 * after zero padding) are folded into one mask that is tested once. Returns the message length.
 */
export function oaepDecrypt(
  ctx: usize,
  alg: i32,
  mgfAlg: i32,
  label: usize,
  labelLen: i32,
  ct: usize,
  ctLen: i32,
  out: usize,
): i32 {
  if (!hashAlgKnown(alg) || !hashAlgKnown(mgfAlg)) return Status.UNSUPPORTED_ALGORITHM;
  if (!keyIsPrivate(ctx)) return Status.INVALID_STATE;
  const k = keyModulusBytes(ctx);
  const hLen = hashDigestSize(<HashAlg>alg);
  if (k < 2 * hLen + 2) return Status.DECRYPTION_FAILED;
  const em = emBuf(ctx, 0);
  const status = privateOp(ctx, ct, ctLen, em);
  if (status < 0) {
    wipeScratch(ctx);
    return status == Status.INVALID_KEY ? status : Status.DECRYPTION_FAILED;
  }
  const dbLen = k - hLen - 1;
  const seed = em + 1;
  const db = seed + <usize>hLen;
  mgf1Xor(ctx, <HashAlg>mgfAlg, db, dbLen, seed, hLen);
  mgf1Xor(ctx, <HashAlg>mgfAlg, seed, hLen, db, dbLen);
  const lHash = hashArea(ctx) + D0;
  hashOnce(ctx, <HashAlg>alg, label, labelLen, lHash);

  let good = ctIsZero(<u32>load<u8>(em)) & ctBytesEqual(db, lHash, hLen);
  let lookingForOne: u32 = 0xffffffff;
  let separator: u32 = 0;
  let badPadding: u32 = 0;
  for (let i = hLen; i < dbLen; i++) {
    const b = <u32>load<u8>(db + <usize>i);
    const isOne = ctEq(b, 1);
    const isZero = ctIsZero(b);
    separator |= lookingForOne & isOne & (<u32>i);
    badPadding |= lookingForOne & ~isOne & ~isZero;
    lookingForOne &= ~isOne;
  }
  good &= ~lookingForOne & ~badPadding;
  if (good == 0) {
    wipeScratch(ctx);
    return Status.DECRYPTION_FAILED;
  }
  const msgLen = dbLen - <i32>separator - 1;
  memory.copy(out, db + <usize>separator + 1, <usize>msgLen);
  wipeScratch(ctx);
  return msgLen;
}

/** RSAES-PKCS1-V1_5-ENCRYPT (RFC 8017 7.2.1). ps: k - msgLen - 3 nonzero random bytes. Returns k. */
export function pkcs1Encrypt(ctx: usize, msg: usize, msgLen: i32, ps: usize, out: usize): i32 {
  const k = keyModulusBytes(ctx);
  if (msgLen < 0 || msgLen > k - 11) return Status.MESSAGE_TOO_LONG;
  const psLen = k - msgLen - 3;
  for (let i = 0; i < psLen; i++) if (load<u8>(ps + <usize>i) == 0) return Status.INVALID_ARGUMENT;
  // EM = 0x00 || 0x02 || PS || 0x00 || M
  const em = emBuf(ctx, 0);
  store<u8>(em, 0);
  store<u8>(em, 2, 1);
  memory.copy(em + 2, ps, <usize>psLen);
  store<u8>(em + 2 + <usize>psLen, 0);
  memory.copy(em + 3 + <usize>psLen, msg, <usize>msgLen);
  const result = publicOp(ctx, em, k, out);
  wipeScratch(ctx);
  return result;
}

/**
 * The implicit-rejection PRF (draft-irtf-cfrg-rsa-guidance, as in OpenSSL 3.2+): HMAC-SHA256
 * keyed with the KDK over I2OSP(i, 2) || label || I2OSP(bitLength, 2) for i = 0, 1, ...,
 * concatenated and truncated to len bytes.
 */
function prf(ctx: usize, label: usize, labelLen: i32, out: usize, len: i32): void {
  const area = hashArea(ctx);
  const keyed = area + HC1;
  const hc = area + HC0;
  const input = area + PRF_IN;
  const block = area + D1;
  hmacInit(keyed, HashAlg.SHA256, area + KDK, 32);
  const bitLen = (<u32>len) << 3;
  for (let pos = 0, i: u32 = 0; pos < len; pos += 32, i++) {
    memory.copy(hc, keyed, HMAC_CTX_MAX);
    store<u16>(input, bswap<u16>(<u16>i));
    hmacUpdate(hc, input, 2);
    hmacUpdate(hc, label, <usize>labelLen);
    store<u16>(input, bswap<u16>(<u16>bitLen));
    hmacUpdate(hc, input, 2);
    hmacFinal(hc, block);
    const n = len - pos < 32 ? len - pos : 32;
    memory.copy(out + <usize>pos, block, <usize>n);
  }
}

/**
 * RSAES-PKCS1-V1_5-DECRYPT with implicit rejection (draft-irtf-cfrg-rsa-guidance; the Marvin
 * attack guidance). The output is the message when the padding is valid and otherwise a synthetic
 * message derived from the private key and the ciphertext: KDK = HMAC-SHA256(SHA-256(I2OSP(d, k)),
 * C), synthetic bytes = PRF(KDK, "message", 8k), synthetic length = the last of 128 candidates from
 * PRF(KDK, "length", 2048) masked to the bit width of k - 10 that is below k - 10. The padding is
 * checked and the output selected without branches on EM. With expectedLen > 0 (RFC 3218 2.3 key
 * transport), a message of another length also counts as invalid and the synthetic message has
 * exactly expectedLen bytes. Wrong ciphertext length or c >= n: INVALID_ARGUMENT (public).
 */
export function pkcs1Decrypt(ctx: usize, ct: usize, ctLen: i32, expectedLen: i32, out: usize): i32 {
  if (!keyIsPrivate(ctx)) return Status.INVALID_STATE;
  const k = keyModulusBytes(ctx);
  if (expectedLen < 0 || expectedLen > k - 11) return Status.INVALID_ARGUMENT;
  const em = emBuf(ctx, 0);
  const synthetic = emBuf(ctx, 1);
  const status = privateOp(ctx, ct, ctLen, em);
  if (status < 0) {
    wipeScratch(ctx);
    return status;
  }
  const area = hashArea(ctx);
  const hc = area + HC0;
  hmacInit(hc, HashAlg.SHA256, keyExponentHash(ctx), 32);
  hmacUpdate(hc, ct, <usize>k);
  hmacFinal(hc, area + KDK);
  prf(ctx, LABEL_MESSAGE, 7, synthetic, k);
  const candidates = area + CANDIDATES;
  prf(ctx, LABEL_LENGTH, 6, candidates, LENGTH_CANDIDATES * 2);

  const maxLength = <u32>(k - 10);
  let lengthMask = maxLength;
  lengthMask |= lengthMask >> 1;
  lengthMask |= lengthMask >> 2;
  lengthMask |= lengthMask >> 4;
  lengthMask |= lengthMask >> 8;
  let syntheticLength: u32 = 0;
  for (let i = 0; i < LENGTH_CANDIDATES; i++) {
    const candidate = (<u32>bswap<u16>(load<u16>(candidates + ((<usize>i) << 1)))) & lengthMask;
    const below = ctLt(candidate, maxLength);
    syntheticLength = (candidate & below) | (syntheticLength & ~below);
  }
  if (expectedLen > 0) syntheticLength = <u32>expectedLen;

  let good = ctIsZero(<u32>load<u8>(em)) & ctEq(<u32>load<u8>(em, 1), 2);
  let zeroIndex: u32 = 0;
  let foundZero: u32 = 0;
  for (let i = 2; i < k; i++) {
    const isZero = ctIsZero(<u32>load<u8>(em + <usize>i));
    zeroIndex |= ~foundZero & isZero & (<u32>i);
    foundZero |= isZero;
  }
  // PS is at least 8 bytes: the separator is at index 10 or later (and was found at all).
  good &= foundZero & ~ctLt(zeroIndex, 10);
  const msgIndex = zeroIndex + 1;
  if (expectedLen > 0) good &= ctEq(<u32>k - msgIndex, <u32>expectedLen);
  const index = (msgIndex & good) | ((<u32>k - syntheticLength) & ~good);
  // The output length does not tell valid from synthetic, so it may shape the loop; both buffers
  // are read at every position so that the memory access pattern does not depend on `good`.
  const len = k - <i32>index;
  for (let j = 0; j < len; j++) {
    const at = <usize>index + <usize>j;
    store<u8>(out + <usize>j, <u8>(((<u32>load<u8>(em + at)) & good) | ((<u32>load<u8>(synthetic + at)) & ~good)));
  }
  wipeScratch(ctx);
  return len;
}

/** Checks alg and digest length; returns OK or the Status to return. */
function checkDigest(alg: i32, digestLen: i32): Status {
  if (!hashAlgKnown(alg)) return Status.UNSUPPORTED_ALGORITHM;
  return digestLen == hashDigestSize(<HashAlg>alg) ? Status.OK : Status.INVALID_ARGUMENT;
}

/** EMSA-PKCS1-v1_5 (RFC 8017 9.2) into em (k bytes). Returns OK or MESSAGE_TOO_LONG. */
function emsaPkcs1(alg: HashAlg, digest: usize, digestLen: i32, em: usize, k: i32): Status {
  const prefixLen = digestInfoPrefixLen(alg);
  const tLen = prefixLen + digestLen;
  if (k < tLen + 11) return Status.MESSAGE_TOO_LONG;
  store<u8>(em, 0);
  store<u8>(em, 1, 1);
  memory.fill(em + 2, 0xff, <usize>(k - tLen - 3));
  store<u8>(em + <usize>(k - tLen - 1), 0);
  memory.copy(em + <usize>(k - tLen), digestInfoPrefix(alg), <usize>prefixLen);
  memory.copy(em + <usize>(k - digestLen), digest, <usize>digestLen);
  return Status.OK;
}

/** RSASSA-PKCS1-V1_5-SIGN (RFC 8017 8.2.1) of a precomputed digest. Returns k. */
export function pkcs1Sign(ctx: usize, alg: i32, digest: usize, digestLen: i32, out: usize): i32 {
  if (!keyIsPrivate(ctx)) return Status.INVALID_STATE;
  let status = checkDigest(alg, digestLen);
  if (status != Status.OK) return status;
  const k = keyModulusBytes(ctx);
  const em = emBuf(ctx, 0);
  status = emsaPkcs1(<HashAlg>alg, digest, digestLen, em, k);
  if (status != Status.OK) return status;
  const result = privateOp(ctx, em, k, out);
  wipeScratch(ctx);
  return result;
}

/**
 * RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 8.2.2): recomputes the expected encoding and compares it with
 * s^e mod n; nothing of the recovered encoding is parsed. Returns 1 valid, 0 invalid.
 */
export function pkcs1Verify(ctx: usize, alg: i32, digest: usize, digestLen: i32, sig: usize, sigLen: i32): i32 {
  let status = checkDigest(alg, digestLen);
  if (status != Status.OK) return status;
  const k = keyModulusBytes(ctx);
  if (sigLen != k) return 0;
  const expected = emBuf(ctx, 1);
  status = emsaPkcs1(<HashAlg>alg, digest, digestLen, expected, k);
  if (status != Status.OK) return 0;
  const recovered = emBuf(ctx, 0);
  const valid = publicOp(ctx, sig, sigLen, recovered) == k && ctBytesEqual(recovered, expected, k) != 0;
  wipeScratch(ctx);
  return valid ? 1 : 0;
}

/** emBits = modBits - 1 (RFC 8017 8.1.1 step 1); emLen = ceil(emBits / 8). */
function pssEmLen(ctx: usize): i32 {
  return (keyModulusBits(ctx) - 1 + 7) >> 3;
}

/** Mask clearing the leftmost 8 * emLen - emBits bits of EM's first byte. */
function pssTopMask(ctx: usize): u32 {
  const unused = (pssEmLen(ctx) << 3) - (keyModulusBits(ctx) - 1);
  return (<u32>0xff) >> (<u32>unused);
}

/** M' = (0x00)8 || mHash || salt hashed into out (RFC 8017 9.1.1 steps 5-6). */
function pssHash(ctx: usize, alg: HashAlg, digest: usize, digestLen: i32, salt: usize, saltLen: i32, out: usize): void {
  const area = hashArea(ctx);
  const hc = area + HC0;
  const zeros = area + PRF_IN;
  memory.fill(zeros, 0, 8);
  hashInit(hc, alg);
  hashUpdate(hc, zeros, 8);
  hashUpdate(hc, digest, <usize>digestLen);
  hashUpdate(hc, salt, <usize>saltLen);
  hashFinal(hc, out);
}

/** RSASSA-PSS-SIGN (RFC 8017 8.1.1) of a precomputed digest with a host-supplied salt. Returns k. */
export function pssSign(
  ctx: usize,
  alg: i32,
  mgfAlg: i32,
  digest: usize,
  digestLen: i32,
  salt: usize,
  saltLen: i32,
  out: usize,
): i32 {
  if (!keyIsPrivate(ctx)) return Status.INVALID_STATE;
  const status = checkDigest(alg, digestLen);
  if (status != Status.OK) return status;
  if (!hashAlgKnown(mgfAlg)) return Status.UNSUPPORTED_ALGORITHM;
  const k = keyModulusBytes(ctx);
  const emLen = pssEmLen(ctx);
  const hLen = digestLen;
  if (saltLen < 0 || emLen < hLen + saltLen + 2) return Status.INVALID_ARGUMENT;
  // EM (emLen bytes, right-aligned in k bytes) = maskedDB || H || 0xbc, DB = PS || 0x01 || salt.
  const block = emBuf(ctx, 0);
  memory.fill(block, 0, <usize>k);
  const em = block + <usize>(k - emLen);
  const dbLen = emLen - hLen - 1;
  const h = em + <usize>dbLen;
  pssHash(ctx, <HashAlg>alg, digest, digestLen, salt, saltLen, h);
  store<u8>(em + <usize>(dbLen - saltLen - 1), 1);
  memory.copy(em + <usize>(dbLen - saltLen), salt, <usize>saltLen);
  mgf1Xor(ctx, <HashAlg>mgfAlg, h, hLen, em, dbLen);
  store<u8>(em, <u8>((<u32>load<u8>(em)) & pssTopMask(ctx)));
  store<u8>(em + <usize>(emLen - 1), 0xbc);
  const result = privateOp(ctx, block, k, out);
  wipeScratch(ctx);
  return result;
}

/** RSASSA-PSS-VERIFY (RFC 8017 8.1.2, EMSA-PSS-VERIFY 9.1.2) with a fixed salt length. 1 or 0. */
export function pssVerify(
  ctx: usize,
  alg: i32,
  mgfAlg: i32,
  saltLen: i32,
  digest: usize,
  digestLen: i32,
  sig: usize,
  sigLen: i32,
): i32 {
  const status = checkDigest(alg, digestLen);
  if (status != Status.OK) return status;
  if (!hashAlgKnown(mgfAlg)) return Status.UNSUPPORTED_ALGORITHM;
  if (saltLen < 0) return Status.INVALID_ARGUMENT;
  const valid = pssCheck(ctx, <HashAlg>alg, <HashAlg>mgfAlg, saltLen, digest, digestLen, sig, sigLen);
  wipeScratch(ctx);
  return valid ? 1 : 0;
}

function pssCheck(
  ctx: usize,
  alg: HashAlg,
  mgfAlg: HashAlg,
  saltLen: i32,
  digest: usize,
  hLen: i32,
  sig: usize,
  sigLen: i32,
): bool {
  const k = keyModulusBytes(ctx);
  if (sigLen != k) return false;
  const block = emBuf(ctx, 0);
  if (publicOp(ctx, sig, sigLen, block) != k) return false;
  const emLen = pssEmLen(ctx);
  // When emLen < k the integer must fit in emLen bytes (RFC 8017 8.1.2 step 2c, I2OSP).
  for (let i = 0; i < k - emLen; i++) if (load<u8>(block + <usize>i) != 0) return false;
  const em = block + <usize>(k - emLen);
  if (emLen < hLen + saltLen + 2) return false;
  if (load<u8>(em + <usize>(emLen - 1)) != 0xbc) return false;
  const topMask = pssTopMask(ctx);
  if (((<u32>load<u8>(em)) & ~topMask & 0xff) != 0) return false;
  const dbLen = emLen - hLen - 1;
  const h = em + <usize>dbLen;
  mgf1Xor(ctx, mgfAlg, h, hLen, em, dbLen);
  store<u8>(em, <u8>((<u32>load<u8>(em)) & topMask));
  const psLen = dbLen - saltLen - 1;
  for (let i = 0; i < psLen; i++) if (load<u8>(em + <usize>i) != 0) return false;
  if (load<u8>(em + <usize>psLen) != 1) return false;
  const expected = hashArea(ctx) + D0;
  pssHash(ctx, alg, digest, hLen, em + <usize>(dbLen - saltLen), saltLen, expected);
  return memory.compare(expected, h, <usize>hLen) == 0;
}
