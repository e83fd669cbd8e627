// Host binding of the hash area: streaming SHA-1/SHA-2 (FIPS 180-4), SHA-3 and SHAKE256 (FIPS 202),
// and HMAC (RFC 2104).
import { CryptoError } from "../errors.js";
import { IO_CHUNK, type BaseExports, type WasmCore } from "../wasm/instance.js";

/** The hashes HMAC, RSA, the PKCS #12 KDF and the key-agreement KDFs take. */
export type HashAlgorithm = "SHA-1" | "SHA-224" | "SHA-256" | "SHA-384" | "SHA-512";

/**
 * Everything createHash streams: the hashes above and FIPS 202's SHA-3 family. SHAKE256 gives 64
 * bytes (512 bits, the length CMS uses: RFC 8702 3.1, RFC 8419 3.1) unless `outputLength` says otherwise.
 */
export type DigestAlgorithm = HashAlgorithm | "SHA3-256" | "SHA3-384" | "SHA3-512" | "SHAKE256";

export interface DigestOptions {
  /** SHAKE256 only: output bytes, 1..65536; default 64. */
  outputLength?: number;
}

/** Exports of assembly/hash/index.ts. Every function returns a byte count or a negative Status. */
export interface HashExports {
  hash_ctx_size(alg: number): number;
  hash_digest_size(alg: number): number;
  hash_init(ctx: number, alg: number): number;
  hash_update(ctx: number, data: number, len: number): number;
  hash_final(ctx: number, out: number): number;
  hash_final_xof(ctx: number, out: number, len: number): number;
  hmac_ctx_size(alg: number): number;
  hmac_init(ctx: number, alg: number, key: number, keyLen: number): number;
  hmac_update(ctx: number, data: number, len: number): number;
  hmac_final(ctx: number, out: number): number;
}

export type HashCore = WasmCore<BaseExports & HashExports>;

/** Mirrors enum HashAlg of assembly/hash/alg.ts. */
const algIds: Record<HashAlgorithm, number> = {
  "SHA-1": 1,
  "SHA-256": 2,
  "SHA-384": 3,
  "SHA-512": 4,
  "SHA-224": 5,
};

const sha3Ids: Record<Exclude<DigestAlgorithm, HashAlgorithm>, number> = {
  "SHA3-256": 6,
  "SHA3-384": 7,
  "SHA3-512": 8,
  SHAKE256: 9,
};

/** The core's identifier for `alg`; throws for names outside HashAlgorithm (callers may pass untyped input). */
export function hashAlgId(alg: HashAlgorithm): number {
  const id = Object.hasOwn(algIds, alg) ? algIds[alg] : undefined;
  if (id === undefined) {
    throw new CryptoError(
      "UNSUPPORTED_ALGORITHM",
      `hash: unknown algorithm ${JSON.stringify(alg)}, expected SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512`,
    );
  }
  return id;
}

/** The core's identifier for any DigestAlgorithm (streaming hashes only: HMAC and RSA take hashAlgId's). */
function digestAlgId(alg: DigestAlgorithm): number {
  const id = Object.hasOwn(sha3Ids, alg) ? sha3Ids[alg as keyof typeof sha3Ids] : undefined;
  if (id !== undefined) return id;
  if (Object.hasOwn(algIds, alg)) return hashAlgId(alg as HashAlgorithm);
  throw new CryptoError(
    "UNSUPPORTED_ALGORITHM",
    `hash: unknown algorithm ${JSON.stringify(alg)}, expected SHA-1, SHA-224, SHA-256, SHA-384, SHA-512, SHA3-256, SHA3-384, SHA3-512 or SHAKE256`,
  );
}

/** Shared life cycle of Hash and Hmac: one context block, fed in IO_CHUNK slices, freed by dispose. */
abstract class StreamingDigest {
  private ctx: number;
  private readonly ctxSize: number;

  protected constructor(
    protected readonly core: HashCore,
    protected readonly label: string,
    ctxSize: number,
  ) {
    this.ctxSize = core.check(ctxSize, label);
    this.ctx = core.alloc(this.ctxSize);
  }

  protected abstract updateExport(ctx: number, data: number, len: number): number;
  protected abstract finalExport(ctx: number, out: number): number;

  protected context(operation: string): number {
    if (this.ctx === 0) throw new CryptoError("INVALID_STATE", `${this.label} ${operation}: used after dispose()`);
    return this.ctx;
  }

  update(data: Uint8Array): this {
    const ctx = this.context("update");
    const { core } = this;
    let offset = 0;
    do {
      const slice = data.subarray(offset, offset + IO_CHUNK);
      core.write(core.inPtr, slice);
      core.check(this.updateExport(ctx, core.inPtr, slice.length), `${this.label} update`);
      offset += slice.length;
    } while (offset < data.length);
    return this;
  }

  /** The digest or tag. The object is finished afterwards: update() and digest() then throw INVALID_STATE. */
  digest(): Uint8Array {
    const ctx = this.context("digest");
    const length = this.core.check(this.finalExport(ctx, this.core.outPtr), `${this.label} digest`);
    const result = this.core.read(this.core.outPtr, length);
    this.core.bytes().fill(0, this.core.outPtr, this.core.outPtr + length);
    return result;
  }

