// Shared's S/MIME suite as portable cases: written once, run in Node with the core in process and
// through comlink in a worker_threads worker (smime.test.ts), and in headless Chromium inside a
// module Web Worker (browser.test.ts). What another tool wrote (openssl and gpgsm at test time; NSS, RFC 4134,
// pyca, CryptoSys and the LAMPS examples from the fixture folders) comes in as bytes: a browser
// reads no files. No test-runner API here: a case throws on failure.
import { contentCipherByName } from "../../src/cms/algorithms.js";
import type { RecipientKey } from "../../src/cms/recipient-info.js";
import { ContentDigests, verifySignedData } from "../../src/cms/signed-data.js";
import { MailsealError } from "../../src/errors/index.js";
import { concatBytes } from "../../src/mime/bytes.js";
import type { MailflowCore } from "../../src/mailflow/core.js";
import { readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { decodePem } from "../../src/pki/pem.js";
import { readPqPrivateKey, type MlDsaPrivateKey, type MlKemPrivateKey } from "../../src/pki/pq.js";
import { readEcPrivateKey, readPrivateKey, readRfc8410PrivateKey } from "../../src/pki/private-key.js";
import { decryptMessage, encryptMessage } from "../../src/smime/envelope.js";
import {
  signMessage,
  verifyMessage,
  type SignMessageOptions,
  type VerifiedMessage,
} from "../../src/smime/signature.js";
import { contains, equal, latin1, rejects, sameBytes } from "./checks.js";

/** The files the cases read, by name; Node fills it (fixtures.ts) and the browser gets it as JSON. */
export interface SmimeFixtures {
  files: Record<string, Uint8Array>;
}

export interface SmimeCase {
  name: string;
  run(core: MailflowCore, fixtures: SmimeFixtures): Promise<void>;
}

/**
 * Files from the repository's fixture folders, read by Node as they are: `mime/` is
 * shared/test/mime/fixtures, `pki/` shared/test/pki/fixtures, `samples/` test/interop/samples,
 * `pq/` shared/test/cms/fixtures/pq-cms (each folder's SOURCES.md says where they come from).
 */
export const SAMPLE_FILES = [
  ...["SHA1", "SHA256", "SHA384", "SHA512"].flatMap((hash) => [
    `mime/thunderbird/alice.dsig.${hash}.multipart.eml`,
    `mime/thunderbird/alice.sig.${hash}.opaque.eml`,
  ]),
  "mime/thunderbird/alice.dsig.SHA256.multipart.bad.eml",
  "mime/thunderbird/alice.dsig.SHA256.multipart.mismatch-econtent.eml",
  "mime/thunderbird/alice.sig.SHA256.opaque.env.eml",
  "mime/thunderbird/alice.future.dsig.SHA256.multipart.eml",
  "mime/thunderbird/alice.env.eml",
  "mime/thunderbird/alice.env.out",
  "mime/rfc4134/4.8.eml",
  "mime/rfc4134/4.9.eml",
  "mime/rfc4134/5.1.eml",
  "mime/pyca/enveloped-aes-256-cbc.eml",
  "mime/pyca/enveloped-rsa-oaep.eml",
  "pki/nss-TestCA-rsa.pem",
  "pki/CarlDSSSelf.cer",
  "samples/nss-Bob.key",
  "samples/nss-Bob.crt",
  "samples/rfc4134-BobPrivRSAEncrypt.pem",
  "samples/rfc4134-BobRSASignByCarl.pem",
  "samples/rfc4134-ExContent.bin",
  "samples/pyca-rsa_key.pem",
  "samples/pyca-rsa_ca.pem",
  "samples/pyca-enveloped-aes-256-cbc.out",
  "samples/pyca-enveloped-rsa-oaep.out",
  "samples/cryptosys-authEnvelopedForBobChaCha20Poly1305.p7m",
  "samples/cryptosys-authEnvelopedForDanaX25519HKDF.p7m",
  "samples/cryptosys-encryptedForBobAndDana.p7m",
  "samples/cryptosys-signedByCarlosEd25519.p7m",
  "samples/cryptosys-signedByAliceAndCarlosNoCerts.p7m",
  "samples/cryptosys-signedByCarlosDetached.p7m",
  "samples/rfc9216-alice.crt",
  "samples/rfc9216-bob.decrypt.p8.pem",
  "samples/rfc9216-bob.encrypt.crt",
  "samples/rfc9216-carlos.crt",
  "samples/rfc9216-carlos.p8.pem",
  "samples/rfc9216-dana.decrypt.p8.pem",
  "samples/rfc9216-dana.encrypt.crt",
  "samples/rfc9216-ed25519-ca.pem",
  "pq/cms-kyber/ML-KEM-512.cms",
  "pq/cms-kyber/ML-KEM-512.pem",
  "pq/cms-kyber/ML-KEM-512-seed.priv",
  "pq/cms-kyber/plaintext.txt",
  ...["44", "65", "87"].flatMap((level) => [
    `pq/cms-ml-dsa/mldsa${level}-signed-attrs.pem`,
    `pq/ml-dsa-certificates/ML-DSA-${level}.crt`,
  ]),
  "pq/ml-dsa-certificates/ML-DSA-44-seed.priv",
] as const;

/**
 * Files Node makes before the cases run (fixtures.ts): under `made/`, a root, Alice (RSA and P-256,
 * issued by the root, valid from now for 30 days), Bob and Carol (RSA, issued by the root), Mallory's
 * RSA key and another self-signed root; openssl's and gpgsm's enveloped and signed messages.
 */
export const MADE_FILES = [
  "made/root.pem",
  "made/other-root.pem",
  "made/alice.pem",
  "made/alice.key",
  "made/alice-ec.pem",
  "made/alice-ec.key",
  "made/bob.pem",
  "made/bob.key",
  "made/carol.pem",
  "made/carol.key",
  "made/mallory.key",
  /** `cms -encrypt -aes256 -outform SMIME` of ENVELOPE_ENTITY to Bob, ENVELOPE_OUTER before it. */
  "made/openssl-enveloped.eml",
  /** `cms -encrypt -aes-256-gcm`, RSA-OAEP SHA-256, DER, of ENVELOPE_ENTITY to Bob. */
  "made/openssl-gcm-oaep.p7m",
  /** `cms -sign -md sha384 -outform SMIME` of SIGNED_ENTITY by Alice, clear-signed and opaque (-nodetach). */
  "made/openssl-signed-clear.eml",
  "made/openssl-signed-opaque.eml",
  /** `cms -sign` of SIGNED_ENTITY by Alice's P-256 key, clear-signed. */
  "made/openssl-signed-ec.eml",
  /** gpgsm's: the interop peers' root, Alice and Bob (with his key), made by openssl for gpgsm. */
  "made/gpgsm-root.pem",
  "made/gpgsm-alice.pem",
  "made/gpgsm-bob.pem",
  "made/gpgsm-bob.key",
  /** `gpgsm --sign` (opaque, SHA-256) of SIGNED_ENTITY by Alice, DER. */
  "made/gpgsm-signed.p7m",
  /** `gpgsm --encrypt` (AES-256-CBC, RSA PKCS#1 v1.5) of ENVELOPE_ENTITY to Bob, DER. */
  "made/gpgsm-enveloped.p7m",
] as const;

type FileName = (typeof SAMPLE_FILES)[number] | (typeof MADE_FILES)[number];

// --- the messages of the cases ------------------------------------------------------------------

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Outer fields and entity of the envelope cases: CRLF, a Received trace field, an encoded word. */
export const ENVELOPE_OUTER =
  "Received: from mx.example.org\r\n\tby mail.example.net; Tue, 1 Sep 2026 10:00:00 +0000\r\n" +
  "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n" +
  "Date: Tue, 1 Sep 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n";
export const ENVELOPE_ENTITY =
  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHello Bob,\r\ngrüße\r\n";
const ENVELOPE_MESSAGE = text(`${ENVELOPE_OUTER}MIME-Version: 1.0\r\n${ENVELOPE_ENTITY}`);

/** Outer fields and entity of the signature cases: LF line ends (stored mail), a folded Subject. */
const SIGNED_OUTER =
  "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: signed\n =?utf-8?q?gr=C3=BC=C3=9Fe?=\nDate: Fri, 27 Nov 2026 10:00:00 +0000\nMessage-ID: <1@example.org>\n";
const SIGNED_LF_ENTITY =
  "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nHello Bob,\n\ngrüße\n.\nFrom the start of a line\n";
const SIGNED_INPUT = text(`${SIGNED_OUTER}MIME-Version: 1.0\n${SIGNED_LF_ENTITY}`);
/** What a signature covers: the entity with CRLF line ends (RFC 8551 3.1.1). */
export const SIGNED_ENTITY = text(SIGNED_LF_ENTITY.replaceAll("\n", "\r\n"));

/** The content of the RFC 9216 / CryptoSys examples. */
const SAMPLE_CONTENT = text("This is some sample content.");
/** Inside the NSS test certificates' validity (2026-01-26 .. 2031). */
const NSS_TIME = new Date("2026-06-01T00:00:00Z");
const DAY = 86_400_000;

// --- helpers ------------------------------------------------------------------------------------

function file(fixtures: SmimeFixtures, name: FileName): Uint8Array {
  const bytes = fixtures.files[name];
  if (bytes === undefined) throw new Error(`the fixture ${name} was not handed over`);
  return bytes;
}

function certificate(fixtures: SmimeFixtures, name: FileName): Certificate {
  return readCertificates(file(fixtures, name))[0]!;
}

function fromLatin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The bytes cut into uneven chunks, as a file or socket would deliver them. */
export function* pieces(data: Uint8Array, sizes: readonly number[] = [1, 7, 300, 65536]): Generator<Uint8Array> {
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part.slice());
  return concatBytes(parts);
}

