// BerCursor walking a CMS-shaped structure (RFC 5652 section 6.1, EnvelopedData) the way the CMS
// decoder will: the same result from DER written by asn1js and from BER written by our writer
// (indefinite lengths, chunked encryptedContent), under any chunk split; and its errors.
import * as asn1js from "asn1js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MailsealError } from "../../src/errors/index.js";
import {
  BerCursor,
  contextTag,
  decodeCaptured,
  encodeAsn1,
  encodeHeader,
  END_OF_CONTENTS,
  OCTET_STRING,
  OctetStringWriter,
  SEQUENCE,
  SET,
  UniversalTag,
  type BerReaderOptions,
  type ByteSource,
  type Tag,
} from "../../src/asn1/index.js";
import { concat, cuts, split } from "./tree.js";

const OID = { tagNumber: UniversalTag.OBJECT_IDENTIFIER };
const envelopedDataOid = "1.2.840.113549.1.7.3";
const aes256CbcOid = "2.16.840.1.101.3.4.1.42";

interface Message {
  content: Uint8Array;
  encryptedKey: Uint8Array;
  attributes: boolean;
}

const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const octets = (bytes: Uint8Array) => new asn1js.OctetString({ valueHex: bytes });

function recipientInfo(m: Message) {
  return new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({ value: [new asn1js.Sequence(), new asn1js.Integer({ value: 7 })] }),
      new asn1js.Sequence({ value: [oid("1.2.840.113549.1.1.1"), new asn1js.Null()] }),
      octets(m.encryptedKey),
    ],
  });
}
const algorithm = () => new asn1js.Sequence({ value: [oid(aes256CbcOid), octets(new Uint8Array(16).fill(9))] });
const attributes = () =>
  new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 1 },
    value: [new asn1js.Sequence({ value: [oid("1.2.3.4"), new asn1js.Set({ value: [new asn1js.Null()] })] })],
  });

/** DER, all by asn1js. */
function derMessage(m: Message): Uint8Array {
  const encryptedContentInfo = new asn1js.Sequence({
    value: [
      oid("1.2.840.113549.1.7.1"),
      algorithm(),
      new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: m.content }),
    ],
  });
  const enveloped = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Set({ value: [recipientInfo(m)] }),
      encryptedContentInfo,
      ...(m.attributes ? [attributes()] : []),
    ],
  });
  const contentInfo = new asn1js.Sequence({
    value: [
      oid(envelopedDataOid),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [enveloped] }),
    ],
  });
  return encodeAsn1(contentInfo);
}

/** BER as the CMS encoder will stream it: indefinite wrappers, encryptedContent in segments. */
function berMessage(m: Message, segmentLength: number): { encoding: Uint8Array; recipientInfos: Uint8Array } {
  const open = (tag: Tag) => encodeHeader(tag, true, undefined);
  const recipientInfos = concat([open(SET), encodeAsn1(recipientInfo(m)), END_OF_CONTENTS]);
  const content = new OctetStringWriter({ tag: { tagClass: "context", tagNumber: 0 }, segmentLength });
  const parts = [
    open(SEQUENCE),
    encodeAsn1(oid(envelopedDataOid)),
    open({ tagClass: "context", tagNumber: 0 }),
    open(SEQUENCE),
    encodeAsn1(new asn1js.Integer({ value: 0 })),
    recipientInfos,
    open(SEQUENCE),
    encodeAsn1(oid("1.2.840.113549.1.7.1")),
    encodeAsn1(algorithm()),
    ...content.write(m.content),
    ...content.end(),
    END_OF_CONTENTS,
    ...(m.attributes ? [encodeAsn1(attributes())] : []),
    END_OF_CONTENTS,
    END_OF_CONTENTS,
    END_OF_CONTENTS,
  ];
  return { encoding: concat(parts), recipientInfos };
}

