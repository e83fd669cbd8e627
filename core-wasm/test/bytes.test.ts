// The byte helpers every layer shares (src/bytes.ts): concatBytes, constantTimeEqual and release.
import { describe, expect, it } from "vitest";
import { concatBytes, constantTimeEqual, release } from "../src/bytes.js";

/** The same bytes, behind a Proxy that counts the element reads made through it. */
function counted(bytes: Uint8Array): { view: Uint8Array; reads: () => number } {
  let reads = 0;
  const view = new Proxy(bytes, {
    get(target, property) {
      if (typeof property === "string" && /^\d+$/.test(property)) reads++;
      // No receiver: a typed array's own getters (length) refuse a Proxy as `this`.
      return Reflect.get(target, property) as unknown;
    },
  });
  return { view, reads: () => reads };
}

describe("constantTimeEqual", () => {
  it("is true for equal arrays and false for any difference or another length", () => {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    expect(constantTimeEqual(a, a.slice())).toBe(true);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    for (const at of [0, 15, 31]) {
      const b = a.slice();
      b[at]! ^= 0x80;
      expect(constantTimeEqual(a, b), `difference at ${at}`).toBe(false);
    }
    expect(constantTimeEqual(a, a.subarray(0, 31))).toBe(false);
  });

  it("reads every byte of both arrays wherever they differ (no early exit)", () => {
    const length = 64;
    for (const at of [0, 1, 32, length - 1, -1]) {
      const a = counted(new Uint8Array(length).fill(0x5a));
      const other = new Uint8Array(length).fill(0x5a);
      if (at >= 0) other[at] = 0xa5;
      const b = counted(other);
      expect(constantTimeEqual(a.view, b.view)).toBe(at < 0);
      expect([a.reads(), b.reads()], `first difference at ${at}`).toEqual([length, length]);
    }
  });
});

describe("concatBytes", () => {
  it("joins the parts in order into a new array", () => {
    const parts = [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3), Uint8Array.of(4, 5, 6)];
    expect(Array.from(concatBytes(parts))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(concatBytes([]).length).toBe(0);
  });

  it("copies, even a single part, onto a buffer of its own", () => {
    const only = new Uint8Array(new ArrayBuffer(16), 4, 8).fill(9);
    const joined = concatBytes([only]);
    expect(joined).not.toBe(only);
    expect(joined.buffer.byteLength).toBe(8);
    only[0] = 1;
    expect(joined[0]).toBe(9);
  });
});

describe("release", () => {
  it("frees a whole buffer's memory at once, without a collection, and detaches it", () => {
    const mib = 1024 * 1024;
    const bytes = new Uint8Array(64 * mib).fill(1);
    const held = process.memoryUsage().arrayBuffers;
    expect(release(bytes)).toBe(true);
    // V8's count of live ArrayBuffer memory drops by the buffer now, not at a later collection.
    expect(held - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(64 * mib);
    expect(bytes.length).toBe(0);
    expect(bytes.buffer.byteLength).toBe(0);
  });

  it("leaves views into larger buffers, pooled Buffers, shared and WebAssembly memory, empty and detached buffers", () => {
    const whole = Uint8Array.from([1, 2, 3, 4]);
    const views = [whole.subarray(1), whole.subarray(0, 3)];
    const pooled = Buffer.from([5, 6, 7]); // a view into Node's shared 8 KiB pool
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    const wasm = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer);
    const empty = new Uint8Array(0);
    for (const bytes of [...views, pooled, shared, wasm, empty]) expect(release(bytes)).toBe(false);
    expect([...whole]).toEqual([1, 2, 3, 4]);
    expect([...pooled]).toEqual([5, 6, 7]);
    expect(wasm.length).toBe(65536);
    const once = new Uint8Array(16);
    expect(release(once)).toBe(true);
    expect(release(once)).toBe(false);
  });
});
