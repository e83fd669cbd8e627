// Async pull cursor over a BER byte source, in the shape the CMS decoders are written in: enter a
// SEQUENCE, test for an OPTIONAL [n] field, capture a small field whole for pkijs, stream the
// content OCTET STRING, leave. Reads the source one chunk at a time, only as the consumer asks.
import { MailsealError } from "../errors/index.js";
import { BerReader, type BerEvent, type BerHeader, type BerReaderOptions, type BerStartEvent } from "./ber-reader.js";
import { ElementCapture } from "./capture.js";
import { describeTag, matchesTag, UniversalTag, type TagMatch } from "./tag.js";

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * The async counterpart of `BerReader`: it pulls chunks from `source` whenever the reader needs
 * more, so memory is one source chunk plus a partial header. Errors are MailsealError as the reader's;
 * a field of the wrong tag or a missing `end` is MALFORMED_CMS naming what was expected.
 */
export class BerCursor {
  private readonly reader: BerReader;
  private readonly source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private lookahead: BerEvent | undefined;
  private sourceDone = false;

  constructor(source: ByteSource, options: BerReaderOptions = {}) {
    this.reader = new BerReader(options);
    this.source = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  /** Offset of the next byte the reader will read. */
  get position(): number {
    return this.reader.position;
  }

  /** The next event, or undefined once the top element is complete and the source is finished. */
  async next(): Promise<BerEvent | undefined> {
    const event = await this.peek();
    this.lookahead = undefined;
    return event;
  }

  async peek(): Promise<BerEvent | undefined> {
    while (this.lookahead === undefined) {
      this.lookahead = this.reader.read();
      if (this.lookahead !== undefined || this.reader.done) break;
      await this.pull();
    }
    return this.lookahead;
  }

  /** True when the next event starts an element with this tag: for OPTIONAL and CHOICE fields. */
  async nextIs(tag: TagMatch): Promise<boolean> {
    const event = await this.peek();
    return event?.type === "start" && matchesTag(event.header, tag);
  }

  /** True when the next event ends the current element: no more fields in it. */
  async atEnd(): Promise<boolean> {
    return (await this.peek())?.type === "end";
  }

  /** Reads the header of the next element, which must have this tag. */
  async enter(tag: TagMatch, what: string): Promise<BerHeader> {
    return (await this.start(tag, what)).header;
  }

  /** Reads the end of the current element: nothing may be left in it. */
  async leave(what: string): Promise<void> {
    const event = await this.next();
    if (event?.type !== "end")
      throw new MailsealError("MALFORMED_CMS", `expected the end of ${what}, found ${found(event)}`);
  }

  /** Reads the next element whole: its exact encoding, at most `maxBytes` (INPUT_TOO_LARGE). */
  async capture(tag: TagMatch, what: string, maxBytes: number): Promise<Uint8Array> {
    const capture = new ElementCapture(maxBytes);
    let encoding = capture.add(await this.start(tag, what));
    // Inside an element `next` never returns undefined: the reader fails with TRUNCATED instead.
    while (!encoding) encoding = capture.add((await this.next())!);
    return encoding;
  }

  /** Reads past the next element, whatever it holds. */
  async skip(): Promise<void> {
    const start = await this.next();
    if (start?.type !== "start") throw new MailsealError("MALFORMED_CMS", `expected an element, found ${found(start)}`);
    let event = await this.next();
    while (event!.type !== "end" || event!.header !== start.header) event = await this.next();
  }

  /**
   * Streams the content of the next element, an OCTET STRING under `tag` (OCTET STRING itself, or
   * `[0]` for the IMPLICIT encryptedContent of RFC 5652 section 6.1): primitive, or constructed of
   * OCTET STRING segments, themselves possibly constructed (X.690 8.7.3.2). Yields views of the
   * source's chunks; the element's end is read when the iteration completes.
   */
  async *octetString(tag: TagMatch, what: string): AsyncGenerator<Uint8Array, void, undefined> {
    const outer = await this.enter(tag, what);
    for (;;) {
      const event = (await this.next())!;
      if (event.type === "content") {
        if (event.bytes.length > 0) yield event.bytes;
      } else if (event.type === "end") {
        if (event.header === outer) return;
      } else if (event.header.tagClass !== "universal" || event.header.tagNumber !== UniversalTag.OCTET_STRING) {
        throw new MailsealError(
          "MALFORMED_CMS",
          `${what}: segment at offset ${event.header.offset} is ${describeTag(event.header)}, not OCTET STRING`,
        );
      }
    }
  }

  /** Reads to the end of the source: with trailingData "reject", fails on anything after the top element. */
  async finish(): Promise<void> {
    const event = await this.next();
    if (event !== undefined)
      throw new MailsealError("MALFORMED_CMS", `expected the end of the input, found ${found(event)}`);
  }

  /** Stops reading: returns the source's iterator, so a file or stream behind it is released. */
  async close(): Promise<void> {
    if (this.sourceDone) return;
    this.sourceDone = true;
    await this.source.return?.();
  }

  private async start(tag: TagMatch, what: string): Promise<BerStartEvent> {
    const event = await this.next();
    if (event?.type !== "start" || !matchesTag(event.header, tag)) {
      throw new MailsealError("MALFORMED_CMS", `expected ${what} (${describeTag(tag)}), found ${found(event)}`);
    }
    return event;
  }

  private async pull(): Promise<void> {
    if (this.sourceDone) throw new Error("BerCursor read after close()");
    const result = await this.source.next();
    if (result.done) {
      this.sourceDone = true;
      this.reader.end();
    } else {
      this.reader.push(result.value);
    }
  }
}

function found(event: BerEvent | undefined): string {
  if (event === undefined) return "the end of the input";
  const { header } = event;
  const element = `${describeTag(header)} at offset ${header.offset}`;
  return event.type === "start"
    ? element
    : event.type === "content"
      ? `content of ${element}`
      : `the end of ${element}`;
}
