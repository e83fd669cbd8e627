// Layout of the AES context: one plain block in linear memory, allocated by the host with
// mem_alloc(aes_ctx_size()), shared by every mode (each uses the fields it needs).

/** Blocks the bulk cipher processes per pass: 8 with SIMD (v128 bit planes), 4 without (u64). */
export const PARALLEL_BLOCKS: i32 = ASC_FEATURE_SIMD ? 8 : 4;
export const PARALLEL_BYTES: i32 = PARALLEL_BLOCKS * 16;

/** Number of rounds (10, 12, 14); 0 until a key is set. */
export const OFF_ROUNDS: usize = 0;
/** Mode phase (see each mode). */
export const OFF_PHASE: usize = 4;
/** Bytes buffered: pending CBC input, or keystream bytes used in the CTR/GCM buffer. */
export const OFF_POS: usize = 8;
/** Bytes in the pending GHASH block. */
export const OFF_GHASH_FILL: usize = 12;
/** GCM: bytes of AAD and of text so far (u64 each). */
export const OFF_AAD_LEN: usize = 16;
export const OFF_TEXT_LEN: usize = 24;
/** CBC chaining block, or the CTR/GCM counter block. */
export const OFF_IV: usize = 32;
/** GCM: E_K(J0), which masks the tag. */
export const OFF_TAG_MASK: usize = 48;
/** Key unwrap: the integrity register A, or the whole block of a one-block RFC 5649 unwrap. */
export const OFF_WRAP_REGISTER: usize = 48;
/** GHASH accumulator Y: high u64, low u64. */
export const OFF_Y: usize = 112;
/** Pending partial GHASH block. */
export const OFF_GHASH_BUF: usize = 128;
/** Pending CBC input block. */
export const OFF_BLOCK_BUF: usize = 144;
/** Bitsliced state of the single-block (u64) cipher, and scratch for the key schedule. */
export const OFF_STATE: usize = 160;
/** Keystream / batch buffer of PARALLEL_BLOCKS blocks (always sized for 8). */
export const OFF_BATCH: usize = 288;
/** Expanded key words during the key schedule (up to 60 u32). */
export const OFF_KEY_WORDS: usize = 416;
/**
 * GHASH key: H, H^2, H^3, H^4, each pre-split for the multiplications. For each power, six 64-bit
 * multiplicands (low half, high half, their XOR, and the bit reversals of these three), each as
 * the four masks keeping every fourth bit: 4 x 6 x 4 u64.
 */
export const OFF_H: usize = 656;
/** Round keys for the u64 layout: (rounds + 1) x 8 u64. */
export const OFF_RK64: usize = OFF_H + 96 * 8;
/** Round keys for the v128 layout: (rounds + 1) x 8 v128 (SIMD build only). */
export const OFF_RK128: usize = OFF_RK64 + 15 * 64;
export const AES_CTX_SIZE: usize = OFF_RK128 + (ASC_FEATURE_SIMD ? 15 * 128 : 0);
