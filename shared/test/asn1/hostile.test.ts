// Hostile inputs: each fails with its stable code after reading only a few bytes, whatever the
// chunking, and arbitrary bytes never make the reader throw anything but MailsealError.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MailsealError, type ErrorCode } from "../../src/errors/index.js";
import { BerReader, DEFAULT_MAX_DEPTH, type BerEvent, type BerReaderOptions } from "../../src/asn1/index.js";
import { berEncode, berTree, bytewise, cuts, derEncode, derTree, split } from "./tree.js";

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

interface Outcome {
  /** Event types, runs of content events merged (how content is sliced depends on the chunks). */
  events: BerEvent["type"][];
  code?: ErrorCode;
  message?: string;
  /** How far the reader got: a hostile input must fail early, not after reading it all. */
  position: number;
}

/** Reads every event; the outcome is the events seen and the error, if any. */
function run(chunks: readonly Uint8Array[], options?: BerReaderOptions): Outcome {
  const reader = new BerReader(options);
  const events: BerEvent["type"][] = [];
  const drain = () => {
    for (let e = reader.read(); e; e = reader.read()) {
      if (e.type !== "content" || events[events.length - 1] !== "content") events.push(e.type);
    }
  };
  try {
    for (const chunk of chunks) {
      reader.push(chunk);
      drain();
    }
    reader.end();
    drain();
    return { events, position: reader.position };
  } catch (error) {
    if (!(error instanceof MailsealError)) throw error;
    // The failure sticks: the reader does not carry on past it.
    expect(() => reader.read()).toThrow(error);
    return { events, code: error.code, message: error.message, position: reader.position };
  }
}

function fails(input: Uint8Array, code: ErrorCode, message: RegExp, options?: BerReaderOptions): Outcome {
  const outcome = run([input], options);
  expect(outcome.code).toBe(code);
  expect(outcome.message).toMatch(message);
  // The same verdict pushed byte by byte.
  expect(run(bytewise(input), options)).toEqual(outcome);
  return outcome;
}

