// Streaming (Auth)EnvelopedData against OpenSSL in both directions, and hostile inputs.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { CipherName } from "@mailseal/core-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailsealError } from "../../src/errors/index.js";
import { contentCipherByName, type KeyTransport } from "../../src/cms/algorithms.js";
import { decryptEnvelope, encryptEnvelope } from "../../src/cms/enveloped-data.js";
import { forEachCore, type TestCore } from "../core-hosts.js";
import {
  expectCode,
  identity,
  openssl,
  opensslEnvelope,
  opensslSignature,
  scratch,
  type TestIdentity,
} from "./support.js";

const files = scratch("env");
const path = files.path;
const message = new Uint8Array(randomBytes(200_000));
let core: TestCore;
let bob: TestIdentity;
let carol: TestIdentity;

/** The bytes cut into uneven chunks, as a file or socket would deliver them. */
function* chunks(data: Uint8Array, seed = 7): Generator<Uint8Array> {
  let offset = 0;
  let x = seed;
  while (offset < data.length) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (x % 40_000);
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

async function decrypt(der: Uint8Array, keys = [carol, bob]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await decryptEnvelope(chunks(der), keys, core, (plaintext) => void parts.push(plaintext.slice()));
  return Buffer.concat(parts);
}

async function encrypt(
  cipher: CipherName,
  transport: KeyTransport = { scheme: "rsa-pkcs1" },
  data = message,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const recipients = [carol, bob].map((k) => ({
    certificate: k.certificate,
    transport,
  }));
  for await (const part of encryptEnvelope(chunks(data), { cipher: contentCipherByName(cipher), recipients }, core))
    parts.push(part);
  return Buffer.concat(parts);
}

beforeAll(() => writeFileSync(path("message"), message));

async function useCore(opened: TestCore): Promise<void> {
  core = opened;
  bob = await identity(core, files, "bob");
  carol = await identity(core, files, "carol");
}

afterAll(() => files.remove());

forEachCore(useCore, () => {
  describe("OpenSSL's messages, decrypted by us", () => {
    it.each([
      ["AES-256-CBC, DER", ["-aes256"]],
      ["AES-128-CBC, BER streamed", ["-aes128", "-stream"]],
      ["AES-192-CBC, subjectKeyIdentifier", ["-aes192", "-keyid"]],
      ["AES-256-GCM AuthEnvelopedData", ["-aes-256-gcm"]],
      ["AES-128-GCM AuthEnvelopedData, BER streamed", ["-aes-128-gcm", "-stream"]],
      [
        "AES-256-GCM with RSA-OAEP SHA-256",
        ["-aes-256-gcm", "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"],
      ],
    ])("%s", async (_name, options) => {
      const der = opensslEnvelope(path("message"), bob.certPath, options);
      expect(Buffer.from(await decrypt(der))).toEqual(Buffer.from(message));
    });

    it("an empty message", async () => {
      writeFileSync(path("empty"), "");
      const der = opensslEnvelope(path("empty"), bob.certPath);
      expect(await decrypt(der)).toHaveLength(0);
    });
  });

  describe("our messages, decrypted by OpenSSL", () => {
    it.each<[CipherName, KeyTransport]>([
      ["aes-256-cbc", { scheme: "rsa-pkcs1" }],
      ["aes-128-cbc", { scheme: "rsa-pkcs1" }],
      ["aes-256-gcm", { scheme: "rsa-pkcs1" }],
      ["aes-128-gcm", { scheme: "rsa-oaep", hash: "SHA-256", mgfHash: "SHA-256", label: new Uint8Array(0) }],
    ])("%s with %o", async (cipher, transport) => {
      writeFileSync(path("ours.p7m"), await encrypt(cipher, transport));
      for (const who of ["bob", "carol"]) {
        const plain = openssl(
          "cms",
          "-decrypt",
          "-binary",
          "-inform",
          "DER",
          "-in",
          path("ours.p7m"),
          "-inkey",
          (who === "bob" ? bob : carol).keyPath,
          "-recip",
          (who === "bob" ? bob : carol).certPath,
        );
        expect(plain).toEqual(Buffer.from(message));
      }
      expect(Buffer.from(await decrypt(await encrypt(cipher, transport)))).toEqual(Buffer.from(message));
    });
  });

  describe("hostile and broken input", () => {
    it("a flipped bit in the GCM tag gives AUTH_TAG_MISMATCH", async () => {
      const der = await encrypt("aes-256-gcm");
      der[der.length - 10]! ^= 1; // inside the mac, before the closing end-of-contents octets
      await expectCode(decrypt(der), "AUTH_TAG_MISMATCH");
    });

    it("a flipped bit in GCM ciphertext gives AUTH_TAG_MISMATCH", async () => {
      const der = await encrypt("aes-256-gcm");
      der[der.length - 5000]! ^= 1;
      await expectCode(decrypt(der), "AUTH_TAG_MISMATCH");
    });

    it("a damaged last CBC block gives DECRYPTION_FAILED", async () => {
      const der = opensslEnvelope(path("message"), bob.certPath);
      der[der.length - 1]! ^= 0x5a; // the last ciphertext byte, so the padding
      await expectCode(decrypt(der), "DECRYPTION_FAILED");
    });

    it("a message for someone else gives NO_KEY", async () => {
      const der = opensslEnvelope(path("message"), bob.certPath);
      await expectCode(decrypt(der, [carol]), "NO_KEY");
    });

    it("truncation anywhere gives TRUNCATED (or MALFORMED_CMS), never output that looks complete", async () => {
      const der = await encrypt("aes-128-gcm", { scheme: "rsa-pkcs1" }, message.subarray(0, 3000));
      for (const cut of [0, 1, 2, 10, 100, 300, 600, der.length - 2000, der.length - 30, der.length - 1]) {
        const error = await decrypt(der.subarray(0, cut)).catch((e: unknown) => e);
        expect(error, `cut at ${cut}`).toBeInstanceOf(MailsealError);
        expect(["TRUNCATED", "MALFORMED_CMS"]).toContain((error as MailsealError).code);
      }
    });

    it("garbage and a signed message are refused with their codes", async () => {
      await expectCode(decrypt(new Uint8Array(randomBytes(1000)).fill(0x30, 0, 1)), "MALFORMED_CMS");
      const signed = opensslSignature(path("message"), bob);
      await expectCode(decrypt(signed), "NOT_SMIME");
    });
  });

  describe("buffers freed where they die (issue 11)", () => {
    const large = new Uint8Array(randomBytes(700_000));

    it.each<CipherName>(["aes-256-cbc", "aes-128-gcm"])(
      "%s: each plaintext chunk is freed once its write has settled",
      async (cipher) => {
        const der = await encrypt(cipher, { scheme: "rsa-pkcs1" }, large);
        const written: { chunk: Uint8Array; bytes: Uint8Array }[] = [];
        await decryptEnvelope(chunks(der), [bob], core, (chunk) => void written.push({ chunk, bytes: chunk.slice() }));
        expect(Buffer.concat(written.map(({ bytes }) => bytes))).toEqual(Buffer.from(large));
        expect(written.length).toBeGreaterThan(2);
        expect(written.map(({ chunk }) => chunk.length)).toEqual(written.map(() => 0));
      },
    );

    it.each<CipherName>(["aes-256-cbc", "aes-128-gcm"])(
      "%s: with consumed, the ciphertext is freed once its segments were taken, and decrypts",
      async (cipher) => {
        const recipients = [{ certificate: bob.certificate, transport: { scheme: "rsa-pkcs1" } as const }];
        const options = { cipher: contentCipherByName(cipher), recipients, consumed: true };
        const taken: { chunk: Uint8Array; bytes: Uint8Array }[] = [];
        for await (const chunk of encryptEnvelope(chunks(large), options, core))
          taken.push({ chunk, bytes: chunk.slice() });
        const der = Buffer.concat(taken.map(({ bytes }) => bytes));
        expect(Buffer.from(await decrypt(der, [bob]))).toEqual(Buffer.from(large));
        writeFileSync(path("consumed.p7m"), der);
        const plain = openssl(
          "cms",
          "-decrypt",
          "-binary",
          "-inform",
          "DER",
          "-in",
          path("consumed.p7m"),
          "-inkey",
          bob.keyPath,
        );
        expect(plain).toEqual(Buffer.from(large));
        // GCM's results are whole buffers and freed; CBC's drop WebCrypto's padding block, so they
        // are views that release() leaves alone on the WebCrypto path.
        const freed = taken.filter(({ chunk, bytes }) => chunk.length === 0 && bytes.length > 0).length;
        if (cipher.endsWith("gcm")) expect(freed).toBeGreaterThanOrEqual(8); // 3 batches, 64 KiB segments
      },
    );
  });
});
