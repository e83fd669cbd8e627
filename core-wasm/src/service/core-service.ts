// The crypto core's service object: what a worker exposes through comlink, or what a host uses in
// process. It owns one instantiated WASM build and the choice of AES path.
import { finalizer, proxy, transfer } from "comlink";
import {
  AesCbcDecryptor,
  AesCbcEncryptor,
  AesCtr,
  AesGcmDecryptor,
  AesGcmEncryptor,
  aesKeyUnwrap,
  aesKeyUnwrapPad,
  aesKeyWrap,
  aesKeyWrapPad,
} from "../aes/index.js";
import { ChaCha20Poly1305Decryptor, ChaCha20Poly1305Encryptor } from "../chacha/index.js";
import { TripleDesCbcDecryptor, TripleDesCbcEncryptor } from "../des/index.js";
import { dsaVerify, type DsaPublicKey } from "../dsa/index.js";
import { Rc2CbcDecryptor } from "../rc2/index.js";
import { Base64Decoder, Base64Encoder, type Base64EncoderOptions } from "../base64/index.js";
import { CryptoError } from "../errors.js";
import {
  Hash,
  Hmac,
  iteratedHash,
  type DigestAlgorithm,
  type DigestOptions,
  type HashAlgorithm,
} from "../hash/index.js";
import { baselineWasm, engineHasSimd, simdWasm } from "../wasm/builds.js";
import type { CoreExports } from "../wasm/exports.js";
import {
  oaepEncrypt,
  pkcs1v15Encrypt,
  pkcs1v15Verify,
  pssVerify,
  publicOp,
  RsaPrivateKeyHandle,
  type OaepOptions,
  type PssOptions,
  type RsaPrivateKey,
  type RsaPublicKey,
} from "../rsa/index.js";
import { instantiateCore, type WasmCore } from "../wasm/instance.js";
import type {
  AesPath,
  CipherParams,
  CoreInfo,
  CoreOptions,
  DecryptStream,
  DigestStream,
  EncryptStream,
  RsaPrivateKeyOps,
  TextStream,
} from "./api.js";
import {
  WebCryptoCbcDecryptor,
  WebCryptoCbcEncryptor,
  WebCryptoCtr,
  WebCryptoGcmDecryptor,
  WebCryptoGcmEncryptor,
} from "./aes-webcrypto.js";
import { chooseAesPath } from "./select-aes-path.js";

/** How results leave the service: as they are (in process) or as transferables and proxies (worker). */
interface Marshal {
  object<T extends object>(value: T): T;
  bytes(value: Uint8Array): Uint8Array;
}

const inProcess: Marshal = { object: (value) => value, bytes: (value) => value };
const acrossWorker: Marshal = {
  // When the caller drops its remote proxy without dispose(), comlink calls the finalizer: the stream's
  // context is still wiped and freed in the worker.
  object: (value) =>
    proxy(Object.assign(value, { [finalizer]: () => (value as { dispose?: () => void }).dispose?.() })),
  // Moves the result's buffer to the caller instead of copying it (the core keeps no reference).
  bytes: (value) => transfer(value, [value.buffer]),
};

/** "aead": ChaCha20-Poly1305 (RFC 8439 2.8), a stream cipher with its own MAC. */
type Mode = "cbc" | "ctr" | "gcm" | "aead";

/** What a cipher name stands for. */
interface CipherSpec {
  family: "aes" | "des-ede3" | "rc2" | "chacha20";
  mode: Mode;
  /** Key length in bytes (RC2: any of 1..128, checked with the effective key bits). */
  keyLength: number;
}

interface SymmetricStream {
  update(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  dispose(): void;
}

export class CoreService {
  private constructor(
    private readonly core: WasmCore<CoreExports>,
    private readonly aesPath: AesPath,
    private readonly marshal: Marshal,
  ) {}

  /** Instantiates the core. `marshal` is set by the worker entry so results cross as transferables. */
  static async open(options: CoreOptions = {}, { marshal = false } = {}): Promise<CoreService> {
    const build = options.build ?? "auto";
    const simd = build === "simd" || (build === "auto" && engineHasSimd());
    const core = await instantiateCore<CoreExports>(simd ? simdWasm : baselineWasm, simd);
    const aes = await chooseAesPath(options.aes ?? "auto", core, globalThis.crypto?.subtle);
    return new CoreService(core, aes, marshal ? acrossWorker : inProcess);
  }

  async info(): Promise<CoreInfo> {
    return {
      build: this.core.simd ? "simd" : "baseline",
      aes: this.aesPath,
      memoryBytes: this.core.exports.memory.buffer.byteLength,
    };
  }

  // --- symmetric encryption -------------------------------------------------------------------

