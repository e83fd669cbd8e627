// ChaCha20-Poly1305 (RFC 8439 2.8), the AEAD of RFC 8103's AuthEnvelopedData, streaming through the
// core: ChaCha20 and Poly1305 are additions, XORs and rotations, constant time in WebAssembly (no
// WebCrypto engine offers it). Key 32 bytes, nonce 12, tag 16.
import { CryptoError } from "../errors.js";
import { CoreContext, withCopy } from "../wasm/context.js";
import type { ChaChaCore } from "./exports.js";

export const CHACHA20_POLY1305_TAG_BYTES = 16;

abstract class ChaCha20Poly1305 extends CoreContext<ChaChaCore["exports"]> {
  constructor(core: ChaChaCore, key: Uint8Array, nonce: Uint8Array, decrypt: boolean) {
    const algorithm = decrypt ? "ChaCha20-Poly1305 decrypt" : "ChaCha20-Poly1305 encrypt";
    if (key.length !== 32)
      throw new CryptoError("INVALID_KEY", `${algorithm}: key must be 32 bytes, got ${key.length}`);
    if (nonce.length !== 12) {
      throw new CryptoError("INVALID_ARGUMENT", `${algorithm}: nonce must be 12 bytes, got ${nonce.length}`);
    }
    super(core, algorithm, core.exports.chacha_ctx_size());
    withCopy(core, key, (k) =>
      withCopy(core, nonce, (n) =>
        this.checkOrDispose(core.exports.chacha20_poly1305_init(this.ctx, k, 32, n, 12, decrypt ? 1 : 0)),
      ),
    );
  }

  /** Additional authenticated data; any number of calls, all before the first update(). */
  aad(data: Uint8Array): void {
    const ctx = this.ctx;
    this.stream(data, (src, len) => this.core.exports.chacha20_poly1305_aad(ctx, src, len));
  }

  /** As many output bytes as input bytes: a stream cipher holds nothing back. */
  update(data: Uint8Array): Uint8Array {
    const ctx = this.ctx;
    return this.stream(data, (src, len, dst) => this.core.exports.chacha20_poly1305_update(ctx, src, len, dst));
  }
}

export class ChaCha20Poly1305Encryptor extends ChaCha20Poly1305 {
  constructor(core: ChaChaCore, key: Uint8Array, nonce: Uint8Array) {
    super(core, key, nonce, false);
  }

  /** Returns the 16-byte tag and wipes the context. */
  final(): Uint8Array {
    const ctx = this.ctx;
    try {
      const n = this.core.check(
        this.core.exports.chacha20_poly1305_encrypt_final(ctx, this.core.outPtr),
        this.algorithm,
      );
      return this.core.read(this.core.outPtr, n);
    } finally {
      this.dispose();
    }
  }
}

/**
 * update() streams out plaintext that is NOT yet authenticated: release none of it before
 * final(tag) returned. final throws AUTH_TAG_MISMATCH for a wrong tag (compared in constant time),
 * which also covers a wrong key, nonce or additional data.
 */
export class ChaCha20Poly1305Decryptor extends ChaCha20Poly1305 {
  constructor(core: ChaChaCore, key: Uint8Array, nonce: Uint8Array) {
    super(core, key, nonce, true);
  }

  final(tag: Uint8Array): void {
    const ctx = this.ctx;
    try {
      if (tag.length !== CHACHA20_POLY1305_TAG_BYTES) {
        throw new CryptoError("INVALID_ARGUMENT", `${this.algorithm}: tag must be 16 bytes, got ${tag.length}`);
      }
      this.core.write(this.core.inPtr, tag);
      this.core.check(
        this.core.exports.chacha20_poly1305_decrypt_final(ctx, this.core.inPtr, tag.length),
        this.algorithm,
      );
    } finally {
      this.dispose();
    }
  }
}
