// Regrouping and pipelining of byte streams on their way through the crypto core, for every layer
// that streams bulk bytes (base64 transfer encoding, CMS content encryption and digests).
import { release } from "@mailseal/core-wasm";
import type { ByteSource } from "../asn1/ber-cursor.js";

/** A byte source as an async iterable: the streaming layers read async ones, a ByteSource may be synchronous. */
export async function* asAsync(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  yield* source;
}

/**
 * Passes the chunks of `source` on and frees each one (core-wasm's `release`) when the consumer
 * asks for the next: for a source whose chunks are handed over (the command's read chunks) to a
 * pipeline that has copied or passed to the core everything of a chunk by then, and keeps no view
 * of it. A chunk that is a view into a larger buffer is left to the garbage collector.
 */
export async function* handedOver(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of source) {
    yield chunk;
    release(chunk);
  }
}

/** Bytes handed to the core per update: large enough to amortise a call, small enough to stream. */
export const BATCH_BYTES = 256 * 1024;

/**
 * Regroups a byte stream into chunks of BATCH_BYTES (the last one shorter): small chunks are copied
 * once into a new batch, and a chunk that arrives while no batch is being filled and is at least
 * BATCH_BYTES long passes through whole, uncopied (so the source must not reuse its buffers).
 *
 * With `consumed`, a batch copied here is freed (core-wasm's `release`) when the consumer asks for
 * the next one, for a consumer that is done with each batch by then: one that hands it to the core
 * (a cipher, base64), which has taken its bytes when its call returns (WebCrypto copies its input
 * when called, the WASM core into its memory, a worker's message is cloned when posted) and keeps
 * none of them. Without it (a consumer that passes batches on) nothing is freed. Chunks passed
 * through belong to the source and are never freed here.
 */
export async function* batches(
  source: ByteSource,
  { consumed = false }: { consumed?: boolean } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  let batch: Uint8Array | undefined;
  let size = 0;
  for await (const chunk of source) {
    if (size === 0 && chunk.length >= BATCH_BYTES) {
      yield chunk;
      continue;
    }
    for (let at = 0; at < chunk.length;) {
      batch ??= new Uint8Array(BATCH_BYTES);
      const n = Math.min(chunk.length - at, BATCH_BYTES - size);
      batch.set(chunk.subarray(at, at + n), size);
      size += n;
      at += n;
      if (size === BATCH_BYTES) {
        yield batch;
        if (consumed) release(batch);
        batch = undefined;
        size = 0;
      }
    }
  }
  if (size > 0) {
    yield batch!.subarray(0, size);
    if (consumed) release(batch!);
  }
}

/**
 * Applies `update` to each chunk of `source`, one call at a time and in order, yielding the results
 * in order, but one chunk ahead: the call for chunk n is started before the result of chunk n-1 is
 * handed out, and the source is read on while it runs. Bulk AES runs outside the calling thread
 * (WebCrypto's thread pool, or the core's worker), so the caller's own work on the previous result
 * (BER segments, base64, writing) and the reading of the next chunk overlap the cipher instead of
 * waiting for it. Calls never overlap each other: a CBC or GCM stream carries state from one to the
 * next. At most one result is held back.
 */
export async function* oneAhead<T>(
  source: AsyncIterable<Uint8Array>,
  update: (chunk: Uint8Array) => Promise<T>,
): AsyncGenerator<T, void, undefined> {
  let inFlight: Promise<T> | undefined;
  try {
    for await (const chunk of source) {
      const previous = inFlight;
      if (previous !== undefined) {
        const result = await previous;
        inFlight = started(update(chunk));
        yield result;
      } else {
        inFlight = started(update(chunk));
      }
    }
    if (inFlight !== undefined) {
      const last = inFlight;
      inFlight = undefined;
      yield await last;
    }
  } finally {
    // On an early stop or a failed read, let the call in flight end before the caller disposes of the stream.
    await inFlight?.catch(() => undefined);
  }
}

/** A call whose failure is reported where it is awaited, not as an unhandled rejection meanwhile. */
function started<T>(call: Promise<T>): Promise<T> {
  call.catch(() => undefined);
  return call;
}
