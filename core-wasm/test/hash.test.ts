import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Hash, hash, Hmac, hmac, iteratedHash, type HashAlgorithm, type HashExports } from "../src/hash/index.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";
import { handlers } from "./vectors/hash.js";

const builds = await loadBuilds<BaseExports & HashExports>();
const algorithms: HashAlgorithm[] = ["SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"];
const nodeName = (alg: HashAlgorithm) => alg.replace("-", "").toLowerCase();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const ascii = (text: string) => new TextEncoder().encode(text);

// FIPS 180-4 example messages (NIST "Cryptographic Standards and Guidelines: Examples with Intermediate
// Values"): "abc", the 448-bit and 896-bit two-block messages, and one million 'a'.
const fipsMessages = {
  abc: "abc",
  bits448: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
  bits896:
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
  millionA: "a".repeat(1_000_000),
} as const;
const fipsDigests: Record<HashAlgorithm, Record<keyof typeof fipsMessages, string>> = {
  "SHA-1": {
    abc: "a9993e364706816aba3e25717850c26c9cd0d89d",
    bits448: "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    bits896: "a49b2446a02c645bf419f995b67091253a04a259",
    millionA: "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
  },
  "SHA-224": {
    abc: "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
    bits448: "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
    bits896: "c97ca9a559850ce97a04a96def6d99a9e0e0e2ab14e6b8df265fc0b3",
    millionA: "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67",
  },
  "SHA-256": {
    abc: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    bits448: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    bits896: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    millionA: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  },
  "SHA-384": {
    abc: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    bits448: "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
    bits896: "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
    millionA: "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
  },
  "SHA-512": {
    abc: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    bits448:
      "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
    bits896:
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
    millionA:
      "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
  },
};

// HMAC-SHA-224 test cases 1, 2 and 6 of RFC 4231 section 4 (no Wycheproof file for it here); case 6
// has a key longer than the 64-byte block, which is hashed first.
const rfc4231Sha224 = [
  {
    key: new Uint8Array(20).fill(0x0b),
    data: "Hi There",
    mac: "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
  },
  {
    key: ascii("Jefe"),
    data: "what do ya want for nothing?",
    mac: "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
  },
  {
    key: new Uint8Array(131).fill(0xaa),
    data: "Test Using Larger Than Block-Size Key - Hash Key First",
    mac: "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
  },
];

/** Cuts `data` at the given (sorted, deduplicated) offsets. */
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

