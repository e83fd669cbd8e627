// Layout of the RC2 context: one plain block in linear memory, allocated by the host with
// mem_alloc(rc2_ctx_size()).

/** Mode phase (see ../cbc.ts). */
export const OFF_PHASE: usize = 0;
/** Bytes of the pending CBC input block. */
export const OFF_POS: usize = 4;
/** CBC chaining block. */
export const OFF_IV: usize = 8;
/** Pending CBC input block. */
export const OFF_BLOCK_BUF: usize = 16;
/** The one-block "batch" of the CBC layer (RC2 is not bitsliced: one block per pass). */
export const OFF_BATCH: usize = 24;
/** Expanded key K[0..63], 16-bit words (RFC 2268 2). */
export const OFF_K: usize = 32;
/** Key expansion buffer L[0..127] (RFC 2268 2), wiped once K is set. */
export const OFF_L: usize = OFF_K + 128;
export const RC2_CTX_SIZE: usize = OFF_L + 128;
