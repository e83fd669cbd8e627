// batches: regrouping into core-sized chunks. oneAhead: the cipher call for the next chunk runs while the caller handles the previous result,
// calls never overlap, results keep their order, failures surface, and nothing is left in flight.
import { describe, expect, it } from "vitest";
import { BATCH_BYTES, batches, oneAhead } from "../../src/mime/chunks.js";

async function* source(count: number, failAt?: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error(`read ${i} failed`);
    yield Uint8Array.of(i);
  }
}

/** An update that records when each call starts and ends, finishing after a macrotask. */
function recordingUpdate(failAt?: number) {
  const events: string[] = [];
  let running = 0;
  let overlapped = false;
  const update = async (chunk: Uint8Array): Promise<number> => {
    const n = chunk[0]!;
    if (running > 0) overlapped = true;
    running++;
    events.push(`start ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
    running--;
    events.push(`end ${n}`);
    if (n === failAt) throw new Error(`update ${n} failed`);
    return n * 10;
  };
  return { update, events, overlapped: () => overlapped };
}

describe("oneAhead", () => {
  it("yields every result in order and never runs two calls at once", async () => {
    const { update, overlapped } = recordingUpdate();
    const results: number[] = [];
    for await (const result of oneAhead(source(6), update)) results.push(result);
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    expect(overlapped()).toBe(false);
  });

  it("has started the call for chunk n+1 when the result of chunk n is handed out", async () => {
    const { update, events } = recordingUpdate();
    const seen: string[][] = [];
    for await (const result of oneAhead(source(3), update)) seen.push([`got ${result / 10}`, ...events]);
    expect(seen[0]).toEqual(["got 0", "start 0", "end 0", "start 1"]);
    expect(seen[1]).toEqual(["got 1", "start 0", "end 0", "start 1", "end 1", "start 2"]);
    expect(seen[2]!.at(-1)).toBe("end 2");
  });

  it("reports a failed call where its result is awaited", async () => {
    const { update } = recordingUpdate(2);
    const results: number[] = [];
    await expect(
      (async () => {
        for await (const result of oneAhead(source(5), update)) results.push(result);
      })(),
    ).rejects.toThrow("update 2 failed");
    expect(results).toEqual([0, 10]);
  });

  it("on a failed read, lets the call in flight finish before the failure reaches the caller", async () => {
    const { update, events } = recordingUpdate();
    await expect(
      (async () => {
        for await (const result of oneAhead(source(5, 3), update)) void result;
      })(),
    ).rejects.toThrow("read 3 failed");
    expect(events.at(-1)).toBe("end 2");
  });

  it("on an early stop, lets the call in flight finish", async () => {
    const { update, events } = recordingUpdate();
    for await (const result of oneAhead(source(5), update)) if (result === 10) break;
    expect(events).toEqual(["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]);
  });

  it("passes an empty source through without calls", async () => {
    const { update, events } = recordingUpdate();
    for await (const result of oneAhead(source(0), update)) void result;
    expect(events).toEqual([]);
  });
});

describe("batches", () => {
  const collect = async (pieces: Uint8Array[]) => {
    const out: Uint8Array[] = [];
    for await (const batch of batches(pieces)) out.push(batch);
    return out;
  };

  it("gathers small pieces into batches of BATCH_BYTES, the last one shorter, bytes and order kept", async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => new Uint8Array(20_000 + i).fill(i));
    const out = await collect(pieces);
    const total = pieces.reduce((n, piece) => n + piece.length, 0);
    expect(out.map((batch) => batch.length)).toEqual([
      ...Array<number>(Math.floor(total / BATCH_BYTES)).fill(BATCH_BYTES),
      total % BATCH_BYTES,
    ]);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(pieces));
  });

  it("passes a large piece through uncopied when no batch is being filled", async () => {
    const large = new Uint8Array(BATCH_BYTES + 5).fill(9);
    const out = await collect([large, new Uint8Array(3), large]);
    expect(out[0]).toBe(large);
    expect(out.slice(1).map((batch) => batch.length)).toEqual([BATCH_BYTES, 8]);
    expect(Buffer.concat(out)).toEqual(Buffer.concat([large, new Uint8Array(3), large]));
  });

  it("with consumed, frees each batch it copied when the next is asked for, never a chunk passed through", async () => {
    const half = (n: number) => new Uint8Array(BATCH_BYTES / 2).fill(n);
    const large = new Uint8Array(BATCH_BYTES).fill(7);
    const pieces = () => [half(1), half(2), large, half(3)];
    const seen: { batch: Uint8Array; bytes: Uint8Array }[] = [];
    for await (const batch of batches(pieces(), { consumed: true })) {
      seen.push({ batch, bytes: batch.slice() }); // consumed: copied before the next is asked for
    }
    expect(seen.map(({ bytes }) => bytes.length)).toEqual([BATCH_BYTES, BATCH_BYTES, BATCH_BYTES / 2]);
    expect(Buffer.concat(seen.map(({ bytes }) => bytes))).toEqual(Buffer.concat(pieces()));
    expect(seen[1]!.batch).toBe(large);
    // The copies are detached (their memory freed at once); the chunk passed through is untouched.
    expect(seen.map(({ batch }) => batch.length)).toEqual([0, BATCH_BYTES, 0]);
    // Without it (a consumer that passes batches on) nothing is freed.
    const kept = await collect(pieces());
    expect(kept.map((batch) => batch.length)).toEqual([BATCH_BYTES, BATCH_BYTES, BATCH_BYTES / 2]);
  });
});
