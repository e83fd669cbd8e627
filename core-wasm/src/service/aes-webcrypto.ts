// Bulk AES through the platform's WebCrypto for hosts with hardware AES: each update hands the
// whole blocks of the caller's chunk, whatever its size, to WebCrypto in one call per operation.
// Same results as the WASM path (differential-tested in test/aes-webcrypto.test.ts). WebCrypto's
// AES-GCM is one-shot and cannot stream, so GCM is composed here from AES-CTR with a 32-bit counter
// (NIST SP 800-38D, 6.5 GCTR uses inc32) and a GHASH: in the core when encrypting (CoreGhash), and
// when decrypting one whose bulk also runs in WebCrypto, segment by segment, combined in the core
// (WebCryptoGhash below: GHASH is linear).
import { CryptoError } from "../errors.js";
import { gcmCounterBlock0, gf128Multiply, type AesCore } from "../aes/index.js";
import { Ghash, lengthBlock } from "../aes/ghash.js";
import { bufferSource, concatBytes, constantTimeEqual, release } from "../bytes.js";

const BLOCK = 16;

type Subtle = SubtleCrypto;

function importAesKey(subtle: Subtle, key: Uint8Array, name: "AES-CBC" | "AES-CTR"): Promise<CryptoKey> {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new CryptoError("INVALID_KEY", `AES: key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
  return subtle.importKey("raw", bufferSource(key), { name }, false, ["encrypt", "decrypt"]);
}

/** Splits `pending ++ data` at the last whole block (keeping `holdBack` bytes when input ends on a block). */
class BlockBuffer {
  private pending = new Uint8Array(0);
  /** Returns the whole blocks ready to process, keeping the rest (and at least `holdBack` bytes). */
  take(data: Uint8Array, holdBack: number): Uint8Array {
    const all = this.pending.length === 0 ? data : concatBytes([this.pending, data]);
    let ready = all.length - (all.length % BLOCK);
    if (holdBack > 0 && ready > all.length - holdBack) ready -= BLOCK;
    if (ready < 0) ready = 0;
    this.pending = all.slice(ready);
    return all.subarray(0, ready);
  }
  /**
   * Frees what `take(data)` returned once its bytes have been used, if it was a join made here (of
   * held-back bytes and `data`), not a view of the caller's `data`.
   */
  free(blocks: Uint8Array, data: Uint8Array): void {
    if (blocks.buffer !== data.buffer) release(new Uint8Array(blocks.buffer));
  }
  rest(): Uint8Array {
    const rest = this.pending;
    this.pending = new Uint8Array(0);
    return rest;
  }
}

function lastBlock(data: Uint8Array): Uint8Array {
  return data.slice(data.length - BLOCK);
}

/** AES-CBC with PKCS#7 padding (RFC 5652, 6.3), streamed through WebCrypto. */
export class WebCryptoCbcEncryptor {
  private readonly blocks = new BlockBuffer();
  private constructor(
    private readonly subtle: Subtle,
    private readonly key: CryptoKey,
    private iv: Uint8Array,
  ) {}

  static async create(subtle: Subtle, key: Uint8Array, iv: Uint8Array): Promise<WebCryptoCbcEncryptor> {
    if (iv.length !== BLOCK)
      throw new CryptoError("INVALID_ARGUMENT", `AES-CBC: IV must be 16 bytes, got ${iv.length}`);
    return new WebCryptoCbcEncryptor(subtle, await importAesKey(subtle, key, "AES-CBC"), iv.slice());
  }

  async update(data: Uint8Array): Promise<Uint8Array> {
    const blocks = this.blocks.take(data, 0);
    // Read before the await: WebCrypto has copied the input when called, and the caller may free it
    // then (shared's batches() does), which leaves `blocks` empty.
    const length = blocks.length;
    if (length === 0) return new Uint8Array(0);
    // WebCrypto always pads: the last output block is padding of a whole-block input; drop it.
    const out = new Uint8Array(
      await this.subtle.encrypt({ name: "AES-CBC", iv: bufferSource(this.iv) }, this.key, bufferSource(blocks)),
    );
    // Copied to its exact length and WebCrypto's result freed now: a whole buffer of its own, which
    // the consumer can free at once (release), not a view that waits for a collection (issue 11).
    const ciphertext = out.slice(0, length);
    release(out);
    this.iv = lastBlock(ciphertext);
    return ciphertext;
  }

  /** Nothing to free: the key lives in WebCrypto, which forgets it with the CryptoKey. */
  dispose(): void {}

  async final(): Promise<Uint8Array> {
    const rest = this.blocks.rest();
    return new Uint8Array(
      await this.subtle.encrypt({ name: "AES-CBC", iv: bufferSource(this.iv) }, this.key, bufferSource(rest)),
    );
  }
}

/** AES-CBC decryption with PKCS#7 padding; the padding is checked by WebCrypto in final only. */
export class WebCryptoCbcDecryptor {
  private readonly blocks = new BlockBuffer();
  private readonly fullPadding = new Uint8Array(BLOCK).fill(BLOCK);
  private constructor(
    private readonly subtle: Subtle,
    private readonly key: CryptoKey,
    private iv: Uint8Array,
  ) {}

  static async create(subtle: Subtle, key: Uint8Array, iv: Uint8Array): Promise<WebCryptoCbcDecryptor> {
    if (iv.length !== BLOCK)
      throw new CryptoError("INVALID_ARGUMENT", `AES-CBC: IV must be 16 bytes, got ${iv.length}`);
    return new WebCryptoCbcDecryptor(subtle, await importAesKey(subtle, key, "AES-CBC"), iv.slice());
  }

  async update(data: Uint8Array): Promise<Uint8Array> {
    // The last block is held back for final: it carries the padding.
    const blocks = this.blocks.take(data, BLOCK);
    if (blocks.length === 0) return new Uint8Array(0);
    // Copied before the first await: like WebCrypto, an update has taken its input when it returns
    // (shared's batches() may free the caller's buffer then).
    const input = new Uint8Array(blocks.length + BLOCK);
    input.set(blocks);
    this.blocks.free(blocks, data);
    // WebCrypto checks padding on every call. Append a block that decrypts to a full padding block:
    // C* = E_K(P* xor C_last) with P* = 16 x 0x10 (first block of a CBC encryption with IV C_last).
    const lastCiphertext = lastBlock(input.subarray(0, input.length - BLOCK));
    const suffix = new Uint8Array(
      await this.subtle.encrypt({ name: "AES-CBC", iv: bufferSource(lastCiphertext) }, this.key, this.fullPadding),
    ).subarray(0, BLOCK);
    input.set(suffix, input.length - BLOCK);
    const plaintext = await this.subtle.decrypt({ name: "AES-CBC", iv: bufferSource(this.iv) }, this.key, input);
    release(input); // WebCrypto copied it when called
    this.iv = lastCiphertext;
    return new Uint8Array(plaintext);
  }

  dispose(): void {}

  async final(): Promise<Uint8Array> {
    const rest = this.blocks.rest();
    if (rest.length !== BLOCK) throw new CryptoError("DECRYPTION_FAILED", "AES-CBC decrypt: decryption failed");
    try {
      return new Uint8Array(
        await this.subtle.decrypt({ name: "AES-CBC", iv: bufferSource(this.iv) }, this.key, bufferSource(rest)),
      );
    } catch {
      // One error for bad padding and wrong key alike (no padding oracle).
      throw new CryptoError("DECRYPTION_FAILED", "AES-CBC decrypt: decryption failed");
    }
  }
}

/** Adds `blocks` to the low `counterBits` bits of a big-endian counter block (others unchanged). */
export function addToCounter(counter: Uint8Array, blocks: number, counterBits: 32 | 128): Uint8Array {
  const out = counter.slice();
  let carry = blocks;
  const lowest = counterBits === 32 ? BLOCK - 4 : 0;
  for (let i = BLOCK - 1; i >= lowest && carry > 0; i--) {
    const sum = out[i]! + (carry % 256);
    out[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return out;
}

/** AES-CTR (NIST SP 800-38A 6.5) over a `counterBits`-bit big-endian counter, streamed. */
export class WebCryptoCtr {
  private readonly blocks = new BlockBuffer();
  private constructor(
    private readonly subtle: Subtle,
    private readonly key: CryptoKey,
    private counter: Uint8Array,
    private readonly counterBits: 32 | 128,
  ) {}

  static async create(
    subtle: Subtle,
    key: Uint8Array,
    counterBlock: Uint8Array,
    counterBits: 32 | 128 = 128,
  ): Promise<WebCryptoCtr> {
    if (counterBlock.length !== BLOCK) {
      throw new CryptoError("INVALID_ARGUMENT", `AES-CTR: counter block must be 16 bytes, got ${counterBlock.length}`);
    }
    return new WebCryptoCtr(subtle, await importAesKey(subtle, key, "AES-CTR"), counterBlock.slice(), counterBits);
  }

  private async run(data: Uint8Array): Promise<Uint8Array> {
    if (data.length === 0) return new Uint8Array(0);
    const params = { name: "AES-CTR", counter: bufferSource(this.counter), length: this.counterBits };
    const blocks = Math.ceil(data.length / BLOCK); // before the await (see WebCryptoCbcEncryptor.update)
    const out = new Uint8Array(await this.subtle.encrypt(params, this.key, bufferSource(data)));
    this.counter = addToCounter(this.counter, blocks, this.counterBits);
    return out;
  }

  update(data: Uint8Array): Promise<Uint8Array> {
    return this.run(this.blocks.take(data, 0));
  }

  final(): Promise<Uint8Array> {
    return this.run(this.blocks.rest());
  }

  dispose(): void {}
}

/** E_K(block): the CTR keystream of one block, used for H = E_K(0^128) and E_K(J0). */
async function encryptBlock(subtle: Subtle, key: Uint8Array, block: Uint8Array): Promise<Uint8Array> {
  const ctr = await WebCryptoCtr.create(subtle, key, block);
  return ctr.update(new Uint8Array(BLOCK));
}

const GCM_NONCE_OF_ZEROS = new Uint8Array(12);
const NOTHING = new Uint8Array(0);

/**
 * GHASH (SP 800-38D 6.4) of bulk data by the platform. WebCrypto's AES-GCM cannot stream, but its
 * tag over an empty plaintext with a segment D as the additional data is
 *   T = GHASH_H(D || [len(D)]64 || 0^64) xor E_K(J0'),
 * and GHASH is linear: Y_i = (Y_(i-1) xor X_i) * H. So each segment's share comes from one such call
 * (hardware carry-less multiplication, off the calling thread), and the core combines the shares
 * with two GF(2^128) products per segment. With m_i the segment's block count and
 *   Z_i = T_i xor E_K(J0') xor ([len(D_i)]64 || 0^64) * H  =  sum_j D_ij * H^(m_i - j + 2),
 * the GHASH of all segments then the length block L is R xor L * H, where R = R * H^(m_i) xor Z_i
 * over the segments in order (each zero-padded to whole blocks, as GCM pads A and C). E_K(J0') is
 * the tag of nothing at all (GHASH of the zero length block is 0); it never leaves this object.
 */
class WebCryptoGhash implements GcmGhash {
  private accumulator: Uint8Array = new Uint8Array(BLOCK);
  private readonly powers = new Map<number, Uint8Array>();
  private readonly blocks = new BlockBuffer();
  /** Segments are combined strictly in the order they were given, even if calls overlap. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly subtle: Subtle,
    private readonly core: AesCore,
    private readonly key: CryptoKey,
    private readonly h: Uint8Array,
    private readonly mask: Uint8Array,
  ) {}

  static async create(subtle: Subtle, core: AesCore, key: Uint8Array, h: Uint8Array): Promise<WebCryptoGhash> {
    const gcmKey = await subtle.importKey("raw", bufferSource(key), { name: "AES-GCM" }, false, ["encrypt"]);
    const mask = new Uint8Array(
      await subtle.encrypt({ name: "AES-GCM", iv: GCM_NONCE_OF_ZEROS, tagLength: 128 }, gcmKey, NOTHING),
    );
    return new WebCryptoGhash(subtle, core, gcmKey, h.slice(), mask);
  }

  /** Absorbs the whole blocks of `data` now; a partial block waits for more data or for pad(). */
  update(data: Uint8Array): Promise<void> {
    return this.segment(this.blocks.take(data, 0));
  }

  /** Zero-pads what is pending (after the AAD, and at the end of the ciphertext). */
  pad(): Promise<void> {
    return this.segment(this.blocks.rest());
  }

  /** Pads, then returns GHASH(A || C || [len(A)]64 || [len(C)]64); wipes the key material. */
  async finish(aadLength: number, ciphertextLength: number): Promise<Uint8Array> {
    await this.pad();
    const s = xor(this.accumulator, this.multiply(lengthBlock(aadLength, ciphertextLength), this.h));
    this.dispose();
    return s;
  }

  dispose(): void {
    this.accumulator.fill(0);
    this.h.fill(0);
    this.mask.fill(0);
    for (const power of this.powers.values()) power.fill(0);
    this.powers.clear();
  }

  private segment(data: Uint8Array): Promise<void> {
    if (data.length === 0) return this.queue;
    const tag = this.subtle.encrypt(
      { name: "AES-GCM", iv: GCM_NONCE_OF_ZEROS, additionalData: bufferSource(data), tagLength: 128 },
      this.key,
      NOTHING,
    );
    tag.catch(() => undefined); // reported through the queue
    // Only the length is kept: WebCrypto has copied the bytes, and the caller may now hand its
    // buffer on (a worker transfers each result, which leaves `data` empty here).
    const length = data.length;
    const blocks = Math.ceil(length / BLOCK);
    this.queue = this.queue.then(async () => {
      const share = xor(xor(new Uint8Array(await tag), this.mask), this.multiply(lengthBlock(length, 0), this.h));
      this.accumulator = xor(this.multiply(this.accumulator, this.power(blocks)), share);
    });
    return this.queue;
  }

  private multiply(x: Uint8Array, y: Uint8Array): Uint8Array {
    return gf128Multiply(this.core, x, y);
  }

  /** H^m by square-and-multiply, kept per m (a stream's segments mostly share one size). */
  private power(m: number): Uint8Array {
    const known = this.powers.get(m);
    if (known !== undefined) return known;
    let result: Uint8Array | undefined;
    let base = this.h;
    for (let e = m; e > 0; e = Math.floor(e / 2)) {
      if (e % 2 === 1) result = result === undefined ? base : this.multiply(result, base);
      if (e > 1) base = this.multiply(base, base);
    }
    const power = result!.slice();
    if (this.powers.size < 8) this.powers.set(m, power);
    return power;
  }
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** GHASH as the GCM composition below uses it, wherever it runs. */
interface GcmGhash {
  /** Absorbs `data`; the caller may free `data` once the returned promise has settled. */
  update(data: Uint8Array): Promise<void>;
  /** Zero-pads a pending partial block (after the AAD). */
  pad(): Promise<void>;
  /** GHASH(A || C || [len(A)]64 || [len(C)]64); wipes the key material. */
  finish(aadLength: number, ciphertextLength: number): Promise<Uint8Array>;
  dispose(): void;
}

/**
 * GHASH in the core, on the calling thread. The encryptor uses it: WebCryptoGhash hands each
 * ciphertext batch to WebCrypto as `additionalData`, which Node 20 copies into a buffer nothing can
 * free before a garbage collection, and `mailseal encrypt` of a large message then outgrew its memory
 * bound of bare Node + 64 MiB (+72 MiB; +47-59 with this). The decryptor keeps WebCryptoGhash: it
 * stays within the bound (+61-63 MiB at 128 MiB and 1 GiB) and took about 35 % less CPU time than
 * with this (bench/README.md, "Forced garbage collection (issue 11)").
 */
class CoreGhash implements GcmGhash {
  private constructor(private readonly ghash: Ghash) {}

  static create(_subtle: Subtle, core: AesCore, _key: Uint8Array, h: Uint8Array): Promise<CoreGhash> {
    return Promise.resolve(new CoreGhash(new Ghash(core, h)));
  }

  update(data: Uint8Array): Promise<void> {
    this.ghash.update(data);
    return Promise.resolve();
  }

  pad(): Promise<void> {
    this.ghash.padBlock();
    return Promise.resolve();
  }

  finish(aadLength: number, ciphertextLength: number): Promise<Uint8Array> {
    return Promise.resolve(this.ghash.finish(aadLength, ciphertextLength));
  }

  dispose(): void {
    this.ghash.dispose();
  }
}

type GhashFactory = (subtle: Subtle, core: AesCore, key: Uint8Array, h: Uint8Array) => Promise<GcmGhash>;

interface GcmParts {
  ctr: WebCryptoCtr;
  ghash: GcmGhash;
  encryptedJ0: Uint8Array;
  aadLength: number;
}

async function gcmSetup(
  subtle: Subtle,
  core: AesCore,
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  tagLength: number,
  createGhash: GhashFactory,
): Promise<GcmParts> {
  if (tagLength < 12 || tagLength > 16) {
    throw new CryptoError("INVALID_ARGUMENT", `AES-GCM: tag length must be 12..16 bytes, got ${tagLength}`);
  }
  if (iv.length === 0) throw new CryptoError("INVALID_ARGUMENT", "AES-GCM: IV must not be empty");
  // SP 800-38D 7.1: H = E_K(0^128); J0 from the IV; the payload uses inc32(J0) onwards.
  const h = await encryptBlock(subtle, key, new Uint8Array(BLOCK));
  const j0 = gcmCounterBlock0(core, h, iv);
  const encryptedJ0 = await encryptBlock(subtle, key, j0);
  const ctr = await WebCryptoCtr.create(subtle, key, addToCounter(j0, 1, 32), 32);
  const ghash = await createGhash(subtle, core, key, h);
  h.fill(0);
  await ghash.update(aad);
  await ghash.pad();
  return { ctr, ghash, encryptedJ0, aadLength: aad.length };
}

async function gcmTag(parts: GcmParts, ciphertextLength: number, tagLength: number): Promise<Uint8Array> {
  const s = await parts.ghash.finish(parts.aadLength, ciphertextLength);
  const tag = new Uint8Array(tagLength);
  for (let i = 0; i < tagLength; i++) tag[i] = s[i]! ^ parts.encryptedJ0[i]!;
  return tag;
}

/** What both GCM directions share: the CTR stream, GHASH over the ciphertext, the tag. */
abstract class WebCryptoGcm {
  private ciphertextLength = 0;
  protected constructor(
    protected readonly parts: GcmParts,
    protected readonly tagLength: number,
  ) {}

  /** Feeds ciphertext to GHASH (SP 800-38D 7.1 step 5 / 7.2 step 6). */
  protected absorb(ciphertext: Uint8Array): Promise<void> {
    this.ciphertextLength += ciphertext.length;
    return this.parts.ghash.update(ciphertext);
  }

  protected tag(): Promise<Uint8Array> {
    return gcmTag(this.parts, this.ciphertextLength, this.tagLength);
  }

  dispose(): void {
    this.parts.ghash.dispose();
  }
}

/** AES-GCM encryption: WebCrypto AES-CTR for the payload, the core's GHASH (CoreGhash) for the tag. */
export class WebCryptoGcmEncryptor extends WebCryptoGcm {
  static async create(
    subtle: Subtle,
    core: AesCore,
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array = new Uint8Array(0),
    tagLength = 16,
  ): Promise<WebCryptoGcmEncryptor> {
    return new WebCryptoGcmEncryptor(
      await gcmSetup(subtle, core, key, iv, aad, tagLength, CoreGhash.create),
      tagLength,
    );
  }

  /** The ciphertext is hashed before it is returned: the caller may free it at once (issue 11). */
  async update(data: Uint8Array): Promise<Uint8Array> {
    const ciphertext = await this.parts.ctr.update(data);
    await this.absorb(ciphertext);
    return ciphertext;
  }

  async final(): Promise<{ data: Uint8Array; tag: Uint8Array }> {
    const data = await this.parts.ctr.final();
    await this.absorb(data);
    return { data, tag: await this.tag() };
  }
}

/**
 * AES-GCM decryption. `update` returns plaintext that is NOT yet authenticated: a caller must not
 * release any of it before `final(tag)` has returned (it throws AUTH_TAG_MISMATCH otherwise).
 */
export class WebCryptoGcmDecryptor extends WebCryptoGcm {
  static async create(
    subtle: Subtle,
    core: AesCore,
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array = new Uint8Array(0),
    tagLength = 16,
  ): Promise<WebCryptoGcmDecryptor> {
    return new WebCryptoGcmDecryptor(
      await gcmSetup(subtle, core, key, iv, aad, tagLength, WebCryptoGhash.create),
      tagLength,
    );
  }

  /** GHASH and CTR of the same ciphertext run side by side. */
  async update(data: Uint8Array): Promise<Uint8Array> {
    const [plaintext] = await Promise.all([this.parts.ctr.update(data), this.absorb(data)]);
    return plaintext;
  }

  async final(tag: Uint8Array): Promise<Uint8Array> {
    if (tag.length !== this.tagLength) {
      throw new CryptoError("INVALID_ARGUMENT", `AES-GCM: expected a ${this.tagLength}-byte tag, got ${tag.length}`);
    }
    const data = await this.parts.ctr.final();
    if (!constantTimeEqual(await this.tag(), tag)) {
      throw new CryptoError("AUTH_TAG_MISMATCH", "AES-GCM decrypt: authentication tag does not match");
    }
    return data;
  }
}
