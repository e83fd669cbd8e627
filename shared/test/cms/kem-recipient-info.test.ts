// KEMRecipientInfo (RFC 9629) with ML-KEM (RFC 9936): the published LAMPS example decrypts, with
// every intermediate value (shared secret, CMSORIforKEMOtherInfo, KEK, CEK) as published; our own
// messages to ML-KEM-512/768/1024 certificates round-trip through our reader, alone and beside an
// RSA recipient (the hybrid form); bad input gets stable codes. No peer here speaks ML-KEM
// (Debian's OpenSSL is 3.0): the example is the independent check.
import { createCipheriv, createDecipheriv, hkdfSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { afterAll, describe, expect, it } from "vitest";
import { contentCipherByName } from "../../src/cms/algorithms.js";
import { decryptEnvelope, encryptEnvelope } from "../../src/cms/enveloped-data.js";
import { kemRecipientSecrets, readKemRecipientInfo, type KemRecipientKey } from "../../src/cms/kem-recipient-info.js";
import type { RecipientKey } from "../../src/cms/recipient-info.js";
import { readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { decodePem } from "../../src/pki/pem.js";
import {
  generateMlKemKey,
  mlKemByName,
  mlKemDecapsulate,
  mlKemEncapsulate,
  pqPrivateKeyFromPkcs8,
  pqPublicKeyOf,
  readPqPrivateKey,
  type MlKemName,
  type MlKemPrivateKey,
} from "../../src/pki/pq.js";
import { forEachCore, type TestCore } from "../core-hosts.js";
import { asn1parse, expectCode, identity, openssl, scratch, type Asn1Line, type TestIdentity } from "./support.js";

const fixtures = join(import.meta.dirname, "fixtures", "pq-cms", "cms-kyber");
const read = (name: string) => new Uint8Array(readFileSync(join(fixtures, name)));
const hex = (name: string) => Buffer.from(readFileSync(join(fixtures, name), "utf8").replace(/\s+/g, ""), "hex");
const pemDer = (name: string) => decodePem(readFileSync(join(fixtures, name), "utf8"))[0]!.der;

const example = pemDer("ML-KEM-512.cms");
const exampleCertificate = readCertificates(read("ML-KEM-512.pem"))[0]!;
const exampleKey = readPqPrivateKey(read("ML-KEM-512-seed.priv")) as MlKemPrivateKey;
const plaintext = read("plaintext.txt");

const files = scratch("kemri");
afterAll(() => files.remove());
let core: TestCore;
let rsa: TestIdentity;

/** The RecipientInfos of a ContentInfo (test inspection only, through pkijs). */
function recipientInfos(der: Uint8Array): pkijs.RecipientInfo[] {
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(der));
  const fields = (info.content as asn1js.Sequence).valueBlock.value;
  const set = fields.find((f) => f instanceof asn1js.Set) as asn1js.Set;
  return set.valueBlock.value.map((schema) => new pkijs.RecipientInfo({ schema }));
}

function envelopeVersion(der: Uint8Array): number {
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(der));
  return ((info.content as asn1js.Sequence).valueBlock.value[0] as asn1js.Integer).valueBlock.valueDec;
}

async function decrypt(der: Uint8Array, keys: readonly RecipientKey[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await decryptEnvelope([der], keys, core, (chunk) => void parts.push(chunk.slice()));
  return Buffer.concat(parts);
}

async function encrypt(to: readonly Certificate[], cipher: "aes-256-cbc" | "aes-256-gcm" = "aes-256-gcm") {
  const parts: Uint8Array[] = [];
  const recipients = to.map((certificate) => ({ certificate, transport: { scheme: "rsa-pkcs1" } as const }));
  for await (const part of encryptEnvelope([plaintext], { cipher: contentCipherByName(cipher), recipients }, core))
    parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

/** A self-signed certificate for a fresh ML-KEM key: OpenSSL 3.0 cannot make one, so an RSA key signs
 * a certificate whose SubjectPublicKeyInfo is then the ML-KEM one (pkijs, the signature unchecked here). */
function mlKemCertificate(name: MlKemName): { certificate: Certificate; key: KemRecipientKey } {
  const parameters = mlKemByName(name);
  const privateKey = generateMlKemKey(parameters);
  const template = pkijs.Certificate.fromBER(new Uint8Array(readFileSync(rsa.certPath.replace(/\.pem$/, ".der"))));
  template.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({
    algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: parameters.oid }),
    subjectPublicKey: new asn1js.BitString({ valueHex: privateKey.encapsulationKey }),
  });
  template.serialNumber = new asn1js.Integer({ value: 1000 + parameters.encapsulationKeyLength });
  const certificate = readCertificates(new Uint8Array(template.toSchema(true).toBER()))[0]!;
  return { certificate, key: { kind: "ml-kem", certificate, privateKey } };
}

