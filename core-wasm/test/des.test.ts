// Known answers, edge cases and bad inputs of the Triple-DES area, on both builds, and the
// des-ede3-cbc cipher through CoreService.
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { tripleDesBlock, TripleDesCbcDecryptor, TripleDesCbcEncryptor, type DesExports } from "../src/des/index.js";
import { CryptoError, type CryptoErrorCode } from "../src/errors.js";
import { CoreService } from "../src/service/core-service.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

const builds = await loadBuilds<BaseExports & DesExports>();
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

/** TDEA with K1 = K2 = K3 is single DES (SP 800-67 3.2: E_K(D_K(E_K(P))) = E_K(P)). */
const single = (key: string) => hex(key.repeat(3));

/** Single-DES known answers: [key, plaintext, ciphertext]. */
const desVectors: [string, string, string][] = [
  // NIST SP 800-17 (the tests of SP 800-20): variable plaintext, variable key, permutation
  // operation and substitution table tests, one or more of each.
  ["0101010101010101", "8000000000000000", "95f8a5e5dd31d900"],
  ["0101010101010101", "4000000000000000", "dd7f121ca5015619"],
  ["0101010101010101", "0000000000000001", "166b40b44aba4bd6"],
  ["8001010101010101", "0000000000000000", "95a8d72813daa94d"],
  ["4001010101010101", "0000000000000000", "0eec1487dd8c26d5"],
  ["1046913489980131", "0000000000000000", "88d55e54f54c97b4"],
  ["7ca110454a1a6e57", "01a1d6d039776742", "690f5b0d9a26939b"],
  ["0131d9619dc1376e", "5cd54ca83def57da", "7a389d10354bd271"],
  // FIPS 81 Appendix B, ECB: "Now is the time for all " with key 0123456789abcdef.
  ["0123456789abcdef", "4e6f772069732074", "3fa40e8a984d4815"],
  ["0123456789abcdef", "68652074696d6520", "6a271787ab8883f9"],
  ["0123456789abcdef", "666f7220616c6c20", "893d51ec4b563b53"],
];

