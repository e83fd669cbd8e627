// Incremental BER reader (X.690 section 8), the base of the streaming CMS layer: CMS content octets
// (RFC 5652 sections 5.2 and 6.1, RFC 5083 section 2) may be gigabytes, in a definite-length OCTET
// STRING or, in BER, an indefinite-length constructed OCTET STRING of many primitive segments. The
// reader never holds a value: it copies only the header it is in the middle of (at most
// MAX_HEADER_LENGTH bytes) and hands content out as views of the chunks it was given.
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import { describeTag, MAX_TAG_NUMBER_OCTETS, TAG_CLASSES, type TagClass } from "./tag.js";

/** Default nesting limit. CMS needs about 12 levels (ContentInfo down to an attribute value). */
export const DEFAULT_MAX_DEPTH = 32;
/** At most 8 length octets (X.690 8.1.3.5): a length that does not fit in 64 bits is never real. */
export const MAX_LENGTH_OCTETS = 8;
/** Identifier octet, tag number octets, initial length octet, length octets. */
export const MAX_HEADER_LENGTH = 1 + MAX_TAG_NUMBER_OCTETS + 1 + MAX_LENGTH_OCTETS;

export interface BerReaderOptions {
  /** Deepest nesting allowed: the top element is at depth 0, so this many levels. Default 32. */
  readonly maxDepth?: number;
  /** Largest definite length accepted in any header. Default Number.MAX_SAFE_INTEGER (2^53 - 1). */
  readonly maxLength?: number;
  /**
   * What follows the top element: "reject" (default) fails with MALFORMED_CMS on any byte after it;
   * "ignore" stops reading there and drops the rest (some producers pad their files).
   */
  readonly trailingData?: "reject" | "ignore";
}

/** One element's header as read. Offsets count bytes from the start of the input. */
export interface BerHeader {
  readonly tagClass: TagClass;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** Content length; undefined for the indefinite form (X.690 8.1.3.6). */
  readonly length: number | undefined;
  readonly headerLength: number;
  /** Offset of the identifier octet. */
  readonly offset: number;
  /** 0 for the top element. */
  readonly depth: number;
}

/**
 * `start`: an element's header was read; `raw` is its exact encoding (a copy, at most
 * MAX_HEADER_LENGTH bytes). `content`: the next piece of a primitive element's content, a view of
 * a pushed chunk (copy it to keep it past the chunk's life). `end`: the element is complete; for the
 * indefinite form `raw` holds the end-of-contents octets, otherwise it is empty.
 */
export type BerEvent = BerStartEvent | BerContentEvent | BerEndEvent;
export interface BerStartEvent {
  readonly type: "start";
  readonly header: BerHeader;
  readonly raw: Uint8Array;
}
export interface BerContentEvent {
  readonly type: "content";
  readonly header: BerHeader;
  readonly bytes: Uint8Array;
  readonly offset: number;
}
export interface BerEndEvent {
  readonly type: "end";
  readonly header: BerHeader;
  readonly raw: Uint8Array;
}

interface Frame {
  readonly header: BerHeader;
  /** Offset just past the content, for the definite form. */
  readonly end: number | undefined;
  /** End of the nearest definite-length element containing this one's content (or Infinity). */
  readonly limit: number;
}

const NO_BYTES = new Uint8Array(0);

/** Where the header state machine is: X.690 8.1.2 identifier, then 8.1.3 length. */
type Phase = "identifier" | "tagNumber" | "initialLength" | "lengthOctets";

/**
 * Push-in, pull-out BER reader. `push` hands it chunks cut anywhere; `read` returns the next event,
 * or undefined when it needs more input (or, after `end`, when the input is complete). Parsing is
 * lazy: a chunk is read only as `read` is called, so a consumer can stop, or stream content onward,
 * without the reader copying anything but a partial header. `BerCursor` wraps it for async sources;
 * the sync form suits a consumer that is itself pushed to (a transform stream).
 *
 * Errors are MailsealError: MALFORMED_CMS, NESTING_TOO_DEEP, TRUNCATED. After one, every `read` throws
 * it again.
 */
export class BerReader {
  private readonly maxDepth: number;
  private readonly maxLength: number;
  private readonly rejectTrailing: boolean;

  private readonly chunks: Uint8Array[] = [];
  private chunkPos = 0;
  private pending = 0;
  private ended = false;
  private failure: MailsealError | undefined;

  /** Offset of the next byte to read. */
  private offset = 0;
  private readonly stack: Frame[] = [];
  private topDone = false;

