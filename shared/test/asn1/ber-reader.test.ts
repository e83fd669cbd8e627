// BerReader and BerCursor against asn1js: random trees, DER by asn1js and BER by our writer, read
// back under random chunk splits (1-byte pushes included) as the same tree.
import * as asn1js from "asn1js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BerReader } from "../../src/asn1/index.js";
import {
  berEncode,
  berTree,
  bytewise,
  cuts,
  derEncode,
  derTree,
  expand,
  fromAsn1js,
  readAsync,
  readSync,
  split,
} from "./tree.js";

const runs = { numRuns: 150 };

describe("BerReader on DER from asn1js", () => {
  it("reads the tree under any chunk split, every byte carried by exactly one event", () => {
    fc.assert(
      fc.property(derTree, cuts, (tree, fractions) => {
        const der = derEncode(tree);
        const read = readSync(split(der, fractions));
        expect(read.root).toEqual(tree);
        expect(read.bytes()).toEqual(der);
      }),
      runs,
    );
  });

  it("reads the tree pushed one byte at a time", () => {
    fc.assert(
      fc.property(derTree, (tree) => {
        expect(readSync(bytewise(derEncode(tree))).root).toEqual(tree);
      }),
      { numRuns: 50 },
    );
  });

  it("reports headers as asn1js decodes them: offsets, header lengths, definite lengths", () => {
    fc.assert(
      fc.property(derTree, (tree) => {
        const der = derEncode(tree);
        const reader = new BerReader();
        reader.push(der);
        reader.end();
        const start = reader.read();
        const { result } = asn1js.fromBER(der);
        expect(start).toMatchObject({
          type: "start",
          header: { offset: 0, depth: 0, headerLength: result.valueBeforeDecodeView.length - result.lenBlock.length },
        });
        expect(start?.header.length).toBe(result.lenBlock.length);
      }),
      runs,
    );
  });
});

describe("BerReader on BER from our writer", () => {
  it("reads indefinite lengths and chunked OCTET STRINGs under any chunk split", () => {
    fc.assert(
      fc.property(berTree, cuts, (tree, fractions) => {
        const ber = berEncode(tree);
        const read = readSync(split(ber, fractions));
        expect(read.root).toEqual(expand(tree));
        expect(read.bytes()).toEqual(ber);
      }),
      runs,
    );
  });

  it("reads the tree pushed one byte at a time", () => {
    fc.assert(
      fc.property(berTree, (tree) => {
        expect(readSync(bytewise(berEncode(tree))).root).toEqual(expand(tree));
      }),
      { numRuns: 50 },
    );
  });

  it("agrees with asn1js on what our writer wrote", () => {
    fc.assert(
      fc.property(berTree, (tree) => {
        const ber = berEncode(tree);
        const { offset, result } = asn1js.fromBER(ber);
        expect(result.error).toBe("");
        expect(offset).toBe(ber.length);
        expect(fromAsn1js(result)).toEqual(expand(tree));
      }),
      runs,
    );
  });
});

describe("BerCursor", () => {
  it("gives the reader's events from an async source under any chunk split", async () => {
    await fc.assert(
      fc.asyncProperty(berTree, cuts, async (tree, fractions) => {
        const ber = berEncode(tree);
        const read = await readAsync(split(ber, fractions));
        expect(read.root).toEqual(expand(tree));
        expect(read.bytes()).toEqual(ber);
      }),
      runs,
    );
  });
});
