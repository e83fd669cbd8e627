// Large content streams through with the reader holding next to nothing: a 64 MiB chunked OCTET
// STRING, written by OctetStringWriter, re-cut into chunks of uneven sizes so headers split across
// chunks, read by BerReader; and the cursor pulling its source only as the content is consumed.
import { describe, expect, it } from "vitest";
import {
  BerCursor,
  BerReader,
  encodeHeader,
  END_OF_CONTENTS,
  MAX_HEADER_LENGTH,
  OCTET_STRING,
  OctetStringWriter,
  SEQUENCE,
} from "../../src/asn1/index.js";

const MiB = 1 << 20;

/** Content byte i is i mod 256; 1 MiB is a multiple of 256, so one buffer serves every MiB. */
const pattern = Uint8Array.from({ length: MiB }, (_, i) => i & 0xff);

function* content(mebibytes: number): Generator<Uint8Array> {
  for (let i = 0; i < mebibytes; i++) yield pattern;
}

/** SEQUENCE (indefinite) { OCTET STRING (indefinite, segments) }, as the writer emits it. */
function* message(mebibytes: number): Generator<Uint8Array> {
  yield encodeHeader(SEQUENCE, true, undefined);
  const writer = new OctetStringWriter();
  for (const piece of content(mebibytes)) yield* writer.write(piece);
  yield* writer.end();
  yield END_OF_CONTENTS;
}

/** Re-cuts a stream into chunks whose sizes cycle through `sizes`, across the pieces' boundaries. */
function* recut(pieces: Iterable<Uint8Array>, sizes: readonly number[]): Generator<Uint8Array> {
  let turn = 0;
  let chunk = new Uint8Array(sizes[0]!);
  let filled = 0;
  for (const piece of pieces) {
    for (let at = 0; at < piece.length;) {
      const n = Math.min(chunk.length - filled, piece.length - at);
      chunk.set(piece.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === chunk.length) {
        yield chunk;
        turn = (turn + 1) % sizes.length;
        chunk = new Uint8Array(sizes[turn]!);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield chunk.subarray(0, filled);
}

/** Checks each content slice against the pattern; returns the content length seen. */
function checker() {
  let seen = 0;
  return {
    check(bytes: Uint8Array) {
      for (let j = 0; j < bytes.length; j++) {
        if (bytes[j] !== ((seen + j) & 0xff)) throw new Error(`content byte ${seen + j} is wrong`);
      }
      seen += bytes.length;
    },
    get seen() {
      return seen;
    },
  };
}

describe("streaming", () => {
  it("64 MiB chunked OCTET STRING: the reader copies at most a header and holds no chunk after draining", () => {
    const reader = new BerReader();
    const content = checker();
    let maxCarried = 0;
    let chunks = 0;
    let segments = 0;
    // Odd sizes, so segment headers fall across chunk boundaries at every offset in turn.
    for (const chunk of recut(message(64), [1, 3, 65_001, 2, 99_997, 7, 13_003])) {
      reader.push(chunk);
      chunks++;
      for (let event = reader.read(); event; event = reader.read()) {
        maxCarried = Math.max(maxCarried, reader.carriedBytes);
        if (event.type === "content") content.check(event.bytes);
        else if (event.type === "start" && event.header.depth === 2) segments++;
      }
      maxCarried = Math.max(maxCarried, reader.carriedBytes);
      expect(reader.pendingBytes).toBe(0);
    }
    reader.end();
    expect(reader.read()).toBeUndefined();
    expect(reader.done).toBe(true);
    expect(content.seen).toBe(64 * MiB);
    expect(segments).toBe(Math.ceil((64 * MiB) / 65532));
    // Headers did split across chunks, and the reader never held more than one header's bytes.
    expect(maxCarried).toBeGreaterThan(0);
    expect(maxCarried).toBeLessThanOrEqual(MAX_HEADER_LENGTH);
    expect(chunks).toBeGreaterThan(1000);
  });

  it("the cursor pulls its source only as far as the content has been consumed", async () => {
    let pulled = 0;
    let maxAhead = 0;
    const writer = new OctetStringWriter();
    const encoding = (function* () {
      for (const piece of content(16)) yield* writer.write(piece);
      yield* writer.end();
    })();
    async function* source() {
      // Chunks cut across the 64 KiB segments, so a segment can end inside a chunk.
      for (const chunk of recut(encoding, [50_000, 30_001])) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const cursor = new BerCursor(source());
    const check = checker();
    for await (const bytes of cursor.octetString(OCTET_STRING, "eContent")) {
      check.check(bytes);
      maxAhead = Math.max(maxAhead, pulled - cursor.position);
    }
    await cursor.finish();
    expect(check.seen).toBe(16 * MiB);
    // Pulled but not yet handed on: never a whole chunk, so the cursor never reads ahead.
    expect(maxAhead).toBeGreaterThan(0);
    expect(maxAhead).toBeLessThan(50_000);
  });
});
