// Byte helpers of the MIME layer: shared stays host-neutral, so no Buffer, only Uint8Array.
import { concatBytes } from "@mailseal/core-wasm";
import { MailsealError } from "../errors/index.js";

export const CR = 0x0d;
export const LF = 0x0a;
export const CRLF = new Uint8Array([CR, LF]);

const encoder = new TextEncoder();

/** ASCII (or UTF-8) text to bytes. */
export function ascii(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The core's (one for every layer), re-exported for the MIME code and its importers. */
export { concatBytes };

/** Index of `needle` in `haystack` from `from`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  if (first === undefined) return from <= haystack.length ? from : -1;
  for (let i = haystack.indexOf(first, from); i !== -1 && i + needle.length <= haystack.length;) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = haystack.indexOf(first, i + 1);
  }
  return -1;
}

/**
 * Reads a whole stream into memory, for the parts that are small by nature (a signature part, a
 * test message). Past `limit` bytes it throws INPUT_TOO_LARGE naming `what`. Each chunk is copied
 * as it comes: it may be a view of a buffer the source frees once read past (a read chunk handed
 * over, issue 11).
 */
export async function readAll(source: AsyncIterable<Uint8Array>, limit: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    length += chunk.length;
    if (length > limit) throw new MailsealError("INPUT_TOO_LARGE", `${what} is larger than ${limit} bytes`);
    chunks.push(chunk.slice());
  }
  return concatBytes(chunks);
}

/** One chunk as an async iterable, to feed in-memory bytes to the streaming functions. */
export async function* fromBytes(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) if (chunk.length > 0) yield chunk;
}

/** An append-only byte buffer that grows by doubling, so that many small chunks cost linear time. */
export class ByteBuffer {
  private bytes = new Uint8Array(256);
  private used = 0;

  get length(): number {
    return this.used;
  }

  append(chunk: Uint8Array): void {
    if (this.used + chunk.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + chunk.length));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.bytes.set(chunk, this.used);
    this.used += chunk.length;
  }

  /** The bytes so far, as a view: valid until the next append or clear. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.used);
  }
}
