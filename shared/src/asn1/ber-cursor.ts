// Async pull cursor over a BER byte source, in the shape the CMS decoders are written in: enter a
// SEQUENCE, test for an OPTIONAL [n] field, capture a small field whole for pkijs, stream the
// content OCTET STRING, leave. Reads the source one chunk at a time, only as the consumer asks.
import { release } from "@mailseal/core-wasm";
import { MailsealError } from "../errors/index.js";
import { BerReader, type BerEvent, type BerHeader, type BerReaderOptions, type BerStartEvent } from "./ber-reader.js";
import { ElementCapture } from "./capture.js";
import { describeTag, matchesTag, UniversalTag, type TagMatch } from "./tag.js";

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface BerCursorOptions extends BerReaderOptions {
  /**
   * The source's chunks are the cursor's own (the core's decoded base64, or read chunks handed
   * over): each is freed (core-wasm's `release`) once the reader has read past it and the consumer
   * asks for more, instead of at a garbage collection (issue 11). Only for a consumer that keeps no
   * view of a chunk by then: captured elements are copies, and the content the cursor streams is
   * copied into batches or handed to the core before the next event is asked for.
   */
  ownsChunks?: boolean;
}

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
  private readonly ownsChunks: boolean;
  /** Chunks pushed and not freed yet (with ownsChunks). */
  private readonly held: Uint8Array[] = [];

  constructor(source: ByteSource, { ownsChunks = false, ...options }: BerCursorOptions = {}) {
    this.reader = new BerReader(options);
    this.ownsChunks = ownsChunks;
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
    // Read past: nothing of the chunks pushed so far is pending (a header split across chunks is
    // carried as a copy), and the events made of them have been handed out before this pull.
    if (this.ownsChunks && this.reader.pendingBytes === 0) {
      for (const chunk of this.held) release(chunk);
      this.held.length = 0;
    }
    const result = await this.source.next();
    if (result.done) {
      this.sourceDone = true;
      this.reader.end();
    } else {
      this.reader.push(result.value);
      if (this.ownsChunks) this.held.push(result.value);
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
