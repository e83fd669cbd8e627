import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Hash, hash, type DigestAlgorithm, type HashExports } from "../src/hash/index.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

// SHA3-256/384/512 and SHAKE256 (FIPS 202): NIST's known answers (vectors/sha3, SOURCES.md there)
// and node:crypto (OpenSSL) on random data, random chunkings and, for SHAKE256, random output lengths.
const builds = await loadBuilds<BaseExports & HashExports>();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

const fixed = [
  ["SHA3-256", "sha3-256", "SHA3_256ShortMsg.rsp"],
  ["SHA3-384", "sha3-384", "SHA3_384ShortMsg.rsp"],
  ["SHA3-512", "sha3-512", "SHA3_512ShortMsg.rsp"],
] as const;

interface KnownAnswer {
  message: Uint8Array;
  output: string;
}

/** The entries of a CAVP .rsp file: Len (bits, whole bytes here), Msg, and MD or Output. */
function knownAnswers(file: string): KnownAnswer[] {
  const text = readFileSync(new URL(`./vectors/sha3/${file}`, import.meta.url), "utf8");
  const entries = [...text.matchAll(/Len = (\d+)\r?\nMsg = ([0-9a-f]+)\r?\n(?:MD|Output) = ([0-9a-f]+)/g)];
  return entries.map(([, bits, message, output]) => ({
    message: Buffer.from(message!, "hex").subarray(0, Number(bits) / 8),
    output: output!,
  }));
}

/** Cuts `data` at the given offsets. */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, data.length]) {
    chunks.push(data.subarray(start, point));
    start = point;
  }
  return chunks;
}

function streamed(
  core: (typeof builds)[number]["core"],
  alg: DigestAlgorithm,
  chunks: Uint8Array[],
  outputLength?: number,
) {
  const h = new Hash(core, alg, outputLength === undefined ? {} : { outputLength });
  try {
    for (const chunk of chunks) h.update(chunk);
    return hex(h.digest());
  } finally {
    h.dispose();
  }
}

describe.each(builds)("SHA-3, $name build", ({ core }) => {
  describe.each(fixed)("%s", (alg, nodeName, file) => {
    it(`NIST CAVP ${file}, whole and byte by byte`, () => {
      const answers = knownAnswers(file);
      expect(answers.length).toBeGreaterThan(70);
      for (const { message, output } of answers) {
        expect(hex(hash(core, alg, message)), `${message.length} bytes`).toBe(output);
        expect(streamed(core, alg, split(message, [...message.keys()]))).toBe(output);
      }
    });

    it("matches node:crypto on random data and random chunk splits", () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 2000, size: "max" }),
          fc.array(fc.nat({ max: 2000 }), { maxLength: 8 }),
          (data, cuts) => {
            expect(streamed(core, alg, split(data, cuts))).toBe(createHash(nodeName).update(data).digest("hex"));
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  describe("SHAKE256", () => {
    it("NIST CAVP SHAKE256ShortMsg.rsp (256-bit output), whole and in random pieces", () => {
      const answers = knownAnswers("SHAKE256ShortMsg.rsp");
      expect(answers.length).toBe(272);
      for (const [i, { message, output }] of answers.entries()) {
        expect(hex(hash(core, "SHAKE256", message, { outputLength: 32 })), `${message.length} bytes`).toBe(output);
        const cuts = [(i * 37) % (message.length + 1), (i * 101) % (message.length + 1)];
        expect(streamed(core, "SHAKE256", split(message, cuts), 32)).toBe(output);
      }
    });

    it("gives 64 bytes by default, SHAKE256 with 512-bit output (RFC 8419 3.1's digest for Ed448)", () => {
      for (const length of [0, 1, 135, 136, 137, 1000]) {
        const data = Uint8Array.from({ length }, (_, i) => (i * 13) & 0xff);
        expect(hex(hash(core, "SHAKE256", data))).toBe(
          createHash("shake256", { outputLength: 64 }).update(data).digest("hex"),
        );
      }
    });

    it("matches node:crypto for random data, chunk splits and output lengths (1..700 bytes: several squeezes)", () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 2000, size: "max" }),
          fc.array(fc.nat({ max: 2000 }), { maxLength: 8 }),
          fc.integer({ min: 1, max: 700 }),
          (data, cuts, outputLength) => {
            expect(streamed(core, "SHAKE256", split(data, cuts), outputLength)).toBe(
              createHash("shake256", { outputLength }).update(data).digest("hex"),
            );
          },
        ),
        { numRuns: 200 },
      );
    });

    it("refuses an output length outside 1..65536, and one for a fixed-length hash", () => {
      for (const outputLength of [0, -1, 1.5, 65537, Number.NaN]) {
        expect(() => new Hash(core, "SHAKE256", { outputLength })).toThrow(
          expect.objectContaining({ code: "INVALID_ARGUMENT" }),
        );
      }
      expect(() => new Hash(core, "SHA3-256", { outputLength: 32 })).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("SHAKE256 only") }),
      );
      expect(hash(core, "SHAKE256", new Uint8Array(0), { outputLength: 65536 }).length).toBe(65536);
    });
  });

  it("every algorithm hashes inputs longer than one I/O chunk (several MiB, a 1-byte tail)", () => {
    const data = Uint8Array.from({ length: 3 * 1024 * 1024 + 1 }, (_, i) => (i * 31 + (i >>> 9)) & 0xff);
    for (const [alg, nodeName] of fixed)
      expect(hex(hash(core, alg, data))).toBe(createHash(nodeName).update(data).digest("hex"));
    expect(hex(hash(core, "SHAKE256", data))).toBe(
      createHash("shake256", { outputLength: 64 }).update(data).digest("hex"),
    );
  });

  it("rejects update and digest after digest; the SHA-3 identifiers are refused by HMAC and by hash_final_xof but SHAKE256", () => {
    const h = new Hash(core, "SHAKE256");
    h.update(new Uint8Array(3)).digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    expect(() => h.digest()).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    h.dispose();
    for (const id of [6, 7, 8, 9]) {
      expect(core.exports.hmac_ctx_size(id)).toBe(-8);
      expect(core.exports.hmac_init(core.inPtr, id, core.outPtr, 0)).toBe(-8);
    }
    const ctx = core.alloc(core.exports.hash_ctx_size(6));
    expect(core.exports.hash_init(ctx, 6)).toBe(0);
    expect(core.exports.hash_final_xof(ctx, core.outPtr, 32)).toBe(-8);
    expect(core.exports.hash_init(ctx, 9)).toBe(0);
    expect(core.exports.hash_final_xof(ctx, core.outPtr, 0)).toBe(-1);
    expect(core.exports.hash_final_xof(ctx, core.outPtr, 17)).toBe(17);
    expect(core.exports.hash_final_xof(ctx, core.outPtr, 17)).toBe(-9);
    core.free(ctx, core.exports.hash_ctx_size(6));
  });

  it("reports context and digest sizes", () => {
    expect([6, 7, 8, 9].map((id) => core.exports.hash_digest_size(id))).toEqual([32, 48, 64, 64]);
    expect([6, 7, 8, 9].map((id) => core.exports.hash_ctx_size(id))).toEqual([208, 208, 208, 208]);
  });
});
