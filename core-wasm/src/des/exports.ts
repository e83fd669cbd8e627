import type { BaseExports, WasmCore } from "../wasm/instance.js";

/** Exports of the Triple-DES area of the core (assembly/des/index.ts). Pointers and lengths are byte offsets/counts. */
export interface DesExports {
  des_ctx_size(): number;
  des_ede3_block(ctx: number, key: number, keyLen: number, src: number, dst: number, decrypt: number): number;
  des_ede3_cbc_init(ctx: number, key: number, keyLen: number, iv: number, decrypt: number): number;
  des_ede3_cbc_update(ctx: number, src: number, len: number, dst: number): number;
  des_ede3_cbc_final(ctx: number, dst: number): number;
}

/** A core build that has the Triple-DES exports. */
export type DesCore = WasmCore<BaseExports & DesExports>;
