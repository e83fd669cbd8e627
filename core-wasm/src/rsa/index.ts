// Host binding of the RSA area (RFC 8017): RSAES-OAEP, RSAES-PKCS1-v1_5 with implicit rejection,
// RSASSA-PKCS1-v1_5 and RSASSA-PSS over precomputed digests, and the raw primitives for tests.
// Key components are big-endian Uint8Arrays (leading zero bytes allowed, as in JWK or DER).
import { CryptoError } from "../errors.js";
import { hashAlgId, type HashAlgorithm } from "../hash/index.js";
import type { BaseExports, WasmCore } from "../wasm/instance.js";

export type { HashAlgorithm };

export interface RsaPublicKey {
  readonly n: Uint8Array;
  readonly e: Uint8Array;
}

export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: Uint8Array;
  readonly p: Uint8Array;
  readonly q: Uint8Array;
  readonly dp: Uint8Array;
  readonly dq: Uint8Array;
  readonly qi: Uint8Array;
}

/** Exports of assembly/rsa/index.ts. Each returns a byte count, 0/1, or a negative Status. */
export interface RsaExports {
  rsa_public_ctx_size(nLen: number, eLen: number): number;
  rsa_private_ctx_size(nLen: number, eLen: number, pLen: number, qLen: number): number;
  rsa_blinding_random_size(nLen: number): number;
  rsa_public_load(ctx: number, n: number, nLen: number, e: number, eLen: number): number;
  rsa_private_load(
    ctx: number,
    key: number,
    nLen: number,
    eLen: number,
    dLen: number,
    pLen: number,
    qLen: number,
    dpLen: number,
    dqLen: number,
    qiLen: number,
    rnd: number,
  ): number;
  rsa_public_raw(ctx: number, input: number, len: number, out: number): number;
  rsa_private_raw(ctx: number, input: number, len: number, out: number): number;
  rsa_oaep_encrypt(
    ctx: number,
    alg: number,
    mgfAlg: number,
    label: number,
    labelLen: number,
    msg: number,
    msgLen: number,
    seed: number,
    out: number,
  ): number;
  rsa_oaep_decrypt(
    ctx: number,
    alg: number,
    mgfAlg: number,
    label: number,
    labelLen: number,
    ct: number,
    ctLen: number,
    out: number,
  ): number;
  rsa_pkcs1_encrypt(ctx: number, msg: number, msgLen: number, ps: number, out: number): number;
  rsa_pkcs1_decrypt(ctx: number, ct: number, ctLen: number, out: number): number;
  rsa_pkcs1_decrypt_key(ctx: number, ct: number, ctLen: number, expectedLen: number, out: number): number;
  rsa_pkcs1_sign(ctx: number, alg: number, digest: number, digestLen: number, out: number): number;
  rsa_pkcs1_verify(ctx: number, alg: number, digest: number, digestLen: number, sig: number, sigLen: number): number;
  rsa_pss_sign(
    ctx: number,
    alg: number,
    mgfAlg: number,
    digest: number,
    digestLen: number,
    salt: number,
    saltLen: number,
    out: number,
  ): number;
  rsa_pss_verify(
    ctx: number,
    alg: number,
    mgfAlg: number,
    saltLen: number,
    digest: number,
    digestLen: number,
    sig: number,
    sigLen: number,
  ): number;
}

export type RsaCore = WasmCore<BaseExports & RsaExports>;

export interface OaepOptions {
  /** Hash of the label and of the seed length (RFC 8017 7.1). */
  readonly hash: HashAlgorithm;
  /** MGF1 hash; defaults to `hash`. */
  readonly mgfHash?: HashAlgorithm;
  /** OAEP label L; empty by default. */
  readonly label?: Uint8Array;
}

export interface PssOptions {
  /** Hash that produced the digest, also used for M' (RFC 8017 9.1). */
  readonly hash: HashAlgorithm;
  /** MGF1 hash; defaults to `hash`. */
  readonly mgfHash?: HashAlgorithm;
  /** Salt length in bytes; defaults to the digest length. */
  readonly saltLength?: number;
}

