// Layout of the Triple-DES context: one plain block in linear memory, allocated by the host with
// mem_alloc(des_ctx_size()).

/** Blocks per bitsliced pass: one per bit of a word, 128 with SIMD (v128), 64 without (u64). */
export const PARALLEL_BLOCKS: i32 = ASC_FEATURE_SIMD ? 128 : 64;
export const PARALLEL_BYTES: i32 = PARALLEL_BLOCKS * 8;

/** Mode phase (see modes.ts). */
export const OFF_PHASE: usize = 0;
/** Bytes of the pending CBC input block. */
export const OFF_POS: usize = 4;
/** CBC chaining block. */
export const OFF_IV: usize = 8;
/** Pending CBC input block. */
export const OFF_BLOCK_BUF: usize = 16;
/** Batch of PARALLEL_BLOCKS blocks (always sized for 128). */
export const OFF_BATCH: usize = 32;
/** Bitsliced state: 64 words (L then R), sized for v128. */
export const OFF_STATE: usize = OFF_BATCH + 1024;
/** Rows being transposed (blocks in, bit planes out), sized for v128. */
export const OFF_ROWS: usize = OFF_STATE + 1024;
/** Round keys of the 48 rounds (three DES passes), each 48 bits as u64 masks: 48 x 48 x 8 bytes. */
export const OFF_RK: usize = OFF_ROWS + 1024;
export const DES_CTX_SIZE: usize = OFF_RK + 48 * 48 * 8;