  async createEncryptor(params: CipherParams): Promise<EncryptStream> {
    const spec = checkCipherParams(params);
    // RC2 is read from old mail and old PKCS #12 files, never written (RFC 8551 2.7 dropped it).
    if (spec.family === "rc2")
      throw new CryptoError("UNSUPPORTED_ALGORITHM", "rc2-cbc: decryption only, never written");
    const { mode } = spec;
    const { key, iv } = params;
    const m = this.marshal;
    if (mode === "aead") {
      // No WebCrypto engine offers ChaCha20-Poly1305: always the core.
      const aead = new ChaCha20Poly1305Encryptor(this.core, key, iv);
      aead.aad(params.aad ?? new Uint8Array(0));
      return m.object({
        update: async (data: Uint8Array) => m.bytes(aead.update(data)),
        final: async () => ({ data: new Uint8Array(0), tag: aead.final() }),
        dispose: () => aead.dispose(),
      });
    }
    if (mode === "gcm") {
      const aad = params.aad ?? new Uint8Array(0);
      const tagLength = params.tagLength ?? 16;
      if (this.useWebCrypto(key)) {
        const gcm = await WebCryptoGcmEncryptor.create(subtle(), this.core, key, iv, aad, tagLength);
        return m.object({
          update: async (data: Uint8Array) => m.bytes(await gcm.update(data)),
          final: async () => {
            const { data, tag } = await gcm.final();
            return { data: m.bytes(data), tag };
          },
          dispose: () => gcm.dispose(),
        });
      }
      const gcm = new AesGcmEncryptor(this.core, key, iv, tagLength);
      gcm.aad(aad);
      return m.object({
        update: async (data: Uint8Array) => m.bytes(gcm.update(data)),
        final: async () => ({ data: new Uint8Array(0), tag: gcm.final() }),
        dispose: () => gcm.dispose(),
      });
    }
    const stream = await this.symmetricStream(spec, key, iv, "encrypt");
    return m.object({
      update: async (data: Uint8Array) => m.bytes(await stream.update(data)),
      final: async () => ({ data: m.bytes(await stream.final()) }),
      dispose: () => stream.dispose(),
    });
  }

  async createDecryptor(params: CipherParams): Promise<DecryptStream> {
    const spec = checkCipherParams(params);
    const { mode } = spec;
    const { key, iv } = params;
    const m = this.marshal;
    if (mode === "aead") {
      const aead = new ChaCha20Poly1305Decryptor(this.core, key, iv);
      aead.aad(params.aad ?? new Uint8Array(0));
      return m.object({
        update: async (data: Uint8Array) => m.bytes(aead.update(data)),
        final: async (tag?: Uint8Array) => {
          if (tag === undefined) throw new CryptoError("INVALID_ARGUMENT", `${params.cipher}: final needs the tag`);
          aead.final(tag);
          return new Uint8Array(0);
        },
        dispose: () => aead.dispose(),
      });
    }
    if (mode === "gcm") {
      const aad = params.aad ?? new Uint8Array(0);
      const tagLength = params.tagLength ?? 16;
      const checkTag = (tag: Uint8Array | undefined): Uint8Array => {
        if (tag?.length !== tagLength) {
          throw new CryptoError("INVALID_ARGUMENT", `${params.cipher}: final needs the ${tagLength}-byte tag`);
        }
        return tag;
      };
      if (this.useWebCrypto(key)) {
        const gcm = await WebCryptoGcmDecryptor.create(subtle(), this.core, key, iv, aad, tagLength);
        return m.object({
          update: async (data: Uint8Array) => m.bytes(await gcm.update(data)),
          final: async (tag?: Uint8Array) => m.bytes(await gcm.final(checkTag(tag))),
          dispose: () => gcm.dispose(),
        });
      }
      const gcm = new AesGcmDecryptor(this.core, key, iv);
      gcm.aad(aad);
      return m.object({
        update: async (data: Uint8Array) => m.bytes(gcm.update(data)),
        final: async (tag?: Uint8Array) => {
          gcm.final(checkTag(tag));
          return new Uint8Array(0);
        },
        dispose: () => gcm.dispose(),
      });
    }
    const stream = await this.symmetricStream(spec, key, iv, "decrypt", params.effectiveKeyBits);
    return m.object({
      update: async (data: Uint8Array) => m.bytes(await stream.update(data)),
      final: async (tag?: Uint8Array) => {
        if (tag !== undefined) throw new CryptoError("INVALID_ARGUMENT", `${params.cipher}: there is no tag`);
        return m.bytes(await stream.final());
      },
      dispose: () => stream.dispose(),
    });
  }