const PUBLIC_MIN_BITS = 512;
const PRIVATE_MIN_BITS = 1024;
const MAX_BITS = 8192;
const digestLengths: Record<HashAlgorithm, number> = {
  "SHA-1": 20,
  "SHA-224": 28,
  "SHA-256": 32,
  "SHA-384": 48,
  "SHA-512": 64,
};
/** DigestInfo prefix bytes per hash (RFC 8017 9.2 note 1), for the EMSA-PKCS1-v1_5 length limit. */
const digestInfoPrefixLengths: Record<HashAlgorithm, number> = {
  "SHA-1": 15,
  "SHA-224": 19,
  "SHA-256": 19,
  "SHA-384": 19,
  "SHA-512": 19,
};

function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

function bitLength(bytes: Uint8Array): number {
  return bytes.length === 0 ? 0 : bytes.length * 8 - Math.clz32(bytes[0]!) + 24;
}

function compareBigEndian(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  }
  return out;
}

/** Random bytes none of which is zero (the PS string of RFC 8017 7.2.1 step 2a). */
function nonzeroRandomBytes(length: number): Uint8Array {
  const out = randomBytes(length);
  for (let i = 0; i < length; i++) {
    while (out[i] === 0) out[i] = randomBytes(1)[0]!;
  }
  return out;
}

function checkHash(hash: HashAlgorithm, label: string): number {
  try {
    return hashAlgId(hash);
  } catch {
    throw new CryptoError(
      "UNSUPPORTED_ALGORITHM",
      `${label}: unknown hash ${JSON.stringify(hash)}, expected SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512`,
    );
  }
}

function checkDigest(hash: HashAlgorithm, digest: Uint8Array, label: string): number {
  const id = checkHash(hash, label);
  const expected = digestLengths[hash];
  if (digest.length !== expected) {
    throw new CryptoError("INVALID_ARGUMENT", `${label}: a ${hash} digest is ${expected} bytes, got ${digest.length}`);
  }
  return id;
}

/** Modulus and exponent without leading zeros, after the checks both key kinds share. */
function checkPublicKey(key: RsaPublicKey, minBits: number, label: string): { n: Uint8Array; e: Uint8Array } {
  const n = stripLeadingZeros(key.n);
  const e = stripLeadingZeros(key.e);
  const bits = bitLength(n);
  if (bits < minBits || bits > MAX_BITS) {
    throw new CryptoError("INVALID_KEY", `${label}: modulus must be ${minBits}..${MAX_BITS} bits, got ${bits}`);
  }
  if ((n[n.length - 1]! & 1) === 0) throw new CryptoError("INVALID_KEY", `${label}: modulus must be odd`);
  if (e.length === 0 || (e[e.length - 1]! & 1) === 0 || (e.length === 1 && e[0] === 1)) {
    throw new CryptoError("INVALID_KEY", `${label}: public exponent must be odd and greater than 1`);
  }
  if (compareBigEndian(e, n) >= 0)
    throw new CryptoError("INVALID_KEY", `${label}: public exponent must be below the modulus`);
  return { n, e };
}

/**
 * Copies byte strings into one temporary block of linear memory, runs `fn` with their pointers,
 * then wipes and frees the block.
 */
function withInputs<T>(core: RsaCore, inputs: readonly Uint8Array[], fn: (ptrs: number[]) => T): T {
  const total = inputs.reduce((sum, input) => sum + input.length, 0);
  const block = core.alloc(total);
  try {
    const ptrs: number[] = [];
    let offset = block;
    for (const input of inputs) {
      core.write(offset, input);
      ptrs.push(offset);
      offset += input.length;
    }
    return fn(ptrs);
  } finally {
    core.free(block, total);
  }
}

/** Reads `length` bytes of output from core.outPtr and wipes them there. */
function takeOutput(core: RsaCore, length: number): Uint8Array {
  const result = core.read(core.outPtr, length);
  core.bytes().fill(0, core.outPtr, core.outPtr + length);
  return result;
}

