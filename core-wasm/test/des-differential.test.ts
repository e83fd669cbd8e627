// Differential property tests of Triple-DES against node:crypto's des-ede3-cbc (OpenSSL 3 keeps it
// in the default provider), both builds, with random keys, IVs, lengths and chunk splits.
import crypto from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tripleDesBlock, TripleDesCbcDecryptor, TripleDesCbcEncryptor, type DesExports } from "../src/des/index.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

const builds = await loadBuilds<BaseExports & DesExports>();

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
/** Cut points (fractions of the length) for splitting an input into chunks, including empty ones. */
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

function feed(stream: { update(d: Uint8Array): Uint8Array }, data: Uint8Array, fractions: number[]): Buffer {
  return Buffer.concat(split(data, fractions).map((c) => stream.update(c)));
}

describe.each(builds)("Triple-DES differential vs node:crypto, $name build", ({ core }) => {
  it("node:crypto still offers des-ede3-cbc", () => {
    expect(crypto.getCiphers()).toContain("des-ede3-cbc");
  });

  it("single block matches des-ede3-ecb, both directions", () => {
    fc.assert(
      fc.property(bytes(24, 24), bytes(8, 8), (key, block) => {
        const c = crypto.createCipheriv("des-ede3-ecb", key, null).setAutoPadding(false);
        const expected = c.update(block);
        expect(Buffer.from(tripleDesBlock(core, key, block))).toEqual(expected);
        expect(tripleDesBlock(core, key, expected, { decrypt: true })).toEqual(block);
      }),
      { numRuns: 50 },
    );
  });

  it("CBC with PKCS#7 padding, encrypt and decrypt, any chunk split", () => {
    fc.assert(
      fc.property(bytes(24, 24), bytes(8, 8), bytes(0, 600), cuts, cuts, (key, iv, msg, encCuts, decCuts) => {
        const c = crypto.createCipheriv("des-ede3-cbc", key, iv);
        const expected = Buffer.concat([c.update(msg), c.final()]);
        const e = new TripleDesCbcEncryptor(core, key, iv);
        expect(Buffer.concat([feed(e, msg, encCuts), e.final()])).toEqual(expected);
        const d = new TripleDesCbcDecryptor(core, key, iv);
        const body = feed(d, expected, decCuts);
        // The last block is held back until final, so no padding byte leaves update.
        expect(body.length).toBe(expected.length - 8);
        expect(Buffer.concat([body, d.final()])).toEqual(Buffer.from(msg));
      }),
      { numRuns: 60 },
    );
  });

  it("CBC decryption of long messages (several parallel batches, 64 KiB slices) in random chunks", () => {
    fc.assert(
      fc.property(
        bytes(24, 24),
        bytes(8, 8),
        fc.integer({ min: 0, max: 150_000 }),
        cuts,
        (key, iv, length, decCuts) => {
          const msg = crypto.randomBytes(length);
          const c = crypto.createCipheriv("des-ede3-cbc", key, iv);
          const ct = Buffer.concat([c.update(msg), c.final()]);
          const d = new TripleDesCbcDecryptor(core, key, iv);
          expect(Buffer.concat([feed(d, ct, decCuts), d.final()])).toEqual(msg);
        },
      ),
      { numRuns: 12 },
    );
  });
});
