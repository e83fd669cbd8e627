// Host exports of the RSA area. Every function takes raw pointers and lengths and returns a byte
// count or 0 (>= 0) or a negative Status. Key components are big-endian without leading zeros.
import { Status } from "../status";
import { HashAlg } from "../hash/alg";
import { hashFinal, hashInit, hashUpdate } from "../hash/hash";
import {
  oaepDecrypt,
  oaepEncrypt,
  pkcs1Decrypt,
  pkcs1Encrypt,
  pkcs1Sign,
  pkcs1Verify,
  pssSign,
  pssVerify,
} from "./pad";
import {
  BLINDING_RANDOM_EXTRA,
  emBuf,
  hashArea,
  keyExponentHash,
  loadPrivateKey,
  loadPublicKey,
  privateCtxSize,
  privateOp,
  publicCtxSize,
  publicOp,
  wipeScratch,
} from "./key";

export function rsa_public_ctx_size(nLen: i32, eLen: i32): i32 {
  return publicCtxSize(nLen, eLen);
}

export function rsa_private_ctx_size(nLen: i32, eLen: i32, pLen: i32, qLen: i32): i32 {
  return privateCtxSize(nLen, eLen, pLen, qLen);
}

/** Random bytes rsa_private_load reads from `rnd` for a modulus of nLen bytes. */
export function rsa_blinding_random_size(nLen: i32): i32 {
  return nLen + BLINDING_RANDOM_EXTRA;
}

export function rsa_public_load(ctx: usize, n: usize, nLen: i32, e: usize, eLen: i32): i32 {
  return loadPublicKey(ctx, n, nLen, e, eLen);
}

/** `key` holds n | e | d | p | q | dp | dq | qi back to back with the given lengths. */
export function rsa_private_load(
  ctx: usize,
  key: usize,
  nLen: i32,
  eLen: i32,
  dLen: i32,
  pLen: i32,
  qLen: i32,
  dpLen: i32,
  dqLen: i32,
  qiLen: i32,
  rnd: usize,
): i32 {
  if (dLen < 1 || dLen > nLen) return Status.INVALID_KEY;
  const n = key;
  const e = n + <usize>nLen;
  const d = e + <usize>eLen;
  const p = d + <usize>dLen;
  const q = p + <usize>pLen;
  const dp = q + <usize>qLen;
  const dq = dp + <usize>dpLen;
  const qi = dq + <usize>dqLen;
  const status = loadPrivateKey(ctx, n, nLen, e, eLen, p, pLen, q, qLen, dp, dpLen, dq, dqLen, qi, qiLen, rnd);
  if (status != Status.OK) return status;
  storeExponentHash(ctx, d, dLen, nLen);
  return Status.OK;
}

/** SHA-256(I2OSP(d, k)): the key of the implicit-rejection KDK (d itself is not kept). */
function storeExponentHash(ctx: usize, d: usize, dLen: i32, nLen: i32): void {
  const hc = hashArea(ctx);
  const zeros = emBuf(ctx, 0);
  memory.fill(zeros, 0, <usize>nLen);
  hashInit(hc, HashAlg.SHA256);
  hashUpdate(hc, zeros, <usize>(nLen - dLen));
  hashUpdate(hc, d, <usize>dLen);
  hashFinal(hc, keyExponentHash(ctx));
  wipeScratch(ctx);
}

/** Raw RSAEP/RSAVP1: out = in^e mod n, `in` exactly k bytes and < n. Returns k. */
export function rsa_public_raw(ctx: usize, input: usize, len: i32, out: usize): i32 {
  const result = publicOp(ctx, input, len, out);
  wipeScratch(ctx);
  return result;
}

/** Raw RSADP/RSASP1 with blinding and fault check. Returns k. */
export function rsa_private_raw(ctx: usize, input: usize, len: i32, out: usize): i32 {
  const result = privateOp(ctx, input, len, out);
  wipeScratch(ctx);
  return result;
}

/** RSAES-OAEP encryption; seed: hLen random bytes of the OAEP hash. Returns k. */
export function rsa_oaep_encrypt(
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
  return oaepEncrypt(ctx, alg, mgfAlg, label, labelLen, msg, msgLen, seed, out);
}

/** RSAES-OAEP decryption; every failure is DECRYPTION_FAILED. Returns the message length. */
export function rsa_oaep_decrypt(
  ctx: usize,
  alg: i32,
  mgfAlg: i32,
  label: usize,
  labelLen: i32,
  ct: usize,
  ctLen: i32,
  out: usize,
): i32 {
  return oaepDecrypt(ctx, alg, mgfAlg, label, labelLen, ct, ctLen, out);
}

/** RSAES-PKCS1-v1_5 encryption; ps: k - msgLen - 3 nonzero random bytes. Returns k. */
export function rsa_pkcs1_encrypt(ctx: usize, msg: usize, msgLen: i32, ps: usize, out: usize): i32 {
  return pkcs1Encrypt(ctx, msg, msgLen, ps, out);
}

/** RSAES-PKCS1-v1_5 decryption with implicit rejection. Returns the (real or synthetic) length. */
export function rsa_pkcs1_decrypt(ctx: usize, ct: usize, ctLen: i32, out: usize): i32 {
  return pkcs1Decrypt(ctx, ct, ctLen, 0, out);
}

/** Key-transport variant: always expectedLen bytes, synthetic unless padding and length are right. */
export function rsa_pkcs1_decrypt_key(ctx: usize, ct: usize, ctLen: i32, expectedLen: i32, out: usize): i32 {
  if (expectedLen < 1) return Status.INVALID_ARGUMENT;
  return pkcs1Decrypt(ctx, ct, ctLen, expectedLen, out);
}

/** RSASSA-PKCS1-v1_5 signature of a digest. Returns k. */
export function rsa_pkcs1_sign(ctx: usize, alg: i32, digest: usize, digestLen: i32, out: usize): i32 {
  return pkcs1Sign(ctx, alg, digest, digestLen, out);
}

/** RSASSA-PKCS1-v1_5 verification of a digest: 1 valid, 0 invalid. */
export function rsa_pkcs1_verify(ctx: usize, alg: i32, digest: usize, digestLen: i32, sig: usize, sigLen: i32): i32 {
  return pkcs1Verify(ctx, alg, digest, digestLen, sig, sigLen);
}

/** RSASSA-PSS signature of a digest with a host-supplied random salt. Returns k. */
export function rsa_pss_sign(
  ctx: usize,
  alg: i32,
  mgfAlg: i32,
  digest: usize,
  digestLen: i32,
  salt: usize,
  saltLen: i32,
  out: usize,
): i32 {
  return pssSign(ctx, alg, mgfAlg, digest, digestLen, salt, saltLen, out);
}

/** RSASSA-PSS verification of a digest with the given salt length: 1 valid, 0 invalid. */
export function rsa_pss_verify(
  ctx: usize,
  alg: i32,
  mgfAlg: i32,
  saltLen: i32,
  digest: usize,
  digestLen: i32,
  sig: usize,
  sigLen: i32,
): i32 {
  return pssVerify(ctx, alg, mgfAlg, saltLen, digest, digestLen, sig, sigLen);
}