/** Runs `fn` with a temporary context holding the public key. */
function withPublicKey<T>(core: RsaCore, key: RsaPublicKey, label: string, fn: (ctx: number, k: number) => T): T {
  const { n, e } = checkPublicKey(key, PUBLIC_MIN_BITS, label);
  const size = core.exports.rsa_public_ctx_size(n.length, e.length);
  const ctx = core.alloc(size);
  try {
    withInputs(core, [n, e], ([nPtr, ePtr]) => {
      core.check(core.exports.rsa_public_load(ctx, nPtr!, n.length, ePtr!, e.length), `${label}: public key`);
    });
    return fn(ctx, n.length);
  } finally {
    core.free(ctx, size);
  }
}

/**
 * Checks the result of a private-key export: INVALID_ARGUMENT there means an input not below the
 * modulus (lengths are checked before), INVALID_KEY that the fault check (result^e = input) failed.
 */
function checkPrivateResult(core: RsaCore, result: number, label: string): number {
  if (result === -1) throw new CryptoError("INVALID_ARGUMENT", `${label}: input must be below the modulus`);
  if (result === -2) {
    throw new CryptoError(
      "INVALID_KEY",
      `${label}: the result failed the fault check (result^e differs from the input)`,
    );
  }
  return core.check(result, label);
}

function checkInputLength(input: Uint8Array, k: number, what: string, label: string): void {
  if (input.length !== k) {
    throw new CryptoError(
      "INVALID_ARGUMENT",
      `${label}: ${what} must be ${k} bytes (the modulus length), got ${input.length}`,
    );
  }
}

function oaepMaxMessage(k: number, hash: HashAlgorithm): number {
  return k - 2 * digestLengths[hash] - 2;
}

/** Raw RSAEP/RSAVP1 (RFC 8017 5.1.1/5.2.2): input^e mod n, input exactly k bytes and below n. */
export function publicOp(core: RsaCore, key: RsaPublicKey, input: Uint8Array): Uint8Array {
  const label = "RSA public operation";
  return withPublicKey(core, key, label, (ctx, k) => {
    checkInputLength(input, k, "input", label);
    withInputs(core, [input], ([inPtr]) => {
      const result = core.exports.rsa_public_raw(ctx, inPtr!, input.length, core.outPtr);
      if (result === -1) throw new CryptoError("INVALID_ARGUMENT", `${label}: input must be below the modulus`);
      core.check(result, label);
    });
    return takeOutput(core, k);
  });
}

/** RSAES-OAEP-ENCRYPT (RFC 8017 7.1.1) with a fresh random seed. */
export function oaepEncrypt(core: RsaCore, key: RsaPublicKey, message: Uint8Array, options: OaepOptions): Uint8Array {
  const label = "RSA-OAEP encrypt";
  const alg = checkHash(options.hash, label);
  const mgfAlg = checkHash(options.mgfHash ?? options.hash, label);
  const oaepLabel = options.label ?? new Uint8Array(0);
  return withPublicKey(core, key, label, (ctx, k) => {
    const max = oaepMaxMessage(k, options.hash);
    if (max < 0) {
      throw new CryptoError(
        "MESSAGE_TOO_LONG",
        `${label}: a ${k * 8}-bit key is too small for OAEP with ${options.hash} (needs ${2 * digestLengths[options.hash] + 2} bytes)`,
      );
    }
    if (message.length > max) {
      throw new CryptoError(
        "MESSAGE_TOO_LONG",
        `${label}: message is ${message.length} bytes, at most ${max} fit a ${k * 8}-bit key with ${options.hash}`,
      );
    }
    const seed = randomBytes(digestLengths[options.hash]);
    withInputs(core, [oaepLabel, message, seed], ([l, m, s]) => {
      core.check(
        core.exports.rsa_oaep_encrypt(ctx, alg, mgfAlg, l!, oaepLabel.length, m!, message.length, s!, core.outPtr),
        label,
      );
    });
    seed.fill(0);
    return takeOutput(core, k);
  });
}

