// Known answers, edge cases and bad inputs of the AES area, on both builds.
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { CryptoError, type CryptoErrorCode } from "../src/errors.js";
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
  gf128Multiply,
  Ghash,
  type AesExports,
} from "../src/aes/index.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

const builds = await loadBuilds<BaseExports & AesExports>();
const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function expectCode(fn: () => unknown, code: CryptoErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CryptoError);
  expect((caught as CryptoError).code).toBe(code);
}

/** X * Y in GF(2^128), SP 800-38D 6.3 Algorithm 1, bit by bit: the reference for the core's product. */
function referenceMultiply(x: Uint8Array, y: Uint8Array): Uint8Array {
  let z = 0n;
  let v = BigInt("0x" + toHex(y));
  const r = 0xe1n << 120n;
  for (let i = 0; i < 128; i++) {
    if ((x[i >> 3]! >> (7 - (i & 7))) & 1) z ^= v;
    v = v & 1n ? (v >> 1n) ^ r : v >> 1n;
  }
  return hex(z.toString(16).padStart(32, "0"));
}

describe.each(builds)("AES, $name build", ({ core }) => {
  it("gf128Multiply agrees with SP 800-38D Algorithm 1 on random blocks, and checks its input", () => {
    for (let i = 0; i < 200; i++) {
      const x = new Uint8Array(crypto.randomBytes(16));
      const y = new Uint8Array(crypto.randomBytes(16));
      expect(toHex(gf128Multiply(core, x, y))).toBe(toHex(referenceMultiply(x, y)));
    }
    const one = hex("80000000000000000000000000000000"); // the field's 1 in GCM's reflected bit order
    const y = new Uint8Array(crypto.randomBytes(16));
    expect(gf128Multiply(core, one, y)).toEqual(y);
    expectCode(() => gf128Multiply(core, new Uint8Array(15), y), "INVALID_ARGUMENT");
    expectCode(() => gf128Multiply(core, y, new Uint8Array(17)), "INVALID_ARGUMENT");
  });

  it("FIPS 197 Appendix C known answers", () => {
    const plain = hex("00112233445566778899aabbccddeeff");
    const key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    expect(toHex(aesEncryptBlock(core, key.subarray(0, 16), plain))).toBe("69c4e0d86a7b0430d8cdb78070b4c55a");
    expect(toHex(aesEncryptBlock(core, key.subarray(0, 24), plain))).toBe("dda97ca4864cdfe06eaf70a0ec0d7191");
    expect(toHex(aesEncryptBlock(core, key, plain))).toBe("8ea2b7ca516745bfeafc49904b496089");
  });

  it("rejects key sizes other than 16, 24, 32 with INVALID_KEY", () => {
    const iv = new Uint8Array(16);
    for (const n of [0, 8, 15, 17, 31, 33, 64]) {
      const key = new Uint8Array(n);
      expectCode(() => aesEncryptBlock(core, key, iv), "INVALID_KEY");
      expectCode(() => new AesCbcEncryptor(core, key, iv), "INVALID_KEY");
      expectCode(() => new AesCbcDecryptor(core, key, iv), "INVALID_KEY");
      expectCode(() => new AesCtr(core, key, iv), "INVALID_KEY");
      expectCode(() => new AesGcmEncryptor(core, key, iv), "INVALID_KEY");
      expectCode(() => new AesGcmDecryptor(core, key, iv), "INVALID_KEY");
      expectCode(() => aesKeyWrap(core, key, new Uint8Array(16)), "INVALID_KEY");
      expectCode(() => aesKeyUnwrapPad(core, key, new Uint8Array(16)), "INVALID_KEY");
    }
  });

  it("rejects bad IV, block and tag sizes with INVALID_ARGUMENT", () => {
    const key = new Uint8Array(16);
    for (const n of [0, 12, 15, 17]) {
      expectCode(() => new AesCbcEncryptor(core, key, new Uint8Array(n)), "INVALID_ARGUMENT");
      expectCode(() => new AesCtr(core, key, new Uint8Array(n)), "INVALID_ARGUMENT");
      expectCode(() => aesEncryptBlock(core, key, new Uint8Array(n)), "INVALID_ARGUMENT");
      expectCode(() => new Ghash(core, new Uint8Array(n)), "INVALID_ARGUMENT");
    }
    expectCode(() => new AesGcmEncryptor(core, key, new Uint8Array(0)), "INVALID_ARGUMENT");
    expectCode(() => gcmCounterBlock0(core, new Uint8Array(16), new Uint8Array(0)), "INVALID_ARGUMENT");
    for (const tagLength of [0, 4, 8, 11, 17, 12.5]) {
      expectCode(() => new AesGcmEncryptor(core, key, new Uint8Array(12), tagLength), "INVALID_ARGUMENT");
      if (Number.isInteger(tagLength)) {
        const d = new AesGcmDecryptor(core, key, new Uint8Array(12));
        expectCode(() => d.final(new Uint8Array(tagLength)), "INVALID_ARGUMENT");
      }
    }
  });

  it("reports calls out of order as INVALID_STATE; dispose is idempotent", () => {
    const key = new Uint8Array(32),
      iv = new Uint8Array(16);
    const e = new AesCbcEncryptor(core, key, iv);
    e.final();
    expectCode(() => e.update(new Uint8Array(1)), "INVALID_STATE");
    expectCode(() => e.final(), "INVALID_STATE");
    e.dispose();
    e.dispose();
    const ctr = new AesCtr(core, key, iv);
    ctr.dispose();
    expectCode(() => ctr.update(new Uint8Array(5)), "INVALID_STATE");
    expectCode(() => ctr.final(), "INVALID_STATE");
    const g = new AesGcmEncryptor(core, key, iv.subarray(0, 12));
    g.update(new Uint8Array(3));
    expectCode(() => g.aad(new Uint8Array(1)), "INVALID_STATE");
    g.final();
    expectCode(() => g.update(new Uint8Array(1)), "INVALID_STATE");
    const gh = new Ghash(core, new Uint8Array(16));
    gh.finish(0, 0);
    expectCode(() => gh.update(new Uint8Array(1)), "INVALID_STATE");
  });

  it("CBC decrypt: bad padding, wrong key and bad lengths all give DECRYPTION_FAILED", () => {
    const key = hex("000102030405060708090a0b0c0d0e0f"),
      iv = new Uint8Array(16).fill(9);
    const encrypt = (k: Uint8Array, plain: Uint8Array) => {
      const c = crypto.createCipheriv("aes-128-cbc", k, iv).setAutoPadding(false);
      return Buffer.concat([c.update(plain), c.final()]);
    };
    const decrypt = (k: Uint8Array, ct: Uint8Array) => {
      const d = new AesCbcDecryptor(core, k, iv);
      return Buffer.concat([d.update(ct), d.final()]);
    };
    const badPads = ["00", "11", "ff", "0203", "01".repeat(14) + "0302"];
    for (const tail of badPads) {
      const plain = hex("aa".repeat(32 - tail.length / 2) + tail);
      expectCode(() => decrypt(key, encrypt(key, plain)), "DECRYPTION_FAILED");
    }
    // A full block of padding and a single padding byte are valid.
    expect(decrypt(key, encrypt(key, hex("10".repeat(16))))).toEqual(Buffer.alloc(0));
    expect(toHex(decrypt(key, encrypt(key, hex("aa".repeat(15) + "01"))))).toBe("aa".repeat(15));
    // A wrong key: pick one whose decryption does not happen to end in valid padding.
    const good = encrypt(key, hex("aa".repeat(12) + "04040404"));
    const wrongKey = hex("0f0e0d0c0b0a09080706050403020100");
    const raw = crypto.createDecipheriv("aes-128-cbc", wrongKey, iv).setAutoPadding(false).update(good);
    expect(raw[15]! > 16 || raw[15] === 0).toBe(true);
    expectCode(() => decrypt(wrongKey, good), "DECRYPTION_FAILED");
    for (const n of [0, 1, 15, 17, 31]) expectCode(() => decrypt(key, new Uint8Array(n)), "DECRYPTION_FAILED");
  });

  it("CBC decrypt holds back the last block until final", () => {
    const key = new Uint8Array(16),
      iv = new Uint8Array(16);
    const e = new AesCbcEncryptor(core, key, iv);
    const ct = Buffer.concat([e.update(new Uint8Array(40)), e.final()]);
    const d = new AesCbcDecryptor(core, key, iv);
    expect(d.update(ct.subarray(0, 16)).length).toBe(0);
    // 33 bytes seen: the first two blocks are certainly not the last one.
    expect(d.update(ct.subarray(16, 33)).length).toBe(32);
    expect(d.update(ct.subarray(33)).length).toBe(0);
    expect(d.final()).toEqual(new Uint8Array(8));
  });

  it("GCM decrypt: a changed tag, AAD, ciphertext or IV gives AUTH_TAG_MISMATCH", () => {
    const key = crypto.randomBytes(16),
      iv = crypto.randomBytes(12),
      aad = Buffer.from("header");
    const msg = crypto.randomBytes(100);
    const e = new AesGcmEncryptor(core, key, iv);
    e.aad(aad);
    const ct = e.update(msg);
    const tag = e.final();
    const open = (k: Uint8Array, v: Uint8Array, a: Uint8Array, c: Uint8Array, t: Uint8Array) => {
      const d = new AesGcmDecryptor(core, k, v);
      d.aad(a);
      const plain = d.update(c);
      d.final(t);
      return plain;
    };
    expect(Buffer.from(open(key, iv, aad, ct, tag))).toEqual(msg);
    expect(Buffer.from(open(key, iv, aad, ct, tag.subarray(0, 12)))).toEqual(msg);
    const flip = (b: Uint8Array, i: number) => b.map((x, j) => (j === i ? x ^ 1 : x));
    expectCode(() => open(key, iv, aad, ct, flip(tag, 15)), "AUTH_TAG_MISMATCH");
    expectCode(() => open(key, iv, flip(aad, 0), ct, tag), "AUTH_TAG_MISMATCH");
    expectCode(() => open(key, iv, aad, flip(ct, 50), tag), "AUTH_TAG_MISMATCH");
    expectCode(() => open(key, flip(iv, 11), aad, ct, tag), "AUTH_TAG_MISMATCH");
    expectCode(() => open(flip(key, 0), iv, aad, ct, tag), "AUTH_TAG_MISMATCH");
  });

  it("GCM J0 for a 96-bit IV is IV || 0^31 || 1", () => {
    expect(toHex(gcmCounterBlock0(core, new Uint8Array(16), hex("000102030405060708090a0b")))).toBe(
      "000102030405060708090a0b00000001",
    );
  });

  it("key unwrap: any modification gives DECRYPTION_FAILED; bad wrap inputs give INVALID_ARGUMENT", () => {
    const kek = crypto.randomBytes(24),
      data = crypto.randomBytes(32);
    const wrapped = aesKeyWrap(core, kek, data);
    const wrappedPad = aesKeyWrapPad(core, kek, data.subarray(0, 13));
    for (const i of [0, 7, 8, 39]) {
      const bad = wrapped.map((x, j) => (j === i ? x ^ 0x80 : x));
      expectCode(() => aesKeyUnwrap(core, kek, bad), "DECRYPTION_FAILED");
    }
    for (const i of [0, 4, 7, 8, 23]) {
      const bad = wrappedPad.map((x, j) => (j === i ? x ^ 0x80 : x));
      expectCode(() => aesKeyUnwrapPad(core, kek, bad), "DECRYPTION_FAILED");
    }
    expectCode(() => aesKeyUnwrap(core, kek, wrapped.subarray(0, 39)), "DECRYPTION_FAILED");
    expectCode(() => aesKeyUnwrap(core, kek, wrapped.subarray(0, 16)), "DECRYPTION_FAILED");
    expectCode(() => aesKeyUnwrapPad(core, kek, wrappedPad.subarray(0, 8)), "DECRYPTION_FAILED");
    expectCode(() => aesKeyUnwrap(core, crypto.randomBytes(24), wrapped), "DECRYPTION_FAILED");
    for (const n of [0, 8, 15, 17]) expectCode(() => aesKeyWrap(core, kek, new Uint8Array(n)), "INVALID_ARGUMENT");
    expectCode(() => aesKeyWrapPad(core, kek, new Uint8Array(0)), "INVALID_ARGUMENT");
    expect(Buffer.from(aesKeyUnwrap(core, kek, wrapped))).toEqual(data);
  });

  it("unwrap and decrypt failures leave no plaintext in the output buffer", () => {
    const kek = crypto.randomBytes(16),
      wrapped = aesKeyWrap(core, kek, crypto.randomBytes(24));
    wrapped[3]! ^= 1;
    expectCode(() => aesKeyUnwrap(core, kek, wrapped), "DECRYPTION_FAILED");
    expect(core.read(core.outPtr, 24)).toEqual(new Uint8Array(24));
  });
});
