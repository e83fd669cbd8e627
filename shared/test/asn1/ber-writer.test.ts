// The BER writer against asn1js: headers as asn1js encodes them, chunked OCTET STRINGs that asn1js
// decodes to the content written, small elements through asn1js.
import * as asn1js from "asn1js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SEGMENT_LENGTH,
  encodeAsn1,
  encodeHeader,
  octetStringChunks,
  OctetStringWriter,
  TAG_CLASSES,
  type TagClass,
} from "../../src/asn1/index.js";
import { concat, cuts, split } from "./tree.js";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const tagClass = fc.constantFrom<TagClass>(...TAG_CLASSES);
const tagNumber = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 31, max: 2 ** 28 - 1 }));

/** The OCTET STRING segments of a constructed element, as asn1js decodes them. */
function asn1Segments(encoding: Uint8Array): { block: asn1js.BaseBlock; segments: Uint8Array[] } {
  const { offset, result } = asn1js.fromBER(encoding);
  expect(result.error).toBe("");
  expect(offset).toBe(encoding.length);
  const children = (result.valueBlock as unknown as { value: asn1js.BaseBlock[] }).value;
  const segments = children
    .filter((c) => !(c instanceof asn1js.EndOfContent))
    .map((c) => {
      expect(c.idBlock).toMatchObject({ tagClass: 1, tagNumber: 4, isConstructed: false });
      return new Uint8Array((c as asn1js.OctetString).valueBlock.valueHexView);
    });
  return { block: result, segments };
}

