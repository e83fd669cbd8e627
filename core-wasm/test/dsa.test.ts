// DSA verification against node:crypto (OpenSSL) signatures with fresh keys of the FIPS 186-4 sizes
// and SHA-1 / SHA-2, on both builds; and the error codes of keys the core refuses.
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { dsaVerify, parseDsaSignature, type DsaExports, type DsaPublicKey } from "../src/dsa/index.js";
import { CryptoError } from "../src/errors.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

const builds = await loadBuilds<BaseExports & DsaExports>();

/** The TLVs inside a DER constructed value (definite lengths only: what node:crypto writes). */
function children(der: Uint8Array): { tag: number; value: Uint8Array }[] {
  const out: { tag: number; value: Uint8Array }[] = [];
  for (let at = 0; at < der.length;) {
    const tag = der[at]!;
    let length = der[at + 1]!;
    let start = at + 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
      start += count;
    }
    out.push({ tag, value: der.subarray(start, start + length) });
    at = start + length;
  }
  return out;
}

/** p, q, g, y of a DSA SubjectPublicKeyInfo (RFC 3279 2.3.2). */
function dsaKeyOf(spki: Uint8Array): DsaPublicKey {
  const [info] = children(spki);
  const [algorithm, bits] = children(info!.value);
  const [, params] = children(algorithm!.value);
  const [p, q, g] = children(params!.value).map((c) => c.value);
  const [y] = children(bits!.value.subarray(1)).map((c) => c.value);
  return { p: p!, q: q!, g: g!, y: y! };
}

const sizes = [
  { modulusLength: 1024, divisorLength: 160, hashes: ["SHA-1", "SHA-256"] },
  { modulusLength: 2048, divisorLength: 256, hashes: ["SHA-256", "SHA-384", "SHA-512"] },
] as const;

const keys = sizes.map(({ modulusLength, divisorLength, hashes }) => {
  const pair = crypto.generateKeyPairSync("dsa", { modulusLength, divisorLength });
  const key = dsaKeyOf(new Uint8Array(pair.publicKey.export({ format: "der", type: "spki" })));
  return { name: `${modulusLength}/${divisorLength}`, pair, key, hashes };
});

describe.each(builds)("DSA verify, $name build", ({ core }) => {
  it.each(keys)(
    "$name: node:crypto signatures verify; a changed message or signature does not",
    ({ pair, key, hashes }) => {
      for (const hash of hashes) {
        for (let i = 0; i < 8; i++) {
          const message = crypto.randomBytes(1 + i * 37);
          const nodeHash = hash.replace("-", "").toLowerCase();
          const signature = new Uint8Array(crypto.sign(nodeHash, message, pair.privateKey));
          const digest = new Uint8Array(crypto.createHash(nodeHash).update(message).digest());
          expect(dsaVerify(core, key, digest, signature)).toBe(true);
          const otherDigest = Uint8Array.from(digest);
          otherDigest[i % otherDigest.length]! ^= 1;
          expect(dsaVerify(core, key, otherDigest, signature)).toBe(false);
          const otherSignature = Uint8Array.from(signature);
          otherSignature[otherSignature.length - 1 - i]! ^= 1;
          expect(dsaVerify(core, key, digest, otherSignature)).toBe(false);
        }
      }
    },
  );

  it("keys the core refuses: INVALID_KEY (even p or q, q not below p, g or y of 0, 1 or >= p, sizes)", () => {
    const { key, pair } = keys[0]!;
    const digest = new Uint8Array(20);
    const signature = new Uint8Array(crypto.sign("sha1", Buffer.alloc(0), pair.privateKey));
    const even = (b: Uint8Array) => Uint8Array.from([...b.subarray(0, -1), b[b.length - 1]! & 0xfe]);
    for (const bad of [
      { ...key, p: even(key.p) },
      { ...key, q: even(key.q) },
      { ...key, q: key.p },
      { ...key, g: new Uint8Array([1]) },
      { ...key, y: new Uint8Array([0]) },
      { ...key, y: key.p },
      { ...key, p: key.p.subarray(0, 40) },
      { ...key, q: key.q.subarray(0, 10) },
    ]) {
      let caught: unknown;
      try {
        dsaVerify(core, bad, digest, signature);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CryptoError);
      expect((caught as CryptoError).code).toBe("INVALID_KEY");
    }
  });
});

describe("parseDsaSignature (strict DER Dss-Sig-Value, RFC 3279 2.2.2)", () => {
  it("takes minimal positive INTEGERs and refuses every other encoding", () => {
    expect(parseDsaSignature(Uint8Array.from([0x30, 6, 2, 1, 5, 2, 1, 7]))).toEqual({
      r: Uint8Array.from([5]),
      s: Uint8Array.from([7]),
    });
    for (const bad of [
      [0x30, 6, 2, 1, 5, 2, 1, 0x87], // negative s
      [0x30, 7, 2, 2, 0, 5, 2, 1, 7], // r not minimal
      [0x30, 0x81, 6, 2, 1, 5, 2, 1, 7], // length not minimal
      [0x30, 0x80, 2, 1, 5, 2, 1, 7, 0, 0], // indefinite length
      [0x30, 6, 2, 1, 5, 2, 1, 7, 0], // a byte after
      [0x30, 3, 2, 1, 5], // one INTEGER
      [0x30, 9, 2, 1, 5, 2, 1, 7, 2, 1, 1], // three
      [0x30, 5, 2, 0, 2, 1, 7], // empty r
      [0x31, 6, 2, 1, 5, 2, 1, 7], // a SET
    ]) {
      expect(parseDsaSignature(Uint8Array.from(bad))).toBeUndefined();
    }
  });
});
