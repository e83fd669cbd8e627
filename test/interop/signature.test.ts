// mailseal's signed messages against the peers, both directions: what OpenSSL, NSS cmsutil and gpgsm
// sign, verifyMessage verifies (their DER wrapped as mail where the tool writes no MIME); what
// signMessage signs (clear and opaque), they verify, and all reject a message with a content byte changed.
import { readFileSync } from "node:fs";
import { CoreService, type HashAlgorithm } from "@mailseal/core-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCertificates, type Certificate } from "../../shared/src/pki/certificate.js";
import { readEcPrivateKey, readPrivateKey } from "../../shared/src/pki/private-key.js";
import { signMessage, verifyMessage, type SignMessageOptions } from "../../shared/src/smime/signature.js";
import { flipByte, peers, sampleEntity, type Peers } from "./peers/fixture.js";
import { splitMultipartSigned, toDer } from "./peers/forms.js";
import { opensslSign, opensslVerify, type OpensslSignOptions } from "./peers/openssl.js";
import type { Identity } from "./peers/pki.js";
import { releaseAll } from "./peers/run.js";

let world: Peers;
let core: CoreService;
let anchor: Certificate;
const entity = sampleEntity(200);
const OUTER = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: interop\r\n";
const message = Buffer.concat([Buffer.from(OUTER), Buffer.from("MIME-Version: 1.0\r\n"), entity]);

function certificateOf(identity: Identity): Certificate {
  return readCertificates(new TextEncoder().encode(identity.certPem))[0]!;
}

/** verifyMessage at now against the test root; resolves with the signed entity. */
async function ourVerify(signed: Uint8Array, signer = "alice@example.org"): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const verified = await verifyMessage([signed], { anchors: [anchor] }, core, (p) => void parts.push(p.slice()));
  expect(verified.signer.emailAddresses).toContain(signer);
  return Buffer.concat(parts);
}

async function ourSign(
  options: Partial<SignMessageOptions> = {},
  signer: "alice" | "bob-ec" = "alice",
): Promise<Buffer> {
  const identity = signer === "alice" ? world.pki.alice : world.bobs["ec-p256"];
  const file = new Uint8Array(readFileSync(identity.keyPath));
  const key =
    signer === "alice" ? await core.loadRsaPrivateKey(await readPrivateKey(file)) : await readEcPrivateKey(file);
  const parts: Uint8Array[] = [];
  for await (const part of signMessage([message], { key, certificate: certificateOf(identity), ...options }, core))
    parts.push(part);
  return Buffer.concat(parts);
}

const base64Lines = (der: Uint8Array): string =>
  Buffer.from(der)
    .toString("base64")
    .replace(/.{1,76}/g, "$&\r\n");

/** A peer's detached DER as the multipart/signed a mail client would send. */
function asMultipartSigned(content: Uint8Array, der: Uint8Array, micalg: string): Buffer {
  const b = "----=_interop_boundary";
  return Buffer.concat([
    Buffer.from(
      `${OUTER}MIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; ` +
        `micalg=${micalg}; boundary="${b}"\r\n\r\n--${b}\r\n`,
    ),
    content,
    Buffer.from(
      `\r\n--${b}\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${base64Lines(der)}--${b}--\r\n`,
    ),
  ]);
}

/** A peer's opaque DER as application/pkcs7-mime signed-data. */
function asOpaque(der: Uint8Array): Buffer {
  return Buffer.from(
    `${OUTER}MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n` +
      `Content-Transfer-Encoding: base64\r\n\r\n${base64Lines(der)}`,
  );
}

beforeAll(async () => {
  world = await peers();
  core = await CoreService.open();
  anchor = readCertificates(new TextEncoder().encode(world.pki.ca.certPem))[0]!;
}, 180_000);

afterAll(() => releaseAll());