describe("encodeHeader", () => {
  it("encodes definite headers as asn1js does", () => {
    fc.assert(
      fc.property(
        tagClass,
        tagNumber,
        fc.boolean(),
        fc.integer({ min: 0, max: 70_000 }),
        (cls, number, cons, length) => {
          const idBlock = { tagClass: TAG_CLASSES.indexOf(cls) + 1, tagNumber: number };
          const child = new asn1js.OctetString({ valueHex: new Uint8Array(length) });
          const element = cons
            ? new asn1js.Constructed({ idBlock, value: [child] })
            : new asn1js.Primitive({ idBlock, valueHex: new Uint8Array(length) });
          const encoding = new Uint8Array(element.toBER(false));
          const contentLength = cons ? child.toBER(false).byteLength : length;
          const header = encodeHeader({ tagClass: cls, tagNumber: number }, cons, contentLength);
          expect(hex(header)).toBe(hex(encoding.subarray(0, encoding.length - contentLength)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("encodes large lengths in the fewest octets, and the indefinite form", () => {
    expect(hex(encodeHeader({ tagNumber: 4 }, false, 2 ** 32))).toBe("04850100000000");
    expect(hex(encodeHeader({ tagNumber: 4 }, false, Number.MAX_SAFE_INTEGER))).toBe("04871fffffffffffff");
    expect(hex(encodeHeader({ tagNumber: 16 }, true, undefined))).toBe("3080");
    expect(hex(encodeHeader({ tagClass: "context", tagNumber: 0 }, true, undefined))).toBe("a080");
    expect(hex(encodeHeader({ tagClass: "private", tagNumber: 2 ** 28 - 1 }, false, 0))).toBe("dfffffff7f00");
  });

  it("refuses what has no encoding", () => {
    expect(() => encodeHeader({ tagNumber: 4 }, false, undefined)).toThrow(RangeError);
    expect(() => encodeHeader({ tagNumber: 4 }, false, -1)).toThrow(RangeError);
    expect(() => encodeHeader({ tagNumber: 4 }, false, 2 ** 53)).toThrow(RangeError);
    expect(() => encodeHeader({ tagNumber: 2 ** 28 }, false, 0)).toThrow(RangeError);
    expect(() => encodeHeader({ tagNumber: 1.5 }, false, 0)).toThrow(RangeError);
  });
});

describe("OctetStringWriter", () => {
  it("writes content asn1js reads back, in segments of the chosen length, under any write split", () => {
    const options = fc.record(
      {
        // What an OCTET STRING may be tagged as: itself, or IMPLICIT with a non-universal tag.
        tag: fc.oneof(
          fc.constant({ tagNumber: 4 }),
          fc.record({ tagClass: fc.constantFrom<TagClass>("application", "context", "private"), tagNumber }),
        ),
        segmentLength: fc.integer({ min: 1, max: 300 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), cuts, options, (content, fractions, opts) => {
        const writer = new OctetStringWriter(opts);
        const pieces = [...split(content, fractions).flatMap((c) => writer.write(c)), ...writer.end()];
        const segmentLength = opts.segmentLength ?? DEFAULT_SEGMENT_LENGTH;
        // Output streams: after the wrapper header, no piece is larger than a segment with its header.
        for (const piece of pieces.slice(1)) expect(piece.length).toBeLessThanOrEqual(segmentLength + 4);
        const { block, segments } = asn1Segments(concat(pieces));
        expect(block.lenBlock.isIndefiniteForm).toBe(true);
        expect(block.idBlock).toMatchObject({
          tagClass: TAG_CLASSES.indexOf((opts.tag && "tagClass" in opts.tag && opts.tag.tagClass) || "universal") + 1,
          tagNumber: opts.tag?.tagNumber ?? 4,
          isConstructed: true,
        });
        expect(concat(segments)).toEqual(content);
        segments.slice(0, -1).forEach((s) => expect(s.length).toBe(segmentLength));
      }),
      { numRuns: 200 },
    );
  });

  it("writes 64 KiB segments by default, and an empty content as header and end-of-contents", () => {
    const writer = new OctetStringWriter();
    const pieces = [...writer.write(new Uint8Array(200_000).fill(7)), ...writer.end()];
    const { segments } = asn1Segments(concat(pieces));
    expect(segments.map((segment) => segment.length)).toEqual([65532, 65532, 65532, 3404]);
    expect(concat(pieces).length).toBe(2 + 3 * 65536 + 3404 + 4 + 2);
    const written = concat(segments);
    expect(written.length).toBe(200_000);
    expect(written.every((b) => b === 7)).toBe(true);
    const empty = new OctetStringWriter({ tag: { tagClass: "context", tagNumber: 0 } });
    expect(hex(concat(empty.end()))).toBe("a0800000");
  });

  it("hands out a whole segment found in the written data as a view of it, not a copy", () => {
    const writer = new OctetStringWriter({ segmentLength: 100 });
    const data = new Uint8Array(250).fill(1);
    const pieces = writer.write(data.subarray(0, 30)); // header; 30 bytes wait in the segment
    pieces.push(...writer.write(data.subarray(30)));
    const views = pieces.filter((piece) => piece.buffer === data.buffer);
    expect(views.map((view) => [view.byteOffset, view.length])).toEqual([[100, 100]]);
    const { segments } = asn1Segments(concat([...pieces, ...writer.end()]));
    expect(segments.map((segment) => segment.length)).toEqual([100, 100, 50]);
  });

  it("with reuseSegments, fills its own full segments again once the caller is done with the last write (issue 11); the encoding is unchanged", () => {
    /** Every write's pieces copied before the next write, as a consumer that is done with them; the writer's own full segments counted. */
    const written = (writer: OctetStringWriter, chunks: Uint8Array[]): { encoding: Uint8Array; own: number } => {
      const copies: Uint8Array[] = [];
      const own = new Set<ArrayBufferLike>();
      for (const chunk of chunks) {
        for (const piece of writer.write(chunk)) {
          if (piece.buffer !== chunk.buffer && piece.length > 100) own.add(piece.buffer);
          copies.push(piece.slice());
        }
      }
      return { encoding: concat([...copies, ...writer.end()]), own: own.size };
    };
    // Writes of 30 bytes into segments of 100: every segment is filled in the writer's own buffer.
    const content = Uint8Array.from({ length: 3000 }, (_, i) => i % 251);
    const chunks = Array.from({ length: 100 }, (_, i) => content.slice(i * 30, i * 30 + 30));
    const plain = written(new OctetStringWriter({ segmentLength: 100 }), chunks);
    const reused = written(new OctetStringWriter({ segmentLength: 100, reuseSegments: true }), chunks);
    expect(plain.own).toBe(30);
    expect(reused.own).toBe(2); // one handed out, one being filled
    expect(reused.encoding).toEqual(plain.encoding);
    expect(concat(asn1Segments(reused.encoding).segments)).toEqual(content);
    // Any write split gives the same encoding as without reuse.
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        cuts,
        fc.integer({ min: 1, max: 300 }),
        (data, fractions, segmentLength) => {
          const expected = new OctetStringWriter({ segmentLength });
          const pieces = [...split(data, fractions).flatMap((c) => expected.write(c)), ...expected.end()];
          const writer = new OctetStringWriter({ segmentLength, reuseSegments: true });
          const copies = split(data, fractions).flatMap((c) => writer.write(c).map((piece) => piece.slice()));
          expect(concat([...copies, ...writer.end()])).toEqual(concat(pieces));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses use after end", () => {
    const writer = new OctetStringWriter();
    writer.end();
    expect(() => writer.write(new Uint8Array(1))).toThrow(/after end/);
    expect(() => writer.end()).toThrow(/twice/);
    expect(() => new OctetStringWriter({ segmentLength: 0 })).toThrow(RangeError);
  });

  it("octetStringChunks streams an async source", async () => {
    async function* source() {
      for (let i = 0; i < 10; i++) yield new Uint8Array(1000).fill(i);
    }
    const pieces: Uint8Array[] = [];
    for await (const piece of octetStringChunks(source(), { segmentLength: 4096 })) pieces.push(piece);
    expect(pieces.map((p) => p.length)).toEqual([2, 4100, 4100, 1808 + 4, 2]);
    const content = concat(asn1Segments(concat(pieces)).segments);
    expect(content).toEqual(Uint8Array.from({ length: 10_000 }, (_, i) => Math.floor(i / 1000)));
  });
});

describe("encodeAsn1", () => {
  it("encodes a small asn1js element as asn1js does", () => {
    const algorithm = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: "2.16.840.1.101.3.4.1.42" }),
        new asn1js.OctetString({ valueHex: new Uint8Array(16) }),
      ],
    });
    expect(hex(encodeAsn1(algorithm))).toBe(hex(new Uint8Array(algorithm.toBER(false))));
    expect(hex(encodeAsn1(algorithm)).slice(0, 8)).toBe("301d0609");
  });

  it("fails where asn1js silently leaves bytes out", () => {
    const bad = new asn1js.Primitive({ idBlock: { tagClass: 9, tagNumber: 2 }, valueHex: new Uint8Array([1]) });
    expect(() => encodeAsn1(bad)).toThrow(/asn1js could not encode Primitive/);
  });
});
