// RC2 (RFC 2268) on both builds: the RFC's known answers both ways, CBC decryption of what
// OpenSSL's `enc -rc2-40-cbc / -rc2-64-cbc / -rc2-cbc` writes (legacy provider: the real producer of
// the old mail and PKCS #12 files this reads), streaming in any chunk sizes, every error code, and
// the refusal to encrypt.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CryptoError, type CryptoErrorCode } from "../src/errors.js";
import { rc2Block, Rc2CbcDecryptor, type Rc2Exports } from "../src/rc2/index.js";
import { CoreService } from "../src/service/core-service.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

const builds = await loadBuilds<BaseExports & Rc2Exports>();
const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface Rc2Vector {
  key: string;
  effectiveBits: number;
  plaintext: string;
  ciphertext: string;
}
const rfc2268 = (
  JSON.parse(readFileSync(join(import.meta.dirname, "vectors", "rc2", "rfc2268.json"), "utf8")) as {
    vectors: Rc2Vector[];
  }
).vectors;

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

/** OpenSSL's RC2-CBC with the legacy provider: the ciphers named by their effective key bits. */
const openssl = [
  { name: "rc2-40-cbc", keyBytes: 5, bits: 40 },
  { name: "rc2-64-cbc", keyBytes: 8, bits: 64 },
  { name: "rc2-cbc", keyBytes: 16, bits: 128 },
];

function opensslEncrypt(cipher: string, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return execFileSync(
    "openssl",
    ["enc", `-${cipher}`, "-provider", "legacy", "-provider", "default", "-K", toHex(key), "-iv", toHex(iv)],
    { input: plaintext },
  );
}

function decryptInChunks(
  core: (typeof builds)[number]["core"],
  key: Uint8Array,
  bits: number,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  chunk: number,
): Uint8Array {
  const dec = new Rc2CbcDecryptor(core, key, bits, iv);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < ciphertext.length; offset += chunk)
    parts.push(dec.update(ciphertext.subarray(offset, offset + chunk)));
  parts.push(dec.final());
  return Buffer.concat(parts);
}

describe.each(builds)("RC2, $name build", ({ core }) => {
  it("RFC 2268 section 5 known answers, both directions", () => {
    expect(rfc2268).toHaveLength(8);
    for (const v of rfc2268) {
      expect(toHex(rc2Block(core, hex(v.key), v.effectiveBits, hex(v.plaintext)))).toBe(v.ciphertext);
      expect(toHex(rc2Block(core, hex(v.key), v.effectiveBits, hex(v.ciphertext), { decrypt: true }))).toBe(
        v.plaintext,
      );
    }
  });

  it.each(openssl)(
    "decrypts OpenSSL's enc -$name, lengths 0..40 and 5000, in any chunk sizes",
    ({ name, keyBytes, bits }) => {
      for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 40, 5000]) {
        const key = crypto.randomBytes(keyBytes);
        const iv = crypto.randomBytes(8);
        const plaintext = crypto.randomBytes(length);
        const ciphertext = opensslEncrypt(name, key, iv, plaintext);
        for (const chunk of [1, 8, 13, 4096]) {
          expect(toHex(decryptInChunks(core, key, bits, iv, ciphertext, chunk))).toBe(toHex(plaintext));
        }
      }
    },
  );

  it("the effective key bits matter: the 40-bit ciphertext does not decrypt as 128-bit RC2", () => {
    const key = crypto.randomBytes(5);
    const iv = crypto.randomBytes(8);
    const plaintext = crypto.randomBytes(64);
    const ciphertext = opensslEncrypt("rc2-40-cbc", key, iv, plaintext);
    let out: Uint8Array | undefined;
    try {
      out = decryptInChunks(core, key, 128, iv, ciphertext, 64);
    } catch (error) {
      expect((error as CryptoError).code).toBe("DECRYPTION_FAILED");
    }
    if (out !== undefined) expect(toHex(out)).not.toBe(toHex(plaintext));
  });

  it("a bad padding, a truncated last block and a wrong key are DECRYPTION_FAILED", () => {
    const key = crypto.randomBytes(16);
    const iv = crypto.randomBytes(8);
    const ciphertext = opensslEncrypt("rc2-cbc", key, iv, crypto.randomBytes(30));
    expectCode(() => decryptInChunks(core, key, 128, iv, ciphertext.subarray(0, 31), 8), "DECRYPTION_FAILED");
    expectCode(() => decryptInChunks(core, key, 128, iv, new Uint8Array(0), 8), "DECRYPTION_FAILED");
    const flipped = Uint8Array.from(ciphertext);
    flipped[flipped.length - 1]! ^= 0x80;
    // A flipped last byte garbles the whole last block: its padding fails with overwhelming probability.
    expectCode(() => decryptInChunks(core, key, 128, iv, flipped, 8), "DECRYPTION_FAILED");
  });

  it("keys of 0 or 129 bytes and effective bits of 0 or 1025 are INVALID_KEY; an IV not of 8 bytes INVALID_ARGUMENT", () => {
    const iv = new Uint8Array(8);
    expectCode(() => new Rc2CbcDecryptor(core, new Uint8Array(0), 40, iv), "INVALID_KEY");
    expectCode(() => new Rc2CbcDecryptor(core, new Uint8Array(129), 128, iv), "INVALID_KEY");
    expectCode(() => new Rc2CbcDecryptor(core, new Uint8Array(5), 0, iv), "INVALID_KEY");
    expectCode(() => new Rc2CbcDecryptor(core, new Uint8Array(5), 1025, iv), "INVALID_KEY");
    expectCode(() => new Rc2CbcDecryptor(core, new Uint8Array(5), 40, new Uint8Array(16)), "INVALID_ARGUMENT");
    expectCode(() => rc2Block(core, new Uint8Array(5), 40, new Uint8Array(7)), "INVALID_ARGUMENT");
  });

  it("update after final is INVALID_STATE", () => {
    const dec = new Rc2CbcDecryptor(core, new Uint8Array(16), 128, new Uint8Array(8));
    dec.dispose();
    expectCode(() => dec.update(new Uint8Array(8)), "INVALID_STATE");
  });
});

describe("rc2-cbc through CoreService", () => {
  it("decrypts with effectiveKeyBits, and refuses to encrypt (never written)", async () => {
    const service = await CoreService.open({ build: "baseline" });
    const key = crypto.randomBytes(5);
    const iv = crypto.randomBytes(8);
    const plaintext = crypto.randomBytes(100);
    const ciphertext = opensslEncrypt("rc2-40-cbc", key, iv, plaintext);
    const dec = await service.createDecryptor({ cipher: "rc2-cbc", key, iv, effectiveKeyBits: 40 });
    const out = Buffer.concat([await dec.update(ciphertext), await dec.final()]);
    expect(toHex(out)).toBe(toHex(plaintext));
    await expect(service.createEncryptor({ cipher: "rc2-cbc", key, iv })).rejects.toMatchObject({
      code: "UNSUPPORTED_ALGORITHM",
    });
    await expect(
      service.createDecryptor({
        cipher: "aes-128-cbc",
        key: new Uint8Array(16),
        iv: new Uint8Array(16),
        effectiveKeyBits: 40,
      }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
