// Differential property tests of the AES area against node:crypto (OpenSSL), both builds, with
// random keys, IVs, lengths and chunk splits.
import crypto from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AesCbcDecryptor,
  AesCbcEncryptor,
  AesCtr,
  AesGcmDecryptor,
  AesGcmEncryptor,
  aesEncryptBlock,
  aesKeyUnwrap,
  aesKeyUnwrapPad,
  aesKeyWrap,
  aesKeyWrapPad,
  gcmCounterBlock0,
  Ghash,
  type AesExports,
} from "../src/aes/index.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

const builds = await loadBuilds<BaseExports & AesExports>();
const runs = { numRuns: 100 };

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const aesKey = fc.constantFrom(16, 24, 32).chain((n) => bytes(n, n));
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

const bits = (key: Uint8Array) => key.length * 8;

describe.each(builds)("AES differential vs node:crypto, $name build", ({ core }) => {
  it("single block matches AES-ECB", () => {
    fc.assert(
      fc.property(aesKey, bytes(16, 16), (key, block) => {
        const c = crypto.createCipheriv(`aes-${bits(key)}-ecb`, key, null).setAutoPadding(false);
        expect(Buffer.from(aesEncryptBlock(core, key, block))).toEqual(c.update(block));
      }),
      runs,
    );
  });

  it("CBC with PKCS#7 padding, encrypt and decrypt, any chunk split", () => {
    fc.assert(
      fc.property(aesKey, bytes(16, 16), bytes(0, 3000), cuts, cuts, (key, iv, msg, encCuts, decCuts) => {
        const c = crypto.createCipheriv(`aes-${bits(key)}-cbc`, key, iv);
        const expected = Buffer.concat([c.update(msg), c.final()]);
        const e = new AesCbcEncryptor(core, key, iv);
        expect(Buffer.concat([feed(e, msg, encCuts), e.final()])).toEqual(expected);
        const d = new AesCbcDecryptor(core, key, iv);
        const body = feed(d, expected, decCuts);
        // The last block is held back until final, so no padding byte leaves update.
        expect(body.length).toBe(expected.length - 16);
        expect(Buffer.concat([body, d.final()])).toEqual(Buffer.from(msg));
      }),
      runs,
    );
  });

  it("CTR with a 128-bit counter, including carries across all bytes", () => {
    const counter = fc.oneof(
      bytes(16, 16),
      bytes(0, 15).map((prefix) => Uint8Array.from([...prefix, ...new Array(16 - prefix.length).fill(0xff)])),
    );
    fc.assert(
      fc.property(aesKey, counter, bytes(0, 3000), cuts, (key, iv, msg, msgCuts) => {
        const c = crypto.createCipheriv(`aes-${bits(key)}-ctr`, key, iv);
        const ctr = new AesCtr(core, key, iv);
        expect(feed(ctr, msg, msgCuts)).toEqual(c.update(msg));
        expect(ctr.final()).toEqual(new Uint8Array(0));
      }),
      runs,
    );
  });

  it("GCM encrypt and decrypt with any IV length, AAD and tag length 12..16", () => {
    const ivArb = fc.oneof(bytes(12, 12), bytes(1, 80));
    fc.assert(
      fc.property(
        aesKey,
        ivArb,
        bytes(0, 300),
        bytes(0, 3000),
        fc.integer({ min: 12, max: 16 }),
        cuts,
        cuts,
        (key, iv, aad, msg, tagLength, aadCuts, msgCuts) => {
          const c = crypto.createCipheriv(`aes-${bits(key)}-gcm` as crypto.CipherGCMTypes, key, iv, {
            authTagLength: tagLength,
          });
          c.setAAD(aad);
          const ct = Buffer.concat([c.update(msg), c.final()]);
          const tag = c.getAuthTag();
          const e = new AesGcmEncryptor(core, key, iv, tagLength);
          for (const part of split(aad, aadCuts)) e.aad(part);
          expect(feed(e, msg, msgCuts)).toEqual(ct);
          expect(Buffer.from(e.final())).toEqual(tag);
          const d = new AesGcmDecryptor(core, key, iv);
          for (const part of split(aad, msgCuts)) d.aad(part);
          expect(feed(d, ct, aadCuts)).toEqual(Buffer.from(msg));
          d.final(tag);
        },
      ),
      runs,
    );
  });

  it("GHASH, J0 and single-block AES rebuild node's GCM tag (the hybrid path)", () => {
    fc.assert(
      fc.property(
        aesKey,
        fc.oneof(bytes(12, 12), bytes(1, 40)),
        bytes(0, 100),
        bytes(0, 600),
        cuts,
        (key, iv, aad, msg, ctCuts) => {
          const c = crypto.createCipheriv(`aes-${bits(key)}-gcm` as crypto.CipherGCMTypes, key, iv);
          c.setAAD(aad);
          const ct = Buffer.concat([c.update(msg), c.final()]);
          const h = aesEncryptBlock(core, key, new Uint8Array(16));
          const j0 = gcmCounterBlock0(core, h, iv);
          const ghash = new Ghash(core, h).update(aad).padBlock();
          for (const part of split(ct, ctCuts)) ghash.update(part);
          const s = ghash.finish(aad.length, ct.length);
          const mask = aesEncryptBlock(core, key, j0);
          expect(Buffer.from(s.map((b, i) => b ^ mask[i]!))).toEqual(c.getAuthTag());
        },
      ),
      runs,
    );
  });

  it("key wrap (RFC 3394) matches id-aes*-wrap", () => {
    const keyData = fc.integer({ min: 2, max: 64 }).chain((n) => bytes(8 * n, 8 * n));
    fc.assert(
      fc.property(aesKey, keyData, (kek, data) => {
        const iv = Buffer.from("a6a6a6a6a6a6a6a6", "hex");
        const c = crypto.createCipheriv(`id-aes${bits(kek)}-wrap`, kek, iv);
        const expected = Buffer.concat([c.update(data), c.final()]);
        expect(Buffer.from(aesKeyWrap(core, kek, data))).toEqual(expected);
        expect(Buffer.from(aesKeyUnwrap(core, kek, expected))).toEqual(Buffer.from(data));
      }),
      runs,
    );
  });

  it("key wrap with padding (RFC 5649) matches id-aes*-wrap-pad", () => {
    fc.assert(
      fc.property(aesKey, bytes(1, 300), (kek, data) => {
        const iv = Buffer.from("a65959a6", "hex");
        const c = crypto.createCipheriv(`id-aes${bits(kek)}-wrap-pad`, kek, iv);
        const expected = Buffer.concat([c.update(data), c.final()]);
        expect(Buffer.from(aesKeyWrapPad(core, kek, data))).toEqual(expected);
        expect(Buffer.from(aesKeyUnwrapPad(core, kek, expected))).toEqual(Buffer.from(data));
      }),
      runs,
    );
  });

  it("inputs larger than the I/O buffer (CTR, CBC, GCM in one update)", () => {
    // Compared with Buffer.equals: deep equality of 200 KB element by element is slow.
    const same = (a: Uint8Array, b: Uint8Array) => expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const key = crypto.randomBytes(32),
      iv = crypto.randomBytes(16),
      msg = crypto.randomBytes(200_003);
    const ctr = crypto.createCipheriv("aes-256-ctr", key, iv);
    same(new AesCtr(core, key, iv).update(msg), ctr.update(msg));
    const cbc = crypto.createCipheriv("aes-256-cbc", key, iv);
    const e = new AesCbcEncryptor(core, key, iv);
    const cbcCt = Buffer.concat([e.update(msg), e.final()]);
    same(cbcCt, Buffer.concat([cbc.update(msg), cbc.final()]));
    const d = new AesCbcDecryptor(core, key, iv);
    same(Buffer.concat([d.update(cbcCt), d.final()]), msg);
    const gcm = crypto.createCipheriv("aes-256-gcm", key, iv.subarray(0, 12));
    const g = new AesGcmEncryptor(core, key, iv.subarray(0, 12));
    same(g.update(msg), gcm.update(msg));
    gcm.final();
    same(g.final(), gcm.getAuthTag());
  });
});
