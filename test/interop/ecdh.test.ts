// mailseal's ECDH key agreement recipients (KeyAgreeRecipientInfo, RFC 5753) against the peers: what
// `openssl cms` encrypts to an EC certificate we decrypt, what we encrypt to one openssl decrypts. NSS
// 3.87 cmsutil and gpgsm 2.2 cannot read ECDH at all (asserted as facts), and NSS cannot even decode a
// message that has an RSA recipient beside an EC one, while gpgsm skips the EC one and reads it.
import { readFileSync } from "node:fs";
import { CoreService, type CipherName } from "@mailseal/core-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentCipherByName } from "../../shared/src/cms/algorithms.js";
import { decryptEnvelope, encryptEnvelope } from "../../shared/src/cms/enveloped-data.js";
import type { RecipientKey } from "../../shared/src/cms/recipient-info.js";
import { readCertificates, type Certificate } from "../../shared/src/pki/certificate.js";
import { readEcPrivateKey, readPrivateKey } from "../../shared/src/pki/private-key.js";
import { peers, sampleEntity, type Peers } from "./peers/fixture.js";
import { opensslDecrypt, opensslEncrypt, type ContentCipher as OpensslCipher } from "./peers/openssl.js";
import type { Identity } from "./peers/pki.js";
import { releaseAll } from "./peers/run.js";
import { ensureBundle, mailseal } from "../../cli/test/support.js";

let world: Peers;
let core: CoreService;
let ec: Identity;
const content = sampleEntity(400);

function certificateOf(identity: Identity): Certificate {
  return readCertificates(new TextEncoder().encode(identity.certPem))[0]!;
}

async function keyOf(identity: Identity): Promise<RecipientKey> {
  const file = new Uint8Array(readFileSync(identity.keyPath));
  const certificate = certificateOf(identity);
  if (identity.keyType.startsWith("ec")) return { kind: "ec", certificate, privateKey: await readEcPrivateKey(file) };
  return { certificate, privateKey: await core.loadRsaPrivateKey(await readPrivateKey(file)) };
}

async function ourDecrypt(cms: Uint8Array, identity: Identity): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await decryptEnvelope([cms], [await keyOf(identity)], core, (p) => void parts.push(p.slice()));
  return Buffer.concat(parts);
}

async function ourEncrypt(cipher: CipherName, to: readonly Identity[]): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const recipients = to.map((i) => ({ certificate: certificateOf(i), transport: { scheme: "rsa-pkcs1" } as const }));
  for await (const part of encryptEnvelope([content], { cipher: contentCipherByName(cipher), recipients }, core))
    parts.push(part);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  world = await peers();
  core = await CoreService.open();
  ec = world.bobs["ec-p256"];
}, 180_000);

afterAll(() => releaseAll());

describe("openssl cms encrypts to an EC P-256 certificate, mailseal decrypts", () => {
  it.each<[string, OpensslCipher, Parameters<typeof opensslEncrypt>[2]]>([
    ["aes-256-cbc", "aes-256-cbc", {}],
    ["aes-128-cbc, BER streamed", "aes-128-cbc", { indefinite: true }],
    ["aes-192-cbc, recipient by rKeyId (SKI)", "aes-192-cbc", { recipientId: "ski" }],
    ["aes-256-gcm (AuthEnvelopedData)", "aes-256-gcm", {}],
  ])("%s", async (_name, cipher, options) => {
    const cms = await opensslEncrypt(content, [ec], { ...options, cipher });
    expect(await ourDecrypt(cms, ec)).toEqual(content);
  });

  it("with an RSA recipient too: the EC key and the RSA key each open it", async () => {
    const cms = await opensslEncrypt(content, [world.pki.alice, ec], { cipher: "aes-256-cbc" });
    expect(await ourDecrypt(cms, ec)).toEqual(content);
    expect(await ourDecrypt(cms, world.pki.alice)).toEqual(content);
  });
});

describe("mailseal encrypts to an EC P-256 certificate, peers decrypt", () => {
  it.each<CipherName>(["aes-256-cbc", "aes-128-cbc", "aes-256-gcm"])("openssl cms reads %s", async (cipher) => {
    expect(await opensslDecrypt(await ourEncrypt(cipher, [ec]), ec)).toEqual(content);
  });

  it("openssl cms reads an RSA + EC message with either key", async () => {
    const cms = await ourEncrypt("aes-256-cbc", [world.pki.bob, ec]);
    expect(await opensslDecrypt(cms, ec)).toEqual(content);
    expect(await opensslDecrypt(cms, world.pki.bob)).toEqual(content);
  });

  it("NSS cmsutil cannot read ECDH (it holds bob's EC key): SEC_ERROR_BAD_DER, as for openssl's", async () => {
    await expect(world.nss.decrypt(await ourEncrypt("aes-256-cbc", [ec]))).rejects.toThrow(/SEC_ERROR_BAD_DER/);
    await expect(world.nss.decrypt(await opensslEncrypt(content, [ec]))).rejects.toThrow(/SEC_ERROR_BAD_DER/);
  });

  it("NSS cmsutil cannot decode an RSA + EC message even for its RSA recipient (openssl's neither)", async () => {
    const ours = await ourEncrypt("aes-256-cbc", [world.pki.bob, ec]);
    await expect(world.nss.decrypt(ours)).rejects.toThrow(/SEC_ERROR_BAD_DER/);
    const theirs = await opensslEncrypt(content, [world.pki.bob, ec], { cipher: "aes-256-cbc" });
    await expect(world.nss.decrypt(theirs)).rejects.toThrow(/SEC_ERROR_BAD_DER/);
    // The same message to the RSA recipient alone is fine: the KeyAgreeRecipientInfo is what breaks it.
    expect(await world.nss.decrypt(await ourEncrypt("aes-256-cbc", [world.pki.bob]))).toEqual(content);
  });

  it("gpgsm cannot hold an EC key (no secret key for an ECDH-only message); it reads an RSA + EC one with RSA", async () => {
    await expect(world.gpgsm.decrypt(await ourEncrypt("aes-256-cbc", [ec]), world.pki.bob)).rejects.toThrow(
      /No secret key/,
    );
    const mixed = await ourEncrypt("aes-256-cbc", [ec, world.pki.bob]);
    expect(await world.gpgsm.decrypt(mixed, world.pki.bob)).toEqual(content);
  });
});

describe("the mailseal command with EC keys", () => {
  const OUTER = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: ecdh\r\n";
  const message = Buffer.concat([Buffer.from(`${OUTER}MIME-Version: 1.0\r\n`), content]);

  beforeAll(() => ensureBundle());

  it("decrypts openssl's S/MIME to an EC P-256 certificate with the EC key", async () => {
    const smime = await opensslEncrypt(content, [ec], { cipher: "aes-256-gcm", form: "smime" });
    const result = await mailseal(["decrypt", "--key", ec.keyPath, "--cert", ec.certPath], smime);
    expect(result.stderr).toBe("");
    expect(result.stdout).toEqual(content);
  });

  it("encrypts to an EC certificate (key agreement) for openssl to read", async () => {
    const result = await mailseal(["encrypt", "--recipient", ec.certPath], message);
    expect(result.status).toBe(0);
    expect(await opensslDecrypt(result.stdout, ec, "smime")).toEqual(content);
  });

  it("refuses an EC key with a certificate that is not its own: INVALID_KEY", async () => {
    const result = await mailseal(["decrypt", "--key", ec.keyPath, "--cert", world.pki.bob.certPath], message);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error INVALID_KEY: /);
  });
});
