// The one typed interface of the crypto core, the same in every host. Hosts reach it in a worker
// (Web Worker or worker_threads) through comlink, or in process; every method is async either way.
import type { DsaPublicKey } from "../dsa/index.js";
import type { DigestAlgorithm, DigestOptions, HashAlgorithm } from "../hash/index.js";
import type { OaepOptions, PssOptions, RsaPrivateKey, RsaPublicKey } from "../rsa/index.js";

export type {
  DigestAlgorithm,
  DigestOptions,
  DsaPublicKey,
  HashAlgorithm,
  OaepOptions,
  PssOptions,
  RsaPrivateKey,
  RsaPublicKey,
};

/** Symmetric ciphers of the core. Names as in OpenSSL and `mailseal encrypt --cipher`. */
export type CipherName =
  | "aes-128-cbc"
  | "aes-192-cbc"
  | "aes-256-cbc"
  | "aes-128-ctr"
  | "aes-192-ctr"
  | "aes-256-ctr"
  | "aes-128-gcm"
  | "aes-192-gcm"
  | "aes-256-gcm"
  /** Triple-DES (three 8-byte keys, 24 bytes) in CBC mode: for reading old S/MIME (RFC 3370 5.1). Always WASM. */
  | "des-ede3-cbc"
  /** ChaCha20-Poly1305 (RFC 8439 2.8; RFC 8103): 32-byte key, 12-byte nonce as `iv`, 16-byte tag. Always WASM. */
  | "chacha20-poly1305"
  /**
   * RC2 (RFC 2268) in CBC mode, 1..128-byte key, with `effectiveKeyBits`: for reading old S/MIME
   * (RFC 3370 5.2) and PKCS #12 (RFC 7292 C). Decryption only (createEncryptor refuses it). Always WASM.
   */
  | "rc2-cbc";

export interface CipherParams {
  cipher: CipherName;
  key: Uint8Array;
  /** AES-CBC: 16 bytes. des-ede3-cbc, rc2-cbc: 8 bytes. CTR: the 16-byte initial counter block. GCM: any non-empty length (12 is usual). */
  iv: Uint8Array;
  /** GCM and ChaCha20-Poly1305: additional authenticated data. */
  aad?: Uint8Array;
  /** GCM: 12..16 bytes, default 16. ChaCha20-Poly1305: 16 only. */
  tagLength?: number;
  /** rc2-cbc only: RFC 2268's effective key length in bits, 1..1024; default 8 x the key length. */
  effectiveKeyBits?: number;
}

/** Which implementation carries bulk AES. Streaming hashes, GHASH, base64 and RSA are always WASM. */
export type AesPath = "wasm" | "webcrypto";

export interface CoreOptions {
  /** `auto` picks SIMD where the engine validates it. */
  build?: "simd" | "baseline" | "auto";
  /** `auto` measures both once and keeps the faster (WebCrypto wins where AES is in hardware). */
  aes?: AesPath | "auto";
}

export interface CoreInfo {
  build: "simd" | "baseline";
  aes: AesPath;
  /** Size of the core's linear memory now: it stays a few MiB whatever the size of the data streamed. */
  memoryBytes: number;
}

export interface EncryptStream {
  /** Returns the output ready so far (it may lag the input by up to one block). */
  update(data: Uint8Array): Promise<Uint8Array>;
  /** The rest of the output; for GCM also the tag. Frees the stream. */
  final(): Promise<{ data: Uint8Array; tag?: Uint8Array }>;
  /** Frees the stream without finishing (wipes its key schedule). */
  dispose(): void;
}

export interface DecryptStream {
  /**
   * Returns plaintext ready so far. For GCM it is not yet authenticated: release none of it before
   * `final` resolved.
   */
  update(data: Uint8Array): Promise<Uint8Array>;
  /** The rest of the plaintext. GCM: pass the tag; throws AUTH_TAG_MISMATCH. CBC: DECRYPTION_FAILED. */
  final(tag?: Uint8Array): Promise<Uint8Array>;
  dispose(): void;
}

export interface DigestStream {
  update(data: Uint8Array): Promise<void>;
  /** The digest or MAC. Frees the stream. */
  digest(): Promise<Uint8Array>;
  dispose(): void;
}

export interface TextStream {
  update(data: Uint8Array): Promise<Uint8Array>;
  final(): Promise<Uint8Array>;
  dispose(): void;
}

/**
 * A private key loaded into the core once (Montgomery constants, blinding pair). Operations run in
 * the core; `dispose` wipes the key from linear memory.
 */
export interface RsaPrivateKeyOps {
  modulusBits(): Promise<number>;
  /** RSAES-OAEP (RFC 8017 7.1.2); every failure is DECRYPTION_FAILED. */
  oaepDecrypt(ciphertext: Uint8Array, options: OaepOptions): Promise<Uint8Array>;
  /**
   * RSAES-PKCS1-v1_5 with implicit rejection: a bad padding returns a deterministic pseudo-random
   * message instead of an error (no padding oracle).
   */
  pkcs1v15Decrypt(ciphertext: Uint8Array): Promise<Uint8Array>;
  /** Key transport (RFC 3218 2.3): always `expectedLength` bytes; a bad padding gives a pseudo-random key. */
  pkcs1v15DecryptKey(ciphertext: Uint8Array, expectedLength: number): Promise<Uint8Array>;
  /** RSASSA-PKCS1-v1_5 over a digest made with `hash`. */
  pkcs1v15Sign(hash: HashAlgorithm, digest: Uint8Array): Promise<Uint8Array>;
  /** RSASSA-PSS over a digest. */
  pssSign(digest: Uint8Array, options: PssOptions): Promise<Uint8Array>;
  /** The raw private operation m = c^d mod n (tests, benchmarks). */
  privateOp(input: Uint8Array): Promise<Uint8Array>;
  dispose(): void;
}