  /** Wipes and frees the context. Safe to call more than once. */
  dispose(): void {
    if (this.ctx === 0) return;
    this.core.free(this.ctx, this.ctxSize);
    this.ctx = 0;
  }
}

/** Streaming SHA-1 / SHA-224 / SHA-256 / SHA-384 / SHA-512 / SHA3-256 / SHA3-384 / SHA3-512 / SHAKE256. */
export class Hash extends StreamingDigest {
  private readonly outputLength: number | undefined;

  constructor(core: HashCore, alg: DigestAlgorithm, options: DigestOptions = {}) {
    const id = digestAlgId(alg);
    const { outputLength } = options;
    if (outputLength !== undefined) {
      if (alg !== "SHAKE256") {
        throw new CryptoError("INVALID_ARGUMENT", `${alg}: outputLength is for SHAKE256 only (a fixed-length hash)`);
      }
      // The output is read from the core's output buffer in one piece.
      if (!Number.isSafeInteger(outputLength) || outputLength < 1 || outputLength > IO_CHUNK) {
        throw new CryptoError("INVALID_ARGUMENT", `SHAKE256: outputLength ${outputLength} is not 1..${IO_CHUNK}`);
      }
    }
    super(core, alg, core.exports.hash_ctx_size(id));
    this.outputLength = outputLength;
    core.check(core.exports.hash_init(this.context("init"), id), `${alg} init`);
  }

  protected updateExport(ctx: number, data: number, len: number): number {
    return this.core.exports.hash_update(ctx, data, len);
  }

  protected finalExport(ctx: number, out: number): number {
    return this.outputLength === undefined
      ? this.core.exports.hash_final(ctx, out)
      : this.core.exports.hash_final_xof(ctx, out, this.outputLength);
  }
}

/** Streaming HMAC (RFC 2104) with any key length; the key is not kept, only the keyed hash states. */
export class Hmac extends StreamingDigest {
  constructor(core: HashCore, alg: HashAlgorithm, key: Uint8Array) {
    const id = hashAlgId(alg);
    super(core, `HMAC-${alg}`, core.exports.hmac_ctx_size(id));
    const keyPtr = core.alloc(key);
    try {
      core.check(core.exports.hmac_init(this.context("init"), id, keyPtr, key.length), `HMAC-${alg} init`);
    } finally {
      core.free(keyPtr, key.length);
    }
  }

  protected updateExport(ctx: number, data: number, len: number): number {
    return this.core.exports.hmac_update(ctx, data, len);
  }

  protected finalExport(ctx: number, out: number): number {
    return this.core.exports.hmac_final(ctx, out);
  }
}

/**
 * H^count(data): the hash applied `count` times, each round to the previous digest, as the PKCS #12
 * KDF's step 6a needs (RFC 7292 B.2). One context, and every round after the first reads the digest
 * where the last one wrote it: a 2048-round derivation is one call into the core, not 2048.
 */
export function iteratedHash(core: HashCore, alg: HashAlgorithm, data: Uint8Array, count: number): Uint8Array {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new CryptoError("INVALID_ARGUMENT", `hash: iteration count ${count} is not a positive integer`);
  }
  const id = hashAlgId(alg);
  const ctxSize = core.check(core.exports.hash_ctx_size(id), `${alg} context`);
  const ctx = core.alloc(ctxSize);
  const { inPtr, outPtr } = core;
  let length = 0;
  try {
    core.check(core.exports.hash_init(ctx, id), `${alg} init`);
    let offset = 0;
    do {
      const slice = data.subarray(offset, offset + IO_CHUNK);
      core.write(inPtr, slice);
      core.check(core.exports.hash_update(ctx, inPtr, slice.length), `${alg} update`);
      offset += slice.length;
    } while (offset < data.length);
    length = core.check(core.exports.hash_final(ctx, outPtr), `${alg} digest`);
    for (let round = 1; round < count; round++) {
      // hash_update has taken the digest into the context's block before hash_final overwrites it.
      core.check(core.exports.hash_init(ctx, id), `${alg} init`);
      core.check(core.exports.hash_update(ctx, outPtr, length), `${alg} update`);
      length = core.check(core.exports.hash_final(ctx, outPtr), `${alg} digest`);
    }
    return core.read(outPtr, length);
  } finally {
    core.bytes().fill(0, inPtr, inPtr + Math.min(data.length, IO_CHUNK));
    core.bytes().fill(0, outPtr, outPtr + length);
    core.free(ctx, ctxSize);
  }
}

export function hash(core: HashCore, alg: DigestAlgorithm, data: Uint8Array, options?: DigestOptions): Uint8Array {
  const h = new Hash(core, alg, options);
  try {
    return h.update(data).digest();
  } finally {
    h.dispose();
  }
}

export function hmac(core: HashCore, alg: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const h = new Hmac(core, alg, key);
  try {
    return h.update(data).digest();
  } finally {
    h.dispose();
  }
}
