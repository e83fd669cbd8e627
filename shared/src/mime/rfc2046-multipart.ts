// The body parts of a multipart entity (RFC 2046 5.1.1), streamed: no part is ever held in memory,
// only the few bytes that may still turn out to start a boundary line. Each part comes out as its
// exact bytes: what lies between the CRLF that ends one boundary line and the CRLF that begins the
// next delimiter (RFC 2046 5.1.1: that CRLF "is conceptually attached to the boundary").
import { MailsealError } from "../errors/index.js";
import { CR, LF, ascii, concatBytes } from "./bytes.js";
import { MAX_BOUNDARY_PADDING } from "./limits.js";

const DASH = 0x2d;
const SP = 0x20;
const HTAB = 0x09;
const CRLF_BREAK = new Uint8Array([CR, LF]);
const LF_BREAK = new Uint8Array([LF]);
const EMPTY = new Uint8Array(0);

type ScanEvent =
  | { readonly type: "data"; readonly bytes: Uint8Array }
  | { readonly type: "delimiter"; readonly close: boolean }
  | { readonly type: "end" };

type LineVerdict = "delimiter" | "close" | "data" | "undecided";

/**
 * Finds boundary lines in a stream: `--boundary`, optionally `--` (the close delimiter), then
 * optional transport padding (space, tab), then CRLF or a bare LF (stored mail), or the end of the
 * input. Everything else is data, streamed as it comes except for a pending line break (it belongs
 * to the next delimiter if one follows) and a trailing CR (half of a line break, perhaps).
 */
class BoundaryScanner {
  private readonly dashBoundary: Uint8Array;
  private readonly iterator: AsyncIterator<Uint8Array>;
  private rest: Uint8Array = EMPTY;
  /** The line that starts at `rest[0]` is already known not to be a boundary line. */
  private inDataLine = false;
  /** The line break before the current line, held back until the line is known to be data. */
  private pendingBreak: Uint8Array | undefined;
  private readonly events: ScanEvent[] = [];
  private nextEvent = 0;
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>, boundary: string) {
    this.dashBoundary = ascii(`--${boundary}`);
    this.iterator = source[Symbol.asyncIterator]();
  }

  async next(): Promise<ScanEvent> {
    while (this.nextEvent === this.events.length) {
      if (this.ended) return { type: "end" };
      this.events.length = 0;
      this.nextEvent = 0;
      const chunk = await this.iterator.next();
      if (chunk.done === true) this.finish();
      else this.scan(this.rest.length === 0 ? chunk.value : concatBytes([this.rest, chunk.value]));
    }
    return this.events[this.nextEvent++]!;
  }

  async close(): Promise<void> {
    if (!this.ended) await this.iterator.return?.();
  }

  private data(bytes: Uint8Array): void {
    if (this.pendingBreak !== undefined) {
      this.events.push({ type: "data", bytes: this.pendingBreak });
      this.pendingBreak = undefined;
    }
    if (bytes.length > 0) this.events.push({ type: "data", bytes });
  }

  /**
   * Scans one buffer. Consecutive data lines are contiguous in it, so they leave as one slice:
   * `buffer[runStart, runEnd)` is data already known, and the line break after `runEnd` is held
   * until the line after it is known not to be a boundary line.
   */
  private scan(buffer: Uint8Array): void {
    const dash = this.dashBoundary;
    let p = 0;
    let runStart = 0;
    let runEnd = 0;
    const extendRun = (end: number): void => {
      if (this.pendingBreak !== undefined) this.data(EMPTY); // the break carried from the previous buffer
      runEnd = end;
    };
    while (p < buffer.length) {
      if (!this.inDataLine) {
        const available = Math.min(buffer.length - p, dash.length);
        let i = 0;
        while (i < available && buffer[p + i] === dash[i]) i++;
        if (i < available) {
          this.inDataLine = true;
          continue;
        }
        if (available < dash.length) break; // a prefix of `--boundary`: wait for more
        const lf = buffer.indexOf(LF, p + dash.length);
        const lineEnd = lf === -1 ? buffer.length : lf;
        const verdict = classify(buffer, p + dash.length, lineEnd, lf !== -1);
        if (verdict === "data") {
          this.inDataLine = true;
          continue;
        }
        if (verdict === "undecided") {
          if (lineEnd - p - dash.length > MAX_BOUNDARY_PADDING) {
            throw new MailsealError(
              "MALFORMED_MIME",
              `boundary line with more than ${MAX_BOUNDARY_PADDING} bytes of padding`,
            );
          }
          break;
        }
        // The line break before a delimiter is part of it (RFC 2046 5.1.1): it is dropped.
        if (runEnd > runStart) this.events.push({ type: "data", bytes: buffer.subarray(runStart, runEnd) });
        this.pendingBreak = undefined;
        this.events.push({ type: "delimiter", close: verdict === "close" });
        p = runStart = runEnd = lf + 1;
        continue;
      }
      const lf = buffer.indexOf(LF, p);
      if (lf === -1) {
        // A trailing CR may be the first half of the line break: it stays for the next buffer.
        const end = buffer[buffer.length - 1] === CR ? buffer.length - 1 : buffer.length;
        extendRun(end); // the line is data, so the break before it is too
        p = end;
        break;
      }
      extendRun(lf > p && buffer[lf - 1] === CR ? lf - 1 : lf);
      this.inDataLine = false;
      p = lf + 1;
    }
    if (runEnd > runStart) this.events.push({ type: "data", bytes: buffer.subarray(runStart, runEnd) });
    // At a line start, [runEnd, p) is the break of the last data line: held until the next line is known.
    if (!this.inDataLine && p > runEnd) this.pendingBreak = p - runEnd === 2 ? CRLF_BREAK : LF_BREAK;
    // What is left is short: a held CR, or the start of a line that may be a boundary line.
    this.rest = buffer.slice(p);
  }

  /** The end of the input ends the last line too (a close delimiter without its CRLF is common). */
  private finish(): void {
    this.ended = true;
    const rest = this.rest;
    this.rest = EMPTY;
    const dash = this.dashBoundary;
    if (!this.inDataLine && rest.length >= dash.length && dash.every((byte, i) => rest[i] === byte)) {
      const verdict = classify(rest, dash.length, rest.length, true);
      if (verdict === "delimiter" || verdict === "close") {
        this.pendingBreak = undefined;
        this.events.push({ type: "delimiter", close: verdict === "close" });
        this.events.push({ type: "end" });
        return;
      }
    }
    this.data(rest); // releases a pending line break too: no delimiter follows it
    this.events.push({ type: "end" });
  }
}

