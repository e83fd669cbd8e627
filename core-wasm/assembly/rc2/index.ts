// Exports of the RC2 area (RFC 2268): CBC decryption with PKCS#7 padding for reading legacy
// S/MIME (RFC 3370 5.2) and PKCS #12 bags (RFC 7292 C), and one block either way for the
// known-answer tests. There is no CBC encryption export: mailseal never writes RC2. Contexts are
// host-allocated blocks of rc2_ctx_size() bytes; every function returns a byte count or a
// negative Status.
import { cbcFinal, cbcUpdate } from "../cbc";
import { Status } from "../status";
import { decryptBlock, encryptBlock, expandKey } from "./cipher";
import { RC2_CTX_SIZE } from "./layout";
import { cbcDecryptInit, Rc2Cbc } from "./modes";

/** RFC 2268 2: the key is 1..128 bytes, the effective key length 1..1024 bits. */
function checkKey(keyLen: i32, bits: i32): Status {
  if (keyLen < 1 || keyLen > 128 || bits < 1 || bits > 1024) return Status.INVALID_KEY;
  return Status.OK;
}

export function rc2_ctx_size(): i32 {
  return <i32>RC2_CTX_SIZE;
}

/** Encrypts or decrypts one 8-byte block (ECB; for known-answer tests). */
export function rc2_block(ctx: usize, key: usize, keyLen: i32, bits: i32, src: usize, dst: usize, decrypt: bool): i32 {
  const status = checkKey(keyLen, bits);
  if (status != Status.OK) return status;
  expandKey(ctx, key, keyLen, bits);
  if (decrypt) decryptBlock(ctx, src, dst);
  else encryptBlock(ctx, src, dst);
  return 8;
}

export function rc2_cbc_decrypt_init(ctx: usize, key: usize, keyLen: i32, bits: i32, iv: usize): i32 {
  const status = checkKey(keyLen, bits);
  if (status != Status.OK) return status;
  cbcDecryptInit(ctx, key, keyLen, bits, iv);
  return Status.OK;
}

/** Returns the bytes written to dst: a multiple of 8, at most len + 8. */
export function rc2_cbc_update(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  return cbcUpdate<Rc2Cbc>(ctx, src, len, dst);
}

/** Writes the last 0..7 bytes after removing the padding (checked in constant time). */
export function rc2_cbc_final(ctx: usize, dst: usize): i32 {
  return cbcFinal<Rc2Cbc>(ctx, dst);
}
