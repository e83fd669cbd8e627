// Streaming AES modes over the constant-time core: CBC with PKCS#7 padding, CTR and GCM.
import { CryptoError } from "../errors.js";
import { AesContext, checkAesKey, withCopy } from "./context.js";
import type { AesCore } from "./exports.js";

function checkIv(algorithm: string, iv: Uint8Array, expected: number): void {
  if (iv.length !== expected) {
    throw new CryptoError("INVALID_ARGUMENT", `${algorithm}: IV must be ${expected} bytes, got ${iv.length}`);
  }
}

abstract class AesCbc extends AesContext {
  constructor(core: AesCore, key: Uint8Array, iv: Uint8Array, decrypt: boolean) {
    const algorithm = decrypt ? "AES-CBC decrypt" : "AES-CBC encrypt";
    checkAesKey(algorithm, key);
    checkIv(algorithm, iv, 16);
    super(core, algorithm);
    withCopy(core, key, (k) =>
      withCopy(core, iv, (v) =>
        this.checkOrDispose(core.exports.aes_cbc_init(this.ctx, k, key.length, v, decrypt ? 1 : 0)),
      ),
    );
  }

  /** Processes any number of bytes; returns the whole blocks completed so far (output lags input). */
  update(data: Uint8Array): Uint8Array {
    const ctx = this.ctx;
    return this.stream(data, (src, len, dst) => this.core.exports.aes_cbc_update(ctx, src, len, dst));
  }

  /** Finishes and wipes the context; the return value is the last output. */
  final(): Uint8Array {
    const ctx = this.ctx;
    try {
      const n = this.core.check(this.core.exports.aes_cbc_final(ctx, this.core.outPtr), this.algorithm);
      return this.core.read(this.core.outPtr, n);
    } finally {
      this.dispose();
    }
  }
}

/** AES-CBC encryption with PKCS#7 padding (SP 800-38A 6.2, RFC 5652 6.3). final() returns the last block. */
export class AesCbcEncryptor extends AesCbc {
  constructor(core: AesCore, key: Uint8Array, iv: Uint8Array) {
    super(core, key, iv, false);
  }
}

/**
 * AES-CBC decryption with PKCS#7 padding. update() holds back the last block, so no padding byte
 * is ever returned; final() checks the padding in constant time and throws DECRYPTION_FAILED for
 * a bad padding, a length that is not a positive multiple of 16, or (almost always) a wrong key.
 */
export class AesCbcDecryptor extends AesCbc {
  constructor(core: AesCore, key: Uint8Array, iv: Uint8Array) {
    super(core, key, iv, true);
  }
}

/**
 * AES-CTR (SP 800-38A 6.5) with the whole 16-byte counter block incremented as a 128-bit
 * big-endian integer, as node's aes-*-ctr. Encryption and decryption are the same operation.
 */
export class AesCtr extends AesContext {
  constructor(core: AesCore, key: Uint8Array, counterBlock: Uint8Array) {
    checkAesKey("AES-CTR", key);
    checkIv("AES-CTR", counterBlock, 16);
    super(core, "AES-CTR");
    withCopy(core, key, (k) =>
      withCopy(core, counterBlock, (v) => this.checkOrDispose(core.exports.aes_ctr_init(this.ctx, k, key.length, v))),
    );
  }

  /** Returns exactly as many bytes as it is given. */
  update(data: Uint8Array): Uint8Array {
    const ctx = this.ctx;
    return this.stream(data, (src, len, dst) => this.core.exports.aes_ctr_update(ctx, src, len, dst));
  }

  /** CTR has no trailer: returns an empty array and wipes the context. */
  final(): Uint8Array {
    this.requireOpen();
    this.dispose();
    return new Uint8Array(0);
  }
}

/** Tag lengths accepted for GCM: 96 to 128 bits (SP 800-38D 5.2.1.2 allows shorter; we do not). */
function checkTagLength(algorithm: string, tagLength: number): void {
  if (!Number.isInteger(tagLength) || tagLength < 12 || tagLength > 16) {
    throw new CryptoError("INVALID_ARGUMENT", `${algorithm}: tag length must be 12..16 bytes, got ${tagLength}`);
  }
}

abstract class AesGcm extends AesContext {
  constructor(core: AesCore, key: Uint8Array, iv: Uint8Array, decrypt: boolean) {
    const algorithm = decrypt ? "AES-GCM decrypt" : "AES-GCM encrypt";
    checkAesKey(algorithm, key);
    if (iv.length < 1) throw new CryptoError("INVALID_ARGUMENT", `${algorithm}: IV must be at least 1 byte, got 0`);
    super(core, algorithm);
    withCopy(core, key, (k) =>
      withCopy(core, iv, (v) =>
        this.checkOrDispose(core.exports.aes_gcm_init(this.ctx, k, key.length, v, iv.length, decrypt ? 1 : 0)),
      ),
    );
  }

  /** Additional authenticated data; any number of calls, all before the first update(). */
  aad(data: Uint8Array): void {
    const ctx = this.ctx;
    this.stream(data, (src, len) => this.core.exports.aes_gcm_aad(ctx, src, len));
  }

  update(data: Uint8Array): Uint8Array {
    const ctx = this.ctx;
    return this.stream(data, (src, len, dst) => this.core.exports.aes_gcm_update(ctx, src, len, dst));
  }
}

/** AES-GCM encryption (SP 800-38D 7.1). Any IV length >= 1 byte; 12 bytes is the fast, recommended case. */
export class AesGcmEncryptor extends AesGcm {
  private readonly tagLength: number;

  constructor(core: AesCore, key: Uint8Array, iv: Uint8Array, tagLength = 16) {
    checkTagLength("AES-GCM encrypt", tagLength);
    super(core, key, iv, false);
    this.tagLength = tagLength;
  }

  /** Returns the authentication tag and wipes the context. */
  final(): Uint8Array {
    const ctx = this.ctx;
    try {
      const n = this.core.check(
        this.core.exports.aes_gcm_encrypt_final(ctx, this.core.outPtr, this.tagLength),
        this.algorithm,
      );
      return this.core.read(this.core.outPtr, n);
    } finally {
      this.dispose();
    }
  }
}

/**
 * AES-GCM decryption (SP 800-38D 7.2). update() streams out plaintext that is NOT yet
 * authenticated: callers must not release or act on any of it until final(tag) has returned
 * without throwing. final throws AUTH_TAG_MISMATCH when the tag (compared in constant time) is
 * wrong, which also covers a wrong key, IV or AAD.
 */
export class AesGcmDecryptor extends AesGcm {
  constructor(core: AesCore, key: Uint8Array, iv: Uint8Array) {
    super(core, key, iv, true);
  }

  final(tag: Uint8Array): void {
    const ctx = this.ctx;
    try {
      checkTagLength(this.algorithm, tag.length);
      this.core.write(this.core.inPtr, tag);
      this.core.check(this.core.exports.aes_gcm_decrypt_final(ctx, this.core.inPtr, tag.length), this.algorithm);
    } finally {
      this.dispose();
    }
  }
}
