// Host binding of the base64 area: streaming encoder with optional MIME line wrapping (RFC 2045 6.8)
// and a strict streaming decoder (RFC 4648 section 4 alphabet, whitespace skipped).
import { concatBytes } from "../bytes.js";
import { CryptoError } from "../errors.js";
import { IO_CHUNK, type BaseExports, type WasmCore } from "../wasm/instance.js";

/** Exports of assembly/base64/index.ts. Every function returns a byte count or a negative Status. */
export interface Base64Exports {
  b64_enc_ctx_size(): number;
  b64_enc_init(ctx: number, lineLength: number): number;
  b64_enc_update(ctx: number, data: number, len: number, out: number): number;
  b64_enc_final(ctx: number, out: number): number;
  b64_dec_ctx_size(): number;
  b64_dec_init(ctx: number): number;
  b64_dec_update(ctx: number, data: number, len: number, out: number): number;
  b64_dec_final(ctx: number): number;
  b64_dec_error_index(ctx: number): number;
  b64_dec_error_kind(ctx: number): number;
}

export type Base64Core = WasmCore<BaseExports & Base64Exports>;

export interface Base64EncoderOptions {
  /** 76: MIME lines of 76 characters separated by CRLF (RFC 2045 6.8). 0: one unbroken line. */
  readonly lineLength: 76 | 0;
}

/**
 * Input bytes per encoder call: with up to 2 carried bytes, 46082 bytes give at most 61444 characters
 * plus 1618 line breaks of 2, which with the core's 16-byte vector overrun fits the output buffer.
 */
const ENCODE_SLICE = 45 * 1024;

// Error kinds of the decoder (enum B64Error of assembly/base64/decode.ts).
const INVALID_CHARACTER = 1;
const MISPLACED_PADDING = 2;

/** One context block in the core, freed when the stream is finished, fails, or is disposed. */
abstract class Base64Stream {
  private ctx: number;

  protected constructor(
    protected readonly core: Base64Core,
    protected readonly label: string,
    private readonly ctxSize: number,
  ) {
    this.ctx = core.alloc(ctxSize);
  }

  protected context(operation: string): number {
    if (this.ctx === 0) {
      throw new CryptoError("INVALID_STATE", `${this.label} ${operation}: the stream is already finished or disposed`);
    }
    return this.ctx;
  }

  /** Wipes and frees the context. Safe to call more than once; final() calls it. */
  dispose(): void {
    if (this.ctx === 0) return;
    this.core.free(this.ctx, this.ctxSize);
    this.ctx = 0;
  }
}

/** Streaming base64 encoder; output is ASCII bytes. Line wrapping continues across update() calls. */
export class Base64Encoder extends Base64Stream {
  private readonly lineLength: 76 | 0;
  /** Bytes passed to update() so far. */
  private consumed = 0;

  constructor(core: Base64Core, options: Base64EncoderOptions) {
    super(core, "base64 encode", core.exports.b64_enc_ctx_size());
    const { lineLength } = options;
    this.lineLength = lineLength;
    if (lineLength !== 76 && lineLength !== 0) {
      this.dispose();
      throw new CryptoError("INVALID_ARGUMENT", `base64 encode: lineLength must be 76 or 0, got ${String(lineLength)}`);
    }
    core.check(core.exports.b64_enc_init(this.context("init"), lineLength), "base64 encode init");
  }

  /** Encodes `data`; up to 2 bytes are held back until the next update() or final(). */
  update(data: Uint8Array): Uint8Array {
    const ctx = this.context("update");
    const { core } = this;
    // The output size is known exactly, so it is allocated once and filled straight from linear memory.
    const result = new Uint8Array(this.encodedLength(this.consumed + data.length) - this.encodedLength(this.consumed));
    let length = 0;
    for (let offset = 0; offset < data.length; offset += ENCODE_SLICE) {
      const slice = data.subarray(offset, offset + ENCODE_SLICE);
      core.write(core.inPtr, slice);
      const written = core.check(
        core.exports.b64_enc_update(ctx, core.inPtr, slice.length, core.outPtr),
        "base64 encode update",
      );
      result.set(core.bytes().subarray(core.outPtr, core.outPtr + written), length);
      length += written;
    }
    this.consumed += data.length;
    return result;
  }

  /** Characters update() has produced once `consumed` bytes went in: whole groups, CRLF before each new line. */
  private encodedLength(consumed: number): number {
    const chars = Math.floor(consumed / 3) * 4;
    return this.lineLength === 0 || chars === 0 ? chars : chars + Math.floor((chars - 1) / this.lineLength) * 2;
  }