/** A DER ContentInfo as the application/pkcs7-mime message a mail client receives. */
function pkcs7Mime(der: Uint8Array, smimeType: string): Uint8Array {
  const body = btoa(latin1(der)).replace(/(.{76})/g, "$1\r\n");
  return text(
    `Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name=smime.p7m\r\n` +
      `Content-Transfer-Encoding: base64\r\n\r\n${body}\r\n`,
  );
}

/** The header section of a message, as text. */
function headerOf(message: Uint8Array): string {
  const s = latin1(message);
  return s.slice(0, s.indexOf("\r\n\r\n") + 2);
}

async function rsaRecipient(
  core: MailflowCore,
  fixtures: SmimeFixtures,
  certificateFile: FileName,
  keyFile: FileName,
): Promise<RecipientKey> {
  return {
    certificate: certificate(fixtures, certificateFile),
    privateKey: await core.loadRsaPrivateKey(await readPrivateKey(file(fixtures, keyFile))),
  };
}

const bob = (core: MailflowCore, f: SmimeFixtures) => rsaRecipient(core, f, "made/bob.pem", "made/bob.key");
const carol = (core: MailflowCore, f: SmimeFixtures) => rsaRecipient(core, f, "made/carol.pem", "made/carol.key");

async function encrypt(
  core: MailflowCore,
  message: Uint8Array,
  to: readonly RecipientKey[],
  cipher: "aes-256-cbc" | "aes-128-gcm" = "aes-256-cbc",
): Promise<Uint8Array> {
  const recipients = to.map((k) => ({ certificate: k.certificate, transport: { scheme: "rsa-pkcs1" as const } }));
  return collect(encryptMessage(pieces(message), { recipients, cipher: contentCipherByName(cipher) }, core));
}

