import type { BaseExports, WasmCore } from "../wasm/instance.js";

/** Exports of the AES area of the core (assembly/aes/index.ts). Pointers and lengths are byte offsets/counts. */
export interface AesExports {
  aes_ctx_size(): number;
  aes_encrypt_block(ctx: number, key: number, keyLen: number, src: number, dst: number): number;
  aes_cbc_init(ctx: number, key: number, keyLen: number, iv: number, decrypt: number): number;
  aes_cbc_update(ctx: number, src: number, len: number, dst: number): number;
  aes_cbc_final(ctx: number, dst: number): number;
  aes_ctr_init(ctx: number, key: number, keyLen: number, iv: number): number;
  aes_ctr_update(ctx: number, src: number, len: number, dst: number): number;
  aes_gcm_init(ctx: number, key: number, keyLen: number, iv: number, ivLen: number, decrypt: number): number;
  aes_gcm_aad(ctx: number, src: number, len: number): number;
  aes_gcm_update(ctx: number, src: number, len: number, dst: number): number;
  aes_gcm_encrypt_final(ctx: number, tagOut: number, tagLen: number): number;
  aes_gcm_decrypt_final(ctx: number, tag: number, tagLen: number): number;
  aes_ghash_init(ctx: number, h: number): number;
  aes_ghash_update(ctx: number, src: number, len: number): number;
  aes_ghash_pad(ctx: number): number;
  aes_ghash_final(ctx: number, lengths: number, out: number): number;
  aes_gf128_mul(ctx: number, x: number, y: number, out: number): number;
  aes_kw_wrap(ctx: number, key: number, keyLen: number, src: number, len: number, dst: number): number;
  aes_kw_unwrap(ctx: number, key: number, keyLen: number, src: number, len: number, dst: number): number;
  aes_kwp_wrap(ctx: number, key: number, keyLen: number, src: number, len: number, dst: number): number;
  aes_kwp_unwrap(ctx: number, key: number, keyLen: number, src: number, len: number, dst: number): number;
}

/** A core build that has the AES exports. */
export type AesCore = WasmCore<BaseExports & AesExports>;