  // The header being read: its bytes so far and what they say.
  private readonly carry = new Uint8Array(MAX_HEADER_LENGTH);
  private carryLength = 0;
  private phase: Phase = "identifier";
  private headerOffset = 0;
  private tagClass: TagClass = "universal";
  private constructed = false;
  private tagNumber = 0;
  private tagOctets = 0;
  private lengthOctets = 0;
  private length = 0;

  constructor(options: BerReaderOptions = {}) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxLength = options.maxLength ?? Number.MAX_SAFE_INTEGER;
    this.rejectTrailing = (options.trailingData ?? "reject") === "reject";
  }

  /** Bytes the reader has copied: the part of a header split across chunks. At most MAX_HEADER_LENGTH. */
  get carriedBytes(): number {
    return this.carryLength;
  }

  /** Bytes of pushed chunks not read yet (held by reference, not copied). */
  get pendingBytes(): number {
    return this.pending;
  }

  /** Offset of the next byte to read. */
  get position(): number {
    return this.offset;
  }

  /** True when no event can follow: the top element is complete and nothing else may come. */
  get done(): boolean {
    return this.failure === undefined && this.topDone && (!this.rejectTrailing || (this.ended && this.pending === 0));
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error("BerReader.push after end()");
    // Nothing more will be read after a failure, or past the top element when trailing data is ignored.
    if (chunk.length === 0 || this.failure || (this.topDone && !this.rejectTrailing)) return;
    this.chunks.push(chunk);
    this.pending += chunk.length;
  }

  /** No more input: `read` now fails with TRUNCATED where it would have waited for more. */
  end(): void {
    this.ended = true;
  }

  read(): BerEvent | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.step();
    } catch (error) {
      if (hasCode(error, ...SMIME_ERROR_CODES)) this.failure = error;
      throw error;
    }
  }

  private step(): BerEvent | undefined {
    const frame = this.stack[this.stack.length - 1];
    if (frame && this.carryLength === 0) {
      if (frame.end === this.offset) return this.close(NO_BYTES);
      if (!frame.header.constructed) return this.content(frame);
    }
    if (!frame && this.topDone) {
      if (this.pending > 0 && this.rejectTrailing) {
        throw malformed(`trailing data after the top element, which ends at offset ${this.offset}`);
      }
      return undefined;
    }
    return this.header(frame);
  }

  private content(frame: Frame): BerEvent | undefined {
    if (this.pending === 0) return this.starved();
    const chunk = this.chunks[0]!;
    const n = Math.min(frame.end! - this.offset, chunk.length - this.chunkPos);
    const bytes = chunk.subarray(this.chunkPos, this.chunkPos + n);
    const offset = this.offset;
    this.advance(n);
    return { type: "content", header: frame.header, bytes, offset };
  }

  /** Reads header octets one at a time, so any chunk split works and the carry never overflows. */
  private header(parent: Frame | undefined): BerEvent | undefined {
    const limit = parent?.limit ?? Infinity;
    for (;;) {
      // Before waiting for input: past the limit, no input can make the element valid.
      if (this.offset >= limit) {
        throw malformed(
          parent!.header.length === undefined
            ? `indefinite-length ${describeTag(parent!.header)} at offset ${parent!.header.offset} not closed before the end of its enclosing element at offset ${limit}`
            : `element header at offset ${this.headerOffset} crosses the end of its enclosing element at offset ${limit}`,
        );
      }
      if (this.pending === 0) return this.starved();
      const b = this.chunks[0]![this.chunkPos]!;
      if (this.carryLength === 0) this.headerOffset = this.offset;
      this.carry[this.carryLength++] = b;
      this.advance(1);
      if (this.headerByte(b)) return this.open(parent);
    }
  }

  /** Feeds one header octet to the state machine; true when the header is complete. */
  private headerByte(b: number): boolean {
    switch (this.phase) {
      case "identifier":
        // X.690 8.1.2.2-8.1.2.4: class in bits 8-7, constructed in bit 6, tag number in bits 5-1.
        this.tagClass = TAG_CLASSES[b >> 6]!;
        this.constructed = (b & 0x20) !== 0;
        this.tagNumber = b & 0x1f;
        this.tagOctets = 0;
        this.phase = this.tagNumber === 0x1f ? "tagNumber" : "initialLength";
        if (this.tagNumber === 0x1f) this.tagNumber = 0;
        return false;
      case "tagNumber":
        // X.690 8.1.2.4.2: base-128, bit 8 set on all but the last octet, no leading zero septet.
        if (this.tagOctets === 0 && b === 0x80) throw malformed(this.at("tag number with a leading zero septet"));
        if (++this.tagOctets > MAX_TAG_NUMBER_OCTETS) {
          throw malformed(this.at(`tag number longer than ${MAX_TAG_NUMBER_OCTETS} octets`));
        }
        this.tagNumber = this.tagNumber * 128 + (b & 0x7f);
        if ((b & 0x80) === 0) {
          // X.690 8.1.2.4.1: the long form is only for tag numbers of 31 and above.
          if (this.tagNumber < 0x1f) throw malformed(this.at(`tag number ${this.tagNumber} in the long form`));
          this.phase = "initialLength";
        }
        return false;
      case "initialLength":
        if (b < 0x80) return this.lengthDone(b);
        if (b === 0x80) return this.lengthDone(undefined);
        // X.690 8.1.3.5 c: 0xFF is reserved.
        if (b === 0xff) throw malformed(this.at("reserved length octet 0xFF"));
        this.lengthOctets = b & 0x7f;
        if (this.lengthOctets > MAX_LENGTH_OCTETS) {
          throw malformed(this.at(`${this.lengthOctets} length octets (at most ${MAX_LENGTH_OCTETS})`));
        }
        this.length = 0;
        this.phase = "lengthOctets";
        return false;
      case "lengthOctets":
        if (this.length > (Number.MAX_SAFE_INTEGER - b) / 256) throw malformed(this.at("length of 2^53 or more"));
        this.length = this.length * 256 + b;
        return --this.lengthOctets === 0 ? this.lengthDone(this.length) : false;
    }
  }

  private lengthDone(length: number | undefined): true {
    this.length = length ?? -1;
    this.phase = "identifier";
    return true;
  }

  /** A complete header: either the end-of-contents of the innermost element, or a new element. */
  private open(parent: Frame | undefined): BerEvent {
    const raw = this.carry.slice(0, this.carryLength);
    this.carryLength = 0;
    const length = this.length < 0 ? undefined : this.length;
    if (this.tagClass === "universal" && this.tagNumber === 0) {
      // X.690 8.1.5: end-of-contents is exactly 00 00, and only closes an indefinite-length element.
      if (this.constructed || length !== 0)
        throw malformed(this.at("universal tag 0 that is not end-of-contents 00 00"));
      if (!parent || parent.header.length !== undefined) {
        throw malformed(this.at("end-of-contents outside an indefinite-length element"));
      }
      return this.close(raw);
    }
    const depth = this.stack.length;
    const header: BerHeader = {
      tagClass: this.tagClass,
      constructed: this.constructed,
      tagNumber: this.tagNumber,
      length,
      headerLength: raw.length,
      offset: this.headerOffset,
      depth,
    };
    if (depth >= this.maxDepth) {
      throw new MailsealError(
        "NESTING_TOO_DEEP",
        this.at(`element nested ${depth + 1} levels deep (at most ${this.maxDepth})`),
      );
    }
    // X.690 8.1.3.2 a: a primitive element has a definite length.
    if (length === undefined && !this.constructed) throw malformed(this.at("indefinite length on a primitive element"));
    const limit = parent?.limit ?? Infinity;
    let end: number | undefined;
    if (length !== undefined) {
      if (length > this.maxLength) throw malformed(this.at(`length ${length} over the limit of ${this.maxLength}`));
      end = this.offset + length;
      if (end > limit) {
        throw malformed(this.at(`length ${length} runs ${end - limit} bytes past the end of its enclosing element`));
      }
    }
    this.stack.push({ header, end, limit: end ?? limit });
    return { type: "start", header, raw };
  }

  private close(raw: Uint8Array): BerEvent {
    const frame = this.stack.pop()!;
    if (this.stack.length === 0) this.topDone = true;
    return { type: "end", header: frame.header, raw };
  }

  /** Out of input: wait for more, or fail if there is none. */
  private starved(): undefined {
    if (!this.ended) return undefined;
    const inside = this.stack[this.stack.length - 1];
    throw new MailsealError(
      "TRUNCATED",
      this.carryLength > 0
        ? `input ends inside an element header at offset ${this.headerOffset}`
        : inside
          ? `input ends at offset ${this.offset} inside ${describeTag(inside.header)} at offset ${inside.header.offset}`
          : "input is empty: no element",
    );
  }

  private advance(n: number): void {
    this.offset += n;
    this.pending -= n;
    this.chunkPos += n;
    if (this.chunkPos === this.chunks[0]!.length) {
      this.chunks.shift();
      this.chunkPos = 0;
    }
  }

  private at(what: string): string {
    return `${what} in the header at offset ${this.headerOffset}`;
  }
}

function malformed(message: string): MailsealError {
  return new MailsealError("MALFORMED_CMS", message);
}
