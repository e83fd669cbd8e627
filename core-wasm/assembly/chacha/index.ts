// Exports of the ChaCha20-Poly1305 area (RFC 8439 2.8, the AEAD of RFC 8103's AuthEnvelopedData):
// a 32-byte key, a 12-byte nonce, a 16-byte tag. Contexts are host-allocated blocks of
// chacha_ctx_size() bytes; every function returns a byte count or a negative Status. Calls go
// init, aad*, update*, then encrypt_final or decrypt_final.
import { Status } from "../status";
import { chachaInit, chachaXor, nextBlock } from "./chacha20";
import {
  CHACHA_CTX_SIZE,
  OFF_AAD_LEN,
  OFF_CT_LEN,
  OFF_DECRYPT,
  OFF_KEYSTREAM,
  OFF_KS_POS,
  OFF_PHASE,
  OFF_TAG,
} from "./layout";
import { polyFinish, polyInit, polyPad16, polyUpdate } from "./poly1305";

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** RFC 8439 2.8: the 32-bit block counter starts at 1, so at most 2^32 - 1 blocks of text. */
const MAX_TEXT: u64 = (<u64>0xffffffff) * 64;

export function chacha_ctx_size(): i32 {
  return <i32>CHACHA_CTX_SIZE;
}

export function chacha20_poly1305_init(ctx: usize, key: usize, keyLen: i32, nonce: usize, nonceLen: i32, decrypt: bool): i32 {
  if (keyLen != KEY_BYTES) return Status.INVALID_KEY;
  if (nonceLen != NONCE_BYTES) return Status.INVALID_ARGUMENT;
  // RFC 8439 2.6: the one-time Poly1305 key is the first 32 bytes of the block with counter 0.
  chachaInit(ctx, key, nonce, 0);
  nextBlock(ctx);
  polyInit(ctx, ctx + OFF_KEYSTREAM);
  store<u32>(ctx + OFF_KS_POS, 64); // the rest of block 0 is unused: the text starts at counter 1
  store<u64>(ctx + OFF_AAD_LEN, 0);
  store<u64>(ctx + OFF_CT_LEN, 0);
  store<u32>(ctx + OFF_PHASE, 0);
  store<u32>(ctx + OFF_DECRYPT, decrypt ? 1 : 0);
  return Status.OK;
}

export function chacha20_poly1305_aad(ctx: usize, src: usize, len: i32): i32 {
  if (load<u32>(ctx + OFF_PHASE) != 0) return Status.INVALID_STATE;
  if (len < 0) return Status.INVALID_ARGUMENT;
  polyUpdate(ctx, src, <usize>len);
  store<u64>(ctx + OFF_AAD_LEN, load<u64>(ctx + OFF_AAD_LEN) + <u64>len);
  return Status.OK;
}

function startText(ctx: usize): void {
  if (load<u32>(ctx + OFF_PHASE) == 0) {
    polyPad16(ctx);
    store<u32>(ctx + OFF_PHASE, 1);
  }
}

/** Encrypts or decrypts `len` bytes into dst (same length); the MAC covers the ciphertext. */
export function chacha20_poly1305_update(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  if (load<u32>(ctx + OFF_PHASE) == 2) return Status.INVALID_STATE;
  if (len < 0) return Status.INVALID_ARGUMENT;
  const total = load<u64>(ctx + OFF_CT_LEN) + <u64>len;
  if (total > MAX_TEXT) return Status.MESSAGE_TOO_LONG;
  startText(ctx);
  if (load<u32>(ctx + OFF_DECRYPT) != 0) {
    polyUpdate(ctx, src, <usize>len); // before the XOR: src and dst may be the same buffer
    chachaXor(ctx, src, dst, <usize>len);
  } else {
    chachaXor(ctx, src, dst, <usize>len);
    polyUpdate(ctx, dst, <usize>len);
  }
  store<u64>(ctx + OFF_CT_LEN, total);
  return len;
}

/** RFC 8439 2.8: pad the text, then the two lengths as 64-bit little-endian words. */
function finishTag(ctx: usize): void {
  startText(ctx);
  polyPad16(ctx);
  const lengths = ctx + OFF_TAG; // scratch: overwritten by the tag below
  store<u64>(lengths, load<u64>(ctx + OFF_AAD_LEN), 0);
  store<u64>(lengths, load<u64>(ctx + OFF_CT_LEN), 8);
  polyUpdate(ctx, lengths, 16);
  polyFinish(ctx, ctx + OFF_TAG);
  store<u32>(ctx + OFF_PHASE, 2);
}

/** Writes the 16-byte tag. */
export function chacha20_poly1305_encrypt_final(ctx: usize, tagOut: usize): i32 {
  if (load<u32>(ctx + OFF_PHASE) == 2 || load<u32>(ctx + OFF_DECRYPT) != 0) return Status.INVALID_STATE;
  finishTag(ctx);
  memory.copy(tagOut, ctx + OFF_TAG, TAG_BYTES);
  return TAG_BYTES;
}

/** Returns OK when the 16-byte tag matches (compared in constant time), AUTH_TAG_MISMATCH otherwise. */
export function chacha20_poly1305_decrypt_final(ctx: usize, tag: usize, tagLen: i32): i32 {
  if (load<u32>(ctx + OFF_PHASE) == 2 || load<u32>(ctx + OFF_DECRYPT) == 0) return Status.INVALID_STATE;
  if (tagLen != TAG_BYTES) return Status.INVALID_ARGUMENT;
  finishTag(ctx);
  let diff: u32 = 0;
  for (let i = 0; i < TAG_BYTES; i++) diff |= <u32>(load<u8>(ctx + OFF_TAG + i) ^ load<u8>(tag + i));
  return diff == 0 ? Status.OK : Status.AUTH_TAG_MISMATCH;
}
