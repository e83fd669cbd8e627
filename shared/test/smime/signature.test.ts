// signMessage / verifyMessage on whole messages: outer header fields kept, line ends canonicalized,
// clear and opaque round trips, OpenSSL both ways, trust and time errors, the public samples.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HashAlgorithm } from "@mailseal/core-wasm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { readPrivateKey } from "../../src/pki/private-key.js";
import {
  signMessage,
  verifyMessage,
  type SignMessageOptions,
  type VerifiedMessage,
} from "../../src/smime/signature.js";
import { bytes, chunked, collect, cutsArbitrary, latin1, smimeError } from "../mime/support.js";
import { EXT, TestCa } from "../pki/test-ca.js";
import { forEachCore, type TestCore } from "../core-hosts.js";

// The public samples: messages in ../mime/fixtures, the NSS test CA in ../pki/fixtures (SOURCES.md in each).
const FIXTURES = join(import.meta.dirname, "..", "mime", "fixtures");
const ca = new TestCa();
let core: TestCore;
let root: Certificate;
let alice: Certificate;
let signer: SignMessageOptions;

const OUTER =
  "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: signed\n =?utf-8?q?gr=C3=BC=C3=9Fe?=\nDate: Fri, 27 Nov 2026 10:00:00 +0000\nMessage-ID: <1@example.org>\n";
const ENTITY =
  "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nHello Bob,\n\ngrüße\n.\nFrom the start of a line\n";
const INPUT = bytes(`${OUTER}MIME-Version: 1.0\n${ENTITY}`);
const fromLatin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));
const CANONICAL_ENTITY = bytes(ENTITY.replaceAll("\n", "\r\n"));

async function sign(options: Partial<SignMessageOptions> = {}, input: Uint8Array = INPUT): Promise<Uint8Array> {
  return collect(signMessage(chunked(input, [5, 77]), { ...signer, ...options }, core));
}

async function verify(
  message: Uint8Array | AsyncIterable<Uint8Array>,
  options: { anchors?: Certificate[]; time?: Date; certificates?: Certificate[] } = {},
): Promise<{ verified: VerifiedMessage; content: Uint8Array }> {
  const parts: Uint8Array[] = [];
  const verified = await verifyMessage(
    message instanceof Uint8Array ? chunked(message, [3, 200, 1000]) : message,
    { anchors: options.anchors ?? [root], ...options },
    core,
    (chunk) => void parts.push(chunk.slice()),
  );
  return { verified, content: new Uint8Array(Buffer.concat(parts)) };
}

function openssl(...args: string[]): Uint8Array {
  return new Uint8Array(execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] }));
}

let aliceKey: string;

beforeAll(() => {
  const rootKey = ca.key("root", "rsa");
  root = readCertificates(ca.selfSigned("root", rootKey, { subject: "/CN=Message Root", ext: EXT.root }))[0]!;
  aliceKey = ca.key("alice", "rsa");
  ca.issue("alice", aliceKey, "root", rootKey, {
    subject: "/CN=alice@example.org",
    ext: EXT.endEntity("alice@example.org"),
    days: 30,
  });
  alice = readCertificates(ca.pem("alice"))[0]!;
});

async function useCore(opened: TestCore): Promise<void> {
  core = opened;
  signer = {
    key: await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(aliceKey)))),
    certificate: alice,
  };
}

afterAll(() => ca.dispose());