/** RSAES-PKCS1-V1_5-ENCRYPT (RFC 8017 7.2.1). */
export function pkcs1v15Encrypt(core: RsaCore, key: RsaPublicKey, message: Uint8Array): Uint8Array {
  const label = "RSAES-PKCS1-v1_5 encrypt";
  return withPublicKey(core, key, label, (ctx, k) => {
    if (message.length > k - 11) {
      throw new CryptoError(
        "MESSAGE_TOO_LONG",
        `${label}: message is ${message.length} bytes, at most ${k - 11} fit a ${k * 8}-bit key`,
      );
    }
    const ps = nonzeroRandomBytes(k - message.length - 3);
    withInputs(core, [message, ps], ([m, p]) => {
      core.check(core.exports.rsa_pkcs1_encrypt(ctx, m!, message.length, p!, core.outPtr), label);
    });
    ps.fill(0);
    return takeOutput(core, k);
  });
}

/** RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 8.2.2) of a precomputed digest. */
export function pkcs1v15Verify(
  core: RsaCore,
  key: RsaPublicKey,
  hash: HashAlgorithm,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const label = "RSASSA-PKCS1-v1_5 verify";
  const alg = checkDigest(hash, digest, label);
  return withPublicKey(core, key, label, (ctx) =>
    withInputs(
      core,
      [digest, signature],
      ([d, s]) =>
        core.check(core.exports.rsa_pkcs1_verify(ctx, alg, d!, digest.length, s!, signature.length), label) === 1,
    ),
  );
}

/** RSASSA-PSS-VERIFY (RFC 8017 8.1.2) of a precomputed digest, with a known salt length. */
export function pssVerify(
  core: RsaCore,
  key: RsaPublicKey,
  digest: Uint8Array,
  signature: Uint8Array,
  options: PssOptions,
): boolean {
  const label = "RSASSA-PSS verify";
  const alg = checkDigest(options.hash, digest, label);
  const mgfAlg = checkHash(options.mgfHash ?? options.hash, label);
  const saltLength = checkSaltLength(options, label);
  return withPublicKey(core, key, label, (ctx) =>
    withInputs(
      core,
      [digest, signature],
      ([d, s]) =>
        core.check(
          core.exports.rsa_pss_verify(ctx, alg, mgfAlg, saltLength, d!, digest.length, s!, signature.length),
          label,
        ) === 1,
    ),
  );
}

function checkSaltLength(options: PssOptions, label: string): number {
  const saltLength = options.saltLength ?? digestLengths[options.hash];
  if (!Number.isSafeInteger(saltLength) || saltLength < 0) {
    throw new CryptoError(
      "INVALID_ARGUMENT",
      `${label}: salt length must be a non-negative integer, got ${saltLength}`,
    );
  }
  return saltLength;
}

/**
 * A private key loaded into the core once: Montgomery constants for n, p and q, the CRT exponents,
 * the blinding pair and the implicit-rejection key live in one context block, wiped by dispose().
 */
export class RsaPrivateKeyHandle {
  /** Modulus length in bytes (k). */
  readonly modulusLength: number;
  readonly publicKey: RsaPublicKey;
  private ctx: number;
  private readonly ctxSize: number;