/** The walk the EnvelopedData decoder makes. */
async function readMessage(source: ByteSource) {
  const c = new BerCursor(source);
  await c.enter(SEQUENCE, "ContentInfo");
  const contentType = decodeCaptured(await c.capture(OID, "contentType", 64), "contentType");
  await c.enter(contextTag(0, true), "content");
  await c.enter(SEQUENCE, "EnvelopedData");
  await c.skip();
  const recipientInfos = await c.capture(SET, "RecipientInfos", 4096);
  await c.enter(SEQUENCE, "EncryptedContentInfo");
  await c.skip();
  const algorithm = decodeCaptured(await c.capture(SEQUENCE, "contentEncryptionAlgorithm", 256), "algorithm");
  const content: Uint8Array[] = [];
  for await (const piece of c.octetString(contextTag(0), "encryptedContent")) content.push(piece.slice());
  await c.leave("EncryptedContentInfo");
  const attributes = (await c.nextIs(contextTag(1, true))) ? await c.capture(contextTag(1), "attributes", 256) : null;
  await c.leave("EnvelopedData");
  await c.leave("content");
  await c.leave("ContentInfo");
  await c.finish();
  return {
    contentType: (contentType as asn1js.ObjectIdentifier).valueBlock.toString(),
    recipientInfos,
    algorithm: ((algorithm as asn1js.Sequence).valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString(),
    content: concat(content),
    attributes: attributes && attributes.length,
  };
}

async function* chunksOf(parts: readonly Uint8Array[]) {
  yield* parts;
}

const message = fc.record({
  content: fc.uint8Array({ maxLength: 3000 }),
  encryptedKey: fc.uint8Array({ minLength: 1, maxLength: 300 }),
  attributes: fc.boolean(),
});

describe("BerCursor on an EnvelopedData-shaped message", () => {
  it("reads DER and streamed BER alike, under any chunk split", async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.integer({ min: 1, max: 700 }), cuts, async (m, segmentLength, fractions) => {
        const der = derMessage(m);
        const ber = berMessage(m, segmentLength);
        const fromDer = await readMessage(chunksOf(split(der, fractions)));
        const fromBer = await readMessage(chunksOf(split(ber.encoding, fractions)));
        expect(fromDer).toMatchObject({ contentType: envelopedDataOid, algorithm: aes256CbcOid, content: m.content });
        expect(fromDer.attributes).toBe(m.attributes ? encodeAsn1(attributes()).length : null);
        // The DER capture is the asn1js encoding; the BER one the exact indefinite-length bytes.
        expect(fromDer.recipientInfos).toEqual(encodeAsn1(new asn1js.Set({ value: [recipientInfo(m)] })));
        expect(fromBer).toEqual({ ...fromDer, recipientInfos: ber.recipientInfos });
        const decoded = decodeCaptured(fromBer.recipientInfos, "RecipientInfos") as asn1js.Set;
        const key = (decoded.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[3] as asn1js.OctetString;
        expect(new Uint8Array(key.valueBlock.valueHexView)).toEqual(m.encryptedKey);
      }),
      { numRuns: 100 },
    );
  });
});

/** A cursor over one buffer, counting the bytes it pulled from the source. */
function cursorOver(bytes: Uint8Array, chunkSize = 64, options?: BerReaderOptions) {
  const state = { pulled: 0, returned: false };
  function* source() {
    try {
      for (let at = 0; at < bytes.length; at += chunkSize) {
        state.pulled += Math.min(chunkSize, bytes.length - at);
        yield bytes.subarray(at, at + chunkSize);
      }
    } finally {
      state.returned = true;
    }
  }
  return { cursor: new BerCursor(source(), options), state };
}

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

async function rejects(promise: Promise<unknown>, code: string, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailsealError);
  expect(error).toMatchObject({ code });
  expect((error as MailsealError).message).toMatch(message);
}

