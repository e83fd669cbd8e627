// Exports of the Triple-DES area: TDEA with a 24-byte key (three DES keys, SP 800-67 keying option
// 1) in CBC mode with PKCS#7 padding, for reading des-ede3-cbc S/MIME (RFC 3370 5.1). Contexts are
// host-allocated blocks of des_ctx_size() bytes; every function returns a byte count or a
// negative Status.
import { cbcFinal, cbcUpdate } from "../cbc";
import { Status } from "../status";
import { cryptBlock, setKey } from "./cipher";
import { DES_CTX_SIZE } from "./layout";
import { cbcInit, TdeaCbc } from "./modes";

/** TDEA key length: K1 || K2 || K3, 8 bytes each (parity bits ignored). */
const KEY_BYTES = 24;

export function des_ctx_size(): i32 {
  return <i32>DES_CTX_SIZE;
}

/** Encrypts or decrypts one 8-byte block with TDEA (ECB; for known-answer tests). */
export function des_ede3_block(ctx: usize, key: usize, keyLen: i32, src: usize, dst: usize, decrypt: bool): i32 {
  if (keyLen != KEY_BYTES) return Status.INVALID_KEY;
  setKey(ctx, key, decrypt);
  cryptBlock(ctx, src, dst);
  return 8;
}

export function des_ede3_cbc_init(ctx: usize, key: usize, keyLen: i32, iv: usize, decrypt: bool): i32 {
  if (keyLen != KEY_BYTES) return Status.INVALID_KEY;
  cbcInit(ctx, key, iv, decrypt);
  return Status.OK;
}

/** Returns the bytes written to dst: a multiple of 8, at most len + 8. */
export function des_ede3_cbc_update(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  return cbcUpdate<TdeaCbc>(ctx, src, len, dst);
}

/** Writes the last block (encrypt: 8 bytes; decrypt: 0..7 bytes after removing the padding). */
export function des_ede3_cbc_final(ctx: usize, dst: usize): i32 {
  return cbcFinal<TdeaCbc>(ctx, dst);
}