/** The content octets of an OBJECT IDENTIFIER (X.690 8.19) of the form 2.16.840.1.101.3.4.x.y. */
function oidBytes(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  expect(arcs.slice(0, 7)).toEqual([2, 16, 840, 1, 101, 3, 4]);
  // 2.16 -> 0x60; 840 -> 0x86 0x48; 1; 101 -> 0x65; 3; 4; then the two small arcs.
  return Buffer.from([0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, ...arcs.slice(7)]);
}

/** issuerAndSerialNumber of a certificate, as the test builds it (RFC 5652 10.2.4). */
function issuerAndSerial(certificate: Certificate): asn1js.Sequence {
  const parsed = pkijs.Certificate.fromBER(new Uint8Array(certificate.der));
  return new asn1js.Sequence({ value: [parsed.issuer.toSchema(), parsed.serialNumber] });
}

/** A copy of `der` with `from` (found once) replaced by `to`. */
function replaced(der: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const at = Buffer.from(der).indexOf(Buffer.from(from));
  expect(at).toBeGreaterThan(0);
  return new Uint8Array(Buffer.concat([der.subarray(0, at), to, der.subarray(at + from.length)]));
}

describe("the published ML-KEM-512 example (draft-ietf-lamps-cms-kyber, example/)", () => {
  const ori = () => {
    const info = recipientInfos(example)[0]!;
    expect(info.variant).toBe(5);
    return readKemRecipientInfo((info.value as pkijs.OtherRecipientInfo).oriValue);
  };

  it("reads the KEMRecipientInfo: ML-KEM-512, HKDF-SHA256, a 16-byte KEK, its kemct and encryptedKey", () => {
    const info = ori();
    expect(info.kem.name).toBe("ML-KEM-512");
    expect(info.kdf).toBe("SHA-256");
    expect(info.kekLength).toBe(16);
    // rid [0]: the certificate's subjectKeyIdentifier (example/ML-KEM-512.keyid).
    expect(Buffer.from(info.rid as Uint8Array).toString("hex")).toBe("599788c37aed400ee405d1b2a3366ab17d824a51");
    expect(Buffer.from(info.kemct)).toEqual(hex("ciphertext.txt"));
    expect(Buffer.from(info.encryptedKey)).toEqual(hex("encrypted_cek.txt"));
  });

  it("gives the published shared secret, CMSORIforKEMOtherInfo and KEK", async () => {
    const { sharedSecret, otherInfo, kek } = await kemRecipientSecrets(ori(), exampleKey);
    expect(Buffer.from(sharedSecret)).toEqual(hex("shared_secret.txt"));
    expect(Buffer.from(otherInfo)).toEqual(hex("ori_info.txt"));
    expect(Buffer.from(kek)).toEqual(hex("kek.txt"));
  });

  it("the three private key forms (seed, expanded, both) are one key", () => {
    const expanded = readPqPrivateKey(read("ML-KEM-512-expanded.priv")) as MlKemPrivateKey;
    const both = readPqPrivateKey(read("ML-KEM-512-both.priv")) as MlKemPrivateKey;
    expect(Buffer.from(expanded.decapsulationKey)).toEqual(Buffer.from(exampleKey.decapsulationKey));
    expect(Buffer.from(both.decapsulationKey)).toEqual(Buffer.from(exampleKey.decapsulationKey));
    const publicKey = pqPublicKeyOf(exampleCertificate.publicKey);
    expect(publicKey?.kind).toBe("ml-kem");
    expect(Buffer.from(publicKey!.key)).toEqual(Buffer.from(exampleKey.encapsulationKey));
  });

  it("a 'both' key whose expanded half is not its seed's is INVALID_KEY", () => {
    const der = pemDer("ML-KEM-512-both.priv");
    const copy = der.slice();
    copy[copy.length - 40]! ^= 1; // inside the expanded key
    expect(() => pqPrivateKeyFromPkcs8(copy)).toThrow(expect.objectContaining({ code: "INVALID_KEY" }));
  });
});

