// Encoding side of the streaming CMS layer: headers for elements written around streamed content,
// and the content itself as an indefinite-length constructed OCTET STRING of fixed-size primitive
// segments (X.690 8.7.3.2; RFC 5652 sections 5.2 and 6.1 allow eContent and encryptedContent in
// this form), so output streams without knowing its length. Small elements come from asn1js.
import * as asn1js from "asn1js";
import { MAX_TAG_NUMBER_OCTETS, TAG_CLASSES, UniversalTag, type Tag } from "./tag.js";

/** End-of-contents octets, closing an indefinite-length element (X.690 8.1.5). */
export const END_OF_CONTENTS: Uint8Array = Uint8Array.of(0, 0);

/** Output segments of 64 KiB: a 4-byte primitive OCTET STRING header plus 65532 content bytes. */
export const DEFAULT_SEGMENT_LENGTH = 65536 - 4;

/**
 * Identifier and length octets: the definite form in DER's minimal encoding (X.690 10.1), or the
 * indefinite form (0x80, X.690 8.1.3.6) when `length` is undefined, for constructed elements only.
 */
export function encodeHeader(tag: Tag, constructed: boolean, length: number | undefined): Uint8Array {
  if (!Number.isSafeInteger(tag.tagNumber) || tag.tagNumber < 0 || tag.tagNumber >= 2 ** (7 * MAX_TAG_NUMBER_OCTETS)) {
    throw new RangeError(`tag number ${tag.tagNumber} out of range`);
  }
  if (length === undefined ? !constructed : !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`length ${length} invalid for a ${constructed ? "constructed" : "primitive"} element`);
  }
  const out: number[] = [];
  const leading = (TAG_CLASSES.indexOf(tag.tagClass ?? "universal") << 6) | (constructed ? 0x20 : 0);
  if (tag.tagNumber < 0x1f) {
    out.push(leading | tag.tagNumber);
  } else {
    // X.690 8.1.2.4: base 128, most significant septet first, bit 8 set on all but the last.
    out.push(leading | 0x1f);
    const septets: number[] = [];
    for (let n = tag.tagNumber; n > 0; n = Math.floor(n / 128)) septets.unshift(n % 128);
    septets.forEach((s, i) => out.push(i < septets.length - 1 ? s | 0x80 : s));
  }
  if (length === undefined) {
    out.push(0x80);
  } else if (length < 0x80) {
    out.push(length);
  } else {
    const octets: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
    out.push(0x80 | octets.length, ...octets);
  }
  return Uint8Array.from(out);
}

/**
 * The BER encoding of a small element built with asn1js (DER for DER-shaped objects). asn1js does
 * not throw on a value it cannot encode (an unknown tag class, a tag number too large): it leaves
 * bytes out. So the encoding is read back, and must be exactly one whole element.
 */
export function encodeAsn1(element: asn1js.AsnType): Uint8Array {
  const encoding = new Uint8Array(element.toBER(false));
  const { offset, result } = asn1js.fromBER(encoding);
  if (offset !== encoding.length) {
    throw new Error(`asn1js could not encode ${element.constructor.name}: ${result.error || "inconsistent encoding"}`);
  }
  return encoding;
}

export interface OctetStringWriterOptions {
  /** The wrapper's tag: OCTET STRING by default, `[0]` for an IMPLICIT encryptedContent. */
  readonly tag?: Tag;
  /** Content bytes in each primitive segment but the last. Default DEFAULT_SEGMENT_LENGTH. */
  readonly segmentLength?: number;
  /**
   * The caller is done with the pieces of one `write` when it makes the next call (it has copied
   * them, or handed them to the core): a full segment of the writer's own is then filled again
   * instead of being left to the garbage collector for a new one (issue 11).
   */
  readonly reuseSegments?: boolean;
}