describe.each(builds)("Triple-DES, $name build", ({ core }) => {
  it("DES known answers (SP 800-17, FIPS 81) through TDEA with three equal keys, both directions", () => {
    for (const [key, plain, cipher] of desVectors) {
      expect(toHex(tripleDesBlock(core, single(key), hex(plain)))).toBe(cipher);
      expect(toHex(tripleDesBlock(core, single(key), hex(cipher), { decrypt: true }))).toBe(plain);
    }
  });

  it("parity bits are ignored", () => {
    // 0123456789abcdef with every parity bit (the low bit of each byte) flipped.
    expect(toHex(tripleDesBlock(core, single("0022446688aaccee"), hex("4e6f772069732074")))).toBe("3fa40e8a984d4815");
  });

  it("TDEA known answer with three distinct keys (SP 800-67 Rev. 1, Appendix B)", () => {
    // The example's plaintext really is "The qufck brown fox jump" (sic).
    const key = hex("0123456789abcdef23456789abcdef01456789abcdef0123");
    const plain = Buffer.from("The qufck brown fox jump");
    const expected = ["a826fd8ce53b855f", "cce21c8112256fe6", "68d5c05dd9b6b900"];
    for (let i = 0; i < 3; i++) {
      const block = plain.subarray(8 * i, 8 * i + 8);
      expect(toHex(tripleDesBlock(core, key, block))).toBe(expected[i]);
      expect(Buffer.from(tripleDesBlock(core, key, hex(expected[i]!), { decrypt: true }))).toEqual(block);
    }
  });

  it("FIPS 81 Appendix C CBC example, and decryption of it", () => {
    const key = single("0123456789abcdef"),
      iv = hex("1234567890abcdef");
    const plain = Buffer.from("Now is the time for all ");
    const e = new TripleDesCbcEncryptor(core, key, iv);
    const ct = Buffer.concat([e.update(plain), e.final()]);
    // The three blocks of FIPS 81, then the PKCS#7 block of eight 0x08 bytes.
    expect(toHex(ct.subarray(0, 24))).toBe("e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6");
    expect(ct.length).toBe(32);
    const d = new TripleDesCbcDecryptor(core, key, iv);
    expect(Buffer.concat([d.update(ct), d.final()])).toEqual(plain);
  });

  it("key not 24 bytes gives INVALID_KEY; IV or block not 8 bytes gives INVALID_ARGUMENT", () => {
    const iv = new Uint8Array(8);
    for (const n of [0, 8, 16, 23, 25, 32]) {
      const key = new Uint8Array(n);
      expectCode(() => new TripleDesCbcEncryptor(core, key, iv), "INVALID_KEY");
      expectCode(() => new TripleDesCbcDecryptor(core, key, iv), "INVALID_KEY");
      expectCode(() => tripleDesBlock(core, key, iv), "INVALID_KEY");
    }
    const key = new Uint8Array(24);
    for (const n of [0, 7, 9, 16]) {
      expectCode(() => new TripleDesCbcEncryptor(core, key, new Uint8Array(n)), "INVALID_ARGUMENT");
      expectCode(() => new TripleDesCbcDecryptor(core, key, new Uint8Array(n)), "INVALID_ARGUMENT");
      expectCode(() => tripleDesBlock(core, key, new Uint8Array(n)), "INVALID_ARGUMENT");
    }
    // The core checks the key length itself too.
    const ctx = core.alloc(core.exports.des_ctx_size());
    expect(core.exports.des_ede3_cbc_init(ctx, core.inPtr, 16, core.inPtr, 0)).toBe(-2);
    core.free(ctx, core.exports.des_ctx_size());
  });

  it("calls out of order give INVALID_STATE; dispose is idempotent", () => {
    const e = new TripleDesCbcEncryptor(core, new Uint8Array(24), new Uint8Array(8));
    e.final();
    expectCode(() => e.update(new Uint8Array(1)), "INVALID_STATE");
    expectCode(() => e.final(), "INVALID_STATE");
    e.dispose();
    e.dispose();
  });

  it("bad padding, wrong key and bad lengths all give DECRYPTION_FAILED, with nothing written", () => {
    const key = crypto.randomBytes(24),
      iv = crypto.randomBytes(8);
    const encryptRaw = (k: Uint8Array, plain: Uint8Array) => {
      const c = crypto.createCipheriv("des-ede3-cbc", k, iv).setAutoPadding(false);
      return Buffer.concat([c.update(plain), c.final()]);
    };
    const decrypt = (k: Uint8Array, ct: Uint8Array) => {
      const d = new TripleDesCbcDecryptor(core, k, iv);
      return Buffer.concat([d.update(ct), d.final()]);
    };
    for (const tail of ["00", "09", "10", "ff", "0203", "01010101010302", "0808080808080807"]) {
      const plain = hex("aa".repeat(16 - tail.length / 2) + tail);
      expectCode(() => decrypt(key, encryptRaw(key, plain)), "DECRYPTION_FAILED");
      expect(core.read(core.outPtr, 8)).not.toEqual(plain.subarray(8));
    }
    // A full block of padding and a single padding byte are valid.
    expect(decrypt(key, encryptRaw(key, hex("08".repeat(8))))).toEqual(Buffer.alloc(0));
    expect(toHex(decrypt(key, encryptRaw(key, hex("aa".repeat(7) + "01"))))).toBe("aa".repeat(7));
    // A wrong key: pick one whose decryption does not happen to end in valid padding.
    const good = encryptRaw(key, hex("aa".repeat(12) + "04040404"));
    let wrongKey: Buffer;
    do {
      wrongKey = crypto.randomBytes(24);
    } while (
      (crypto.createDecipheriv("des-ede3-cbc", wrongKey, iv).setAutoPadding(false).update(good)[15]! - 1) >>> 0 <
      8
    );
    expectCode(() => decrypt(wrongKey, good), "DECRYPTION_FAILED");
    for (const n of [0, 1, 7, 9, 15, 17]) expectCode(() => decrypt(key, new Uint8Array(n)), "DECRYPTION_FAILED");
  });

  it("decryption holds back the last block until final, across a batch boundary", () => {
    const key = crypto.randomBytes(24),
      iv = crypto.randomBytes(8);
    const blocks = core.simd ? 128 : 64;
    const msg = crypto.randomBytes(blocks * 8 + 3);
    const c = crypto.createCipheriv("des-ede3-cbc", key, iv);
    const ct = Buffer.concat([c.update(msg), c.final()]); // blocks + 1 blocks
    const d = new TripleDesCbcDecryptor(core, key, iv);
    expect(d.update(ct.subarray(0, 8)).length).toBe(0);
    // 17 bytes seen: the first two blocks are certainly not the last one.
    expect(d.update(ct.subarray(8, 17)).length).toBe(16);
    const rest = d.update(ct.subarray(17));
    expect(rest.length).toBe(ct.length - 16 - 8);
    expect(Buffer.concat([ct.subarray(0, 0), d.final()]).length).toBe(3);
  });
});

describe("des-ede3-cbc through CoreService", () => {
  it.each(["simd", "baseline"] as const)("round trip on the %s build, any AES path", async (build) => {
    const core = await CoreService.open({ build, aes: "webcrypto" });
    const key = crypto.randomBytes(24),
      iv = crypto.randomBytes(8),
      msg = crypto.randomBytes(3000);
    const e = await core.createEncryptor({ cipher: "des-ede3-cbc", key, iv });
    const ct = Buffer.concat([
      await e.update(msg.subarray(0, 1001)),
      await e.update(msg.subarray(1001)),
      (await e.final()).data,
    ]);
    const c = crypto.createCipheriv("des-ede3-cbc", key, iv);
    expect(ct).toEqual(Buffer.concat([c.update(msg), c.final()]));
    const d = await core.createDecryptor({ cipher: "des-ede3-cbc", key, iv });
    expect(Buffer.concat([await d.update(ct), await d.final()])).toEqual(msg);
    await expect(core.createDecryptor({ cipher: "des-ede3-cbc", key: key.subarray(0, 16), iv })).rejects.toMatchObject({
      code: "INVALID_KEY",
    });
    await expect(core.createDecryptor({ cipher: "des-ede3-cbc", key, iv: new Uint8Array(16) })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    const bad = await core.createDecryptor({ cipher: "des-ede3-cbc", key, iv });
    await bad.update(ct.subarray(0, ct.length - 1));
    await expect(bad.final()).rejects.toMatchObject({ code: "DECRYPTION_FAILED" });
  });
});