forEachCore(
  async (opened) => {
    core = opened;
    rsa = await identity(core, files, "rsa");
    openssl("x509", "-in", rsa.certPath, "-outform", "DER", "-out", rsa.certPath.replace(/\.pem$/, ".der"));
  },
  () => {
    const exampleRecipient: KemRecipientKey = {
      kind: "ml-kem",
      certificate: exampleCertificate,
      privateKey: exampleKey,
    };

    // That it decrypts to plaintext.txt is a portable case (../portable/smime-cases.ts).
    it("the KEK derived from the published example unwraps the published CEK", async () => {
      const { kek } = await kemRecipientSecrets(
        readKemRecipientInfo((recipientInfos(example)[0]!.value as pkijs.OtherRecipientInfo).oriValue),
        exampleKey,
      );
      expect(Buffer.from(await core.unwrapKey(kek, hex("encrypted_cek.txt")))).toEqual(hex("cek.txt"));
    });

    it.each(["ML-KEM-512", "ML-KEM-768", "ML-KEM-1024"] as const)(
      "round-trips a message to an %s certificate (AuthEnvelopedData and EnvelopedData version 3)",
      async (name) => {
        const { certificate, key } = mlKemCertificate(name);
        const gcm = await encrypt([certificate]);
        expect(Buffer.from(await decrypt(gcm, [key]))).toEqual(Buffer.from(plaintext));
        const cbc = await encrypt([certificate], "aes-256-cbc");
        expect(envelopeVersion(cbc)).toBe(3); // RFC 5652 6.1: an ori makes version 3
        expect(Buffer.from(await decrypt(cbc, [key]))).toEqual(Buffer.from(plaintext));
        const info = readKemRecipientInfo((recipientInfos(cbc)[0]!.value as pkijs.OtherRecipientInfo).oriValue);
        // RFC 9936 3: HKDF-SHA256; AES-128 wrap for ML-KEM-512, AES-256 wrap for 768 and 1024.
        expect(info.kdf).toBe("SHA-256");
        expect(info.kekLength).toBe(name === "ML-KEM-512" ? 16 : 32);
        expect(info.kemct.length).toBe(mlKemByName(name).ciphertextLength);
      },
    );

    // What mailseal writes, checked against the documents rather than against its own reader: the
    // fields as OpenSSL's parser cuts them (RFC 9629 3, RFC 9936 3, FIPS 203 table 3), then the KEK
    // and CEK recomputed with node:crypto (HKDF-SHA256 over CMSORIforKEMOtherInfo written out from
    // RFC 9629 5, AES key unwrap of RFC 3394, AES-256-CBC). The shared secret itself comes from
    // decapsulation with @noble/post-quantum, mailseal's own ML-KEM: no other ML-KEM runs here
    // (Node 20 and OpenSSL 3.0 have none), so that one step is not independent.
    it.each([
      ["ML-KEM-512", "1", 768, 16, "id-aes128-wrap", "2.16.840.1.101.3.4.1.5"],
      ["ML-KEM-768", "2", 1088, 32, "id-aes256-wrap", "2.16.840.1.101.3.4.1.45"],
      ["ML-KEM-1024", "3", 1568, 32, "id-aes256-wrap", "2.16.840.1.101.3.4.1.45"],
    ] as const)(
      "%s written by mailseal: OpenSSL's asn1parse shows RFC 9629's fields; node:crypto's HKDF and unwrap reach the content",
      async (name, arc, kemctLength, kekLength, wrapName, wrapOid) => {
        const { certificate, key } = mlKemCertificate(name);
        const der = await encrypt([certificate], "aes-256-cbc");
        const { lines, children } = asn1parse(der);
        const oid = (line: Asn1Line | undefined) => line?.value;
        const ori = lines.find((line) => line.type === "cont [ 4 ]")!;
        const [oriType, kemri] = children(ori);
        // RFC 9629 3: id-ori-kem, then KEMRecipientInfo.
        expect(oid(oriType)).toBe("1.2.840.113549.1.9.16.13.3");
        const [version, rid, kem, kemct, kdf, kek, wrap, encryptedKey, ...more] = children(kemri!);
        expect(more).toEqual([]); // no ukm: kekLength is followed by wrap
        expect([version!.type, version!.value]).toEqual(["INTEGER", "00"]); // RFC 9629 3: version 0
        expect(rid!.type).toMatch(/^(SEQUENCE|cont \[ 0 \])$/); // issuerAndSerialNumber or [0] subjectKeyIdentifier
        // RFC 9936 2: id-alg-ml-kem-*, parameters absent.
        expect(children(kem!).map(oid)).toEqual([`2.16.840.1.101.3.4.4.${arc}`]);
        // FIPS 203 table 3: the ciphertext is 768, 1088 or 1568 bytes.
        expect([kemct!.type, kemct!.length]).toEqual(["OCTET STRING", kemctLength]);
        // RFC 9936 3: id-alg-hkdf-with-sha256 (RFC 8619), parameters absent.
        expect(children(kdf!).map(oid)).toEqual(["1.2.840.113549.1.9.16.3.28"]);
        expect([kek!.type, parseInt(kek!.value, 16)]).toEqual(["INTEGER", kekLength]);
        // RFC 9936 3: AES-128 wrap for ML-KEM-512, AES-256 wrap for 768 and 1024; parameters absent (RFC 3565 2.3.2).
        expect(children(wrap!).map(oid)).toEqual([wrapName]);
        expect(encryptedKey!.length).toBe(40); // a 32-byte CEK wrapped (RFC 3394: n + 1 blocks of 8)
        const hexOf = (line: Asn1Line) => Buffer.from(/\[HEX DUMP\]:([0-9A-F]*)/.exec(line.value)![1]!, "hex");

        const sharedSecret = mlKemDecapsulate(key.privateKey, hexOf(kemct!));
        // RFC 9629 5: CMSORIforKEMOtherInfo ::= SEQUENCE { wrap KeyEncryptionAlgorithmIdentifier,
        // kekLength INTEGER, ukm [0] EXPLICIT UserKeyingMaterial OPTIONAL }, DER.
        const wrapDer = Buffer.concat([Buffer.from([0x30, 0x0b, 0x06, 0x09]), oidBytes(wrapOid)]);
        const otherInfo = Buffer.concat([
          Buffer.from([0x30, wrapDer.length + 3]),
          wrapDer,
          Buffer.from([0x02, 0x01, kekLength]),
        ]);
        const unwrap = (info: Buffer): Buffer => {
          const kekBytes = Buffer.from(hkdfSync("sha256", sharedSecret, Buffer.alloc(0), info, kekLength));
          const cipher = createDecipheriv(
            `id-aes${kekLength * 8}-wrap`,
            kekBytes,
            Buffer.from("a6a6a6a6a6a6a6a6", "hex"),
          );
          return Buffer.concat([cipher.update(hexOf(encryptedKey!)), cipher.final()]);
        };
        const cek = unwrap(otherInfo);
        const content = lines.find((line) => line.type === "OBJECT" && line.value === "aes-256-cbc")!;
        const iv = hexOf(lines[lines.indexOf(content) + 1]!);
        const chunks = children(lines.find((line) => line.type === "cont [ 0 ]" && line.offset > content.offset)!);
        const decipher = createDecipheriv("aes-256-cbc", cek, iv);
        const plain = Buffer.concat([...chunks.map((chunk) => decipher.update(hexOf(chunk))), decipher.final()]);
        expect(plain).toEqual(Buffer.from(plaintext));
        // One byte of the KDF input changed (kekLength): another KEK, the unwrap's integrity check fails.
        const changed = Buffer.from(otherInfo);
        changed[changed.length - 1]! ^= 1;
        expect(() => unwrap(changed)).toThrow();
      },
    );

    it("hybrid: one message with an RSA KeyTrans and an ML-KEM KEM recipient for one person opens with either key", async () => {
      const { certificate, key } = mlKemCertificate("ML-KEM-768");
      const der = await encrypt([rsa.certificate, certificate], "aes-256-cbc");
      expect(recipientInfos(der).map((r) => r.variant)).toEqual([1, 5]);
      expect(Buffer.from(await decrypt(der, [key]))).toEqual(Buffer.from(plaintext));
      expect(Buffer.from(await decrypt(der, [{ certificate: rsa.certificate, privateKey: rsa.privateKey }]))).toEqual(
        Buffer.from(plaintext),
      );
      // RSA-only readers (OpenSSL 3.0 here) skip the ori they do not know and still decrypt.
      const path = files.path("hybrid.p7m");
      writeFileSync(path, der);
      const out = openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", path, "-inkey", rsa.keyPath);
      expect(Buffer.from(out)).toEqual(Buffer.from(plaintext));
    });

    it("hybrid: a reader with both keys goes through the ML-KEM recipient (the RSA one, damaged here, is not used)", async () => {
      const { certificate, key } = mlKemCertificate("ML-KEM-768");
      const der = await encrypt([rsa.certificate, certificate], "aes-256-cbc");
      // The RSA recipient comes first; its encryptedKey is flipped, so RSA would give a wrong CEK
      // (implicit rejection) and the content would not decrypt.
      const info = pkijs.ContentInfo.fromBER(new Uint8Array(der));
      const ktri = recipientInfos(der)[0]!.value as pkijs.KeyTransRecipientInfo;
      const encryptedKey = new Uint8Array(ktri.encryptedKey.valueBlock.valueHexView);
      const flipped = encryptedKey.map((byte, i) => (i === encryptedKey.length - 1 ? byte ^ 1 : byte));
      const damaged = replaced(new Uint8Array(info.toSchema().toBER()), encryptedKey, flipped);
      const rsaKey = { certificate: rsa.certificate, privateKey: rsa.privateKey };
      await expect(decrypt(damaged, [rsaKey])).rejects.toMatchObject({ code: "DECRYPTION_FAILED" });
      expect(Buffer.from(await decrypt(damaged, [rsaKey, key]))).toEqual(Buffer.from(plaintext));
    });

    it("reads a KEMRecipientInfo with a ukm, HKDF-SHA384 and AES-256 wrap, the KEK and wrap made here by node:crypto", async () => {
      const { certificate, key } = mlKemCertificate("ML-KEM-768");
      const cek = new Uint8Array(32).fill(0x42);
      let calls = 0;
      // encryptEnvelope draws the CEK first, then the IV.
      const random = (length: number) => (calls++ === 0 ? cek.slice() : new Uint8Array(length).fill(7));
      const parts: Uint8Array[] = [];
      const recipients = [{ certificate, transport: { scheme: "rsa-pkcs1" } as const }];
      const cipher = contentCipherByName("aes-256-cbc");
      for await (const part of encryptEnvelope([plaintext], { cipher, recipients, random }, core)) parts.push(part);
      const message = asn1js.fromBER(new Uint8Array(Buffer.concat(parts))).result as asn1js.Sequence;
      // Rebuild the KEMRecipientInfo by hand (RFC 9629 3), with node:crypto's HKDF and AES key wrap.
      const { ciphertext, sharedSecret } = mlKemEncapsulate(mlKemByName("ML-KEM-768"), key.privateKey.encapsulationKey);
      const ukm = Buffer.from("user keying material");
      const wrapDer = Buffer.from("300b060960864801650304012d", "hex"); // id-aes256-wrap, parameters absent
      const otherInfo = Buffer.concat([
        Buffer.from([0x30, wrapDer.length + 3 + 2 + 2 + ukm.length]),
        wrapDer,
        Buffer.from("020120", "hex"), // kekLength 32
        Buffer.from([0xa0, ukm.length + 2, 0x04, ukm.length]),
        ukm,
      ]);
      const kek = Buffer.from(hkdfSync("sha384", sharedSecret, Buffer.alloc(0), otherInfo, 32));
      const wrapper = createCipheriv("id-aes256-wrap", kek, Buffer.from("a6a6a6a6a6a6a6a6", "hex"));
      const encryptedKey = Buffer.concat([wrapper.update(cek), wrapper.final()]);
      const kemri = new asn1js.Sequence({
        value: [
          new asn1js.Integer({ value: 0 }),
          issuerAndSerial(certificate),
          new pkijs.AlgorithmIdentifier({ algorithmId: mlKemByName("ML-KEM-768").oid }).toSchema(),
          new asn1js.OctetString({ valueHex: ciphertext }),
          new pkijs.AlgorithmIdentifier({ algorithmId: "1.2.840.113549.1.9.16.3.29" }).toSchema(),
          new asn1js.Integer({ value: 32 }),
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 0 },
            value: [new asn1js.OctetString({ valueHex: ukm })],
          }),
          asn1js.fromBER(new Uint8Array(wrapDer)).result,
          new asn1js.OctetString({ valueHex: encryptedKey }),
        ],
      });
      const enveloped = (message.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
      (enveloped.valueBlock.value[1] as asn1js.Set).valueBlock.value[0] = new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 4 },
        value: [new asn1js.ObjectIdentifier({ value: "1.2.840.113549.1.9.16.13.3" }), kemri],
      });
      const der = new Uint8Array(message.toBER());
      const info = readKemRecipientInfo((recipientInfos(der)[0]!.value as pkijs.OtherRecipientInfo).oriValue);
      expect([info.kdf, info.kekLength, Buffer.from(info.ukm!).toString()]).toEqual([
        "SHA-384",
        32,
        "user keying material",
      ]);
      expect(Buffer.from(await decrypt(der, [key]))).toEqual(Buffer.from(plaintext));
    });

    it("another ML-KEM key of the same size: NO_KEY when its certificate is not named, DECRYPTION_FAILED when it is", async () => {
      const other = mlKemCertificate("ML-KEM-512");
      await expectCode(decrypt(example, [other.key]), "NO_KEY");
      const impostor: KemRecipientKey = {
        kind: "ml-kem",
        certificate: exampleCertificate,
        privateKey: other.key.privateKey,
      };
      await expectCode(decrypt(example, [impostor]), "DECRYPTION_FAILED");
    });

    it("a truncated KEM ciphertext is MALFORMED_CMS, with no output", async () => {
      const kemct = hex("ciphertext.txt");
      // OCTET STRING of 768 bytes (04 82 03 00) becomes one of 767: the structure's lengths shrink too.
      const from = Buffer.concat([Buffer.from([0x04, 0x82, 0x03, 0x00]), kemct]);
      const to = Buffer.concat([Buffer.from([0x04, 0x82, 0x02, 0xff]), kemct.subarray(0, 767)]);
      let der = replaced(example, from, to);
      // ContentInfo 994 -> 993, [0] 977 -> 976, SEQUENCE 973 -> 972, SET 888 -> 887, [4] 884 -> 883, SEQUENCE 867 -> 866.
      for (const [at, value] of [
        [2, 994 - 1],
        [19, 977 - 1],
        [23, 973 - 1],
        [30, 888 - 1],
        [34, 884 - 1],
        [51, 867 - 1],
      ] as const) {
        der = der.slice();
        der[at] = value >> 8;
        der[at + 1] = value & 0xff;
      }
      const parts: Uint8Array[] = [];
      await expectCode(
        decryptEnvelope([der], [exampleRecipient], core, (p) => void parts.push(p)),
        "MALFORMED_CMS",
      );
      expect(parts).toEqual([]);
    });

    it("an ML-KEM certificate whose key has the wrong size is INVALID_KEY when encrypting to it", async () => {
      const { certificate } = mlKemCertificate("ML-KEM-512");
      const info = pkijs.Certificate.fromBER(new Uint8Array(certificate.der));
      info.subjectPublicKeyInfo.subjectPublicKey = new asn1js.BitString({ valueHex: new Uint8Array(799) });
      const short = readCertificates(new Uint8Array(info.toSchema(true).toBER()))[0]!;
      await expectCode(encrypt([short]), "INVALID_KEY");
    });
  },
);
