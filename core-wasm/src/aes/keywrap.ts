// AES key wrap, RFC 3394, and key wrap with padding, RFC 5649 (one-shot: inputs are keys).
import { CryptoError } from "../errors.js";
import { IO_CHUNK } from "../wasm/instance.js";
import { checkAesKey, withCopy } from "./context.js";
import type { AesCore } from "./exports.js";

/** Largest input handled in one pass of the I/O buffers (wrapped output adds 8 bytes). */
const MAX_WRAP_INPUT = IO_CHUNK - 16;

type WrapExport = "aes_kw_wrap" | "aes_kw_unwrap" | "aes_kwp_wrap" | "aes_kwp_unwrap";

function runWrap(core: AesCore, op: WrapExport, algorithm: string, kek: Uint8Array, input: Uint8Array): Uint8Array {
  checkAesKey(algorithm, kek);
  if (input.length > MAX_WRAP_INPUT) {
    throw new CryptoError("INVALID_ARGUMENT", `${algorithm}: input must be at most ${MAX_WRAP_INPUT} bytes`);
  }
  const ctxSize = core.exports.aes_ctx_size();
  const ctx = core.alloc(ctxSize);
  try {
    return withCopy(core, kek, (k) => {
      core.write(core.inPtr, input);
      const n = core.check(core.exports[op](ctx, k, kek.length, core.inPtr, input.length, core.outPtr), algorithm);
      const out = core.read(core.outPtr, n);
      core.bytes().fill(0, core.outPtr, core.outPtr + n);
      return out;
    });
  } finally {
    core.free(ctx, ctxSize);
  }
}

/** RFC 3394 wrap: keyData must be a multiple of 8 bytes, at least 16. Returns keyData.length + 8 bytes. */
export function aesKeyWrap(core: AesCore, kek: Uint8Array, keyData: Uint8Array): Uint8Array {
  if (keyData.length < 16 || keyData.length % 8 !== 0) {
    throw new CryptoError(
      "INVALID_ARGUMENT",
      `AES key wrap: key data must be a multiple of 8 bytes, at least 16, got ${keyData.length}`,
    );
  }
  return runWrap(core, "aes_kw_wrap", "AES key wrap", kek, keyData);
}

/** RFC 3394 unwrap; throws DECRYPTION_FAILED for a bad length or a failed integrity check. */
export function aesKeyUnwrap(core: AesCore, kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  return runWrap(core, "aes_kw_unwrap", "AES key unwrap", kek, wrapped);
}

/** RFC 5649 wrap of 1 or more bytes of key data. */
export function aesKeyWrapPad(core: AesCore, kek: Uint8Array, keyData: Uint8Array): Uint8Array {
  if (keyData.length < 1) throw new CryptoError("INVALID_ARGUMENT", "AES key wrap with padding: key data is empty");
  return runWrap(core, "aes_kwp_wrap", "AES key wrap with padding", kek, keyData);
}

/** RFC 5649 unwrap; throws DECRYPTION_FAILED for a bad length, IV, length indicator or padding. */
export function aesKeyUnwrapPad(core: AesCore, kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  return runWrap(core, "aes_kwp_unwrap", "AES key unwrap with padding", kek, wrapped);
}