describe("peers sign, mailseal verifies", () => {
  const opensslCases: [string, OpensslSignOptions][] = [
    ["multipart/signed CRLF, SHA-256", { form: "smime", crlf: true }],
    ["multipart/signed LF, SHA-1", { form: "smime", digest: "sha1" }],
    ["multipart/signed CRLF, SHA-384", { form: "smime", crlf: true, digest: "sha384" }],
    ["multipart/signed CRLF, SHA-512", { form: "smime", crlf: true, digest: "sha512" }],
    [
      "multipart/signed CRLF, PSS SHA-256 salt = digest",
      { form: "smime", crlf: true, padding: "pss", pssSaltLength: "digest" },
    ],
    ["multipart/signed CRLF, PSS SHA-256 salt = max", { form: "smime", crlf: true, padding: "pss" }],
    ["opaque application/pkcs7-mime, SHA-256", { form: "smime", mode: "opaque", crlf: true }],
    ["opaque application/pkcs7-mime LF, SHA-512", { form: "smime", mode: "opaque", digest: "sha512" }],
  ];
  it.each(opensslCases)("openssl cms: %s", async (_name, options) => {
    const signed = await opensslSign(entity, world.pki.alice, options);
    expect(await ourVerify(signed)).toEqual(entity);
    // Opaque: the content is inside the base64, so change it in the DER and wrap that again.
    const altered =
      options.mode === "opaque"
        ? asOpaque(flipByte(toDer(signed), toDer(signed).indexOf("line 100")))
        : flipByte(signed, signed.indexOf("line 100"));
    await expect(ourVerify(altered)).rejects.toMatchObject({ code: "BAD_SIGNATURE" });
  });

  // ECDSA (RFC 5753 2.1.1): bob's P-256 key, ecdsa-with-SHA256 and ecdsa-with-SHA384.
  it.each([
    ["multipart/signed CRLF, ECDSA P-256 SHA-256", { form: "smime", crlf: true }],
    [
      "opaque application/pkcs7-mime, ECDSA P-256 SHA-384",
      { form: "smime", mode: "opaque", crlf: true, digest: "sha384" },
    ],
  ] as [string, OpensslSignOptions][])("openssl cms: %s", async (_name, options) => {
    const signed = await opensslSign(entity, world.bobs["ec-p256"], options);
    expect(await ourVerify(signed, "bob@example.org")).toEqual(entity);
    const altered =
      options.mode === "opaque"
        ? asOpaque(flipByte(toDer(signed), toDer(signed).indexOf("line 100")))
        : flipByte(signed, signed.indexOf("line 100"));
    await expect(ourVerify(altered, "bob@example.org")).rejects.toMatchObject({ code: "BAD_SIGNATURE" });
  });

  it("NSS cmsutil, ECDSA P-256 SHA-256: detached", async () => {
    const detached = await world.nss.sign(entity, world.bobs["ec-p256"], {
      detached: true,
      hash: "SHA256",
      signingTime: true,
    });
    expect(await ourVerify(asMultipartSigned(entity, detached, "sha-256"), "bob@example.org")).toEqual(entity);
    await expect(
      ourVerify(asMultipartSigned(flipByte(entity), detached, "sha-256"), "bob@example.org"),
    ).rejects.toMatchObject({ code: "BAD_SIGNATURE" });
  });

  it.each([
    ["SHA256", "sha-256"],
    ["SHA1", "sha-1"],
    ["SHA512", "sha-512"],
  ] as const)("NSS cmsutil %s: detached and opaque", async (hash, micalg) => {
    const detached = await world.nss.sign(entity, world.pki.alice, {
      detached: true,
      hash,
      signingTime: true,
      smimeCapabilities: true,
    });
    expect(await ourVerify(asMultipartSigned(entity, detached, micalg))).toEqual(entity);
    await expect(ourVerify(asMultipartSigned(flipByte(entity), detached, micalg))).rejects.toMatchObject({
      code: "BAD_SIGNATURE",
    });
    const opaque = await world.nss.sign(entity, world.pki.alice, { hash, signingTime: true });
    expect(await ourVerify(asOpaque(opaque))).toEqual(entity);
  });

  it.each([
    ["SHA256", "sha-256"],
    ["SHA1", "sha-1"],
    ["SHA512", "sha-512"],
  ] as const)("gpgsm %s: detached and opaque", async (digest, micalg) => {
    const detached = await world.gpgsm.sign(entity, world.pki.alice, { detached: true, digest });
    expect(await ourVerify(asMultipartSigned(entity, detached, micalg))).toEqual(entity);
    await expect(ourVerify(asMultipartSigned(flipByte(entity), detached, micalg))).rejects.toMatchObject({
      code: "BAD_SIGNATURE",
    });
    const opaque = await world.gpgsm.sign(entity, world.pki.alice, { digest });
    expect(await ourVerify(asOpaque(opaque))).toEqual(entity);
  });
});

describe("mailseal signs, peers verify", () => {
  const variants: [string, Partial<SignMessageOptions>, "alice" | "bob-ec"][] = [
    ["PKCS#1 v1.5 SHA-256", {}, "alice"],
    ["PKCS#1 v1.5 SHA-512", { hash: "SHA-512" as HashAlgorithm }, "alice"],
    ["PSS SHA-256 (salt = digest)", { pss: true }, "alice"],
    ["ECDSA P-256 SHA-256 (RFC 5753)", {}, "bob-ec"],
    ["ECDSA P-256 SHA-384", { hash: "SHA-384" as HashAlgorithm }, "bob-ec"],
  ];

  describe.each(variants)("%s", (_name, options, signer) => {
    it("clear-signed: openssl, cmsutil, gpgsm verify; a changed content byte is rejected by all", async () => {
      const signed = await ourSign(options, signer);
      expect(signed.subarray(0, OUTER.length).toString()).toBe(OUTER);
      const caFile = world.pki.ca.certPath;
      expect((await opensslVerify(signed, "smime", { caFile, binary: false })).content).toEqual(entity);
      const { content, signature } = splitMultipartSigned(signed);
      expect(content).toEqual(entity);
      await world.nss.verify(signature, content);
      await world.gpgsm.verify(signature, content);
      const altered = flipByte(content, content.indexOf("line 100"));
      await expect(
        opensslVerify(flipByte(signed, signed.indexOf("line 100")), "smime", { caFile, binary: false }),
      ).rejects.toThrow();
      await expect(world.nss.verify(signature, altered)).rejects.toThrow();
      await expect(world.gpgsm.verify(signature, altered)).rejects.toThrow();
    });

    it("opaque: openssl, cmsutil, gpgsm verify and output the entity", async () => {
      const signed = await ourSign({ ...options, opaque: true }, signer);
      const caFile = world.pki.ca.certPath;
      expect((await opensslVerify(signed, "smime", { caFile })).content).toEqual(entity);
      const der = toDer(signed);
      expect((await world.nss.verify(der)).content).toEqual(entity);
      expect((await world.gpgsm.verify(der)).content).toEqual(entity);
      // The entity sits in the BER as one OCTET STRING segment: change a byte of it.
      const altered = flipByte(der, der.indexOf("line 100"));
      await expect(world.nss.verify(altered)).rejects.toThrow();
      await expect(world.gpgsm.verify(altered)).rejects.toThrow();
    });
  });
});
