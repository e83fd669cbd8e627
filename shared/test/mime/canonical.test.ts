import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineEndCanonicalizer, canonicalizeLineEnds } from "../../src/index.js";
import { byteByByte, bytes, chunked, collect, cutsArbitrary, latin1 } from "./support.js";

/** The reference: every CRLF, bare CR or bare LF becomes CRLF. */
const reference = (text: string) => text.replace(/\r\n|\r|\n/g, "\r\n");

const textWithLineEnds = fc
  .array(fc.constantFrom("\r", "\n", "\r\n", "a", "b", " ", "\u00ff", "\r\r", "\n\n"), { maxLength: 60 })
  .map((pieces) => pieces.join(""));

const latin1Bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe("canonical line ends (RFC 8551 3.1.1)", () => {
  it("turns bare LF and bare CR into CRLF and keeps CRLF", async () => {
    expect(latin1(await collect(canonicalizeLineEnds(chunked(bytes("a\nb\rc\r\nd\n\re\r"), [2, 4, 5]))))).toBe(
      "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n",
    );
  });

  it("gives the same result under any chunk split, one-byte chunks included", async () => {
    await fc.assert(
      fc.asyncProperty(textWithLineEnds, cutsArbitrary(80), async (text, cuts) => {
        const data = latin1Bytes(text);
        expect(latin1(await collect(canonicalizeLineEnds(chunked(data, cuts))))).toBe(reference(text));
        expect(latin1(await collect(canonicalizeLineEnds(byteByByte(data))))).toBe(reference(text));
      }),
      { numRuns: 300 },
    );
  });

  it("with consumed, frees each converted chunk when the next is asked for (issue 11); canonical chunks and the source's are left alone", async () => {
    const source = [bytes("a\nb\n"), bytes("c\r\nd\r\n"), bytes("e\rf\n")];
    const yielded: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    async function* each(): AsyncGenerator<Uint8Array> {
      yield* source;
    }
    for await (const chunk of canonicalizeLineEnds(each(), { consumed: true })) {
      yielded.push(chunk);
      copies.push(chunk.slice());
    }
    expect(latin1(new Uint8Array(Buffer.concat(copies)))).toBe("a\r\nb\r\nc\r\nd\r\ne\r\nf\r\n");
    expect(yielded.map((chunk) => chunk.byteLength)).toEqual([0, 6, 0]);
    expect(source.map((chunk) => chunk.byteLength)).toEqual([4, 6, 4]);
  });

  it("returns a chunk that needs no change as it is (no copy on the hot path)", () => {
    const chunk = bytes("already\r\ncanonical\r\n");
    expect(new LineEndCanonicalizer().push(chunk)).toBe(chunk);
  });
});
