import type { BaseExports, WasmCore } from "../wasm/instance.js";

/** Exports of the RC2 area of the core (assembly/rc2/index.ts). Pointers and lengths are byte offsets/counts. */
export interface Rc2Exports {
  rc2_ctx_size(): number;
  rc2_block(ctx: number, key: number, keyLen: number, bits: number, src: number, dst: number, decrypt: number): number;
  rc2_cbc_decrypt_init(ctx: number, key: number, keyLen: number, bits: number, iv: number): number;
  rc2_cbc_update(ctx: number, src: number, len: number, dst: number): number;
  rc2_cbc_final(ctx: number, dst: number): number;
}

/** A core build that has the RC2 exports. */
export type Rc2Core = WasmCore<BaseExports & Rc2Exports>;