  /** WebCrypto carries AES when chosen, except AES-192, which Chromium's WebCrypto does not offer. */
  private useWebCrypto(key: Uint8Array): boolean {
    return this.aesPath === "webcrypto" && key.length !== 24;
  }

  private async symmetricStream(
    { family, mode }: CipherSpec,
    key: Uint8Array,
    iv: Uint8Array,
    direction: "encrypt" | "decrypt",
    effectiveKeyBits?: number,
  ): Promise<SymmetricStream & { final(): Uint8Array | Promise<Uint8Array> }> {
    // WebCrypto has no RC2 either; createEncryptor refused it already.
    if (family === "rc2") return new Rc2CbcDecryptor(this.core, key, effectiveKeyBits ?? key.length * 8, iv);
    // WebCrypto has no DES: Triple-DES always runs in the core.
    if (family === "des-ede3") {
      return direction === "encrypt"
        ? new TripleDesCbcEncryptor(this.core, key, iv)
        : new TripleDesCbcDecryptor(this.core, key, iv);
    }
    if (this.useWebCrypto(key)) {
      if (mode === "ctr") return WebCryptoCtr.create(subtle(), key, iv);
      return direction === "encrypt"
        ? WebCryptoCbcEncryptor.create(subtle(), key, iv)
        : WebCryptoCbcDecryptor.create(subtle(), key, iv);
    }
    if (mode === "ctr") return new AesCtr(this.core, key, iv);
    return direction === "encrypt" ? new AesCbcEncryptor(this.core, key, iv) : new AesCbcDecryptor(this.core, key, iv);
  }

  /** RFC 3394 AES key wrap, or RFC 5649 with padding when `padded`. */
  async wrapKey(kek: Uint8Array, keyData: Uint8Array, { padded = false } = {}): Promise<Uint8Array> {
    return (padded ? aesKeyWrapPad : aesKeyWrap)(this.core, kek, keyData);
  }

  /** Inverse of wrapKey; DECRYPTION_FAILED when the integrity check fails. */
  async unwrapKey(kek: Uint8Array, wrapped: Uint8Array, { padded = false } = {}): Promise<Uint8Array> {
    return (padded ? aesKeyUnwrapPad : aesKeyUnwrap)(this.core, kek, wrapped);
  }

  // --- hashes and MACs ------------------------------------------------------------------------

  /** SHA-1, SHA-2, SHA-3; SHAKE256 with 64 bytes of output unless `options.outputLength`. */
  async createHash(alg: DigestAlgorithm, options?: DigestOptions): Promise<DigestStream> {
    return this.digestStream(new Hash(this.core, alg, options));
  }

  /** H^count(data), the hash applied `count` times (RFC 7292 B.2 step 6a), in one call. */
  async iteratedDigest(alg: HashAlgorithm, data: Uint8Array, count: number): Promise<Uint8Array> {
    return iteratedHash(this.core, alg, data, count);
  }

  async createHmac(alg: HashAlgorithm, key: Uint8Array): Promise<DigestStream> {
    return this.digestStream(new Hmac(this.core, alg, key));
  }

  private digestStream(digest: Hash | Hmac): DigestStream {
    return this.marshal.object({
      update: async (data: Uint8Array) => void digest.update(data),
      digest: async () => {
        try {
          return digest.digest();
        } finally {
          digest.dispose();
        }
      },
      dispose: () => digest.dispose(),
    });
  }

  // --- base64 (RFC 2045 6.8 transfer encoding) ------------------------------------------------

  async createBase64Encoder(options: Base64EncoderOptions): Promise<TextStream> {
    return this.textStream(new Base64Encoder(this.core, options));
  }

  async createBase64Decoder(): Promise<TextStream> {
    return this.textStream(new Base64Decoder(this.core));
  }

  private textStream(stream: Base64Encoder | Base64Decoder): TextStream {
    const m = this.marshal;
    return m.object({
      update: async (data: Uint8Array) => m.bytes(stream.update(data)),
      final: async () => m.bytes(stream.final()),
      dispose: () => stream.dispose(),
    });
  }

  // --- RSA (RFC 8017) -------------------------------------------------------------------------

  async loadRsaPrivateKey(key: RsaPrivateKey): Promise<RsaPrivateKeyOps> {
    const handle = new RsaPrivateKeyHandle(this.core, key);
    const m = this.marshal;
    return m.object({
      modulusBits: async () => handle.modulusBits,
      oaepDecrypt: async (ciphertext: Uint8Array, options: OaepOptions) =>
        m.bytes(handle.oaepDecrypt(ciphertext, options)),
      pkcs1v15Decrypt: async (ciphertext: Uint8Array) => m.bytes(handle.pkcs1v15Decrypt(ciphertext)),
      pkcs1v15DecryptKey: async (ciphertext: Uint8Array, expectedLength: number) =>
        m.bytes(handle.pkcs1v15DecryptKey(ciphertext, expectedLength)),
      pkcs1v15Sign: async (hash: HashAlgorithm, digest: Uint8Array) => m.bytes(handle.pkcs1v15Sign(hash, digest)),
      pssSign: async (digest: Uint8Array, options: PssOptions) => m.bytes(handle.pssSign(digest, options)),
      privateOp: async (input: Uint8Array) => m.bytes(handle.privateOp(input)),
      dispose: () => handle.dispose(),
    });
  }

