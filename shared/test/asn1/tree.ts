// A plain model of ASN.1 trees for the property tests: random trees, their encodings (DER by
// asn1js, BER by our writer with indefinite lengths and chunked OCTET STRINGs), and the trees read
// back by BerReader, BerCursor and asn1js.
import * as asn1js from "asn1js";
import fc from "fast-check";
import { expect } from "vitest";
import {
  BerCursor,
  BerReader,
  encodeHeader,
  END_OF_CONTENTS,
  OctetStringWriter,
  TAG_CLASSES,
  UniversalTag,
  type BerEvent,
  type BerReaderOptions,
  type TagClass,
} from "../../src/asn1/index.js";

export interface Primitive {
  tagClass: TagClass;
  tagNumber: number;
  constructed: false;
  bytes: Uint8Array;
}
export interface Constructed {
  tagClass: TagClass;
  tagNumber: number;
  constructed: true;
  indefinite: boolean;
  children: Node[];
}
export type Node = Primitive | Constructed;

/** A BER-only node: an OCTET STRING written by OctetStringWriter in segments of `segmentLength`. */
export interface Chunked {
  tagClass: TagClass;
  tagNumber: number;
  chunked: true;
  bytes: Uint8Array;
  segmentLength: number;
}
export interface BerConstructed extends Omit<Constructed, "children"> {
  children: BerNode[];
}
export type BerNode = Primitive | BerConstructed | Chunked;

interface TagPair {
  tagClass: TagClass;
  tagNumber: number;
}

const nonUniversal = fc.constantFrom<TagClass>("application", "context", "private");
const tagNumber = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 31, max: 2 ** 28 - 1 }) },
);
// Universal tags asn1js decodes without interpreting the content: OCTET STRING, SEQUENCE, SET.
const primitiveTag: fc.Arbitrary<TagPair> = fc.oneof(
  fc.record({ tagClass: fc.constant<TagClass>("universal"), tagNumber: fc.constant(UniversalTag.OCTET_STRING) }),
  fc.record({ tagClass: nonUniversal, tagNumber }),
);
const constructedTag: fc.Arbitrary<TagPair> = fc.oneof(
  fc.record({
    tagClass: fc.constant<TagClass>("universal"),
    tagNumber: fc.constantFrom(UniversalTag.SEQUENCE, UniversalTag.SET),
  }),
  fc.record({ tagClass: nonUniversal, tagNumber }),
);
/** Mostly short contents, some past the one- and two-octet length forms. */
const contents = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 120, maxLength: 400 }) },
);

const primitive: fc.Arbitrary<Primitive> = fc
  .tuple(primitiveTag, contents)
  .map(([tag, bytes]): Primitive => ({ ...tag, constructed: false, bytes }));

const der = fc.letrec<{ node: Node; constructed: Constructed }>((tie) => ({
  node: fc.oneof({ depthSize: "medium", withCrossShrink: true }, primitive, tie("constructed")),
  constructed: fc
    .tuple(constructedTag, fc.array(tie("node"), { maxLength: 5, size: "medium" }))
    .map(([tag, children]): Constructed => ({ ...tag, constructed: true, indefinite: false, children })),
}));

/** Random trees, definite lengths only (what DER can express); mostly a constructed top. */
export const derTree: fc.Arbitrary<Node> = fc.oneof(
  { weight: 1, arbitrary: der.node },
  { weight: 3, arbitrary: der.constructed },
);

const ber = fc.letrec<{ node: BerNode; constructed: BerConstructed }>((tie) => ({
  node: fc.oneof(
    { depthSize: "medium", withCrossShrink: true },
    primitive,
    fc
      .tuple(primitiveTag, contents, fc.integer({ min: 1, max: 200 }))
      .map(([tag, bytes, segmentLength]): Chunked => ({ ...tag, chunked: true, bytes, segmentLength })),
    tie("constructed"),
  ),
  constructed: fc
    .tuple(constructedTag, fc.boolean(), fc.array(tie("node"), { maxLength: 5, size: "medium" }))
    .map(([tag, indefinite, children]): BerConstructed => ({ ...tag, constructed: true, indefinite, children })),
}));

/** Random trees with indefinite lengths and chunked OCTET STRINGs; mostly a constructed top. */
export const berTree: fc.Arbitrary<BerNode> = fc.oneof(
  { weight: 1, arbitrary: ber.node },
  { weight: 3, arbitrary: ber.constructed },
);

export function derEncode(node: Node): Uint8Array {
  return new Uint8Array(toAsn1js(node).toBER(false));
}

function toAsn1js(node: Node): asn1js.BaseBlock {
  const idBlock = { tagClass: TAG_CLASSES.indexOf(node.tagClass) + 1, tagNumber: node.tagNumber };
  return node.constructed
    ? new asn1js.Constructed({ idBlock, value: node.children.map(toAsn1js) })
    : new asn1js.Primitive({ idBlock, valueHex: node.bytes });
}

/** Our own BER: headers from encodeHeader, chunked OCTET STRINGs from OctetStringWriter. */
export function berEncode(node: BerNode): Uint8Array {
  return concat(berParts(node));
}

