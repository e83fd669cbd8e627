// Byte helpers of the protocol code: host-neutral (Uint8Array, WebCrypto), no Buffer.
export { concatBytes, constantTimeEqual } from "@mailseal/core-wasm";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 of a string, as a fresh ArrayBuffer-backed array (what WebCrypto's BufferSource wants). */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** UTF-8 to a string, or undefined when the bytes are not UTF-8 (never U+FFFD substitution). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A copy backed by its own ArrayBuffer: WebCrypto takes no SharedArrayBuffer-backed views. */
export function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/** A source of random bytes; tests pass their own to make outputs repeatable. */
export type RandomBytes = (length: number) => Uint8Array;

/** WebCrypto randomness; getRandomValues fills at most 65536 bytes per call (WebCrypto 10.1.1). */
export const randomBytes: RandomBytes = (length) => {
  const result = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536) {
    globalThis.crypto.getRandomValues(result.subarray(offset, Math.min(length, offset + 65536)));
  }
  return result;
};

/** `random(length)`, checked: a source that returns the wrong length must not weaken a secret. */
export function takeRandom(random: RandomBytes, length: number): Uint8Array {
  const bytes = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RangeError(`the random source returned ${String(bytes?.length)} bytes instead of ${length}`);
  }
  return bytes;
}

export async function sha256(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", own(data)));
}