/** What follows `--boundary` on a line: `--`? then spaces and tabs, then CR? before the line end. */
function classify(buffer: Uint8Array, start: number, end: number, complete: boolean): LineVerdict {
  let i = start;
  let close = false;
  if (i < end && buffer[i] === DASH) {
    if (i + 1 === end) return complete ? "data" : "undecided";
    if (buffer[i + 1] !== DASH) return "data";
    close = true;
    i += 2;
  }
  while (i < end && (buffer[i] === SP || buffer[i] === HTAB)) i++;
  if (i === end || (i === end - 1 && buffer[i] === CR)) {
    if (!complete) return "undecided";
    return close ? "close" : "delimiter";
  }
  return "data";
}

/** One body part as it is read: iterate it once; what is left unread is skipped when the next part is asked for. */
class PartStream implements AsyncIterable<Uint8Array> {
  /** Set when the delimiter after the part has been read: whether it was the close delimiter. */
  closedBy: boolean | undefined;

  constructor(
    private readonly scanner: BoundaryScanner,
    private readonly boundary: string,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    while (this.closedBy === undefined) {
      const bytes = await this.step();
      if (bytes !== undefined) yield bytes;
    }
  }

  /** Reads to the end of the part; returns whether the close delimiter ended it. */
  async drain(): Promise<boolean> {
    while (this.closedBy === undefined) await this.step();
    return this.closedBy;
  }

  private async step(): Promise<Uint8Array | undefined> {
    const event = await this.scanner.next();
    if (event.type === "data") return event.bytes;
    if (event.type === "delimiter") {
      this.closedBy = event.close;
      return undefined;
    }
    throw new MailsealError("TRUNCATED", `multipart body ends without its close delimiter --${this.boundary}--`);
  }
}

/**
 * The body parts of a multipart body, in order, each as a stream of its exact bytes (header and
 * body of the part; split them with readHeader). Parts must be read in order; a part left unread
 * is skipped. The preamble and the epilogue are ignored; the body must hold at least one part
 * (MALFORMED_MIME) and end with the close delimiter (TRUNCATED). Nested multiparts are not entered:
 * pass a part to multipartParts again, and count the depth there.
 */
export async function* multipartParts(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
): AsyncGenerator<AsyncIterable<Uint8Array>, void, undefined> {
  const scanner = new BoundaryScanner(body, boundary);
  try {
    for (;;) {
      const event = await scanner.next();
      if (event.type === "data") continue; // preamble
      if (event.type === "end") {
        throw new MailsealError("MALFORMED_MIME", `multipart body has no boundary line --${boundary}`);
      }
      if (event.close) throw new MailsealError("MALFORMED_MIME", `multipart body has no part before --${boundary}--`);
      break;
    }
    for (;;) {
      const part = new PartStream(scanner, boundary);
      yield part;
      if (await part.drain()) break;
    }
    while ((await scanner.next()).type !== "end"); // epilogue
  } finally {
    await scanner.close();
  }
}
