// ChaCha20-Poly1305 (RFC 8439) of the core: Wycheproof's vectors (every test of the file), and
// differential property tests against node:crypto's chacha20-poly1305 with random keys, nonces,
// additional data, lengths and chunk splits, on both builds; then the failure modes.
import crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChaCha20Poly1305Decryptor, ChaCha20Poly1305Encryptor, type ChaChaExports } from "../src/chacha/index.js";
import { CryptoError } from "../src/errors.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";
import { handlers } from "./vectors/chacha.js";

const builds = await loadBuilds<BaseExports & ChaChaExports>();
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

function split(data: Uint8Array, fractions: number[]): Uint8Array[] {
  const points = fractions.map((f) => Math.floor(f * data.length)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, data.length]) {
    chunks.push(data.subarray(start, p));
    start = p;
  }
  return chunks;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return "accepted";
}

describe.each(builds)("ChaCha20-Poly1305, $name build", ({ core }) => {
  it("passes every Wycheproof vector", async () => {
    const file = "chacha20_poly1305_test.json";
    const json = JSON.parse(readFileSync(join(import.meta.dirname, "vectors", "wycheproof", file), "utf8")) as {
      numberOfTests: number;
    };
    const tally = await handlers[0]!.run(file, json, core);
    expect(tally.notes).toEqual([]);
    expect(tally.failed).toBe(0);
    expect(tally.passed).toBe(json.numberOfTests);
  });

  it("matches node:crypto in both directions, any chunk split", () => {
    fc.assert(
      fc.property(
        bytes(32, 32),
        bytes(12, 12),
        bytes(0, 40),
        bytes(0, 700),
        cuts,
        cuts,
        (key, nonce, aad, msg, encCuts, decCuts) => {
          const c = crypto.createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
          c.setAAD(aad, { plaintextLength: msg.length });
          const expected = Buffer.concat([c.update(msg), c.final()]);
          const expectedTag = c.getAuthTag();
          const e = new ChaCha20Poly1305Encryptor(core, key, nonce);
          for (const part of split(aad, encCuts)) e.aad(part);
          const ct = Buffer.concat(split(msg, encCuts).map((part) => e.update(part)));
          expect(ct).toEqual(expected);
          expect(Buffer.from(e.final())).toEqual(expectedTag);
          const d = new ChaCha20Poly1305Decryptor(core, key, nonce);
          d.aad(aad);
          const pt = Buffer.concat(split(expected, decCuts).map((part) => d.update(part)));
          d.final(expectedTag);
          expect(pt).toEqual(Buffer.from(msg));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses a changed tag, ciphertext or additional data, and bad sizes, with stable codes", () => {
    const key = crypto.randomBytes(32);
    const nonce = crypto.randomBytes(12);
    const e = new ChaCha20Poly1305Encryptor(core, key, nonce);
    e.aad(Uint8Array.of(1, 2, 3));
    const ct = e.update(new Uint8Array(100).fill(7));
    const tag = e.final();
    const open = (c: Uint8Array, t: Uint8Array, aad = Uint8Array.of(1, 2, 3)) =>
      code(() => {
        const d = new ChaCha20Poly1305Decryptor(core, key, nonce);
        d.aad(aad);
        d.update(c);
        d.final(t);
      });
    expect(open(ct, tag)).toBe("accepted");
    const flipped = Uint8Array.from(ct);
    flipped[50]! ^= 1;
    expect(open(flipped, tag)).toBe("AUTH_TAG_MISMATCH");
    const badTag = Uint8Array.from(tag);
    badTag[15]! ^= 0x80;
    expect(open(ct, badTag)).toBe("AUTH_TAG_MISMATCH");
    expect(open(ct, tag, Uint8Array.of(1, 2))).toBe("AUTH_TAG_MISMATCH");
    expect(open(ct, tag.subarray(0, 12))).toBe("INVALID_ARGUMENT");
    expect(code(() => new ChaCha20Poly1305Encryptor(core, key.subarray(0, 16), nonce))).toBe("INVALID_KEY");
    expect(code(() => new ChaCha20Poly1305Encryptor(core, key, new Uint8Array(8)))).toBe("INVALID_ARGUMENT");
    // Additional data after the text has started is out of order.
    const late = new ChaCha20Poly1305Encryptor(core, key, nonce);
    late.update(Uint8Array.of(1));
    expect(code(() => late.aad(Uint8Array.of(1)))).toBe("INVALID_STATE");
  });
});
