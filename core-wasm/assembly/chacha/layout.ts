// Layout of the ChaCha20-Poly1305 context (RFC 8439): one plain block in linear memory, allocated by
// the host with mem_alloc(chacha_ctx_size()).

/** ChaCha20 input state (RFC 8439 2.3): constants, key, block counter, nonce: 16 words. */
export const OFF_STATE: usize = 0;
/** The current keystream block (64 bytes) and how much of it is used (64: none left). */
export const OFF_KEYSTREAM: usize = 64;
export const OFF_KS_POS: usize = 128;
/** Poly1305 (RFC 8439 2.5): r in five 26-bit limbs, the accumulator h likewise, s (the pad) as four words. */
export const OFF_R: usize = 132;
export const OFF_H: usize = 152;
export const OFF_PAD: usize = 172;
/** A partial 16-byte Poly1305 block and its length. */
export const OFF_BUF: usize = 188;
export const OFF_BUF_LEN: usize = 204;
/** Bytes of additional data and of ciphertext (RFC 8439 2.8: their lengths end the MAC input). */
export const OFF_AAD_LEN: usize = 208;
export const OFF_CT_LEN: usize = 216;
/** 0: taking additional data; 1: taking text; 2: finished. */
export const OFF_PHASE: usize = 224;
/** 1 when decrypting: the MAC then covers the input, not the output. */
export const OFF_DECRYPT: usize = 228;
/** The computed tag, for the constant-time comparison. */
export const OFF_TAG: usize = 232;
export const CHACHA_CTX_SIZE: usize = 248;