async function decrypt(
  core: MailflowCore,
  message: Uint8Array,
  keys: readonly RecipientKey[],
): Promise<{ inner: Uint8Array; outer: string; type: string }> {
  const parts: Uint8Array[] = [];
  const result = await decryptMessage(pieces(message), keys, core, (chunk) => void parts.push(chunk.slice()));
  return {
    inner: concatBytes(parts),
    outer: latin1(concatBytes(result.outer.map((f) => f.raw))),
    type: result.envelope.type,
  };
}

async function aliceSigner(core: MailflowCore, f: SmimeFixtures): Promise<SignMessageOptions> {
  return {
    key: await core.loadRsaPrivateKey(await readPrivateKey(file(f, "made/alice.key"))),
    certificate: certificate(f, "made/alice.pem"),
  };
}

async function sign(
  core: MailflowCore,
  signer: SignMessageOptions,
  options: Partial<SignMessageOptions> = {},
  input: Uint8Array = SIGNED_INPUT,
): Promise<Uint8Array> {
  return collect(signMessage(pieces(input, [5, 77]), { ...signer, ...options }, core));
}

async function verify(
  core: MailflowCore,
  message: Uint8Array,
  options: { anchors: Certificate[]; time?: Date; certificates?: Certificate[] },
): Promise<{ verified: VerifiedMessage; content: Uint8Array }> {
  const parts: Uint8Array[] = [];
  const verified = await verifyMessage(pieces(message, [3, 200, 1000]), options, core, (chunk) => {
    parts.push(chunk.slice());
  });
  return { verified, content: concatBytes(parts) };
}

/** Rejects with a MailsealError of `code`. */
async function fails(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  await rejects(promise, MailsealError, code, what);
}

// --- the cases ----------------------------------------------------------------------------------

