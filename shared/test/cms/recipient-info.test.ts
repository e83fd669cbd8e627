// Key transport against OpenSSL in both directions: OpenSSL's EnvelopedData opened with our
// recipient handling (and the core's AES), and our RecipientInfos in an EnvelopedData OpenSSL opens.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID_DATA, ID_ENVELOPED_DATA } from "../../src/pki/oids.js";
import { contentCipherByName, contentCipherFromOid, type KeyTransport } from "../../src/cms/algorithms.js";
import { keyTransRecipientInfo, recoverContentKey, type RecipientKey } from "../../src/cms/recipient-info.js";
import { forEachCore, type TestCore } from "../core-hosts.js";
import { expectCode, identity, openssl, opensslEnvelope, scratch, type TestIdentity } from "./support.js";

const files = scratch("ri");
const path = files.path;
const message = randomBytes(5000);
let core: TestCore;
let bob: TestIdentity;
let carol: TestIdentity;

function envelopedData(der: Uint8Array): pkijs.EnvelopedData {
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(der));
  expect(info.contentType).toBe(ID_ENVELOPED_DATA);
  return new pkijs.EnvelopedData({ schema: info.content });
}

/** Decrypts an EnvelopedData's content with the core, the CEK from recoverContentKey. */
async function open(der: Uint8Array, keys: readonly RecipientKey[]): Promise<Uint8Array> {
  const enveloped = envelopedData(der);
  const info = enveloped.encryptedContentInfo;
  const cipher = contentCipherFromOid(info.contentEncryptionAlgorithm.algorithmId);
  const cek = await recoverContentKey(enveloped.recipientInfos, keys, cipher.keyLength, core);
  const iv = new Uint8Array(
    (info.contentEncryptionAlgorithm.algorithmParams as asn1js.OctetString).valueBlock.valueHexView,
  );
  const decryptor = await core.createDecryptor({ cipher: cipher.name, key: cek, iv });
  const head = await decryptor.update(new Uint8Array(info.getEncryptedContent()));
  return Buffer.concat([head, await decryptor.final()]);
}

beforeAll(() => writeFileSync(path("message"), message));

async function useCore(opened: TestCore): Promise<void> {
  core = opened;
  bob = await identity(core, files, "bob");
  carol = await identity(core, files, "carol");
}

afterAll(() => files.remove());

forEachCore(useCore, () => {
  describe("OpenSSL's EnvelopedData, opened by us", () => {
    it.each([
      ["PKCS#1 v1.5, issuerAndSerialNumber", "-aes256", []],
      ["PKCS#1 v1.5, subjectKeyIdentifier", "-aes128", ["-keyid"]],
      ["RSA-OAEP SHA-256", "-aes256", ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"]],
      ["RSA-OAEP SHA-1 (defaults)", "-aes192", ["-keyopt", "rsa_padding_mode:oaep"]],
      [
        "RSA-OAEP SHA-384, MGF1 SHA-512",
        "-aes256",
        ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha384", "-keyopt", "rsa_mgf1_md:sha512"],
      ],
      [
        "RSA-OAEP SHA-256 with a label",
        "-aes256",
        ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_oaep_label:0102030405"],
      ],
    ])("%s", async (_name, cipher, options) => {
      const der = opensslEnvelope(path("message"), bob.certPath, [cipher, ...options]);
      expect(Buffer.from(await open(der, [carol, bob]))).toEqual(message);
    });

    it("says NO_KEY when none of our keys is a recipient", async () => {
      const der = opensslEnvelope(path("message"), bob.certPath);
      await expectCode(open(der, [carol]), "NO_KEY");
    });

    it("a damaged PKCS#1 v1.5 encryptedKey gives no error of its own: content decryption fails", async () => {
      const der = opensslEnvelope(path("message"), bob.certPath);
      const enveloped = envelopedData(der);
      const keyTrans = enveloped.recipientInfos[0]!.value as pkijs.KeyTransRecipientInfo;
      const encryptedKey = new Uint8Array(keyTrans.encryptedKey.valueBlock.valueHexView);
      encryptedKey[7]! ^= 0x55;
      keyTrans.encryptedKey = new asn1js.OctetString({ valueHex: encryptedKey });
      const cek = await recoverContentKey(enveloped.recipientInfos, [bob], 32, core);
      expect(cek).toHaveLength(32);
      expect(await recoverContentKey(enveloped.recipientInfos, [bob], 32, core)).toEqual(cek); // deterministic
      const opened = await open(
        new Uint8Array(
          new pkijs.ContentInfo({ contentType: ID_ENVELOPED_DATA, content: enveloped.toSchema() }).toSchema().toBER(),
        ),
        [bob],
      ).catch((e: unknown) => e);
      // CBC padding of a wrong key is valid about once in 256: then the bytes differ instead.
      if (opened instanceof Uint8Array) expect(Buffer.from(opened)).not.toEqual(message);
      else expect((opened as { code?: string }).code).toBe("DECRYPTION_FAILED");
    });
  });

  describe("our RecipientInfos, opened by OpenSSL", () => {
    it.each<[string, KeyTransport]>([
      ["PKCS#1 v1.5", { scheme: "rsa-pkcs1" }],
      ["RSA-OAEP SHA-256", { scheme: "rsa-oaep", hash: "SHA-256", mgfHash: "SHA-256", label: new Uint8Array(0) }],
      ["RSA-OAEP SHA-1", { scheme: "rsa-oaep", hash: "SHA-1", mgfHash: "SHA-1", label: new Uint8Array(0) }],
      [
        "RSA-OAEP SHA-384, MGF1 SHA-512, label",
        { scheme: "rsa-oaep", hash: "SHA-384", mgfHash: "SHA-512", label: new Uint8Array([9, 8, 7]) },
      ],
    ])("%s", async (_name, transport) => {
      const cipher = contentCipherByName("aes-256-cbc");
      const cek = randomBytes(cipher.keyLength);
      const iv = randomBytes(16);
      const encryptor = await core.createEncryptor({ cipher: cipher.name, key: cek, iv });
      const encrypted = Buffer.concat([await encryptor.update(message), (await encryptor.final()).data]);
      const enveloped = new pkijs.EnvelopedData({
        version: 0,
        recipientInfos: [await keyTransRecipientInfo(core, bob.certificate, cek, transport)],
        encryptedContentInfo: new pkijs.EncryptedContentInfo({
          contentType: ID_DATA,
          contentEncryptionAlgorithm: new pkijs.AlgorithmIdentifier({
            algorithmId: cipher.oid,
            algorithmParams: new asn1js.OctetString({ valueHex: iv }),
          }),
          encryptedContent: new asn1js.OctetString({ valueHex: encrypted }),
        }),
      });
      const der = new pkijs.ContentInfo({ contentType: ID_ENVELOPED_DATA, content: enveloped.toSchema() })
        .toSchema()
        .toBER();
      writeFileSync(path("ours.p7"), new Uint8Array(der));
      const plain = openssl(
        "cms",
        "-decrypt",
        "-binary",
        "-inform",
        "DER",
        "-in",
        path("ours.p7"),
        "-inkey",
        bob.keyPath,
        "-recip",
        bob.certPath,
      );
      expect(plain).toEqual(message);
    });
  });
});
