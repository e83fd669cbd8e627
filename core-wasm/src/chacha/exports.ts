import type { BaseExports, WasmCore } from "../wasm/instance.js";

/** Exports of the ChaCha20-Poly1305 area of the core (assembly/chacha/index.ts). */
export interface ChaChaExports {
  chacha_ctx_size(): number;
  chacha20_poly1305_init(
    ctx: number,
    key: number,
    keyLen: number,
    nonce: number,
    nonceLen: number,
    decrypt: number,
  ): number;
  chacha20_poly1305_aad(ctx: number, src: number, len: number): number;
  chacha20_poly1305_update(ctx: number, src: number, len: number, dst: number): number;
  chacha20_poly1305_encrypt_final(ctx: number, tagOut: number): number;
  chacha20_poly1305_decrypt_final(ctx: number, tag: number, tagLen: number): number;
}

/** A core build that has the ChaCha20-Poly1305 exports. */
export type ChaChaCore = WasmCore<BaseExports & ChaChaExports>;
