// RC2 (RFC 2268) CBC decryption with PKCS#7 padding, for reading legacy S/MIME (RFC 3370 5.2) and
// PKCS #12 bags (RFC 7292 C). Always WASM: WebCrypto has no RC2. Decryption only: mailseal never
// writes RC2 (the service refuses an RC2 encryptor).
import { CryptoError } from "../errors.js";
import { CoreContext, withCopy } from "../wasm/context.js";
import type { Rc2Core } from "./exports.js";

function checkKey(algorithm: string, key: Uint8Array, effectiveBits: number): void {
  if (key.length < 1 || key.length > 128) {
    throw new CryptoError("INVALID_KEY", `${algorithm}: key must be 1..128 bytes, got ${key.length}`);
  }
  if (!Number.isInteger(effectiveBits) || effectiveBits < 1 || effectiveBits > 1024) {
    throw new CryptoError("INVALID_KEY", `${algorithm}: effective key bits must be 1..1024, got ${effectiveBits}`);
  }
}

function checkBlock(algorithm: string, what: string, data: Uint8Array): void {
  if (data.length !== 8) {
    throw new CryptoError("INVALID_ARGUMENT", `${algorithm}: ${what} must be 8 bytes, got ${data.length}`);
  }
}

/** One RC2 block either way (ECB; for the known-answer tests of RFC 2268 5). */
export function rc2Block(
  core: Rc2Core,
  key: Uint8Array,
  effectiveBits: number,
  block: Uint8Array,
  { decrypt = false } = {},
): Uint8Array {
  const algorithm = "RC2 block";
  checkKey(algorithm, key, effectiveBits);
  checkBlock(algorithm, "block", block);
  const size = core.exports.rc2_ctx_size();
  const ctx = core.alloc(size);
  try {
    return withCopy(core, key, (k) => {
      core.write(core.inPtr, block);
      const n = core.check(
        core.exports.rc2_block(ctx, k, key.length, effectiveBits, core.inPtr, core.outPtr, decrypt ? 1 : 0),
        algorithm,
      );
      return core.read(core.outPtr, n);
    });
  } finally {
    core.free(ctx, size);
  }
}

/**
 * RC2-CBC decryption with PKCS#7 padding. update() holds back the last block, so no padding byte is
 * ever returned; final() checks the padding in constant time and throws DECRYPTION_FAILED for a bad
 * padding, a length that is not a positive multiple of 8, or (almost always) a wrong key.
 */
export class Rc2CbcDecryptor extends CoreContext<Rc2Core["exports"]> {
  constructor(core: Rc2Core, key: Uint8Array, effectiveBits: number, iv: Uint8Array) {
    const algorithm = "RC2-CBC decrypt";
    checkKey(algorithm, key, effectiveBits);
    checkBlock(algorithm, "IV", iv);
    super(core, algorithm, core.exports.rc2_ctx_size());
    withCopy(core, key, (k) =>
      withCopy(core, iv, (v) =>
        this.checkOrDispose(core.exports.rc2_cbc_decrypt_init(this.ctx, k, key.length, effectiveBits, v)),
      ),
    );
  }

  /** Processes any number of bytes; returns the whole blocks completed so far (output lags input). */
  update(data: Uint8Array): Uint8Array {
    const ctx = this.ctx;
    return this.stream(data, (src, len, dst) => this.core.exports.rc2_cbc_update(ctx, src, len, dst));
  }

  /** Finishes and wipes the context; the return value is the last output. */
  final(): Uint8Array {
    const ctx = this.ctx;
    try {
      const n = this.core.check(this.core.exports.rc2_cbc_final(ctx, this.core.outPtr), this.algorithm);
      return this.core.read(this.core.outPtr, n);
    } finally {
      this.dispose();
    }
  }
}
