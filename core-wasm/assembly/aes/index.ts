// Exports of the AES area: constant-time AES-128/192/256 (bitsliced), CBC with PKCS#7, CTR, GCM,
// GHASH on its own, and key wrap (RFC 3394 / RFC 5649). Contexts are host-allocated blocks of
// aes_ctx_size() bytes; every function returns a byte count or a negative Status.
import { cbcFinal, cbcUpdate } from "../cbc";
import { Status } from "../status";
import { encryptBlock, roundsForKeyLength, setKey } from "./cipher";
import { ghashBlocks, ghashOutput, ghashPad, ghashReset, ghashSetKey, ghashUpdate } from "./ghash";
import { kwpUnwrap, kwpWrap, kwUnwrap, kwWrap } from "./keywrap";
import { AES_CTX_SIZE } from "./layout";
import {
  AesCbc,
  cbcInit,
  ctrInit,
  ctrUpdate,
  gcmAad,
  gcmDecryptFinal,
  gcmEncryptFinal,
  gcmInit,
  gcmUpdate,
  Phase,
  phase,
  setPhase,
} from "./modes";

export function aes_ctx_size(): i32 {
  return <i32>AES_CTX_SIZE;
}

/** Encrypts one block (for tests and for deriving values such as the GHASH key). */
export function aes_encrypt_block(ctx: usize, key: usize, keyLen: i32, src: usize, dst: usize): i32 {
  if (roundsForKeyLength(keyLen) == 0) return Status.INVALID_KEY;
  setKey(ctx, key, keyLen);
  encryptBlock(ctx, src, dst);
  return 16;
}

export function aes_cbc_init(ctx: usize, key: usize, keyLen: i32, iv: usize, decrypt: bool): i32 {
  return cbcInit(ctx, key, keyLen, iv, decrypt);
}

/** Returns the bytes written to dst: a multiple of 16, at most len + 16. */
export function aes_cbc_update(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  return cbcUpdate<AesCbc>(ctx, src, len, dst);
}

/** Writes the last block (encrypt: 16 bytes; decrypt: 0..15 bytes after removing the padding). */
export function aes_cbc_final(ctx: usize, dst: usize): i32 {
  return cbcFinal<AesCbc>(ctx, dst);
}

export function aes_ctr_init(ctx: usize, key: usize, keyLen: i32, iv: usize): i32 {
  return ctrInit(ctx, key, keyLen, iv);
}

export function aes_ctr_update(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  if (len < 0) return Status.INVALID_ARGUMENT;
  if (phase(ctx) != Phase.CTR) return Status.INVALID_STATE;
  return ctrUpdate(ctx, src, len, dst);
}

export function aes_gcm_init(ctx: usize, key: usize, keyLen: i32, iv: usize, ivLen: i32, decrypt: bool): i32 {
  return gcmInit(ctx, key, keyLen, iv, ivLen, decrypt);
}

/** Additional authenticated data; only before the first aes_gcm_update. */
export function aes_gcm_aad(ctx: usize, src: usize, len: i32): i32 {
  if (len < 0) return Status.INVALID_ARGUMENT;
  return gcmAad(ctx, src, len);
}

export function aes_gcm_update(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  if (len < 0) return Status.INVALID_ARGUMENT;
  return gcmUpdate(ctx, src, len, dst);
}

/** Writes the first tagLen (12..16) bytes of the tag; returns tagLen. */
export function aes_gcm_encrypt_final(ctx: usize, tagOut: usize, tagLen: i32): i32 {
  return gcmEncryptFinal(ctx, tagOut, tagLen);
}

/** Returns 0 when the tagLen-byte tag matches, AUTH_TAG_MISMATCH otherwise. */
export function aes_gcm_decrypt_final(ctx: usize, tag: usize, tagLen: i32): i32 {
  return gcmDecryptFinal(ctx, tag, tagLen);
}

/** Starts a stand-alone GHASH with subkey H (16 bytes at h). */
export function aes_ghash_init(ctx: usize, h: usize): i32 {
  ghashSetKey(ctx, h);
  setPhase(ctx, Phase.GHASH);
  return Status.OK;
}

export function aes_ghash_update(ctx: usize, src: usize, len: i32): i32 {
  if (len < 0) return Status.INVALID_ARGUMENT;
  if (phase(ctx) != Phase.GHASH) return Status.INVALID_STATE;
  ghashUpdate(ctx, src, len);
  return Status.OK;
}

/** Zero-pads a pending partial block (between the AAD and the ciphertext). */
export function aes_ghash_pad(ctx: usize): i32 {
  if (phase(ctx) != Phase.GHASH) return Status.INVALID_STATE;
  ghashPad(ctx);
  return Status.OK;
}

/**
 * Pads, absorbs the 16-byte length block at lengths ([len(A)]64 || [len(C)]64 in bits, built by
 * the host) and writes the 16-byte GHASH to out.
 */
export function aes_ghash_final(ctx: usize, lengths: usize, out: usize): i32 {
  if (phase(ctx) != Phase.GHASH) return Status.INVALID_STATE;
  ghashPad(ctx);
  ghashUpdate(ctx, lengths, 16);
  ghashOutput(ctx, out);
  setPhase(ctx, Phase.NONE);
  return 16;
}

/**
 * Writes x * y in GF(2^128) with GCM's bit order (SP 800-38D 6.3; 16 bytes each) to out: one GHASH
 * step keyed with y over the block x from a zero accumulator. GHASH is linear, so the GHASH values
 * of separate segments combine with such products (see the WebCrypto GCM path in the host).
 */
export function aes_gf128_mul(ctx: usize, x: usize, y: usize, out: usize): i32 {
  ghashSetKey(ctx, y);
  ghashBlocks(ctx, x, 1);
  ghashOutput(ctx, out);
  ghashReset(ctx);
  return 16;
}

export function aes_kw_wrap(ctx: usize, key: usize, keyLen: i32, src: usize, len: i32, dst: usize): i32 {
  return kwWrap(ctx, key, keyLen, src, len, dst);
}

export function aes_kw_unwrap(ctx: usize, key: usize, keyLen: i32, src: usize, len: i32, dst: usize): i32 {
  return kwUnwrap(ctx, key, keyLen, src, len, dst);
}

export function aes_kwp_wrap(ctx: usize, key: usize, keyLen: i32, src: usize, len: i32, dst: usize): i32 {
  return kwpWrap(ctx, key, keyLen, src, len, dst);
}

export function aes_kwp_unwrap(ctx: usize, key: usize, keyLen: i32, src: usize, len: i32, dst: usize): i32 {
  return kwpUnwrap(ctx, key, keyLen, src, len, dst);
}
