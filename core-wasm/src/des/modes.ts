// Triple-DES (TDEA, three 8-byte keys) over the constant-time bitsliced core: CBC with PKCS#7
// padding, for reading des-ede3-cbc S/MIME content (RFC 3370 5.1). Always WASM: WebCrypto has no DES.
import { CryptoError } from "../errors.js";
import { CoreContext, withCopy } from "../wasm/context.js";
import type { DesCore } from "./exports.js";

function checkKey(algorithm: string, key: Uint8Array): void {
  if (key.length !== 24) {
    throw new CryptoError("INVALID_KEY", `${algorithm}: key must be 24 bytes (K1 || K2 || K3), got ${key.length}`);
  }
}

function checkBlock(algorithm: string, what: string, data: Uint8Array): void {
  if (data.length !== 8) {
    throw new CryptoError("INVALID_ARGUMENT", `${algorithm}: ${what} must be 8 bytes, got ${data.length}`);
  }
}

/** One TDEA block, E_K3(D_K2(E_K1(block))) or its inverse (ECB; for known-answer tests). */
export function tripleDesBlock(
  core: DesCore,
  key: Uint8Array,
  block: Uint8Array,
  { decrypt = false } = {},
): Uint8Array {
  const algorithm = "TDEA block";
  checkKey(algorithm, key);
  checkBlock(algorithm, "block", block);
  const size = core.exports.des_ctx_size();
  const ctx = core.alloc(size);
  try {
    return withCopy(core, key, (k) => {
      core.write(core.inPtr, block);
      const n = core.check(
        core.exports.des_ede3_block(ctx, k, key.length, core.inPtr, core.outPtr, decrypt ? 1 : 0),
        algorithm,
      );
      return core.read(core.outPtr, n);
    });
  } finally {
    core.free(ctx, size);
  }
}

abstract class TripleDesCbc extends CoreContext<DesCore["exports"]> {
  constructor(core: DesCore, key: Uint8Array, iv: Uint8Array, decrypt: boolean) {
    const algorithm = decrypt ? "DES-EDE3-CBC decrypt" : "DES-EDE3-CBC encrypt";
    checkKey(algorithm, key);
    checkBlock(algorithm, "IV", iv);
    super(core, algorithm, core.exports.des_ctx_size());
    withCopy(core, key, (k) =>
      withCopy(core, iv, (v) =>
        this.checkOrDispose(core.exports.des_ede3_cbc_init(this.ctx, k, key.length, v, decrypt ? 1 : 0)),
      ),
    );
  }

  /** Processes any number of bytes; returns the whole blocks completed so far (output lags input). */
  update(data: Uint8Array): Uint8Array {
    const ctx = this.ctx;
    return this.stream(data, (src, len, dst) => this.core.exports.des_ede3_cbc_update(ctx, src, len, dst));
  }

  /** Finishes and wipes the context; the return value is the last output. */
  final(): Uint8Array {
    const ctx = this.ctx;
    try {
      const n = this.core.check(this.core.exports.des_ede3_cbc_final(ctx, this.core.outPtr), this.algorithm);
      return this.core.read(this.core.outPtr, n);
    } finally {
      this.dispose();
    }
  }
}

/**
 * Triple-DES CBC encryption with PKCS#7 padding (SP 800-67, SP 800-38A 6.2, RFC 5652 6.3). CBC
 * encryption is sequential, so each block pays a whole bitsliced pass: slow, meant for tests and
 * fixtures, not for writing new mail.
 */
export class TripleDesCbcEncryptor extends TripleDesCbc {
  constructor(core: DesCore, key: Uint8Array, iv: Uint8Array) {
    super(core, key, iv, false);
  }
}

/**
 * Triple-DES CBC decryption with PKCS#7 padding. update() holds back the last block, so no padding
 * byte is ever returned; final() checks the padding in constant time and throws DECRYPTION_FAILED
 * for a bad padding, a length that is not a positive multiple of 8, or (almost always) a wrong key.
 */
export class TripleDesCbcDecryptor extends TripleDesCbc {
  constructor(core: DesCore, key: Uint8Array, iv: Uint8Array) {
    super(core, key, iv, true);
  }
}
