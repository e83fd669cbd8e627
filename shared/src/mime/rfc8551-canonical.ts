// Canonical line ends (RFC 8551 3.1.1, RFC 5751 3.1.1): before a MIME entity is signed or
// encrypted every line ends in CRLF. Mail stored by a host often uses bare LF; the signature is
// over the CRLF form, so verifying and signing both canonicalize first.
import { CR, LF } from "./bytes.js";

/**
 * Streaming converter of bare LF and bare CR to CRLF; CRLF stays. Chunk boundaries do not matter:
 * a CR that ends a chunk is written as CRLF at once, and an LF that starts the next chunk is then
 * dropped as its second half. Nothing is held back, so `push` never lags the input.
 */
export class LineEndCanonicalizer {
  private afterCr = false;

  push(chunk: Uint8Array): Uint8Array {
    let start = 0;
    if (this.afterCr && chunk[0] === LF) start = 1;
    this.afterCr = chunk.length > 0 ? chunk[chunk.length - 1] === CR : this.afterCr;
    // Count what must grow: bare LF gains a CR, bare CR gains an LF.
    let extra = 0;
    for (let i = start; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === LF) {
        if (i === start || chunk[i - 1] !== CR) extra++;
      } else if (byte === CR && chunk[i + 1] !== LF) {
        extra++;
      }
    }
    if (extra === 0) return start === 0 ? chunk : chunk.subarray(start);
    const out = new Uint8Array(chunk.length - start + extra);
    let o = 0;
    for (let i = start; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === LF && (i === start || chunk[i - 1] !== CR)) {
        out[o++] = CR;
        out[o++] = LF;
      } else if (byte === CR && chunk[i + 1] !== LF) {
        out[o++] = CR;
        out[o++] = LF;
      } else {
        out[o++] = byte;
      }
    }
    return out;
  }
}

/** The canonical (CRLF) form of a stream: see LineEndCanonicalizer. */
export async function* canonicalizeLineEnds(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const canonicalizer = new LineEndCanonicalizer();
  for await (const chunk of source) {
    const out = canonicalizer.push(chunk);
    if (out.length > 0) yield out;
  }
}
