// S/MIME encryption of whole messages: outer fields kept, the entity canonical and encrypted,
// round trips in CBC and GCM, the forms other clients send, and OpenSSL reading what we write.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentCipherByName } from "../../src/cms/algorithms.js";
import type { RecipientKey } from "../../src/cms/recipient-info.js";
import { MailsealError } from "../../src/errors/index.js";
import { readCertificates } from "../../src/pki/certificate.js";
import { readPrivateKey } from "../../src/pki/private-key.js";
import { decryptMessage, encryptMessage } from "../../src/smime/envelope.js";
import { forEachCore, type TestCore } from "../core-hosts.js";

const dir = mkdtempSync(join(tmpdir(), "mailseal-smime-env-"));
const path = (name: string): string => join(dir, name);
const openssl = (...args: string[]): Buffer => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
let core: TestCore;
let bob: RecipientKey;
let carol: RecipientKey;

const OUTER =
  "Received: from mx.example.org\r\n\tby mail.example.net; Tue, 1 Sep 2026 10:00:00 +0000\r\n" +
  "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n" +
  "Date: Tue, 1 Sep 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n";
const ENTITY =
  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHello Bob,\r\ngrüße\r\n";
const MESSAGE = text(`${OUTER}MIME-Version: 1.0\r\n${ENTITY}`);

/** The bytes cut into uneven chunks, as a file or socket would deliver them. */
function* chunks(data: Uint8Array, sizes = [1, 7, 300, 65536]): Generator<Uint8Array> {
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

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
  return collect(encryptMessage(chunks(message), { recipients, cipher: contentCipherByName(cipher) }, core));
}

async function decrypt(message: Uint8Array, keys = [bob]): Promise<{ inner: Buffer; outer: string; type: string }> {
  const parts: Uint8Array[] = [];
  const result = await decryptMessage(chunks(message), keys, core, (chunk) => void parts.push(chunk.slice()));
  const outer = Buffer.concat(result.outer.map((f) => f.raw)).toString("utf8");
  return { inner: Buffer.concat(parts), outer, type: result.envelope.type };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(MailsealError);
  expect((error as MailsealError).code).toBe(code);
}