forEachCore(useCore, () => {
  describe("signMessage", () => {
    it("clear-signed: outer fields byte for byte, multipart/signed with micalg, entity canonical CRLF", async () => {
      const out = await sign();
      const text = latin1(out);
      // The outer fields are kept, in order and unchanged but for their line ends: the whole message is CRLF.
      expect(text.startsWith(OUTER.replaceAll("\n", "\r\n"))).toBe(true);
      expect(text).toMatch(
        /^MIME-Version: 1\.0\r\nContent-Type: multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256; boundary="/m,
      );
      expect(text).toContain(latin1(CANONICAL_ENTITY));
      const { verified, content } = await verify(out);
      expect(content).toEqual(CANONICAL_ENTITY);
      expect(verified.outer.map((f) => f.name)).toEqual(["From", "To", "Subject", "Date", "Message-ID"]);
      expect(latin1(verified.outer[2]!.raw)).toBe("Subject: signed\r\n =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n");
      expect(verified.signer.serialHex).toBe(alice.serialHex);
      expect(verified.path.map((c) => c.serialHex)).toEqual([alice.serialHex, root.serialHex]);
      expect(Math.abs(verified.signingTime!.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it("opaque: application/pkcs7-mime signed-data, the entity as eContent", async () => {
      const time = new Date("2026-11-01T12:00:00Z");
      const out = await sign({ opaque: true, signingTime: time });
      expect(latin1(out)).toContain("Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n");
      const { verified, content } = await verify(out);
      expect(content).toEqual(CANONICAL_ENTITY);
      expect(verified.signingTime).toEqual(time);
    });

    it.each<[HashAlgorithm, boolean, boolean]>([
      ["SHA-512", false, false],
      ["SHA-384", true, false],
      ["SHA-256", true, true],
      ["SHA-1", false, true],
    ])("%s, PSS %s, opaque %s: round trip", async (hash, pss, opaque) => {
      const out = await sign({ hash, pss, opaque });
      if (!opaque) expect(latin1(out)).toContain(`micalg=${hash.toLowerCase()};`);
      expect((await verify(out)).content).toEqual(CANONICAL_ENTITY);
    });

    it("OpenSSL verifies both forms (S/MIME input, chain to the root)", async () => {
      for (const opaque of [false, true]) {
        writeFileSync(ca.path("ours.eml"), await sign({ opaque, encryptionCertificate: alice, chain: [root] }));
        const content = openssl(
          "cms",
          "-verify",
          "-inform",
          "SMIME",
          "-in",
          ca.path("ours.eml"),
          "-CAfile",
          ca.path("root.pem"),
        );
        expect(content).toEqual(CANONICAL_ENTITY);
      }
    });

    it("a message without a header section or body still signs", async () => {
      const out = await sign({}, bytes("Subject: only\r\n"));
      const { content } = await verify(out);
      expect(latin1(content)).toBe("\r\n");
    });
  });

  describe("verifyMessage", () => {
    it("OpenSSL-signed messages: clear and opaque", async () => {
      writeFileSync(ca.path("entity"), CANONICAL_ENTITY);
      for (const mode of [[], ["-nodetach"]]) {
        const signed = openssl(
          ...["cms", "-sign", "-binary", "-in", ca.path("entity"), "-outform", "SMIME", ...mode],
          ...["-signer", ca.path("alice.pem"), "-inkey", ca.path("alice.key"), "-md", "sha384"],
        );
        const { content, verified } = await verify(signed);
        expect(content).toEqual(CANONICAL_ENTITY);
        expect(verified.signer.serialHex).toBe(alice.serialHex);
      }
    });

    it("tampered content, untrusted root, expiry, not yet valid", async () => {
      const out = await sign();
      const at = latin1(out).indexOf("Hello Bob");
      const altered = out.slice();
      altered[at]! ^= 0x20;
      await smimeError(verify(altered), "BAD_SIGNATURE");
      const other = readCertificates(
        ca.selfSigned("other", ca.key("other", "rsa"), { subject: "/CN=Other", ext: EXT.root }),
      )[0]!;
      await smimeError(verify(out, { anchors: [other] }), "UNTRUSTED_CERTIFICATE");
      await smimeError(verify(out, { time: new Date(Date.now() + 40 * 86_400_000) }), "CERTIFICATE_EXPIRED");
      await smimeError(verify(out, { time: new Date(Date.now() - 86_400_000) }), "CERTIFICATE_EXPIRED");
    });

    it("a signature by a key that is not the certificate's: BAD_SIGNATURE", async () => {
      const mallory = await core.loadRsaPrivateKey(
        await readPrivateKey(new Uint8Array(readFileSync(ca.key("mallory", "rsa")))),
      );
      await smimeError(verify(await sign({ key: mallory })), "BAD_SIGNATURE");
    });

    it("not signed: NOT_SMIME; broken: MALFORMED_MIME", async () => {
      await smimeError(verify(INPUT), "NOT_SMIME");
      const enveloped = bytes("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIAG\r\n");
      await smimeError(verify(enveloped), "NOT_SMIME");
      const out = latin1(await sign());
      const boundary = /boundary="([^"]+)"/.exec(out)![1]!;
      await smimeError(verify(fromLatin1(out.slice(0, out.lastIndexOf(`--${boundary}--`)))), "TRUNCATED");
      await smimeError(
        verify(
          fromLatin1(out.replace("Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable")),
        ),
        "MALFORMED_MIME",
      );
    });

    it("x-pkcs7 types and LF line ends (stored mail) verify", async () => {
      const lf = latin1(await sign())
        .replaceAll("\r\n", "\n")
        .replaceAll("application/pkcs7-signature", "application/x-pkcs7-signature");
      expect((await verify(fromLatin1(lf))).content).toEqual(CANONICAL_ENTITY);
      const opaque = latin1(await sign({ opaque: true })).replace("application/pkcs7-mime", "application/x-pkcs7-mime");
      expect((await verify(fromLatin1(opaque))).content).toEqual(CANONICAL_ENTITY);
    });

    it("any chunking of the message verifies the same", async () => {
      const clear = await sign();
      const opaque = await sign({ opaque: true });
      await fc.assert(
        fc.asyncProperty(fc.boolean(), cutsArbitrary(clear.length), async (useOpaque, cuts) => {
          expect((await verify(chunked(useOpaque ? opaque : clear, cuts))).content).toEqual(CANONICAL_ENTITY);
        }),
        { numRuns: 25 },
      );
    });
  });

  describe("public samples", () => {
    const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));
    const nssTime = new Date("2026-06-01T00:00:00Z"); // inside the certificates' validity (2026-01-26 .. 2031)
    let testCa: Certificate;
    beforeAll(() => {
      testCa = readCertificates(
        new Uint8Array(readFileSync(join(import.meta.dirname, "..", "pki", "fixtures", "nss-TestCA-rsa.pem"))),
      )[0]!;
    });

    it.each(["SHA1", "SHA256", "SHA384", "SHA512"])("Thunderbird/NSS clear-signed and opaque %s", async (hash) => {
      for (const name of [`alice.dsig.${hash}.multipart.eml`, `alice.sig.${hash}.opaque.eml`]) {
        const { verified, content } = await verify(fixture(`thunderbird/${name}`), {
          anchors: [testCa],
          time: nssTime,
        });
        expect(verified.signer.emailAddresses).toContain("Alice@example.com");
        expect(latin1(content)).toContain("This is a test message from Alice to Bob.");
        expect(verified.signingTime!.toISOString()).toMatch(/^2026-01-26/);
      }
    });

    it("Thunderbird/NSS altered, mismatching eContent, enveloped", async () => {
      const options = { anchors: [testCa], time: nssTime };
      await smimeError(verify(fixture("thunderbird/alice.dsig.SHA256.multipart.bad.eml"), options), "BAD_SIGNATURE");
      await smimeError(
        verify(fixture("thunderbird/alice.dsig.SHA256.multipart.mismatch-econtent.eml"), options),
        "MALFORMED_CMS",
      );
      await smimeError(verify(fixture("thunderbird/alice.sig.SHA256.opaque.env.eml"), options), "NOT_SMIME");
    });

    it("Thunderbird/NSS 'future' (Date header 6 h after the signing time): verifies, both times returned", async () => {
      const { verified } = await verify(fixture("thunderbird/alice.future.dsig.SHA256.multipart.eml"), {
        anchors: [testCa],
        time: nssTime,
      });
      const date = verified.outer.find((field) => field.lowerName === "date")!.value;
      expect(new Date(date).getTime() - verified.signingTime!.getTime()).toBeGreaterThan(5 * 3600_000);
    });

    it("RFC 4134 4.8 (clear-signed) and 4.9 (opaque): DSA with SHA-1 by AliceDSS, chained to CarlDSS (DSA too)", async () => {
      const carlDss = readCertificates(
        new Uint8Array(readFileSync(join(import.meta.dirname, "..", "pki", "fixtures", "CarlDSSSelf.cer"))),
      )[0]!;
      for (const name of ["4.8", "4.9"]) {
        const { verified, content } = await verify(fixture(`rfc4134/${name}.eml`), {
          anchors: [carlDss],
          time: new Date("2010-01-01T00:00:00Z"),
        });
        expect(verified.signer.displayName).toBe("AliceDSS");
        expect(verified.path.map((c) => c.displayName)).toEqual(["AliceDSS", "CarlDSS"]);
        expect(latin1(content)).toContain("This is some sample content.");
      }
      // One content byte changed: the message digest no longer matches.
      const altered = latin1(fixture("rfc4134/4.8.eml")).replace("some sample", "some s4mple");
      await smimeError(
        verify(fromLatin1(altered), { anchors: [carlDss], time: new Date("2010-01-01T00:00:00Z") }),
        "BAD_SIGNATURE",
      );
    });
  });
});
