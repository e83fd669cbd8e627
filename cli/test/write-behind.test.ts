// WriteBehind: pieces gathered into large writes, in order, at most one write in flight, failures
// reported, nothing written after drain.
import { describe, expect, it } from "vitest";
import { WriteBehind } from "../src/io/write-behind.js";

/** A sink that records each write and finishes it only when told to. */
function manualSink() {
  const writes: Uint8Array[] = [];
  const waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sink = (chunk: Uint8Array): Promise<void> => {
    writes.push(chunk.slice());
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve, reject) => {
      waiting.push({
        resolve: () => {
          inFlight--;
          resolve();
        },
        reject: (error) => {
          inFlight--;
          reject(error);
        },
      });
    });
  };
  return { sink, writes, waiting, maxInFlight: () => maxInFlight };
}

const bytes = (length: number, seed: number): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);

describe("WriteBehind", () => {
  it("gathers small pieces into buffer-sized writes and keeps their order", async () => {
    const written: Uint8Array[] = [];
    const behind = new WriteBehind(async (chunk) => {
      written.push(chunk.slice());
    }, 100);
    const pieces = [bytes(30, 1), bytes(45, 2), bytes(250, 3), bytes(1, 4), bytes(74, 5)];
    for (const piece of pieces) await behind.write(piece);
    await behind.flush();
    expect(written.map((w) => w.length)).toEqual([100, 100, 100, 100]);
    expect(Buffer.concat(written)).toEqual(Buffer.concat(pieces));
  });

  it("copies each piece, so the caller may reuse its buffer at once", async () => {
    const written: Uint8Array[] = [];
    const behind = new WriteBehind(async (chunk) => {
      written.push(chunk.slice());
    }, 8);
    const reused = new Uint8Array(3);
    for (let i = 0; i < 4; i++) {
      reused.fill(i);
      await behind.write(reused);
    }
    await behind.flush();
    expect(Buffer.concat(written)).toEqual(Buffer.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]));
  });

  it("keeps one write in flight and waits for it before starting the next", async () => {
    const { sink, writes, waiting, maxInFlight } = manualSink();
    const behind = new WriteBehind(sink, 4);
    await behind.write(bytes(4, 0)); // fills the first buffer: its write starts, nothing waits
    expect(writes).toHaveLength(1);
    let second = false;
    const next = behind.write(bytes(4, 1)).then(() => (second = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(second).toBe(false); // the second buffer is full and the first write is still in flight
    expect(writes).toHaveLength(1);
    waiting[0]!.resolve();
    await next;
    expect(writes).toHaveLength(2);
    waiting[1]!.resolve();
    await behind.flush();
    expect(maxInFlight()).toBe(1);
  });

  it("reports a failed write at the next write or at flush", async () => {
    const { sink, waiting } = manualSink();
    const behind = new WriteBehind(sink, 4);
    await behind.write(bytes(4, 0));
    waiting[0]!.reject(new Error("disk full"));
    await expect(behind.flush()).rejects.toThrow("disk full");
  });

  it("drain waits for the write in flight and ignores its failure", async () => {
    const { sink, waiting } = manualSink();
    const behind = new WriteBehind(sink, 4);
    await behind.write(bytes(6, 0));
    let drained = false;
    const drain = behind.drain().then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(drained).toBe(false);
    waiting[0]!.reject(new Error("gone"));
    await drain;
    expect(drained).toBe(true);
  });
});