/** The header section of a message, as text. */
function headerOf(message: Uint8Array): string {
  const s = Buffer.from(message).toString("latin1");
  return s.slice(0, s.indexOf("\r\n\r\n") + 2);
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
    it("keeps the outer fields byte for byte and replaces the entity with application/pkcs7-mime", async () => {
      const encrypted = await encrypt(MESSAGE);
      const header = headerOf(encrypted);
      expect(header.startsWith(OUTER)).toBe(true);
      expect(header.slice(OUTER.length)).toBe(
        "MIME-Version: 1.0\r\n" +
          "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n" +
          "Content-Transfer-Encoding: base64\r\n" +
          "Content-Disposition: attachment; filename=smime.p7m\r\n",
      );
      // The body is base64 in lines of at most 76, each ending in CRLF.
      const body = encrypted.toString("latin1").slice(header.length + 2);
      expect(body).toMatch(/^([A-Za-z0-9+/=]{1,76}\r\n)+$/);
      const { inner, outer, type } = await decrypt(encrypted);
      expect(inner.toString("utf8")).toBe(ENTITY);
      expect(outer).toBe(OUTER);
      expect(type).toBe("1.2.840.113549.1.7.3");
    });

    it("writes authEnveloped-data for AES-GCM and round trips", async () => {
      const encrypted = await encrypt(MESSAGE, "aes-128-gcm");
      expect(headerOf(encrypted)).toContain("smime-type=authEnveloped-data;");
      const { inner, type } = await decrypt(encrypted);
      expect(inner.toString("utf8")).toBe(ENTITY);
      expect(type).toBe("1.2.840.113549.1.9.16.1.23");
    });

    it("canonicalizes LF input to CRLF, outer fields included", async () => {
      const lf = text(`${OUTER}MIME-Version: 1.0\r\n${ENTITY}`.replaceAll("\r\n", "\n"));
      const encrypted = await encrypt(lf);
      expect(headerOf(encrypted).startsWith(OUTER)).toBe(true);
      expect((await decrypt(encrypted)).inner.toString("utf8")).toBe(ENTITY);
    });

    it("encrypts a message without Content-* fields as an entity with an empty header", async () => {
      const encrypted = await encrypt(text("Subject: plain\r\n\r\nno MIME here\r\n"));
      expect(headerOf(encrypted).startsWith("Subject: plain\r\nMIME-Version: 1.0\r\n")).toBe(true);
      expect((await decrypt(encrypted)).inner.toString("utf8")).toBe("\r\nno MIME here\r\n");
    });

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
            const { inner } = await decrypt(await encrypt(message, cipher), [carol]);
            expect(inner.toString("latin1")).toBe(entity);
          },
        ),
        { numRuns: 15 },
      );
    });

    it("refuses an empty recipient list", async () => {
      const stream = encryptMessage([MESSAGE], { recipients: [], cipher: contentCipherByName("aes-256-cbc") }, core);
      await expectCode(collect(stream), "NO_KEY");
    });
  });

  describe("decryptMessage", () => {
    /** OpenSSL's S/MIME output of the entity, with outer fields prepended as a mail client would. */
    function opensslMessage(extra: string[] = []): Buffer {
      writeFileSync(path("entity"), ENTITY);
      openssl(
        ...["cms", "-encrypt", "-binary", "-aes256", "-in", path("entity"), "-out", path("smime")],
        ...["-outform", "SMIME", ...extra, path("bob.pem")],
      );
      return Buffer.concat([Buffer.from(OUTER), readFileSync(path("smime"))]);
    }

    it("reads openssl cms S/MIME output (LF line ends), and its x-pkcs7-mime form", async () => {
      const message = opensslMessage();
      expect(message.toString("latin1")).toContain("\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data");
      const { inner, outer } = await decrypt(message);
      expect(inner.toString("utf8")).toBe(ENTITY);
      expect(outer).toBe(OUTER);
      const x = text(message.toString("latin1").replace("application/pkcs7-mime", "application/x-pkcs7-mime"));
      expect((await decrypt(x)).inner.toString("utf8")).toBe(ENTITY);
    });

    it("reads an application/octet-stream smime.p7m (Outlook) and a bare .p7m without smime-type", async () => {
      const body = (await encrypt(MESSAGE)).toString("latin1").split("\r\n\r\n")[1]!;
      for (const type of [
        "Content-Type: application/octet-stream; name=smime.p7m\r\nContent-Disposition: attachment; filename=smime.p7m\r\n",
        "Content-Type: application/pkcs7-mime; name=smime.p7m\r\n",
      ]) {
        const message = text(`${OUTER}${type}Content-Transfer-Encoding: base64\r\n\r\n${body}`);
        expect((await decrypt(message)).inner.toString("utf8")).toBe(ENTITY);
      }
    });

    it("reads a binary (DER) body", async () => {
      const body = Buffer.from((await encrypt(MESSAGE)).toString("latin1").split("\r\n\r\n")[1]!, "base64");
      const message = Buffer.concat([
        Buffer.from(`${OUTER}Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n`),
        Buffer.from("Content-Transfer-Encoding: binary\r\n\r\n"),
        body,
      ]);
      expect((await decrypt(message)).inner.toString("utf8")).toBe(ENTITY);
    });

    it("NOT_SMIME for plain, clear-signed and signed-data mail", async () => {
      await expectCode(decrypt(MESSAGE), "NOT_SMIME");
      await expectCode(
        decrypt(
          text(`${OUTER}Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=b\r\n\r\n`),
        ),
        "NOT_SMIME",
      );
      await expectCode(
        decrypt(text(`${OUTER}Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nMAA=\r\n`)),
        "NOT_SMIME",
      );
    });

    it("NO_KEY for a key the message is not for", async () => {
      await expectCode(decrypt(opensslMessage(), [carol]), "NO_KEY");
    });

    it("AUTH_TAG_MISMATCH for an altered GCM message; MALFORMED_MIME for garbage base64", async () => {
      const encrypted = await encrypt(MESSAGE, "aes-128-gcm");
      const s = encrypted.toString("latin1");
      const body = Buffer.from(s.split("\r\n\r\n")[1]!, "base64");
      body[body.length - 30]! ^= 1; // inside the content or the tag, before the end-of-contents
      const altered = `${s.split("\r\n\r\n")[0]}\r\n\r\n${body.toString("base64")}\r\n`;
      await expectCode(decrypt(text(altered)), "AUTH_TAG_MISMATCH");
      await expectCode(decrypt(text(`${s.split("\r\n\r\n")[0]}\r\n\r\n*not base64*\r\n`)), "MALFORMED_MIME");
    });
  });
});