describe.each(builds)("hash, $name build", ({ core }) => {
  describe.each(algorithms)("%s", (alg) => {
    it.each(Object.keys(fipsMessages) as (keyof typeof fipsMessages)[])("FIPS 180 example %s", (name) => {
      expect(hex(hash(core, alg, ascii(fipsMessages[name])))).toBe(fipsDigests[alg][name]);
    });

    it("one million 'a' fed 1, 63, 64, 65 and 127 bytes at a time", () => {
      const data = ascii("a".repeat(100_000));
      for (const step of [1, 63, 64, 65, 127]) {
        const h = new Hash(core, alg);
        let offset = 0;
        for (let round = 0; round < 10; round++) {
          for (offset = 0; offset < data.length; offset += step) h.update(data.subarray(offset, offset + step));
        }
        expect(hex(h.digest())).toBe(fipsDigests[alg].millionA);
        h.dispose();
      }
    });

    it("matches node:crypto on random data and random chunk splits", () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 4096, size: "max" }),
          fc.array(fc.nat({ max: 4096 }), { maxLength: 8 }),
          (data, cuts) => {
            const h = new Hash(core, alg);
            for (const chunk of split(data, cuts)) h.update(chunk);
            const ours = h.digest();
            h.dispose();
            expect(hex(ours)).toBe(createHash(nodeName(alg)).update(data).digest("hex"));
          },
        ),
        { numRuns: 150 },
      );
    });

    it("HMAC matches node:crypto for random keys (0..300 bytes), data and chunk splits", () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300, size: "max" }),
          fc.uint8Array({ maxLength: 4096, size: "max" }),
          fc.array(fc.nat({ max: 4096 }), { maxLength: 8 }),
          (key, data, cuts) => {
            const h = new Hmac(core, alg, key);
            for (const chunk of split(data, cuts)) h.update(chunk);
            const ours = h.digest();
            h.dispose();
            expect(hex(ours)).toBe(createHmac(nodeName(alg), key).update(data).digest("hex"));
          },
        ),
        { numRuns: 150 },
      );
    });

    it("hashes inputs longer than one I/O chunk (several MiB, a 1-byte tail)", () => {
      const data = Uint8Array.from({ length: 3 * 1024 * 1024 + 1 }, (_, i) => (i * 31 + (i >>> 9)) & 0xff);
      expect(hex(hash(core, alg, data))).toBe(createHash(nodeName(alg)).update(data).digest("hex"));
      const key = data.subarray(0, 200);
      expect(hex(hmac(core, alg, key, data))).toBe(createHmac(nodeName(alg), key).update(data).digest("hex"));
    });

    it("iterated: H applied 1..3000 times to random data matches node:crypto applied as often", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 3000 }), (data, count) => {
          let expected = Buffer.from(data);
          for (let i = 0; i < count; i++) expected = createHash(nodeName(alg)).update(expected).digest();
          expect(hex(iteratedHash(core, alg, data, count))).toBe(expected.toString("hex"));
        }),
        { numRuns: 25 },
      );
    });
  });

  it("iterated: refuses a count that is not a positive integer, before touching the core", () => {
    for (const count of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => iteratedHash(core, "SHA-1", new Uint8Array(4), count)).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT" }),
      );
    }
  });

  it.each(rfc4231Sha224.map((c, i) => [i, c] as const))("HMAC-SHA-224 RFC 4231 case %#", (_, c) => {
    expect(hex(hmac(core, "SHA-224", c.key, ascii(c.data)))).toBe(c.mac);
  });

  it("every length around the padding boundaries (0..300 bytes) matches node:crypto", () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i * 7);
    for (const alg of algorithms) {
      for (let length = 0; length <= data.length; length++) {
        const message = data.subarray(0, length);
        expect(hex(hash(core, alg, message)), `${alg} length ${length}`).toBe(
          createHash(nodeName(alg)).update(message).digest("hex"),
        );
      }
    }
  });

  it("rejects update and digest after digest, and use after dispose", () => {
    for (const make of [() => new Hash(core, "SHA-256"), () => new Hmac(core, "SHA-384", ascii("k"))]) {
      const h = make();
      h.update(ascii("abc")).digest();
      expect(() => h.update(ascii("x"))).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
      expect(() => h.digest()).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
      h.dispose();
      h.dispose();
      expect(() => h.update(ascii("x"))).toThrow(/used after dispose/);
    }
  });

  it("rejects unknown algorithms on the host and in the core", () => {
    expect(() => new Hash(core, "MD5" as HashAlgorithm)).toThrow(
      expect.objectContaining({
        code: "UNSUPPORTED_ALGORITHM",
        message: expect.stringContaining('"MD5"'),
      }),
    );
    expect(() => hmac(core, "toString" as HashAlgorithm, ascii("k"), ascii("m"))).toThrow(
      expect.objectContaining({ code: "UNSUPPORTED_ALGORITHM" }),
    );
    for (const id of [0, 10, -1]) {
      expect(core.exports.hash_ctx_size(id)).toBe(-8);
      expect(core.exports.hash_init(core.inPtr, id)).toBe(-8);
      expect(core.exports.hmac_init(core.inPtr, id, core.outPtr, 0)).toBe(-8);
    }
  });

  it("reports context and digest sizes", () => {
    expect([1, 2, 3, 4, 5].map((id) => core.exports.hash_digest_size(id))).toEqual([20, 32, 48, 64, 28]);
    expect([1, 2, 3, 4, 5].map((id) => core.exports.hash_ctx_size(id))).toEqual([144, 144, 208, 208, 144]);
    expect([1, 2, 3, 4, 5].map((id) => core.exports.hmac_ctx_size(id))).toEqual([352, 352, 416, 416, 352]);
  });

  it.each(handlers.flatMap((h) => h.files.map((file) => [file, h] as const)))(
    "Wycheproof %s",
    async (file, handler) => {
      const json: unknown = JSON.parse(readFileSync(new URL(`./vectors/wycheproof/${file}`, import.meta.url), "utf8"));
      const tally = await handler.run(file, json, core);
      expect(tally.notes.filter((n) => !n.includes("(acceptable"))).toEqual([]);
      expect(tally.failed).toBe(0);
      expect(tally.passed).toBeGreaterThan(100);
    },
  );
});