  /** RSAES-OAEP encryption (RFC 8017 7.1.1). */
  async rsaOaepEncrypt(key: RsaPublicKey, message: Uint8Array, options: OaepOptions): Promise<Uint8Array> {
    return this.marshal.bytes(oaepEncrypt(this.core, key, message, options));
  }

  /** RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2.1), what S/MIME recipients read most widely. */
  async rsaPkcs1v15Encrypt(key: RsaPublicKey, message: Uint8Array): Promise<Uint8Array> {
    return this.marshal.bytes(pkcs1v15Encrypt(this.core, key, message));
  }

  /** RSASSA-PKCS1-v1_5 verification over a digest; false for any mismatch. */
  async rsaPkcs1v15Verify(
    key: RsaPublicKey,
    hash: HashAlgorithm,
    digest: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean> {
    return pkcs1v15Verify(this.core, key, hash, digest, signature);
  }

  /**
   * DSA verification (FIPS 186-4 4.7) of a DER Dss-Sig-Value over a digest; false for any mismatch or
   * a signature that is not strict DER, INVALID_KEY for a key the core cannot use. There is no DSA
   * signing: mailseal only reads DSA signatures of old mail (RFC 3370 3.1).
   */
  async dsaVerify(key: DsaPublicKey, digest: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return dsaVerify(this.core, key, digest, signature);
  }

  /** RSASSA-PSS verification over a digest; false for any mismatch. */
  async rsaPssVerify(
    key: RsaPublicKey,
    digest: Uint8Array,
    signature: Uint8Array,
    options: PssOptions,
  ): Promise<boolean> {
    return pssVerify(this.core, key, digest, signature, options);
  }

  /** The raw public operation s^e mod n (tests). */
  async rsaPublicOp(key: RsaPublicKey, input: Uint8Array): Promise<Uint8Array> {
    return this.marshal.bytes(publicOp(this.core, key, input));
  }
}

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

/**
 * The one parser of cipher names: `aes-{128,192,256}-{cbc,ctr,gcm}`, `des-ede3-cbc`, `rc2-cbc` and
 * `chacha20-poly1305`.
 */
function parseCipher(cipher: string): CipherSpec {
  if (cipher === "des-ede3-cbc") return { family: "des-ede3", mode: "cbc", keyLength: 24 };
  if (cipher === "rc2-cbc") return { family: "rc2", mode: "cbc", keyLength: 0 };
  if (cipher === "chacha20-poly1305") return { family: "chacha20", mode: "aead", keyLength: 32 };
  const match = /^aes-(128|192|256)-(cbc|ctr|gcm)$/.exec(cipher);
  if (!match) throw new CryptoError("UNSUPPORTED_ALGORITHM", `unknown cipher ${JSON.stringify(cipher)}`);
  return { family: "aes", mode: match[2] as Mode, keyLength: Number(match[1]) / 8 };
}

/** Parses the cipher name and checks the parameters that do not depend on the AES path. */
function checkCipherParams(params: CipherParams): CipherSpec {
  const spec = parseCipher(params.cipher);
  const { mode, keyLength } = spec;
  if (spec.family !== "rc2" && params.effectiveKeyBits !== undefined) {
    throw new CryptoError("INVALID_ARGUMENT", `${params.cipher}: effectiveKeyBits applies to rc2-cbc only`);
  }
  // RC2 keys are 1..128 bytes; Rc2CbcDecryptor checks them with the effective key bits.
  if (spec.family !== "rc2" && params.key.length !== keyLength) {
    throw new CryptoError("INVALID_KEY", `${params.cipher}: key must be ${keyLength} bytes, got ${params.key.length}`);
  }
  if (mode !== "gcm" && mode !== "aead" && (params.aad !== undefined || params.tagLength !== undefined)) {
    throw new CryptoError("INVALID_ARGUMENT", `${params.cipher}: aad and tagLength apply to AEAD ciphers only`);
  }
  if (mode === "aead" && params.tagLength !== undefined && params.tagLength !== 16) {
    throw new CryptoError("INVALID_ARGUMENT", `${params.cipher}: the tag is 16 bytes (RFC 8439 2.8)`);
  }
  return spec;
}
