// SignerInfo against OpenSSL in both directions: OpenSSL's signatures verified by us, ours by OpenSSL.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { HashAlgorithm } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID_DATA, ID_SIGNED_DATA } from "../../src/pki/oids.js";
import { digestAlgorithm, hashFromOid } from "../../src/cms/algorithms.js";
import {
  createSignerInfo,
  signedDataCertificates,
  verifySignerInfo,
  type SignatureScheme,
} from "../../src/cms/signer-info.js";
import { forEachCore, type TestCore } from "../core-hosts.js";
import { expectCode, identity, openssl, opensslSignature, scratch, type TestIdentity } from "./support.js";

const files = scratch("si");
const path = files.path;
const message = new Uint8Array(randomBytes(3000));
let core: TestCore;
let alice: TestIdentity;
let aliceEncryption: TestIdentity;

async function digest(hash: HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  const stream = await core.createHash(hash);
  await stream.update(data);
  return stream.digest();
}

function signedData(der: Uint8Array): pkijs.SignedData {
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(der));
  expect(info.contentType).toBe(ID_SIGNED_DATA);
  return new pkijs.SignedData({ schema: info.content });
}

/** Verifies every signer of an OpenSSL SignedData over `content` with our code. */
async function verify(der: Uint8Array, content: Uint8Array): Promise<Date | undefined> {
  const signed = signedData(der);
  const digests = new Map<HashAlgorithm, Uint8Array>();
  for (const algorithm of signed.digestAlgorithms) {
    const hash = hashFromOid(algorithm.algorithmId);
    digests.set(hash, await digest(hash, content));
  }
  const certificates = signedDataCertificates(signed);
  const signer = await verifySignerInfo(
    core,
    signed.signerInfos[0]!,
    digests,
    signed.encapContentInfo.eContentType,
    certificates,
  );
  expect(signer.certificate.serialHex).toBe(alice.certificate.serialHex);
  return signer.signingTime;
}

beforeAll(() => writeFileSync(path("message"), message));

async function useCore(opened: TestCore): Promise<void> {
  core = opened;
  alice = await identity(core, files, "alice");
  aliceEncryption = await identity(core, files, "alice-enc");
}

afterAll(() => files.remove());

forEachCore(useCore, () => {
  describe("OpenSSL's signatures, verified by us", () => {
    it.each([
      ["SHA-256, detached", ["-md", "sha256"]],
      ["SHA-1, detached", ["-md", "sha1"]],
      ["SHA-512, detached", ["-md", "sha512"]],
      ["SHA-384 PSS, detached", ["-md", "sha384", "-keyopt", "rsa_padding_mode:pss"]],
      ["SHA-256, no signed attributes", ["-md", "sha256", "-noattr"]],
    ])("%s", async (_name, options) => {
      const der = opensslSignature(path("message"), alice, options);
      const time = await verify(der, message);
      if (!options.includes("-noattr")) expect(Math.abs(time!.getTime() - Date.now())).toBeLessThan(120_000);
      const altered = message.slice();
      altered[100]! ^= 1;
      await expectCode(verify(der, altered), "BAD_SIGNATURE");
    });

    it("a flipped bit in the signature gives BAD_SIGNATURE", async () => {
      const der = opensslSignature(path("message"), alice);
      const signed = signedData(der);
      const signerInfo = signed.signerInfos[0]!;
      const signature = new Uint8Array(signerInfo.signature.valueBlock.valueHexView);
      signature[10]! ^= 1;
      signerInfo.signature = new asn1js.OctetString({ valueHex: signature });
      const digests = new Map([["SHA-256" as HashAlgorithm, await digest("SHA-256", message)]]);
      await expectCode(verifySignerInfo(core, signerInfo, digests, ID_DATA, [alice.certificate]), "BAD_SIGNATURE");
    });
  });

  describe("our signatures, verified by OpenSSL", () => {
    it.each<[string, HashAlgorithm, SignatureScheme]>([
      ["PKCS#1 v1.5 SHA-256", "SHA-256", { scheme: "rsa-pkcs1" }],
      ["PKCS#1 v1.5 SHA-512", "SHA-512", { scheme: "rsa-pkcs1" }],
      ["PSS SHA-256, salt 32", "SHA-256", { scheme: "rsa-pss", saltLength: 32 }],
    ])("%s", async (_name, hash, signature) => {
      const signerInfo = await createSignerInfo(alice.privateKey, core, await digest(hash, message), {
        hash,
        signature,
        certificate: alice.certificate,
        contentType: ID_DATA,
        signingTime: new Date(),
        capabilities: [{ oid: "2.16.840.1.101.3.4.1.42" }, { oid: "2.16.840.1.101.3.4.1.2" }],
        encryptionCertificate: aliceEncryption.certificate,
      });
      const signed = new pkijs.SignedData({
        version: 1,
        digestAlgorithms: [digestAlgorithm(hash)],
        encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: ID_DATA }),
        certificates: [alice, aliceEncryption].map((c) => pkijs.Certificate.fromBER(new Uint8Array(c.certificate.der))),
        signerInfos: [signerInfo],
      });
      const der = new pkijs.ContentInfo({ contentType: ID_SIGNED_DATA, content: signed.toSchema(true) })
        .toSchema()
        .toBER();
      writeFileSync(path("ours.p7s"), new Uint8Array(der));
      const out = openssl(
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        path("ours.p7s"),
        "-content",
        path("message"),
        "-CAfile",
        alice.certPath,
        "-purpose",
        "any",
      );
      expect(new Uint8Array(out)).toEqual(message);
      // And our own verifier agrees, over the same bytes.
      expect(await verify(new Uint8Array(der), message)).toBeInstanceOf(Date);
      const printed = openssl("cms", "-cmsout", "-print", "-inform", "DER", "-in", path("ours.p7s")).toString();
      expect(printed).toContain("S/MIME Capabilities");
      expect(printed).toContain("id-smime-aa-encrypKeyPref");
    });
  });
});
