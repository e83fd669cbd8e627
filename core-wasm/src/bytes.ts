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
