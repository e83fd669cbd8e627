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
  });
});
