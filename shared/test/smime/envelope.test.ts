// S/MIME encryption of whole messages: any body round trips in CBC and GCM whatever the chunking (a
// property test). The fixed cases (outer fields, canonical form, the forms other clients send, openssl's
// messages, error codes) are portable cases in ../portable/smime-cases.ts, run in Node and in Chromium.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentCipherByName } from "../../src/cms/algorithms.js";
import type { RecipientKey } from "../../src/cms/recipient-info.js";
import { readCertificates } from "../../src/pki/certificate.js";
import { readPrivateKey } from "../../src/pki/private-key.js";
import { decryptMessage, encryptMessage } from "../../src/smime/envelope.js";
import { forEachCore, type TestCore } from "../core-hosts.js";
import { pieces } from "../portable/smime-cases.js";

const dir = mkdtempSync(join(tmpdir(), "mailseal-smime-env-"));
const path = (name: string): string => join(dir, name);
const openssl = (...args: string[]): Buffer => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
let core: TestCore;
let bob: RecipientKey;
let carol: RecipientKey;

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part.slice());
  return Buffer.concat(parts);
}

async function encrypt(message: Uint8Array, cipher: "aes-256-cbc" | "aes-128-gcm" = "aes-256-cbc"): Promise<Buffer> {
  const recipients = [carol, bob].map((k) => ({
    certificate: k.certificate,
    transport: { scheme: "rsa-pkcs1" as const },
  }));
  return collect(encryptMessage(pieces(message), { recipients, cipher: contentCipherByName(cipher) }, core));
}

async function decrypt(message: Uint8Array, keys: RecipientKey[]): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await decryptMessage(pieces(message), keys, core, (chunk) => void parts.push(chunk.slice()));
  return Buffer.concat(parts);
}

beforeAll(() => {
  for (const name of ["bob", "carol"]) {
    openssl(
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path(`${name}.key`)],
      ...["-out", path(`${name}.pem`), "-subj", `/CN=${name}@example.org`, "-days", "30"],
    );
  }
});

async function useCore(opened: TestCore): Promise<void> {
  core = opened;
  const key = async (name: string): Promise<RecipientKey> => ({
    certificate: readCertificates(new Uint8Array(readFileSync(path(`${name}.pem`))))[0]!,
    privateKey: await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(path(`${name}.key`))))),
  });
  bob = await key("bob");
  carol = await key("carol");
}

/** The base64 body of an S/MIME message, its line ends dropped. */
function sealed64(message: Buffer): string {
  const text = message.toString("latin1");
  return text.slice(text.indexOf("\r\n\r\n") + 4).replace(/\r\n/g, "");
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

forEachCore(useCore, () => {
  describe("encryptMessage", () => {
    it("round trips any body with either key of the history, whatever the chunking", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 3000 }),
          fc.constantFrom("aes-256-cbc" as const, "aes-128-gcm" as const),
          async (body, cipher) => {
            const message = new Uint8Array([
              ...text("Subject: x\r\nContent-Type: application/octet-stream\r\n\r\n"),
              ...body,
            ]);
            const canonical = Buffer.from(message)
              .toString("latin1")
              .replace(/\r?\n|\r/g, "\r\n");
            const entity = canonical.slice(canonical.indexOf("Content-Type"));
            const inner = await decrypt(await encrypt(message, cipher), [carol]);
            expect(inner.toString("latin1")).toBe(entity);
          },
        ),
        { numRuns: 15 },
      );
    });

    it("with handOver, frees the message's chunks once taken, base64 or binary (issue 11); the round trip is unchanged", async () => {
      const body = Uint8Array.from({ length: 200_000 }, (_, i) => 65 + (i % 26)); // no line ends to canonicalize
      const header = text("Subject: x\r\nContent-Type: application/octet-stream\r\n\r\n");
      const entity = Buffer.concat([text("Content-Type: application/octet-stream\r\n\r\n"), body]);
      // Fresh chunks of the caller's own, as the command's reads are: the header in a chunk of its
      // own, then the body in pieces of 4 KiB.
      const handed = (bytes: Uint8Array): Uint8Array[] => {
        const chunks = [header.slice()];
        for (let at = 0; at < bytes.length; at += 4096) chunks.push(bytes.slice(at, at + 4096));
        return chunks;
      };
      const recipients = [{ certificate: bob.certificate, transport: { scheme: "rsa-pkcs1" as const } }];
      for (const cipher of ["aes-256-cbc", "aes-128-gcm"] as const) {
        const plain = handed(body);
        const options = { recipients, cipher: contentCipherByName(cipher), handOver: true };
        const sealed = await collect(encryptMessage(plain, options, core));
        expect(plain.every((chunk) => chunk.byteLength === 0)).toBe(true);

        const sealedHeader = sealed.indexOf("\r\n\r\n") + 4;
        const chunks = [new Uint8Array(sealed.subarray(0, sealedHeader))]; // copies, not views of the Buffer
        for (let at = sealedHeader; at < sealed.length; at += 4096)
          chunks.push(new Uint8Array(sealed.subarray(at, at + 4096)));
        const parts: Uint8Array[] = [];
        await decryptMessage(chunks, [bob], core, (chunk) => void parts.push(chunk.slice()), { handOver: true });
        expect(Buffer.concat(parts)).toEqual(entity);
        // The body's chunks were freed as the base64 decoder took them; the header's is the header reader's copy.
        expect(chunks.slice(1).every((chunk) => chunk.byteLength === 0)).toBe(true);
      }
      // Binary (DER) content: the read chunks go to the BER reader, freed once read past.
      const der = Buffer.from(
        Buffer.from(sealed64(await encrypt(new Uint8Array([...header, ...body])))).toString("latin1"),
        "base64",
      );
      const binary = [
        text(
          "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: binary\r\n\r\n",
        ),
      ];
      for (let at = 0; at < der.length; at += 4096) binary.push(new Uint8Array(der.subarray(at, at + 4096)));
      const opened: Uint8Array[] = [];
      await decryptMessage(binary, [bob], core, (chunk) => void opened.push(chunk.slice()), { handOver: true });
      expect(Buffer.concat(opened)).toEqual(entity);
      expect(binary.slice(1, -1).every((chunk) => chunk.byteLength === 0)).toBe(true);
    });
  });
});