describe("hostile BER", () => {
  it("empty input and a single byte are truncated", () => {
    fails(new Uint8Array(0), "TRUNCATED", /empty/);
    fails(hex("30"), "TRUNCATED", /header at offset 0/);
    fails(hex("04"), "TRUNCATED", /header/);
    fails(hex("00"), "TRUNCATED", /header/);
  });

  it("a 2^64 length field fails at the header", () => {
    // Nine length octets: 2^64.
    const nine = new Uint8Array(1 << 16);
    nine.set(hex("048901000000000000000000"));
    expect(fails(nine, "MALFORMED_CMS", /9 length octets/).position).toBe(2);
    // Eight octets of 2^64 - 1: past 2^53.
    const eight = hex("0488ffffffffffffffff00");
    expect(fails(eight, "MALFORMED_CMS", /2\^53/).position).toBeLessThanOrEqual(10);
    // 2^53 itself is refused, 2^53 - 1 is a length (and then runs out of input).
    fails(hex("048720000000000000"), "MALFORMED_CMS", /2\^53/);
    fails(hex("04871fffffffffffff"), "TRUNCATED", /inside OCTET STRING/);
  });

  it("lengths over the configured maximum", () => {
    fails(hex("04847fffffff"), "MALFORMED_CMS", /length 2147483647 over the limit of 1048576/, { maxLength: 1 << 20 });
    expect(run([hex("0403010203")], { maxLength: 3 }).code).toBeUndefined();
    fails(hex("0404"), "MALFORMED_CMS", /over the limit/, { maxLength: 3 });
  });

  it("100000 nested indefinite SEQUENCEs stop at the nesting limit", () => {
    const bomb = new Uint8Array(200_000).fill(0x80).map((b, i) => (i % 2 === 0 ? 0x30 : b));
    const outcome = fails(bomb, "NESTING_TOO_DEEP", /33 levels deep \(at most 32\)/);
    expect(outcome.position).toBe(2 * (DEFAULT_MAX_DEPTH + 1));
    expect(outcome.events).toHaveLength(DEFAULT_MAX_DEPTH);
  });

  it("nesting exactly at the limit is accepted, one more is not", () => {
    const nested = (levels: number) => hex("3080".repeat(levels - 1) + "0400" + "0000".repeat(levels - 1));
    expect(run([nested(DEFAULT_MAX_DEPTH)]).code).toBeUndefined();
    fails(nested(DEFAULT_MAX_DEPTH + 1), "NESTING_TOO_DEEP", /33 levels/);
    expect(run([nested(5)], { maxDepth: 5 }).code).toBeUndefined();
    fails(nested(6), "NESTING_TOO_DEEP", /at most 5/, { maxDepth: 5 });
  });

  it("a length that exceeds its parent", () => {
    fails(hex("3003040500000000"), "MALFORMED_CMS", /runs 4 bytes past the end of its enclosing element/);
    // The grandparent's end binds through an indefinite parent too.
    fails(hex("30063080040500000000000000"), "MALFORMED_CMS", /past the end/);
    // A header that straddles the parent's end.
    fails(hex("30033001041f0100"), "MALFORMED_CMS", /crosses the end/);
    fails(hex("3001"), "TRUNCATED", /inside SEQUENCE/);
  });

  it("an indefinite element not closed before its definite parent ends", () => {
    fails(hex("300430800400"), "MALFORMED_CMS", /not closed before the end of its enclosing element/);
  });

  it("indefinite length on a primitive", () => {
    fails(hex("04800000"), "MALFORMED_CMS", /indefinite length on a primitive/);
    fails(hex("80800000"), "MALFORMED_CMS", /indefinite length on a primitive/);
  });

  it("end-of-contents that is not 00 00, or out of place", () => {
    fails(hex("30800001ff"), "MALFORMED_CMS", /not end-of-contents 00 00/);
    fails(hex("3080208000000000"), "MALFORMED_CMS", /not end-of-contents/);
    fails(hex("0000"), "MALFORMED_CMS", /end-of-contents outside an indefinite-length element/);
    fails(hex("30020000"), "MALFORMED_CMS", /end-of-contents outside/);
  });

  it("malformed identifier and length octets", () => {
    fails(hex("0fff"), "MALFORMED_CMS", /reserved length octet 0xFF/);
    fails(hex("1f800100"), "MALFORMED_CMS", /leading zero septet/);
    fails(hex("1f1e00"), "MALFORMED_CMS", /tag number 30 in the long form/);
    fails(hex("1fffffffff7f00"), "MALFORMED_CMS", /longer than 4 octets/);
    expect(run([hex("1fffffff7f00")]).code).toBeUndefined();
  });

  it("trailing data after the top element, unless the consumer ignores it", () => {
    fails(hex("0400ff"), "MALFORMED_CMS", /trailing data after the top element, which ends at offset 2/);
    expect(run([hex("0400"), hex("ffff")], { trailingData: "ignore" })).toEqual({
      events: ["start", "end"],
      position: 2,
    });
    const reader = new BerReader({ trailingData: "ignore" });
    reader.push(hex("0400"));
    expect(reader.done).toBe(false);
    expect(reader.read()?.type).toBe("start");
    expect(reader.read()?.type).toBe("end");
    expect(reader.done).toBe(true);
    reader.push(new Uint8Array(1000));
    expect(reader.pendingBytes).toBe(0);
  });

  it("a failed reader keeps failing and holds no more input", () => {
    const reader = new BerReader();
    reader.push(hex("0fff"));
    expect(() => reader.read()).toThrow(/reserved length octet/);
    reader.push(new Uint8Array(1 << 20));
    expect(reader.pendingBytes).toBe(0);
    expect(() => reader.read()).toThrow(/reserved length octet/);
  });

  it("truncation at every offset of a valid encoding", () => {
    fc.assert(
      fc.property(fc.oneof(derTree.map(derEncode), berTree.map(berEncode)), (encoding) => {
        for (let n = 0; n < encoding.length; n++) {
          const outcome = run([encoding.subarray(0, n)]);
          expect(outcome.code, `prefix of ${n} bytes`).toBe("TRUNCATED");
          expect(outcome.position).toBe(n);
        }
        expect(run([encoding]).code).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });

  it("arbitrary bytes: a MailsealError or a tree, the same under any chunk split", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cuts, (bytes, fractions) => {
        expect(run(split(bytes, fractions))).toEqual(run([bytes]));
      }),
      { numRuns: 500 },
    );
  });

  it("a valid encoding with bytes changed: a MailsealError or a tree, the same under any chunk split", () => {
    const mutated = fc
      .tuple(berTree.map(berEncode), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
      .map(([encoding, edits]) => {
        const out = encoding.slice();
        for (const [at, value] of edits) out[at % out.length] = value;
        return out;
      });
    fc.assert(
      fc.property(mutated, cuts, (bytes, fractions) => {
        expect(run(split(bytes, fractions))).toEqual(run([bytes]));
      }),
      { numRuns: 300 },
    );
  });
});
