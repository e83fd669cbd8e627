// Helpers of the MIME tests: byte/text conversion, chunked sources, fixtures.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";

export const FIXTURES = join(import.meta.dirname, "fixtures");

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const latin1 = (data: Uint8Array): string => Array.from(data, (b) => String.fromCharCode(b)).join("");

export function fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, path)));
}

/** Every `.eml` fixture, as paths relative to FIXTURES. */
export function emlFixtures(): string[] {
  return ["thunderbird", "rfc4134", "pyca"].flatMap((dir) =>
    readdirSync(join(FIXTURES, dir))
      .filter((name) => name.endsWith(".eml"))
      .sort()
      .map((name) => `${dir}/${name}`),
  );
}

/** `data` cut at the given offsets (sorted, clamped), as an async source; empty chunks included. */
export async function* chunked(data: Uint8Array, cuts: readonly number[] = []): AsyncGenerator<Uint8Array> {
  const points = [...cuts.map((cut) => Math.min(cut, data.length)), data.length].sort((a, b) => a - b);
  let start = 0;
  for (const point of points) {
    yield data.slice(start, point);
    start = point;
  }
}

/** One-byte chunks. */
export async function* byteByByte(data: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i++) yield data.slice(i, i + 1);
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  const result = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

/** Cut points for `fc`: up to 12 offsets into data of up to `max` bytes. */
export const cutsArbitrary = (max: number) => fc.array(fc.nat({ max }), { maxLength: 12 });

/** Rejects with a MailsealError of `code`? Returns the error for further checks. */
export async function smimeError(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if ((error as { name?: string }).name !== "MailsealError" || (error as { code?: string }).code !== code) {
      throw new Error(`expected MailsealError ${code}, got ${String(error)}`, { cause: error });
    }
    return error as Error;
  }
  throw new Error(`expected MailsealError ${code}, got success`);
}

/**
 * A source of `total` bytes made by `fill` in chunks of `chunkSize`, that records how far it has
 * been read: a streaming reader shows bounded memory by not reading far ahead of what it released.
 */
export class MeteredSource implements AsyncIterable<Uint8Array> {
  pulled = 0;

  constructor(
    private readonly total: number,
    private readonly chunkSize: number,
    private readonly fill: (offset: number, chunk: Uint8Array) => void,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    while (this.pulled < this.total) {
      const chunk = new Uint8Array(Math.min(this.chunkSize, this.total - this.pulled));
      this.fill(this.pulled, chunk);
      this.pulled += chunk.length;
      yield chunk;
    }
  }
}