/**
 * Writes streamed content as `tag` constructed, indefinite length, holding primitive OCTET STRING
 * segments of `segmentLength` bytes (the last one shorter), then end-of-contents. Holds at most one
 * segment. `write` and `end` return the output pieces ready so far, the wrapper's header first. A
 * whole segment found in the written data is returned as a view of it, after its header, without a
 * copy: the caller must not change the bytes it wrote while it still uses the pieces.
 */
export class OctetStringWriter {
  private readonly tag: Tag;
  private readonly segmentLength: number;
  private readonly segmentHeader: Uint8Array;
  private segment: Uint8Array;
  private readonly reuseSegments: boolean;
  /** With reuseSegments: the segment handed out by the last write, free again at the next. */
  private handedOut: Uint8Array | undefined;
  /** With reuseSegments: a segment the caller is done with, to fill when the current one is full. */
  private spare: Uint8Array | undefined;
  private filled = 0;
  private started = false;
  private ended = false;

  constructor(options: OctetStringWriterOptions = {}) {
    this.tag = options.tag ?? { tagNumber: UniversalTag.OCTET_STRING };
    this.segmentLength = options.segmentLength ?? DEFAULT_SEGMENT_LENGTH;
    if (!Number.isSafeInteger(this.segmentLength) || this.segmentLength < 1) {
      throw new RangeError(`segment length ${this.segmentLength} invalid`);
    }
    this.segmentHeader = encodeHeader({ tagNumber: UniversalTag.OCTET_STRING }, false, this.segmentLength);
    this.reuseSegments = options.reuseSegments === true;
    this.segment = this.newSegment();
  }

  write(data: Uint8Array): Uint8Array[] {
    if (this.ended) throw new Error("OctetStringWriter.write after end()");
    const out = this.begin();
    // Reused: the caller is done with the segment the last write handed out.
    if (this.handedOut !== undefined) {
      this.spare = this.handedOut;
      this.handedOut = undefined;
    }
    for (let at = 0; at < data.length;) {
      if (this.filled === 0 && data.length - at >= this.segmentLength) {
        out.push(this.segmentHeader, data.subarray(at, at + this.segmentLength));
        at += this.segmentLength;
        continue;
      }
      const n = Math.min(data.length - at, this.segmentLength - this.filled);
      this.segment.set(data.subarray(at, at + n), this.segmentHeader.length + this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.segmentLength) {
        out.push(this.segment);
        if (this.reuseSegments) this.handedOut = this.segment; // free again at the next write
        this.segment = this.spare ?? this.newSegment();
        this.spare = undefined;
        this.filled = 0;
      }
    }
    return out;
  }

  end(): Uint8Array[] {
    if (this.ended) throw new Error("OctetStringWriter.end called twice");
    const out = this.begin();
    this.ended = true;
    if (this.filled > 0) {
      const header = encodeHeader({ tagNumber: UniversalTag.OCTET_STRING }, false, this.filled);
      const last = new Uint8Array(header.length + this.filled);
      last.set(header);
      last.set(
        this.segment.subarray(this.segmentHeader.length, this.segmentHeader.length + this.filled),
        header.length,
      );
      out.push(last);
    }
    out.push(END_OF_CONTENTS.slice());
    return out;
  }

  private begin(): Uint8Array[] {
    if (this.started) return [];
    this.started = true;
    return [encodeHeader(this.tag, true, undefined)];
  }

  /** Each full segment is handed out, so the next one is a new buffer the consumer does not hold (unless reused). */
  private newSegment(): Uint8Array {
    const segment = new Uint8Array(this.segmentHeader.length + this.segmentLength);
    segment.set(this.segmentHeader);
    return segment;
  }
}

/** `OctetStringWriter` over an async source: the encoding of its content, piece by piece. */
export async function* octetStringChunks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: OctetStringWriterOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const writer = new OctetStringWriter(options);
  for await (const chunk of source) yield* writer.write(chunk);
  yield* writer.end();
}