  constructor(
    private readonly core: RsaCore,
    key: RsaPrivateKey,
  ) {
    const label = "RSA private key";
    const { n, e } = checkPublicKey(key, PRIVATE_MIN_BITS, label);
    const parts = [key.d, key.p, key.q, key.dp, key.dq, key.qi].map(stripLeadingZeros);
    const [d, p, q, dp, dq, qi] = parts as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const names = ["d", "p", "q", "dp", "dq", "qi"];
    parts.forEach((part, i) => {
      if (part.length === 0) throw new CryptoError("INVALID_KEY", `${label}: ${names[i]} must not be zero`);
    });
    if (d.length > n.length) throw new CryptoError("INVALID_KEY", `${label}: d is longer than the modulus`);
    if (p.length + q.length > n.length + 1)
      throw new CryptoError("INVALID_KEY", `${label}: p and q are too long for n`);
    if (dp.length > p.length || qi.length > p.length || dq.length > q.length) {
      throw new CryptoError("INVALID_KEY", `${label}: dp and qi must be shorter than p, dq shorter than q`);
    }
    this.modulusLength = n.length;
    this.publicKey = { n: n.slice(), e: e.slice() };
    this.ctxSize = core.exports.rsa_private_ctx_size(n.length, e.length, p.length, q.length);
    this.ctx = core.alloc(this.ctxSize);
    const rnd = randomBytes(core.exports.rsa_blinding_random_size(n.length));
    const components = [n, e, d, p, q, dp, dq, qi];
    try {
      withInputs(core, [...components, rnd], (ptrs) => {
        const lengths = components.map((c) => c.length) as [
          number,
          number,
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        core.check(core.exports.rsa_private_load(this.ctx, ptrs[0]!, ...lengths, ptrs[8]!), label);
      });
    } catch (error) {
      this.dispose();
      if (error instanceof CryptoError && error.code === "INVALID_KEY") {
        throw new CryptoError(
          "INVALID_KEY",
          `${label}: components are inconsistent (n != p*q, qi >= p, p or q even, or dp, dq, qi do not match e)`,
        );
      }
      throw error;
    } finally {
      rnd.fill(0);
    }
  }

  /** Modulus size in bits. */
  get modulusBits(): number {
    return bitLength(this.publicKey.n);
  }

  private context(operation: string): number {
    if (this.ctx === 0) throw new CryptoError("INVALID_STATE", `RSA ${operation}: private key used after dispose()`);
    return this.ctx;
  }

  /** Raw RSADP/RSASP1 (RFC 8017 5.1.2/5.2.1) with blinding and the fault check. */
  privateOp(input: Uint8Array): Uint8Array {
    const label = "RSA private operation";
    const ctx = this.context("private operation");
    checkInputLength(input, this.modulusLength, "input", label);
    withInputs(this.core, [input], ([inPtr]) => {
      checkPrivateResult(
        this.core,
        this.core.exports.rsa_private_raw(ctx, inPtr!, input.length, this.core.outPtr),
        label,
      );
    });
    return takeOutput(this.core, this.modulusLength);
  }

  /** RSAES-OAEP-DECRYPT (RFC 8017 7.1.2); every failure is DECRYPTION_FAILED. */
  oaepDecrypt(ciphertext: Uint8Array, options: OaepOptions): Uint8Array {
    const label = "RSA-OAEP decrypt";
    const ctx = this.context("OAEP decrypt");
    const alg = checkHash(options.hash, label);
    const mgfAlg = checkHash(options.mgfHash ?? options.hash, label);
    const oaepLabel = options.label ?? new Uint8Array(0);
    const length = withInputs(this.core, [oaepLabel, ciphertext], ([l, c]) =>
      checkPrivateResult(
        this.core,
        this.core.exports.rsa_oaep_decrypt(
          ctx,
          alg,
          mgfAlg,
          l!,
          oaepLabel.length,
          c!,
          ciphertext.length,
          this.core.outPtr,
        ),
        label,
      ),
    );
    return takeOutput(this.core, length);
  }

  /**
   * RSAES-PKCS1-V1_5-DECRYPT with implicit rejection: never reports bad padding; for an invalid
   * ciphertext it returns a synthetic message that is deterministic for this key and ciphertext.
   * A ciphertext of the wrong length or not below n is a public format error (INVALID_ARGUMENT).
   */
  pkcs1v15Decrypt(ciphertext: Uint8Array): Uint8Array {
    const label = "RSAES-PKCS1-v1_5 decrypt";
    const ctx = this.context("PKCS#1 v1.5 decrypt");
    checkInputLength(ciphertext, this.modulusLength, "ciphertext", label);
    const length = withInputs(this.core, [ciphertext], ([c]) =>
      checkPrivateResult(
        this.core,
        this.core.exports.rsa_pkcs1_decrypt(ctx, c!, ciphertext.length, this.core.outPtr),
        label,
      ),
    );
    return takeOutput(this.core, length);
  }

  /**
   * Key transport (RFC 3218 2.3): always returns `expectedLength` bytes, the real key when the
   * padding is valid and the message has that length, else a deterministic pseudo-random key, so
   * that a bad ciphertext only shows as a later content decryption failure.
   */
  pkcs1v15DecryptKey(ciphertext: Uint8Array, expectedLength: number): Uint8Array {
    const label = "RSAES-PKCS1-v1_5 key decrypt";
    const ctx = this.context("PKCS#1 v1.5 key decrypt");
    checkInputLength(ciphertext, this.modulusLength, "ciphertext", label);
    const max = this.modulusLength - 11;
    if (!Number.isSafeInteger(expectedLength) || expectedLength < 1 || expectedLength > max) {
      throw new CryptoError(
        "INVALID_ARGUMENT",
        `${label}: expected key length must be 1..${max} bytes, got ${expectedLength}`,
      );
    }
    withInputs(this.core, [ciphertext], ([c]) =>
      checkPrivateResult(
        this.core,
        this.core.exports.rsa_pkcs1_decrypt_key(ctx, c!, ciphertext.length, expectedLength, this.core.outPtr),
        label,
      ),
    );
    return takeOutput(this.core, expectedLength);
  }

  /** RSASSA-PKCS1-V1_5-SIGN (RFC 8017 8.2.1) of a precomputed digest. */
  pkcs1v15Sign(hash: HashAlgorithm, digest: Uint8Array): Uint8Array {
    const label = "RSASSA-PKCS1-v1_5 sign";
    const ctx = this.context("PKCS#1 v1.5 sign");
    const alg = checkDigest(hash, digest, label);
    const needed = digestInfoPrefixLengths[hash] + digest.length + 11;
    if (this.modulusLength < needed) {
      throw new CryptoError(
        "MESSAGE_TOO_LONG",
        `${label}: a ${hash} DigestInfo needs a modulus of at least ${needed} bytes`,
      );
    }
    withInputs(this.core, [digest], ([d]) => {
      checkPrivateResult(
        this.core,
        this.core.exports.rsa_pkcs1_sign(ctx, alg, d!, digest.length, this.core.outPtr),
        label,
      );
    });
    return takeOutput(this.core, this.modulusLength);
  }

  /** RSASSA-PSS-SIGN (RFC 8017 8.1.1) of a precomputed digest with a fresh random salt. */
  pssSign(digest: Uint8Array, options: PssOptions): Uint8Array {
    const label = "RSASSA-PSS sign";
    const ctx = this.context("PSS sign");
    const alg = checkDigest(options.hash, digest, label);
    const mgfAlg = checkHash(options.mgfHash ?? options.hash, label);
    const saltLength = checkSaltLength(options, label);
    const emLength = Math.ceil((this.modulusBits - 1) / 8);
    if (emLength < digest.length + saltLength + 2) {
      throw new CryptoError(
        "INVALID_ARGUMENT",
        `${label}: salt of ${saltLength} bytes is too long, at most ${emLength - digest.length - 2} fit a ${this.modulusBits}-bit key with ${options.hash}`,
      );
    }
    const salt = randomBytes(saltLength);
    withInputs(this.core, [digest, salt], ([d, s]) => {
      checkPrivateResult(
        this.core,
        this.core.exports.rsa_pss_sign(ctx, alg, mgfAlg, d!, digest.length, s!, saltLength, this.core.outPtr),
        label,
      );
    });
    salt.fill(0);
    return takeOutput(this.core, this.modulusLength);
  }

  /** Wipes and frees the key context. Safe to call more than once. */
  dispose(): void {
    if (this.ctx === 0) return;
    this.core.free(this.ctx, this.ctxSize);
    this.ctx = 0;
  }
}
export { rsaPrivateKeyFromJwk, rsaPublicKeyFromJwk } from "./jwk.js";