function berParts(node: BerNode): Uint8Array[] {
  if ("chunked" in node) {
    const writer = new OctetStringWriter({ tag: node, segmentLength: node.segmentLength });
    return [...writer.write(node.bytes), ...writer.end()];
  }
  if (!node.constructed) return [encodeHeader(node, false, node.bytes.length), node.bytes];
  const content = node.children.flatMap(berParts);
  if (node.indefinite) return [encodeHeader(node, true, undefined), ...content, END_OF_CONTENTS];
  return [
    encodeHeader(
      node,
      true,
      content.reduce((n, c) => n + c.length, 0),
    ),
    ...content,
  ];
}

/** The tree the reader must see for a BER tree: a chunked node is constructed of segments. */
export function expand(node: BerNode): Node {
  if ("chunked" in node) {
    const children: Node[] = [];
    for (let at = 0; at < node.bytes.length; at += node.segmentLength) {
      const bytes = node.bytes.slice(at, at + node.segmentLength);
      children.push({ tagClass: "universal", tagNumber: UniversalTag.OCTET_STRING, constructed: false, bytes });
    }
    return { tagClass: node.tagClass, tagNumber: node.tagNumber, constructed: true, indefinite: true, children };
  }
  return node.constructed ? { ...node, children: node.children.map(expand) } : node;
}

/** The tree asn1js decodes, in the model. */
export function fromAsn1js(block: asn1js.BaseBlock): Node {
  const tagClass = TAG_CLASSES[block.idBlock.tagClass - 1]!;
  const { tagNumber, isConstructed } = block.idBlock;
  if (isConstructed) {
    const children = (block.valueBlock as unknown as { value: asn1js.BaseBlock[] }).value;
    return {
      tagClass,
      tagNumber,
      constructed: true,
      indefinite: block.lenBlock.isIndefiniteForm,
      children: children.filter((c) => !(c instanceof asn1js.EndOfContent)).map(fromAsn1js),
    };
  }
  const bytes = new Uint8Array((block.valueBlock as unknown as { valueHexView: Uint8Array }).valueHexView);
  return { tagClass, tagNumber, constructed: false, bytes };
}

/** Builds the tree from reader events, checking the invariants every event stream must keep. */
export class TreeBuilder {
  private readonly stack: Node[] = [];
  private readonly parts: Uint8Array[] = [];
  private consumed = 0;
  root: Node | undefined;

  add(event: BerEvent): void {
    const bytes = event.type === "content" ? event.bytes : event.raw;
    this.parts.push(bytes.slice());
    this.consumed += bytes.length;
    const { header } = event;
    if (event.type === "start") {
      expect(header.depth).toBe(this.stack.length);
      expect(header.headerLength).toBe(event.raw.length);
      expect(header.offset).toBe(this.consumed - event.raw.length);
      const { tagClass, tagNumber } = header;
      this.stack.push(
        header.constructed
          ? { tagClass, tagNumber, constructed: true, indefinite: header.length === undefined, children: [] }
          : { tagClass, tagNumber, constructed: false, bytes: new Uint8Array(0) },
      );
    } else if (event.type === "content") {
      expect(event.offset).toBe(this.consumed - event.bytes.length);
      const top = this.stack[this.stack.length - 1] as Primitive;
      top.bytes = concat([top.bytes, event.bytes]);
    } else {
      const node = this.stack.pop()!;
      expect(header.depth).toBe(this.stack.length);
      if (header.length !== undefined) expect(this.consumed).toBe(header.offset + header.headerLength + header.length);
      const parent = this.stack[this.stack.length - 1];
      if (parent) (parent as Constructed).children.push(node);
      else this.root = node;
    }
  }

  /** Every byte of the input, as the events carried them. */
  bytes(): Uint8Array {
    return concat(this.parts);
  }
}

/** Cut points, as fractions of the length, for splitting an input into chunks (empty ones too). */
export const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

export function split(data: Uint8Array, fractions: readonly number[]): Uint8Array[] {
  const points = fractions.map((f) => Math.floor(f * data.length)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, data.length]) {
    chunks.push(data.subarray(start, p));
    start = p;
  }
  return chunks;
}

export function bytewise(data: Uint8Array): Uint8Array[] {
  return Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));
}

/** Reads chunks with the sync reader, draining after each push as a stream consumer does. */
export function readSync(chunks: readonly Uint8Array[], options?: BerReaderOptions): TreeBuilder {
  const reader = new BerReader(options);
  const tree = new TreeBuilder();
  const drain = () => {
    for (let event = reader.read(); event; event = reader.read()) tree.add(event);
  };
  for (const chunk of chunks) {
    reader.push(chunk);
    drain();
    expect(reader.carriedBytes).toBeLessThanOrEqual(14);
  }
  reader.end();
  drain();
  return tree;
}

export async function readAsync(chunks: readonly Uint8Array[], options?: BerReaderOptions): Promise<TreeBuilder> {
  async function* source() {
    yield* chunks;
  }
  const cursor = new BerCursor(source(), options);
  const tree = new TreeBuilder();
  for (let event = await cursor.next(); event; event = await cursor.next()) tree.add(event);
  return tree;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