export const smimeCases: SmimeCase[] = [
  // Encryption of whole messages (RFC 8551 3.3, 3.4).
  {
    name: "encrypt: keeps the outer fields byte for byte, the entity becomes application/pkcs7-mime (AES-256-CBC); Bob decrypts",
    async run(core, f) {
      const keys = [await carol(core, f), await bob(core, f)];
      const encrypted = await encrypt(core, ENVELOPE_MESSAGE, keys);
      const header = headerOf(encrypted);
      equal(header.startsWith(ENVELOPE_OUTER), true, "the outer fields come first, unchanged");
      equal(
        header.slice(ENVELOPE_OUTER.length),
        "MIME-Version: 1.0\r\n" +
          "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n" +
          "Content-Transfer-Encoding: base64\r\n" +
          "Content-Disposition: attachment; filename=smime.p7m\r\n",
        "the entity's fields",
      );
      // The body is base64 in lines of at most 76, each ending in CRLF.
      contains(latin1(encrypted).slice(header.length + 2), /^([A-Za-z0-9+/=]{1,76}\r\n)+$/, "the body");
      const { inner, outer, type } = await decrypt(core, encrypted, [keys[1]!]);
      sameBytes(inner, text(ENVELOPE_ENTITY), "the decrypted entity");
      equal(outer, ENVELOPE_OUTER, "the outer fields read back");
      equal(type, "1.2.840.113549.1.7.3", "the content type (id-envelopedData)");
    },
  },
  {
    name: "encrypt: AES-128-GCM gives authEnveloped-data (RFC 5083) and round trips",
    async run(core, f) {
      const keys = [await carol(core, f), await bob(core, f)];
      const encrypted = await encrypt(core, ENVELOPE_MESSAGE, keys, "aes-128-gcm");
      contains(headerOf(encrypted), "smime-type=authEnveloped-data;", "the entity's Content-Type");
      const { inner, type } = await decrypt(core, encrypted, [keys[0]!]);
      sameBytes(inner, text(ENVELOPE_ENTITY), "the decrypted entity");
      equal(type, "1.2.840.113549.1.9.16.1.23", "the content type (id-ct-authEnvelopedData)");
    },
  },
  {
    name: "encrypt: LF input is made CRLF, outer fields included",
    async run(core, f) {
      const keys = [await bob(core, f)];
      const lf = text(`${ENVELOPE_OUTER}MIME-Version: 1.0\r\n${ENVELOPE_ENTITY}`.replaceAll("\r\n", "\n"));
      const encrypted = await encrypt(core, lf, keys);
      equal(headerOf(encrypted).startsWith(ENVELOPE_OUTER), true, "the outer fields in CRLF");
      sameBytes((await decrypt(core, encrypted, keys)).inner, text(ENVELOPE_ENTITY), "the decrypted entity");
    },
  },
  {
    name: "encrypt: a message without Content-* fields becomes an entity with an empty header",
    async run(core, f) {
      const keys = [await bob(core, f)];
      const encrypted = await encrypt(core, text("Subject: plain\r\n\r\nno MIME here\r\n"), keys);
      equal(headerOf(encrypted).startsWith("Subject: plain\r\nMIME-Version: 1.0\r\n"), true, "the outer header");
      equal(latin1((await decrypt(core, encrypted, keys)).inner), "\r\nno MIME here\r\n", "the decrypted entity");
    },
  },
  {
    name: "encrypt: an empty recipient list is NO_KEY",
    async run(core) {
      const stream = encryptMessage(
        [ENVELOPE_MESSAGE],
        { recipients: [], cipher: contentCipherByName("aes-256-cbc") },
        core,
      );
      await fails(collect(stream), "NO_KEY", "encrypting to nobody");
    },
  },
  {
    name: "decrypt: openssl's S/MIME output (LF line ends) and its x-pkcs7-mime form",
    async run(core, f) {
      const message = file(f, "made/openssl-enveloped.eml");
      contains(
        latin1(message),
        "\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data",
        "openssl's output",
      );
      const keys = [await bob(core, f)];
      const { inner, outer } = await decrypt(core, message, keys);
      sameBytes(inner, text(ENVELOPE_ENTITY), "the decrypted entity");
      equal(outer, ENVELOPE_OUTER, "the outer fields");
      const x = fromLatin1(latin1(message).replace("application/pkcs7-mime", "application/x-pkcs7-mime"));
      sameBytes((await decrypt(core, x, keys)).inner, text(ENVELOPE_ENTITY), "the x-pkcs7-mime form");
    },
  },
  {
    name: "decrypt: openssl's AES-256-GCM AuthEnvelopedData with RSA-OAEP SHA-256",
    async run(core, f) {
      const message = pkcs7Mime(file(f, "made/openssl-gcm-oaep.p7m"), "authEnveloped-data");
      const { inner, type } = await decrypt(core, message, [await carol(core, f), await bob(core, f)]);
      sameBytes(inner, text(ENVELOPE_ENTITY), "the decrypted entity");
      equal(type, "1.2.840.113549.1.9.16.1.23", "the content type");
    },
  },
  {
    name: "decrypt: an application/octet-stream smime.p7m (Outlook), a .p7m without smime-type, a binary (DER) body",
    async run(core, f) {
      const keys = [await bob(core, f)];
      const body = latin1(await encrypt(core, ENVELOPE_MESSAGE, keys)).split("\r\n\r\n")[1]!;
      for (const type of [
        "Content-Type: application/octet-stream; name=smime.p7m\r\nContent-Disposition: attachment; filename=smime.p7m\r\n",
        "Content-Type: application/pkcs7-mime; name=smime.p7m\r\n",
      ]) {
        const message = text(`${ENVELOPE_OUTER}${type}Content-Transfer-Encoding: base64\r\n\r\n${body}`);
        sameBytes((await decrypt(core, message, keys)).inner, text(ENVELOPE_ENTITY), type.split(";")[0]!);
      }
      const binary = concatBytes([
        text(`${ENVELOPE_OUTER}Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n`),
        text("Content-Transfer-Encoding: binary\r\n\r\n"),
        fromLatin1(atob(body.replaceAll("\r\n", ""))),
      ]);
      sameBytes((await decrypt(core, binary, keys)).inner, text(ENVELOPE_ENTITY), "the binary body");
    },
  },
  {
    name: "decrypt: NOT_SMIME for plain, clear-signed and signed-data mail",
    async run(core, f) {
      const keys = [await bob(core, f)];
      await fails(decrypt(core, ENVELOPE_MESSAGE, keys), "NOT_SMIME", "a plain message");
      const clear = `${ENVELOPE_OUTER}Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=b\r\n\r\n`;
      await fails(decrypt(core, text(clear), keys), "NOT_SMIME", "a clear-signed message");
      const opaque = `${ENVELOPE_OUTER}Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nMAA=\r\n`;
      await fails(decrypt(core, text(opaque), keys), "NOT_SMIME", "a signed-data message");
    },
  },
  {
    name: "decrypt: NO_KEY for a message to someone else",
    async run(core, f) {
      await fails(
        decrypt(core, file(f, "made/openssl-enveloped.eml"), [await carol(core, f)]),
        "NO_KEY",
        "Carol's key",
      );
    },
  },
  {
    name: "decrypt: AUTH_TAG_MISMATCH for an altered GCM message; MALFORMED_MIME for garbage base64",
    async run(core, f) {
      const keys = [await bob(core, f)];
      const [head, body] = latin1(await encrypt(core, ENVELOPE_MESSAGE, keys, "aes-128-gcm")).split("\r\n\r\n") as [
        string,
        string,
      ];
      const der = fromLatin1(atob(body.replaceAll("\r\n", "")));
      der[der.length - 30]! ^= 1; // inside the content or the tag, before the end-of-contents
      const altered = `${head}\r\n\r\n${btoa(latin1(der))}\r\n`;
      await fails(decrypt(core, text(altered), keys), "AUTH_TAG_MISMATCH", "a flipped bit");
      await fails(decrypt(core, text(`${head}\r\n\r\n*not base64*\r\n`), keys), "MALFORMED_MIME", "garbage base64");
    },
  },
  // Signatures on whole messages (RFC 8551 3.5).
  {
    name: "sign: clear-signed multipart/signed (RFC 1847) with micalg, outer fields kept, entity canonical; verifies",
    async run(core, f) {
      const out = await sign(core, await aliceSigner(core, f));
      const s = latin1(out);
      equal(s.startsWith(SIGNED_OUTER.replaceAll("\n", "\r\n")), true, "the outer fields come first, in CRLF");
      contains(
        s,
        /^MIME-Version: 1\.0\r\nContent-Type: multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256; boundary="/m,
        "the signed message",
      );
      contains(s, latin1(SIGNED_ENTITY), "the signed message");
      const root = certificate(f, "made/root.pem");
      const alice = certificate(f, "made/alice.pem");
      const { verified, content } = await verify(core, out, { anchors: [root] });
      sameBytes(content, SIGNED_ENTITY, "the verified entity");
      equal(
        verified.outer.map((field) => field.name),
        ["From", "To", "Subject", "Date", "Message-ID"],
        "the outer field names",
      );
      equal(latin1(verified.outer[2]!.raw), "Subject: signed\r\n =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n", "the Subject field");
      equal(verified.signer.serialHex, alice.serialHex, "the signer");
      equal(
        verified.path.map((c) => c.serialHex),
        [alice.serialHex, root.serialHex],
        "the path",
      );
      equal(Math.abs(verified.signingTime!.getTime() - Date.now()) < 60_000, true, "the signing time is now");
    },
  },
  {
    name: "sign: opaque application/pkcs7-mime signed-data, the entity as eContent, the signing time given",
    async run(core, f) {
      const time = new Date("2026-11-01T12:00:00Z");
      const out = await sign(core, await aliceSigner(core, f), { opaque: true, signingTime: time });
      contains(
        latin1(out),
        "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n",
        "the signed message",
      );
      const { verified, content } = await verify(core, out, { anchors: [certificate(f, "made/root.pem")] });
      sameBytes(content, SIGNED_ENTITY, "the verified entity");
      equal(verified.signingTime?.toISOString(), time.toISOString(), "the signing time");
    },
  },
  {
    name: "sign: RSA with SHA-512, SHA-384 + PSS, SHA-256 + PSS opaque, SHA-1 opaque round trip",
    async run(core, f) {
      const signer = await aliceSigner(core, f);
      const anchors = [certificate(f, "made/root.pem")];
      for (const [hash, pss, opaque] of [
        ["SHA-512", false, false],
        ["SHA-384", true, false],
        ["SHA-256", true, true],
        ["SHA-1", false, true],
      ] as const) {
        const out = await sign(core, signer, { hash, pss, opaque });
        if (!opaque) contains(latin1(out), `micalg=${hash.toLowerCase()};`, `the micalg of ${hash}`);
        sameBytes(
          (await verify(core, out, { anchors })).content,
          SIGNED_ENTITY,
          `${hash}, PSS ${pss}, opaque ${opaque}`,
        );
      }
    },
  },
  {
    name: "sign: ECDSA P-256 (RFC 5753), clear-signed and opaque, verifies; openssl's ECDSA signature verifies",
    async run(core, f) {
      const signer: SignMessageOptions = {
        key: await readEcPrivateKey(file(f, "made/alice-ec.key")),
        certificate: certificate(f, "made/alice-ec.pem"),
      };
      const anchors = [certificate(f, "made/root.pem")];
      for (const opaque of [false, true]) {
        const out = await sign(core, signer, { opaque });
        const { verified, content } = await verify(core, out, { anchors });
        sameBytes(content, SIGNED_ENTITY, `our ECDSA signature, opaque ${opaque}`);
        equal(verified.signer.serialHex, signer.certificate.serialHex, "the signer");
      }
      const theirs = await verify(core, file(f, "made/openssl-signed-ec.eml"), { anchors });
      sameBytes(theirs.content, SIGNED_ENTITY, "openssl's ECDSA signature");
    },
  },
  {
    name: "sign: Ed25519 (RFC 8419) with Carlos's key of RFC 9216, verified to the LAMPS Ed25519 CA",
    async run(core, f) {
      const key = await readRfc8410PrivateKey(file(f, "samples/rfc9216-carlos.p8.pem"));
      if (!("edwards" in key)) throw new Error("Carlos's key did not read as an Edwards key");
      const signer: SignMessageOptions = { key, certificate: certificate(f, "samples/rfc9216-carlos.crt") };
      const anchors = [certificate(f, "samples/rfc9216-ed25519-ca.pem")];
      for (const opaque of [false, true]) {
        const out = await sign(core, signer, { opaque });
        if (!opaque) contains(latin1(out), "micalg=sha-512;", "the micalg of Ed25519 (SHA-512, RFC 8419 3.1)");
        const { verified, content } = await verify(core, out, { anchors });
        sameBytes(content, SIGNED_ENTITY, `opaque ${opaque}`);
        equal(verified.signer.displayName, "Carlos Turing", "the signer");
      }
    },
  },
  {
    name: "sign: a message with only a header section still signs",
    async run(core, f) {
      const out = await sign(core, await aliceSigner(core, f), {}, text("Subject: only\r\n"));
      const { content } = await verify(core, out, { anchors: [certificate(f, "made/root.pem")] });
      equal(latin1(content), "\r\n", "the verified entity");
    },
  },
  {
    name: "sign then encrypt (AES-128-GCM), decrypt then verify: the round trip a reader makes",
    async run(core, f) {
      const signed = await sign(core, await aliceSigner(core, f));
      const keys = [await bob(core, f)];
      const encrypted = await encrypt(core, signed, keys, "aes-128-gcm");
      contains(headerOf(encrypted), "smime-type=authEnveloped-data;", "the outer Content-Type");
      const { inner, outer } = await decrypt(core, encrypted, keys);
      contains(outer, "From: Alice <alice@example.org>\r\n", "the outer fields");
      contains(
        latin1(inner),
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"',
        "the inner entity",
      );
      const { verified, content } = await verify(core, inner, { anchors: [certificate(f, "made/root.pem")] });
      sameBytes(content, SIGNED_ENTITY, "the verified entity");
      equal(verified.signer.serialHex, certificate(f, "made/alice.pem").serialHex, "the signer");
    },
  },
  {
    name: "verify: openssl's signed messages, clear and opaque (SHA-384)",
    async run(core, f) {
      const alice = certificate(f, "made/alice.pem");
      for (const name of ["made/openssl-signed-clear.eml", "made/openssl-signed-opaque.eml"] as const) {
        const { content, verified } = await verify(core, file(f, name), { anchors: [certificate(f, "made/root.pem")] });
        sameBytes(content, SIGNED_ENTITY, name);
        equal(verified.signer.serialHex, alice.serialHex, `the signer of ${name}`);
      }
    },
  },
  {
    name: "gpgsm: its opaque SignedData (SHA-256) verifies to its root; its EnvelopedData (AES-256-CBC) decrypts",
    async run(core, f) {
      const signed = pkcs7Mime(file(f, "made/gpgsm-signed.p7m"), "signed-data");
      const { verified, content } = await verify(core, signed, { anchors: [certificate(f, "made/gpgsm-root.pem")] });
      sameBytes(content, SIGNED_ENTITY, "the signed entity");
      equal(verified.signer.serialHex, certificate(f, "made/gpgsm-alice.pem").serialHex, "the signer");
      const keys = [await rsaRecipient(core, f, "made/gpgsm-bob.pem", "made/gpgsm-bob.key")];
      const enveloped = pkcs7Mime(file(f, "made/gpgsm-enveloped.p7m"), "enveloped-data");
      sameBytes((await decrypt(core, enveloped, keys)).inner, text(ENVELOPE_ENTITY), "the decrypted entity");
    },
  },
  {
    name: "verify: tampered content BAD_SIGNATURE; untrusted root UNTRUSTED_CERTIFICATE; after and before validity CERTIFICATE_EXPIRED",
    async run(core, f) {
      const out = await sign(core, await aliceSigner(core, f));
      const root = certificate(f, "made/root.pem");
      const altered = out.slice();
      altered[latin1(out).indexOf("Hello Bob")]! ^= 0x20;
      await fails(verify(core, altered, { anchors: [root] }), "BAD_SIGNATURE", "a changed content byte");
      const other = certificate(f, "made/other-root.pem");
      await fails(verify(core, out, { anchors: [other] }), "UNTRUSTED_CERTIFICATE", "another root");
      const later = new Date(Date.now() + 40 * DAY);
      await fails(verify(core, out, { anchors: [root], time: later }), "CERTIFICATE_EXPIRED", "in 40 days");
      const earlier = new Date(Date.now() - DAY);
      await fails(verify(core, out, { anchors: [root], time: earlier }), "CERTIFICATE_EXPIRED", "yesterday");
    },
  },
  {
    name: "verify: a signature by a key that is not the certificate's is BAD_SIGNATURE",
    async run(core, f) {
      const mallory = await core.loadRsaPrivateKey(await readPrivateKey(file(f, "made/mallory.key")));
      const out = await sign(core, await aliceSigner(core, f), { key: mallory });
      await fails(verify(core, out, { anchors: [certificate(f, "made/root.pem")] }), "BAD_SIGNATURE", "Mallory's key");
    },
  },
  {
    name: "verify: not signed NOT_SMIME; a cut message TRUNCATED; a wrong transfer encoding MALFORMED_MIME",
    async run(core, f) {
      const anchors = [certificate(f, "made/root.pem")];
      await fails(verify(core, SIGNED_INPUT, { anchors }), "NOT_SMIME", "a plain message");
      const enveloped = text("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIAG\r\n");
      await fails(verify(core, enveloped, { anchors }), "NOT_SMIME", "an enveloped message");
      const out = latin1(await sign(core, await aliceSigner(core, f)));
      const boundary = /boundary="([^"]+)"/.exec(out)![1]!;
      const cut = fromLatin1(out.slice(0, out.lastIndexOf(`--${boundary}--`)));
      await fails(verify(core, cut, { anchors }), "TRUNCATED", "without the closing boundary");
      const qp = out.replace("Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable");
      await fails(verify(core, fromLatin1(qp), { anchors }), "MALFORMED_MIME", "a quoted-printable signature");
    },
  },
  {
    name: "verify: x-pkcs7 types and LF line ends (stored mail)",
    async run(core, f) {
      const signer = await aliceSigner(core, f);
      const anchors = [certificate(f, "made/root.pem")];
      const lf = latin1(await sign(core, signer))
        .replaceAll("\r\n", "\n")
        .replaceAll("application/pkcs7-signature", "application/x-pkcs7-signature");
      sameBytes((await verify(core, fromLatin1(lf), { anchors })).content, SIGNED_ENTITY, "clear-signed, LF, x-pkcs7");
      const opaque = latin1(await sign(core, signer, { opaque: true })).replace(
        "application/pkcs7-mime",
        "application/x-pkcs7-mime",
      );
      sameBytes((await verify(core, fromLatin1(opaque), { anchors })).content, SIGNED_ENTITY, "opaque, x-pkcs7");
    },
  },
  // What other tools wrote: Thunderbird/NSS, RFC 4134, pyca, CryptoSys, the LAMPS examples.
  {
    name: "Thunderbird/NSS: clear-signed and opaque messages with SHA-1, SHA-256, SHA-384 and SHA-512 verify",
    async run(core, f) {
      const anchors = [certificate(f, "pki/nss-TestCA-rsa.pem")];
      for (const hash of ["SHA1", "SHA256", "SHA384", "SHA512"]) {
        for (const name of [`alice.dsig.${hash}.multipart.eml`, `alice.sig.${hash}.opaque.eml`]) {
          const message = file(f, `mime/thunderbird/${name}` as FileName);
          const { verified, content } = await verify(core, message, { anchors, time: NSS_TIME });
          equal(verified.signer.emailAddresses.includes("Alice@example.com"), true, `the signer of ${name}`);
          contains(latin1(content), "This is a test message from Alice to Bob.", name);
          contains(verified.signingTime!.toISOString(), /^2026-01-26/, `the signing time of ${name}`);
        }
      }
    },
  },
  {
    name: "Thunderbird/NSS: altered BAD_SIGNATURE, mismatching eContent MALFORMED_CMS, enveloped NOT_SMIME",
    async run(core, f) {
      const options = { anchors: [certificate(f, "pki/nss-TestCA-rsa.pem")], time: NSS_TIME };
      const tb = (name: string) => file(f, `mime/thunderbird/${name}` as FileName);
      await fails(verify(core, tb("alice.dsig.SHA256.multipart.bad.eml"), options), "BAD_SIGNATURE", "bad");
      await fails(
        verify(core, tb("alice.dsig.SHA256.multipart.mismatch-econtent.eml"), options),
        "MALFORMED_CMS",
        "mismatch-econtent",
      );
      await fails(verify(core, tb("alice.sig.SHA256.opaque.env.eml"), options), "NOT_SMIME", "an enveloped message");
    },
  },
  {
    name: "Thunderbird/NSS 'future' (Date header 6 h after the signing time): verifies, both times returned",
    async run(core, f) {
      const { verified } = await verify(core, file(f, "mime/thunderbird/alice.future.dsig.SHA256.multipart.eml"), {
        anchors: [certificate(f, "pki/nss-TestCA-rsa.pem")],
        time: NSS_TIME,
      });
      const date = verified.outer.find((field) => field.lowerName === "date")!.value;
      equal(new Date(date).getTime() - verified.signingTime!.getTime() > 5 * 3600_000, true, "Date after signingTime");
    },
  },
  {
    name: "Thunderbird/NSS: alice.env.eml decrypts with Bob's key to exactly what NSS wrote",
    async run(core, f) {
      const keys = [await rsaRecipient(core, f, "samples/nss-Bob.crt", "samples/nss-Bob.key")];
      const parts: Uint8Array[] = [];
      await decryptMessage([file(f, "mime/thunderbird/alice.env.eml")], keys, core, (c) => void parts.push(c.slice()));
      sameBytes(concatBytes(parts), file(f, "mime/thunderbird/alice.env.out"), "the decrypted entity");
    },
  },
  {
    name: "RFC 4134 4.8 (clear-signed) and 4.9 (opaque): DSA with SHA-1 by AliceDSS, chained to CarlDSS; altered BAD_SIGNATURE",
    async run(core, f) {
      const options = { anchors: [certificate(f, "pki/CarlDSSSelf.cer")], time: new Date("2010-01-01T00:00:00Z") };
      for (const name of ["mime/rfc4134/4.8.eml", "mime/rfc4134/4.9.eml"] as const) {
        const { verified, content } = await verify(core, file(f, name), options);
        equal(verified.signer.displayName, "AliceDSS", `the signer of ${name}`);
        equal(
          verified.path.map((c) => c.displayName),
          ["AliceDSS", "CarlDSS"],
          `the path of ${name}`,
        );
        contains(latin1(content), "This is some sample content.", name);
      }
      // One content byte changed: the message digest no longer matches.
      const altered = latin1(file(f, "mime/rfc4134/4.8.eml")).replace("some sample", "some s4mple");
      await fails(verify(core, fromLatin1(altered), options), "BAD_SIGNATURE", "4.8 altered");
    },
  },
  {
    name: "RFC 4134 5.1 (3DES, RSA key transport) decrypts to ExContent",
    async run(core, f) {
      const keys = [
        await rsaRecipient(core, f, "samples/rfc4134-BobRSASignByCarl.pem", "samples/rfc4134-BobPrivRSAEncrypt.pem"),
      ];
      const { inner } = await decrypt(core, file(f, "mime/rfc4134/5.1.eml"), keys);
      sameBytes(inner, file(f, "samples/rfc4134-ExContent.bin"), "the decrypted content");
    },
  },
  {
    name: "pyca/cryptography enveloped vectors: AES-256-CBC and RSA-OAEP (RSA 4096) decrypt to what openssl reads",
    async run(core, f) {
      const keys = [await rsaRecipient(core, f, "samples/pyca-rsa_ca.pem", "samples/pyca-rsa_key.pem")];
      for (const variant of ["aes-256-cbc", "rsa-oaep"] as const) {
        const { inner } = await decrypt(core, file(f, `mime/pyca/enveloped-${variant}.eml`), keys);
        sameBytes(inner, file(f, `samples/pyca-enveloped-${variant}.out`), variant);
      }
    },
  },
  {
    name: "CryptoSys authEnvelopedForBobChaCha20Poly1305 (RFC 8103, RSA-OAEP-SHA256) decrypts",
    async run(core, f) {
      const keys = [
        await rsaRecipient(core, f, "samples/rfc9216-bob.encrypt.crt", "samples/rfc9216-bob.decrypt.p8.pem"),
      ];
      const message = pkcs7Mime(
        file(f, "samples/cryptosys-authEnvelopedForBobChaCha20Poly1305.p7m"),
        "authEnveloped-data",
      );
      sameBytes((await decrypt(core, message, keys)).inner, SAMPLE_CONTENT, "the decrypted content");
    },
  },
  {
    name: "CryptoSys X25519 (RFC 8418): authEnvelopedForDanaX25519HKDF and encryptedForBobAndDana decrypt with Dana's key",
    async run(core, f) {
      const key = await readRfc8410PrivateKey(file(f, "samples/rfc9216-dana.decrypt.p8.pem"));
      if ("edwards" in key) throw new Error("Dana's key did not read as an X25519 key");
      const keys: RecipientKey[] = [
        { kind: "xdh", certificate: certificate(f, "samples/rfc9216-dana.encrypt.crt"), privateKey: key },
      ];
      const gcm = pkcs7Mime(file(f, "samples/cryptosys-authEnvelopedForDanaX25519HKDF.p7m"), "authEnveloped-data");
      sameBytes((await decrypt(core, gcm, keys)).inner, SAMPLE_CONTENT, "authEnvelopedForDanaX25519HKDF");
      const cbc = pkcs7Mime(file(f, "samples/cryptosys-encryptedForBobAndDana.p7m"), "enveloped-data");
      sameBytes((await decrypt(core, cbc, keys)).inner, SAMPLE_CONTENT, "encryptedForBobAndDana");
    },
  },
  {
    name: "CryptoSys signedByCarlosEd25519 (RFC 8419) verifies to the LAMPS Ed25519 CA",
    async run(core, f) {
      const message = pkcs7Mime(file(f, "samples/cryptosys-signedByCarlosEd25519.p7m"), "signed-data");
      const { verified, content } = await verify(core, message, {
        anchors: [certificate(f, "samples/rfc9216-ed25519-ca.pem")],
      });
      sameBytes(content, SAMPLE_CONTENT, "the signed content");
      equal(verified.signer.displayName, "Carlos Turing", "the signer");
    },
  },
  {
    name: "CryptoSys signedByAliceAndCarlosNoCerts: no certificates inside; given them, both signers verify (Ed25519 and RSA)",
    async run(core, f) {
      const cms = file(f, "samples/cryptosys-signedByAliceAndCarlosNoCerts.p7m");
      await fails(verifySignedData([cms], core), "UNTRUSTED_CERTIFICATE", "without the certificates");
      const certificates = [certificate(f, "samples/rfc9216-alice.crt"), certificate(f, "samples/rfc9216-carlos.crt")];
      const parts: Uint8Array[] = [];
      const result = await verifySignedData(pieces(cms, [100, 7]), core, {
        certificates,
        write: (chunk) => void parts.push(chunk.slice()),
      });
      sameBytes(concatBytes(parts), SAMPLE_CONTENT, "the signed content");
      equal(result.failures, [], "the failures");
      equal(
        result.signers.map((s) => s.signer.certificate.displayName),
        ["Carlos Turing", "Alice Lovelace"],
        "the signers",
      );
      // A changed content byte: Carlos's signature (over the content) and Alice's (over its digest) fail.
      const altered = cms.slice();
      altered[75]! ^= 1; // eContent, "This is some sample content.", starts at DER offset 71
      await fails(verifySignedData([altered], core, { certificates }), "BAD_SIGNATURE", "a changed content byte");
    },
  },
  {
    name: "CryptoSys signedByCarlosDetached verifies over the content given; a changed content byte is BAD_SIGNATURE",
    async run(core, f) {
      const cms = file(f, "samples/cryptosys-signedByCarlosDetached.p7m");
      const result = await verifySignedData([cms], core, { detachedContent: [SAMPLE_CONTENT] });
      equal(result.detached, true, "detached");
      equal(result.signers[0]!.signer.certificate.displayName, "Carlos Turing", "the signer");
      const altered = SAMPLE_CONTENT.slice();
      altered[0]! ^= 0x20;
      await fails(verifySignedData([cms], core, { detachedContent: [altered] }), "BAD_SIGNATURE", "changed content");
      // Only digests of the content, not the content itself: a PureEdDSA signature cannot be checked.
      const digests = await (await ContentDigests.open(core, ["SHA-512"])).digests();
      await fails(verifySignedData([cms], core, { detachedContent: digests }), "UNSUPPORTED_ALGORITHM", "digests only");
    },
  },
  {
    name: "the LAMPS ML-KEM-512 example (draft-ietf-lamps-cms-kyber, AuthEnvelopedData with AES-GCM) decrypts to its plaintext; a changed tag byte is AUTH_TAG_MISMATCH",
    async run(core, f) {
      const der = decodePem(latin1(file(f, "pq/cms-kyber/ML-KEM-512.cms")))[0]!.der;
      const certificateOf = certificate(f, "pq/cms-kyber/ML-KEM-512.pem");
      const privateKey = readPqPrivateKey(file(f, "pq/cms-kyber/ML-KEM-512-seed.priv")) as MlKemPrivateKey;
      const keys: RecipientKey[] = [{ kind: "ml-kem", certificate: certificateOf, privateKey }];
      const message = pkcs7Mime(der, "authEnveloped-data");
      const { inner, type } = await decrypt(core, message, keys);
      sameBytes(inner, file(f, "pq/cms-kyber/plaintext.txt"), "the plaintext");
      equal(type, "1.2.840.113549.1.9.16.1.23", "the content type");
      // The mac (RFC 5083 2.1) is the last field: its last byte.
      const damaged = der.slice();
      damaged[damaged.length - 1]! ^= 0x5a;
      await fails(decrypt(core, pkcs7Mime(damaged, "authEnveloped-data"), keys), "AUTH_TAG_MISMATCH", "a changed tag");
    },
  },
  {
    name: "the LAMPS ML-DSA-44, -65 and -87 SignedData examples (draft-ietf-lamps-cms-ml-dsa) verify",
    async run(core, f) {
      for (const level of ["44", "65", "87"] as const) {
        const der = decodePem(latin1(file(f, `pq/cms-ml-dsa/mldsa${level}-signed-attrs.pem`)))[0]!.der;
        const parts: Uint8Array[] = [];
        const result = await verifySignedData([der], core, {
          certificates: [certificate(f, `pq/ml-dsa-certificates/ML-DSA-${level}.crt`)],
          write: (chunk) => void parts.push(chunk.slice()),
        });
        equal(result.failures, [], `the failures of ML-DSA-${level}`);
        equal(result.signers.length, 1, `the signers of ML-DSA-${level}`);
        equal(result.signers[0]!.signer.hash, "SHA-512", `the digest of ML-DSA-${level}`);
        contains(result.signers[0]!.signer.certificate.displayName, "LAMPS WG", `the signer of ML-DSA-${level}`);
        equal(latin1(concatBytes(parts)), `ML-DSA-${level} signed-data example with signed attributes`, "the content");
      }
    },
  },
  {
    name: "ML-DSA-44 (RFC 9882): a message signed with the example key verifies to its self-signed certificate; altered BAD_SIGNATURE",
    async run(core, f) {
      const key = readPqPrivateKey(file(f, "pq/ml-dsa-certificates/ML-DSA-44-seed.priv")) as MlDsaPrivateKey;
      const signerCertificate = certificate(f, "pq/ml-dsa-certificates/ML-DSA-44.crt");
      const out = await sign(core, { key, certificate: signerCertificate }, { opaque: false });
      const options = { anchors: [signerCertificate] };
      const { verified, content } = await verify(core, out, options);
      sameBytes(content, SIGNED_ENTITY, "the verified entity");
      equal(verified.signer.serialHex, signerCertificate.serialHex, "the signer");
      const altered = out.slice();
      altered[latin1(out).indexOf("Hello Bob")]! ^= 0x20;
      await fails(verify(core, altered, options), "BAD_SIGNATURE", "a changed content byte");
    },
  },
];
