// Splits a stream into its header section and its body (RFC 5322 2.1, RFC 2045 3): the header is
// read into memory, bounded by MAX_HEADER_BYTES; the body streams on from the same source.
import { MailsealError } from "../errors/index.js";
import { ByteBuffer, CR, LF } from "./bytes.js";
import { MAX_HEADER_BYTES } from "./limits.js";
import { parseHeaderFields, type HeaderField } from "./rfc5322-header.js";

export interface HeaderAndBody {
  readonly fields: HeaderField[];
  /** The header section exactly as read, the empty line that ends it included: `raw` + body = input. */
  readonly raw: Uint8Array;
  /** The rest of the input, streamed; iterate it once. */
  readonly body: AsyncIterable<Uint8Array>;
}

/**
 * Reads the header section of a message or body part and returns it parsed, with the body as a
 * stream. The header ends at the first empty line (CRLF or LF); input that ends without one is all
 * header with an empty body (RFC 5322 3.5: the body is optional). A part that starts with an empty
 * line has no header fields (RFC 2046 5.1.1 allows it; the part is then text/plain).
 */
export async function readHeader(source: AsyncIterable<Uint8Array>): Promise<HeaderAndBody> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    return await readHeaderFrom(iterator);
  } catch (error) {
    await iterator.return?.(); // let the source close its file or connection
    throw error;
  }
}

async function readHeaderFrom(iterator: AsyncIterator<Uint8Array>): Promise<HeaderAndBody> {
  const buffer = new ByteBuffer();
  // Start of the line not yet known to be complete: lines before it are complete and not empty.
  let lineStart = 0;
  for (;;) {
    const bytes = buffer.view();
    const end = findHeaderEnd(bytes, lineStart);
    if (end.headerEnd !== -1) {
      const raw = bytes.slice(0, end.headerEnd);
      const rest = bytes.subarray(end.headerEnd);
      return { fields: parseHeaderFields(raw), raw, body: continueBody(rest, iterator) };
    }
    lineStart = end.lineStart;
    if (bytes.length > MAX_HEADER_BYTES) {
      throw new MailsealError("INPUT_TOO_LARGE", `header section is larger than ${MAX_HEADER_BYTES} bytes`);
    }
    const next = await iterator.next();
    if (next.done === true) {
      // No empty line: the input is a header section only.
      const raw = bytes.slice();
      return { fields: parseHeaderFields(raw), raw, body: continueBody(new Uint8Array(0), iterator) };
    }
    buffer.append(next.value);
  }
}

/** The offset just past the empty line that ends the header, or -1 and where the last incomplete line starts. */
function findHeaderEnd(buffer: Uint8Array, from: number): { headerEnd: number; lineStart: number } {
  let lineStart = from;
  for (;;) {
    const lf = buffer.indexOf(LF, lineStart);
    if (lf === -1) return { headerEnd: -1, lineStart };
    if (lf === lineStart || (lf === lineStart + 1 && buffer[lineStart] === CR)) return { headerEnd: lf + 1, lineStart };
    lineStart = lf + 1;
  }
}

async function* continueBody(rest: Uint8Array, iterator: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (rest.length > 0) yield rest;
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return;
    if (next.value.length > 0) yield next.value;
  }
}