describe("BerCursor errors", () => {
  it("a field of the wrong tag names what was expected and what was found", async () => {
    const { cursor } = cursorOver(hex("3103020100"));
    await rejects(
      cursor.enter(SEQUENCE, "EnvelopedData"),
      "MALFORMED_CMS",
      /^expected EnvelopedData \(SEQUENCE constructed\), found SET constructed at offset 0$/,
    );
    const second = cursorOver(hex("30030201")).cursor;
    await second.enter(SEQUENCE, "EnvelopedData");
    await rejects(second.enter(OCTET_STRING, "encryptedKey"), "MALFORMED_CMS", /found INTEGER primitive at offset 2/);
  });

  it("a field left over where the structure should end", async () => {
    const { cursor } = cursorOver(hex("3003020100"));
    await cursor.enter(SEQUENCE, "Attribute");
    expect(await cursor.atEnd()).toBe(false);
    await rejects(cursor.leave("Attribute"), "MALFORMED_CMS", /expected the end of Attribute, found INTEGER/);
  });

  it("a capture over its cap fails at the header when the length is definite", async () => {
    const big = concat([encodeHeader(SET, true, 1 << 20), new Uint8Array(1 << 20).fill(4)]);
    const { cursor, state } = cursorOver(big, 4096);
    await rejects(
      cursor.capture(SET, "RecipientInfos", 1000),
      "INPUT_TOO_LARGE",
      /^SET constructed at offset 0 is 1048581 bytes, over the 1000 allowed$/,
    );
    expect(state.pulled).toBe(4096);
  });

  it("a capture over its cap fails as the bytes come when the length is indefinite", async () => {
    const segment = concat([encodeHeader(OCTET_STRING, false, 100), new Uint8Array(100)]);
    const big = concat([hex("3180"), ...Array<Uint8Array>(1000).fill(segment), END_OF_CONTENTS]);
    const { cursor, state } = cursorOver(big, 64);
    await rejects(
      cursor.capture(SET, "RecipientInfos", 1000),
      "INPUT_TOO_LARGE",
      /at least 10\d\d bytes, over the 1000/,
    );
    expect(state.pulled).toBeLessThan(1200);
    // A capture within the cap returns the exact bytes.
    const small = concat([hex("3180"), segment, END_OF_CONTENTS]);
    expect(await cursorOver(small).cursor.capture(SET, "RecipientInfos", small.length)).toEqual(small);
  });

  it("an encryptedContent segment that is not an OCTET STRING", async () => {
    const { cursor } = cursorOver(hex("a08004020102020100000000"));
    const read = async () => {
      for await (const piece of cursor.octetString(contextTag(0), "encryptedContent")) expect(piece.length).toBe(2);
    };
    await rejects(
      read(),
      "MALFORMED_CMS",
      /encryptedContent: segment at offset 6 is INTEGER primitive, not OCTET STRING/,
    );
  });

  it("segments nested in constructed segments stream too (X.690 8.7.3.2)", async () => {
    const { cursor } = cursorOver(hex("2480040101248004020203000004000000"), 3);
    const pieces: number[] = [];
    for await (const piece of cursor.octetString(OCTET_STRING, "eContent")) pieces.push(...piece);
    expect(pieces).toEqual([1, 2, 3]);
    await cursor.finish();
  });

  it("trailing data: rejected by finish, or not read at all when ignored", async () => {
    const input = concat([hex("0400"), new Uint8Array(10_000)]);
    const strict = cursorOver(input);
    await strict.cursor.skip();
    await rejects(strict.cursor.finish(), "MALFORMED_CMS", /trailing data after the top element/);
    const lenient = cursorOver(input, 64, { trailingData: "ignore" });
    await lenient.cursor.skip();
    await lenient.cursor.finish();
    expect(lenient.state.pulled).toBe(64);
  });

  it("an empty source is truncated, a finished cursor returns nothing more", async () => {
    await rejects(cursorOver(new Uint8Array(0)).cursor.next(), "TRUNCATED", /empty/);
    const { cursor } = cursorOver(hex("30020500"));
    await cursor.enter(SEQUENCE, "parameters");
    await cursor.skip();
    expect(await cursor.atEnd()).toBe(true);
    await cursor.leave("parameters");
    await cursor.finish();
    expect(await cursor.next()).toBeUndefined();
  });

  it("with ownsChunks, frees each chunk once read past (issue 11); captures and streamed content stay intact", async () => {
    // SEQUENCE { SEQUENCE { NULL }, OCTET STRING of 300 bytes }, in fresh 7-byte chunks: the
    // captured field and the content cross chunk boundaries.
    const content = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
    const algorithm = hex("30020500");
    const octets = concat([encodeHeader(OCTET_STRING, false, content.length), content]);
    const bytes = concat([encodeHeader(SEQUENCE, true, algorithm.length + octets.length), algorithm, octets]);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 7) chunks.push(bytes.slice(at, at + 7));
    const cursor = new BerCursor(chunks, { ownsChunks: true });
    await cursor.enter(SEQUENCE, "ContentInfo");
    const captured = await cursor.capture(SEQUENCE, "algorithm", 100);
    const streamed: Uint8Array[] = [];
    for await (const piece of cursor.octetString(OCTET_STRING, "content")) streamed.push(piece.slice());
    expect(captured).toEqual(algorithm);
    await cursor.leave("ContentInfo");
    await cursor.finish();
    expect(concat(streamed)).toEqual(content);
    // Every chunk but the last (which the end of the source never asks past) was freed.
    expect(chunks.slice(0, -1).every((chunk) => chunk.byteLength === 0)).toBe(true);
    // Without ownsChunks the source's chunks are left alone.
    const kept = [bytes.slice(0, 10), bytes.slice(10)];
    const plain = new BerCursor(kept);
    await plain.skip();
    await plain.finish();
    expect(kept.map((chunk) => chunk.byteLength)).toEqual([10, bytes.length - 10]);
  });

  it("close releases the source", async () => {
    const { cursor, state } = cursorOver(hex("3080".repeat(100)), 2);
    await cursor.enter(SEQUENCE, "ContentInfo");
    expect(state.returned).toBe(false);
    await cursor.close();
    expect(state.returned).toBe(true);
    await expect(cursor.next()).rejects.toThrow(/after close/);
  });
});

describe("decodeCaptured", () => {
  it("fails with MALFORMED_CMS on what asn1js cannot decode, or on bytes after the element", () => {
    expect(() => decodeCaptured(hex("060180"), "algorithm")).toThrow(MailsealError);
    expect(() => decodeCaptured(hex("060180"), "algorithm")).toThrow(/^algorithm: /);
    expect(() => decodeCaptured(hex("050000"), "parameters")).toThrow(/parameters: 1 bytes after the element/);
    expect(decodeCaptured(hex("0500"), "parameters")).toBeInstanceOf(asn1js.Null);
  });
});

describe("BerCursor misuse", () => {
  it("says where it is when a field is expected inside a primitive", async () => {
    const { cursor } = cursorOver(hex("0401ff"));
    await cursor.enter(OCTET_STRING, "eContent");
    await rejects(
      cursor.enter(SEQUENCE, "inner"),
      "MALFORMED_CMS",
      /found content of OCTET STRING primitive at offset 0/,
    );
  });
});
