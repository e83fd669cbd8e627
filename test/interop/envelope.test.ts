// mailseal's (Auth)EnvelopedData against the peers, both directions: what OpenSSL, NSS cmsutil and
// gpgsm produce we decrypt; what we produce they decrypt, where they support the algorithm (NSS 3.87
// and gpgsm 2.2 read neither AES-GCM AuthEnvelopedData nor RSA-OAEP: asserted as refusals).
import { readFileSync } from "node:fs";
import { CoreService, type CipherName } from "@mailseal/core-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentCipherByName, type KeyTransport } from "../../shared/src/cms/algorithms.js";
import { decryptEnvelope, encryptEnvelope } from "../../shared/src/cms/enveloped-data.js";
import type { RecipientKey } from "../../shared/src/cms/recipient-info.js";
import { readCertificates, type Certificate } from "../../shared/src/pki/certificate.js";
import { readPrivateKey } from "../../shared/src/pki/private-key.js";
import { peers, sampleEntity, type Peers } from "./peers/fixture.js";
import { opensslDecrypt, opensslEncrypt, type ContentCipher as OpensslCipher } from "./peers/openssl.js";
import type { Identity } from "./peers/pki.js";
import { releaseAll } from "./peers/run.js";

let world: Peers;
let core: CoreService;
const content = sampleEntity(400);

function certificateOf(identity: Identity): Certificate {
  return readCertificates(new TextEncoder().encode(identity.certPem))[0]!;
}

async function keyOf(identity: Identity): Promise<RecipientKey> {
  const privateKey = await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(identity.keyPath))));
  return { certificate: certificateOf(identity), privateKey };
}

async function ourDecrypt(cms: Uint8Array, identity: Identity): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await decryptEnvelope([cms], [await keyOf(identity)], core, (p) => void parts.push(p.slice()));
  return Buffer.concat(parts);
}

async function ourEncrypt(cipher: CipherName, transport: KeyTransport, to: Identity): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const recipients = [{ certificate: certificateOf(to), transport }];
  for await (const part of encryptEnvelope([content], { cipher: contentCipherByName(cipher), recipients }, core))
    parts.push(part);
  return Buffer.concat(parts);
}

const pkcs1: KeyTransport = { scheme: "rsa-pkcs1" };
const oaep256: KeyTransport = { scheme: "rsa-oaep", hash: "SHA-256", mgfHash: "SHA-256", label: new Uint8Array(0) };

beforeAll(async () => {
  world = await peers();
  core = await CoreService.open();
}, 180_000);

afterAll(() => releaseAll());

describe("peers encrypt, mailseal decrypts", () => {
  const opensslCases: [string, OpensslCipher, Parameters<typeof opensslEncrypt>[2]][] = [
    ["aes-128-cbc", "aes-128-cbc", {}],
    ["aes-192-cbc", "aes-192-cbc", {}],
    ["aes-256-cbc, BER streamed", "aes-256-cbc", { indefinite: true }],
    ["aes-256-cbc, recipient by SKI", "aes-256-cbc", { recipientId: "ski" }],
    ["aes-128-gcm", "aes-128-gcm", {}],
    ["aes-256-gcm, RSA-OAEP SHA-256", "aes-256-gcm", { keyTransport: "rsa-oaep-sha256" }],
    ["aes-256-cbc, RSA-OAEP SHA-512", "aes-256-cbc", { keyTransport: "rsa-oaep-sha512" }],
    ["des-ede3-cbc (old mail)", "des-ede3-cbc", {}],
    ["rc2-40 (old mail, rc2ParameterVersion 160)", "rc2-40", {}],
    ["rc2-64 (old mail, rc2ParameterVersion 120)", "rc2-64", {}],
    ["rc2-128 (old mail, rc2ParameterVersion 58), BER streamed", "rc2-128", { indefinite: true }],
  ];
  it.each(opensslCases)("openssl cms: %s", async (_name, cipher, options) => {
    const cms = await opensslEncrypt(content, [world.pki.alice, world.pki.bob], { ...options, cipher });
    expect(await ourDecrypt(cms, world.pki.bob)).toEqual(content);
  });

  it("openssl cms to an RSA-4096 recipient", async () => {
    const cms = await opensslEncrypt(content, [world.bobs.rsa4096], { cipher: "aes-256-gcm" });
    expect(await ourDecrypt(cms, world.bobs.rsa4096)).toEqual(content);
  });

  it("NSS cmsutil (AES-128-CBC, PKCS#1 v1.5, BER)", async () => {
    const cms = await world.nss.encrypt(content, [world.pki.bob]);
    expect(await ourDecrypt(cms, world.pki.bob)).toEqual(content);
  });

  it.each(["AES", "AES192", "AES256", "3DES"] as const)("gpgsm %s", async (cipher) => {
    const cms = await world.gpgsm.encrypt(content, [world.pki.bob], cipher);
    expect(await ourDecrypt(cms, world.pki.bob)).toEqual(content);
  });
});

describe("mailseal encrypts, peers decrypt", () => {
  it.each<[CipherName, string, KeyTransport]>([
    ["aes-256-cbc", "PKCS#1 v1.5", pkcs1],
    ["aes-128-cbc", "PKCS#1 v1.5", pkcs1],
    ["aes-256-gcm", "PKCS#1 v1.5", pkcs1],
    ["aes-256-gcm", "RSA-OAEP SHA-256", oaep256],
    ["aes-256-cbc", "RSA-OAEP SHA-256", oaep256],
  ])("openssl cms reads %s with %s", async (cipher, _name, transport) => {
    expect(await opensslDecrypt(await ourEncrypt(cipher, transport, world.pki.bob), world.pki.bob)).toEqual(content);
  });

  it.each<CipherName>(["aes-256-cbc", "aes-192-cbc", "aes-128-cbc"])(
    "NSS cmsutil reads %s with PKCS#1 v1.5",
    async (cipher) => {
      expect(await world.nss.decrypt(await ourEncrypt(cipher, pkcs1, world.pki.bob))).toEqual(content);
    },
  );

  it.each<CipherName>(["aes-256-cbc", "aes-128-cbc"])("gpgsm reads %s with PKCS#1 v1.5", async (cipher) => {
    expect(await world.gpgsm.decrypt(await ourEncrypt(cipher, pkcs1, world.pki.bob), world.pki.bob)).toEqual(content);
  });

  it("NSS and gpgsm refuse AES-GCM and RSA-OAEP (why the default is AES-256-CBC with PKCS#1 v1.5)", async () => {
    for (const [cipher, transport] of [
      ["aes-256-gcm", pkcs1],
      ["aes-256-cbc", oaep256],
    ] as [CipherName, KeyTransport][]) {
      const cms = await ourEncrypt(cipher, transport, world.pki.bob);
      await expect(world.nss.decrypt(cms)).rejects.toThrow();
      await expect(world.gpgsm.decrypt(cms, world.pki.bob)).rejects.toThrow();
    }
  });
});
