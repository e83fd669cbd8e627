// Canonical line ends (RFC 8551 3.1.1, RFC 5751 3.1.1): before a MIME entity is signed or
// encrypted every line ends in CRLF. Mail stored by a host often uses bare LF; the signature is
// over the CRLF form, so verifying and signing both canonicalize first.
import { release } from "@mailseal/core-wasm";
import { CR, LF } from "./bytes.js";

/**
 * Streaming converter of bare LF and bare CR to CRLF; CRLF stays. Chunk boundaries do not matter:
 * a CR that ends a chunk is written as CRLF at once, and an LF that starts the next chunk is then
 * dropped as its second half. Nothing is held back, so `push` never lags the input.
 */
export class LineEndCanonicalizer {
  private afterCr = false;

  push(chunk: Uint8Array): Uint8Array {
    const start = this.afterCr && chunk[0] === LF ? 1 : 0;
    if (chunk.length > 0) this.afterCr = chunk[chunk.length - 1] === CR;
    // Line ends are found with indexOf (native, fast); canonical chunks come back without a copy.
    let out: Uint8Array | undefined;
    let written = 0;
    let copied = start; // chunk[start, copied) is in `out` already
    let from = start;
    let nextCr = chunk.indexOf(CR, from);
    let nextLf = chunk.indexOf(LF, from);
    while (nextCr !== -1 || nextLf !== -1) {
      const i = nextCr === -1 ? nextLf : nextLf === -1 ? nextCr : Math.min(nextCr, nextLf);
      if (i === nextCr && i + 1 < chunk.length && chunk[i + 1] === LF) {
        from = i + 2; // CRLF: already canonical
      } else {
        // A bare CR or bare LF (a CR at the chunk's end is written as CRLF now, see afterCr).
        out ??= new Uint8Array(2 * chunk.length);
        out.set(chunk.subarray(copied, i), written);
        written += i - copied;
        out[written++] = CR;
        out[written++] = LF;
        from = copied = i + 1;
      }
      if (nextCr !== -1 && nextCr < from) nextCr = chunk.indexOf(CR, from);
      if (nextLf !== -1 && nextLf < from) nextLf = chunk.indexOf(LF, from);
    }
    if (out === undefined) return start === 0 ? chunk : chunk.subarray(start);
    out.set(chunk.subarray(copied), written);
    return out.subarray(0, written + chunk.length - copied);
  }
}

/**
 * The canonical (CRLF) form of a stream: see LineEndCanonicalizer. With `consumed` (the consumer is
 * done with each chunk when it asks for the next: it has copied it or passed it on to a stage that
 * has) a chunk with bare line ends, converted into a new buffer here, is freed then (core-wasm's
 * `release`), not at a garbage collection (issue 11). Canonical chunks pass through and are not
 * freed here.
 */
export async function* canonicalizeLineEnds(
  source: AsyncIterable<Uint8Array>,
  { consumed = false }: { consumed?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  const canonicalizer = new LineEndCanonicalizer();
  for await (const chunk of source) {
    const out = canonicalizer.push(chunk);
    if (out.length > 0) yield out;
    // A converted chunk is a view of a buffer of its own (twice the input's size): freed whole.
    if (consumed && out.buffer !== chunk.buffer) release(new Uint8Array(out.buffer));
  }
}
