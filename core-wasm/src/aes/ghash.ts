// GHASH on its own (SP 800-38D 6.4), for a GCM path where bulk AES-CTR runs elsewhere (WebCrypto)
// and the core authenticates: the same constant-time GHASH as inside AesGcm*.
import { CryptoError } from "../errors.js";
import { AesContext, checkAesKey, withCopy } from "./context.js";
import type { AesCore } from "./exports.js";

function checkBlock(what: string, block: Uint8Array): void {
  if (block.length !== 16) throw new CryptoError("INVALID_ARGUMENT", `${what} must be 16 bytes, got ${block.length}`);
}

/** [len(A)]64 || [len(C)]64 in bits, big-endian (SP 800-38D 7.1 step 5). */
export function lengthBlock(aadByteLength: number, ciphertextByteLength: number): Uint8Array {
  const block = new Uint8Array(16);
  const view = new DataView(block.buffer);
  view.setBigUint64(0, BigInt(aadByteLength) * 8n);
  view.setBigUint64(8, BigInt(ciphertextByteLength) * 8n);
  return block;
}

/**
 * Streaming GHASH with hash subkey H = E_K(0^128). Feed the AAD, call padBlock(), feed the
 * ciphertext, then finish() with both byte lengths to get S, the value GCM masks with E_K(J0).
 */
export class Ghash extends AesContext {
  constructor(core: AesCore, hashSubkeyH: Uint8Array) {
    checkBlock("GHASH: hash subkey H", hashSubkeyH);
    super(core, "GHASH");
    withCopy(core, hashSubkeyH, (h) => this.checkOrDispose(core.exports.aes_ghash_init(this.ctx, h)));
  }

  update(data: Uint8Array): this {
    const ctx = this.ctx;
    this.consume(data, (src, len) => this.core.exports.aes_ghash_update(ctx, src, len));
    return this;
  }

  /** Zero-pads a pending partial block (between the AAD and the ciphertext). */
  padBlock(): this {
    this.core.check(this.core.exports.aes_ghash_pad(this.ctx), this.algorithm);
    return this;
  }

  /** Pads, absorbs the length block and returns the 16-byte GHASH; wipes the context. */
  finish(aadByteLength: number, ciphertextByteLength: number): Uint8Array {
    const ctx = this.ctx;
    try {
      for (const n of [aadByteLength, ciphertextByteLength]) {
        if (!Number.isSafeInteger(n) || n < 0) {
          throw new CryptoError("INVALID_ARGUMENT", `GHASH: byte length must be a non-negative integer, got ${n}`);
        }
      }
      this.core.write(this.core.inPtr, lengthBlock(aadByteLength, ciphertextByteLength));
      const n = this.core.check(
        this.core.exports.aes_ghash_final(ctx, this.core.inPtr, this.core.outPtr),
        this.algorithm,
      );
      return this.core.read(this.core.outPtr, n);
    } finally {
      this.dispose();
    }
  }
}

/** The pre-counter block J0 of SP 800-38D 7.1 step 2 for hash subkey H and an IV of >= 1 byte. */
export function gcmCounterBlock0(core: AesCore, h: Uint8Array, iv: Uint8Array): Uint8Array {
  if (iv.length < 1) throw new CryptoError("INVALID_ARGUMENT", "AES-GCM: IV must be at least 1 byte, got 0");
  checkBlock("GHASH: hash subkey H", h);
  if (iv.length === 12) {
    const j0 = new Uint8Array(16);
    j0.set(iv);
    j0[15] = 1;
    return j0;
  }
  // GHASH(IV || 0^(s+64) || [len(IV)]64): the length block with len(A) = 0 is exactly 0^64 || [len(IV)]64.
  return new Ghash(core, h).update(iv).finish(0, iv.length);
}

/** x * y in GF(2^128) with GCM's bit order (SP 800-38D 6.3), in constant time. */
export function gf128Multiply(core: AesCore, x: Uint8Array, y: Uint8Array): Uint8Array {
  checkBlock("GF(2^128) product: x", x);
  checkBlock("GF(2^128) product: y", y);
  return withScratchContext(core, (ctx) => {
    core.write(core.inPtr, x);
    core.write(core.inPtr + 16, y);
    const n = core.check(core.exports.aes_gf128_mul(ctx, core.inPtr, core.inPtr + 16, core.outPtr), "GHASH");
    return core.read(core.outPtr, n);
  });
}

/** Runs a one-shot operation in a fresh AES context, wiped and freed afterwards. */
function withScratchContext<T>(core: AesCore, operation: (ctx: number) => T): T {
  const ctxSize = core.exports.aes_ctx_size();
  const ctx = core.alloc(ctxSize);
  try {
    return operation(ctx);
  } finally {
    core.free(ctx, ctxSize);
  }
}

/** Encrypts a single 16-byte block with the constant-time core (tests, deriving H). */
export function aesEncryptBlock(core: AesCore, key: Uint8Array, block: Uint8Array): Uint8Array {
  checkAesKey("AES", key);
  checkBlock("AES: block", block);
  return withScratchContext(core, (ctx) =>
    withCopy(core, key, (k) => {
      core.write(core.inPtr, block);
      core.check(core.exports.aes_encrypt_block(ctx, k, key.length, core.inPtr, core.outPtr), "AES");
      return core.read(core.outPtr, 16);
    }),
  );
}
