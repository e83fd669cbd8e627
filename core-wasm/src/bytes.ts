// Byte helpers of every layer (shared and the hosts import them from here: one of each).

/** Concatenates byte arrays into a new one (always a copy, even of a single part). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Equality for secrets (tags, share checks): every byte is read, with no early exit, so the time
 * depends on the length only, never on where the arrays differ. The length is public.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The same bytes as a view on a plain ArrayBuffer, which WebCrypto's BufferSource type asks for
 * (copies only when the view sits on a SharedArrayBuffer).
 */
export function bufferSource(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}

/** ES2024's ArrayBuffer.prototype.transfer, where the runtime has it (Chrome 114+, Node 21+). */
type Transferable2024 = ArrayBuffer & { transfer?: (newLength?: number) => ArrayBuffer };

let dropPort: MessagePort | undefined;

/**
 * Frees the backing store of `bytes` now, instead of at the next garbage collection: its buffer is
 * detached (every view of it then reads as length 0). V8 frees an ArrayBuffer's memory only in a
 * collection, and without forced ones those come from external-memory pressure: about 32 MiB of
 * young ArrayBuffer memory per scavenge, 64 MiB more per full collection. With a fresh buffer per
 * chunk (a read, a batch, WebCrypto's result) that set the command's peak RSS, not the chunk size
 * (bench/README.md, "Forced garbage collection (issue 11)"; a bare WebCrypto loop peaked at 82-88
 * MiB, 52 MiB when each result was detached like this).
 *
 * Only for a buffer the caller allocated itself (or was handed as its own, as every result of the
 * core is) and that nothing uses any more: the view must span its whole ArrayBuffer, so a view into
 * a larger buffer (a pooled Node Buffer, a slice of a read chunk, WebAssembly memory) is left alone,
 * as are SharedArrayBuffers, empty and already detached buffers. Returns whether it was freed.
 */
export function release(bytes: Uint8Array): boolean {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer)) return false;
  if (buffer.byteLength === 0 || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return false;
  try {
    const transfer = (buffer as Transferable2024).transfer;
    if (typeof transfer === "function") {
      transfer.call(buffer, 0);
      return true;
    }
    // Node 20: transferred to a port whose channel is closed, the message is dropped and the store
    // with it (a transfer detaches the buffer synchronously). Chromium detaches nothing posted to a
    // closed port (the core's Chromium test); a browser without transfer() keeps the buffer then.
    if (typeof MessageChannel !== "function") return false;
    if (dropPort === undefined) {
      const channel = new MessageChannel();
      channel.port2.close();
      channel.port1.close();
      dropPort = channel.port1;
    }
    dropPort.postMessage(null, [buffer]);
    // A buffer the platform will not detach (WebAssembly memory in Node) is silently kept.
    return buffer.byteLength === 0;
  } catch {
    // Not detachable (WebAssembly memory, a buffer a host pinned): it waits for a collection.
    return false;
  }
}