  /** The last characters with '=' padding (no trailing line break). Finishes the stream. */
  final(): Uint8Array {
    const ctx = this.context("final");
    try {
      const written = this.core.check(this.core.exports.b64_enc_final(ctx, this.core.outPtr), "base64 encode final");
      return this.core.read(this.core.outPtr, written);
    } finally {
      this.dispose();
    }
  }
}

/**
 * Streaming base64 decoder: skips space, tab, CR and LF anywhere, accepts '=' only as the final
 * padding, and throws MALFORMED_BASE64 naming the input offset for anything else, or for input that
 * ends inside a 4-character group. Bits after the last full byte are ignored (RFC 4648 3.5 allows that).
 */
export class Base64Decoder extends Base64Stream {
  /** Characters consumed by earlier update() calls, to report errors at their offset in the whole input. */
  private consumed = 0;

  /** Where update() gathers its output before copying it out, reused while the stream lives. */
  private scratch = new Uint8Array(0);

  constructor(core: Base64Core) {
    super(core, "base64 decode", core.exports.b64_dec_ctx_size());
    core.check(core.exports.b64_dec_init(this.context("init")), "base64 decode init");
  }

  update(ascii: Uint8Array): Uint8Array {
    const ctx = this.context("update");
    const { core } = this;
    // At most 3 bytes per 4 characters, counting up to 3 characters carried from the previous update,
    // plus the 1 or 2 bytes of a group completed by '=' padding. Line breaks make that an estimate,
    // so the bytes are gathered in a scratch buffer reused across updates and returned as a copy of
    // their exact length: a whole buffer of its own, which a consumer can free at once (release),
    // rather than a view into a larger one that only a garbage collection frees (issue 11).
    const bound = Math.floor((ascii.length + 3) / 4) * 3 + 2;
    if (this.scratch.length < bound) this.scratch = new Uint8Array(bound);
    const result = this.scratch;
    let length = 0;
    for (let offset = 0; offset < ascii.length; offset += IO_CHUNK) {
      const slice = ascii.subarray(offset, offset + IO_CHUNK);
      core.write(core.inPtr, slice);
      const written = core.exports.b64_dec_update(ctx, core.inPtr, slice.length, core.outPtr);
      if (written < 0) this.fail(written, slice);
      result.set(core.bytes().subarray(core.outPtr, core.outPtr + written), length);
      length += written;
      this.consumed += slice.length;
    }
    return result.slice(0, length);
  }

  /** Checks that the input was complete; returns no further bytes (kept for symmetry with the encoder). */
  final(): Uint8Array {
    const ctx = this.context("final");
    const status = this.core.exports.b64_dec_final(ctx);
    if (status < 0) this.fail(status, new Uint8Array(0));
    this.dispose();
    return new Uint8Array(0);
  }

  private fail(status: number, slice: Uint8Array): never {
    const ctx = this.context("update");
    const kind = this.core.exports.b64_dec_error_kind(ctx);
    const index = this.core.exports.b64_dec_error_index(ctx);
    this.dispose();
    if (status !== -5) this.core.check(status, "base64 decode");
    const offset = this.consumed + index;
    const char = slice[index] ?? 0;
    const shown = `0x${char.toString(16).padStart(2, "0")}${char >= 0x21 && char < 0x7f ? ` '${String.fromCharCode(char)}'` : ""}`;
    let message: string;
    if (index < 0) {
      message = `input ends inside a 4-character group after ${this.consumed} characters (truncated, or '=' padding missing)`;
    } else if (kind === INVALID_CHARACTER) {
      message = `character ${shown} at input offset ${offset} is not in the base64 alphabet`;
    } else if (kind === MISPLACED_PADDING && char === 0x3d) {
      message = `'=' at input offset ${offset} is not valid padding: padding comes only after 2 or 3 characters of the last group, at the end`;
    } else {
      message = `character ${shown} at input offset ${offset} follows the '=' padding, which must end the input`;
    }
    throw new CryptoError("MALFORMED_BASE64", `base64 decode: ${message}`);
  }
}

/** One-shot encode, MIME-wrapped (lineLength 76) unless told otherwise. */
export function base64Encode(
  core: Base64Core,
  data: Uint8Array,
  options: Base64EncoderOptions = { lineLength: 76 },
): Uint8Array {
  const encoder = new Base64Encoder(core, options);
  const body = encoder.update(data);
  const tail = encoder.final();
  return concatBytes([body, tail]);
}

export function base64Decode(core: Base64Core, ascii: Uint8Array): Uint8Array {
  const decoder = new Base64Decoder(core);
  try {
    const bytes = decoder.update(ascii);
    decoder.final();
    return bytes;
  } finally {
    decoder.dispose();
  }
}
