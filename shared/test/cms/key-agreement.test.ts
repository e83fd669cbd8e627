// ECDH key agreement recipients (KeyAgreeRecipientInfo, RFC 5652 6.2.2 / RFC 5753) against OpenSSL in
// both directions, mixed with RSA key transport, the X9.63 KDF against OpenSSL's, EC key files, and
// the failures: no matching key, a damaged wrapped key, an off-curve ephemeral key.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import type { CipherName } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import fc from "fast-check";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentCipherByName } from "../../src/cms/algorithms.js";
import { decryptEnvelope, encryptEnvelope } from "../../src/cms/enveloped-data.js";
import { eccCmsSharedInfo, x963Kdf } from "../../src/cms/key-agreement.js";
import type { RecipientKey } from "../../src/cms/recipient-info.js";
import { readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { readEcPrivateKey } from "../../src/pki/private-key.js";
import { forEachCore, type TestCore } from "../core-hosts.js";
import { expectCode, identity, openssl, scratch, type TestIdentity } from "./support.js";

const files = scratch("kari");
const path = files.path;
const message = new Uint8Array(randomBytes(30_000));
let core: TestCore;
let rsa: TestIdentity;
let rsaKey: RecipientKey;

interface EcIdentity {
  keyPath: string;
  certPath: string;
  certificate: Certificate;
  key: RecipientKey;
}

const ec: Record<string, EcIdentity> = {};

/** A self-signed EC identity made by OpenSSL (keyUsage keyAgreement, a subjectKeyIdentifier). */
async function ecIdentity(name: string, curve: "P-256" | "P-384" | "P-521"): Promise<EcIdentity> {
  const keyPath = path(`${name}.key`);
  const certPath = path(`${name}.pem`);
  openssl(
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${curve}`, "-nodes"],
    ...["-keyout", keyPath, "-out", certPath, "-subj", `/CN=${name}@example.org`, "-days", "30"],
    ...["-addext", "keyUsage=critical,digitalSignature,keyAgreement", "-addext", "subjectKeyIdentifier=hash"],
  );
  const certificate = readCertificates(new Uint8Array(readFileSync(certPath)))[0]!;
  const privateKey = await readEcPrivateKey(new Uint8Array(readFileSync(keyPath)));
  return { keyPath, certPath, certificate, key: { kind: "ec", certificate, privateKey } };
}

async function decrypt(der: Uint8Array, keys: readonly RecipientKey[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await decryptEnvelope([der], keys, core, (plaintext) => void parts.push(plaintext.slice()));
  return Buffer.concat(parts);
}

async function encrypt(cipher: CipherName, to: readonly Certificate[], data = message): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const recipients = to.map((certificate) => ({ certificate, transport: { scheme: "rsa-pkcs1" } as const }));
  for await (const part of encryptEnvelope([data], { cipher: contentCipherByName(cipher), recipients }, core))
    parts.push(part);
  return Buffer.concat(parts);
}

function opensslEncrypt(recipients: string[], options: string[]): Uint8Array {
  return new Uint8Array(
    openssl(
      ...["cms", "-encrypt", "-binary", "-outform", "DER", "-in", path("message")],
      ...options,
      ...recipients.flatMap((r) => ["-recip", r]),
    ),
  );
}

function opensslDecrypt(der: Uint8Array, who: { keyPath: string; certPath: string }): Buffer {
  writeFileSync(path("ours.p7m"), der);
  return openssl(
    ...["cms", "-decrypt", "-binary", "-inform", "DER", "-in", path("ours.p7m")],
    ...["-inkey", who.keyPath, "-recip", who.certPath],
  );
}

/** The (Auth)EnvelopedData inside a DER or BER ContentInfo, through pkijs (test inspection only). */
function envelope(der: Uint8Array): { version: number; recipientInfos: pkijs.RecipientInfo[] } {
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(der));
  const fields = (info.content as asn1js.Sequence).valueBlock.value;
  const recipientSet = fields.find((f) => f instanceof asn1js.Set) as asn1js.Set;
  return {
    version: (fields[0] as asn1js.Integer).valueBlock.valueDec,
    recipientInfos: recipientSet.valueBlock.value.map((schema) => new pkijs.RecipientInfo({ schema })),
  };
}

function agreements(der: Uint8Array): pkijs.KeyAgreeRecipientInfo[] {
  return envelope(der)
    .recipientInfos.filter((r) => r.variant === 2)
    .map((r) => r.value as pkijs.KeyAgreeRecipientInfo);
}

/** A copy of `der` with one bit changed inside the first occurrence of `inner`. */
function flipInside(der: Uint8Array, inner: Uint8Array, at = 3): Uint8Array {
  const offset = Buffer.from(der).indexOf(Buffer.from(inner));
  expect(offset).toBeGreaterThan(0);
  const copy = der.slice();
  copy[offset + at]! ^= 0x01;
  return copy;
}

async function useCore(opened: TestCore): Promise<void> {
  core = opened;
  rsa = await identity(core, files, "rsa");
  rsaKey = { certificate: rsa.certificate, privateKey: rsa.privateKey };
}

beforeAll(async () => {
  writeFileSync(path("message"), message);
  const made = await Promise.all([
    ecIdentity("p256", "P-256"),
    ecIdentity("p256b", "P-256"),
    ecIdentity("p384", "P-384"),
    ecIdentity("p521", "P-521"),
  ]);
  for (const id of made) ec[id.certificate.displayName.split("@")[0]!] = id;
});

afterAll(() => files.remove());

forEachCore(useCore, () => {
  describe("OpenSSL's ECDH messages, decrypted by us", () => {
    it.each([
      ["P-256, AES-256-CBC, openssl's defaults (SHA-1 KDF, aes256-wrap)", "p256", ["-aes256"], "1.3.133.16.840.63.0.2"],
      ["P-256, AES-128-GCM", "p256", ["-aes-128-gcm"], "1.3.133.16.840.63.0.2"],
      [
        "P-256, AES-192-CBC (aes192-wrap), SHA-256 KDF",
        "p256",
        ["-aes192", "-keyopt", "ecdh_kdf_md:sha256"],
        "1.3.132.1.11.1",
      ],
      ["P-384, AES-256-CBC, SHA-384 KDF", "p384", ["-aes256", "-keyopt", "ecdh_kdf_md:sha384"], "1.3.132.1.11.2"],
      ["P-384, AES-256-GCM, SHA-512 KDF", "p384", ["-aes-256-gcm", "-keyopt", "ecdh_kdf_md:sha512"], "1.3.132.1.11.3"],
      ["P-384, AES-128-CBC, defaults", "p384", ["-aes128"], "1.3.133.16.840.63.0.2"],
      ["P-256, cofactor ECDH", "p256", ["-aes256", "-keyopt", "ecdh_cofactor_mode:1"], "1.3.133.16.840.63.0.3"],
      [
        "P-384, cofactor ECDH, SHA-256 KDF",
        "p384",
        ["-aes256", "-keyopt", "ecdh_cofactor_mode:1", "-keyopt", "ecdh_kdf_md:sha256"],
        "1.3.132.1.14.1",
      ],
      ["P-256, rKeyId (-keyid), BER streamed", "p256", ["-aes256", "-keyid", "-stream"], undefined],
      ["P-521, AES-256-GCM", "p521", ["-aes-256-gcm"], "1.3.133.16.840.63.0.2"],
    ])("%s", async (_name, who, options, scheme) => {
      // -keyopt applies to the -recip before it, so the recipient comes first here.
      const keyopts = options.filter((_o, i) => options[i] === "-keyopt" || options[i - 1] === "-keyopt");
      const rest = options.filter((o) => !keyopts.includes(o));
      const der = new Uint8Array(
        openssl(
          ...["cms", "-encrypt", "-binary", "-outform", "DER", "-in", path("message"), ...rest],
          ...["-recip", ec[who]!.certPath, ...keyopts],
        ),
      );
      if (scheme !== undefined) expect(agreements(der)[0]!.keyEncryptionAlgorithm.algorithmId).toBe(scheme);
      expect(Buffer.from(await decrypt(der, [rsaKey, ec[who]!.key]))).toEqual(Buffer.from(message));
    });

    it("RSA and EC recipients in one message: each key opens it", async () => {
      const der = opensslEncrypt([rsa.certPath, ec.p256!.certPath, ec.p384!.certPath], ["-aes256"]);
      for (const key of [ec.p256!.key, ec.p384!.key, rsaKey]) {
        expect(Buffer.from(await decrypt(der, [key]))).toEqual(Buffer.from(message));
      }
    });
  });

  describe("our ECDH messages, decrypted by OpenSSL", () => {
    it.each<[CipherName, string, string]>([
      ["aes-256-cbc", "p256", "1.3.132.1.11.1"],
      ["aes-128-gcm", "p256", "1.3.132.1.11.1"],
      ["aes-256-cbc", "p384", "1.3.132.1.11.2"],
      ["aes-256-gcm", "p384", "1.3.132.1.11.2"],
      ["aes-192-cbc", "p521", "1.3.132.1.11.3"],
    ])("%s to %s (scheme %s, aes256-wrap)", async (cipher, who, scheme) => {
      const der = await encrypt(cipher, [ec[who]!.certificate]);
      const [kari] = agreements(der);
      expect(kari!.version).toBe(3);
      expect(kari!.keyEncryptionAlgorithm.algorithmId).toBe(scheme);
      expect(new pkijs.AlgorithmIdentifier({ schema: kari!.keyEncryptionAlgorithm.algorithmParams }).algorithmId).toBe(
        "2.16.840.1.101.3.4.1.45",
      );
      expect(kari!.recipientEncryptedKeys.encryptedKeys[0]!.rid.variant).toBe(1); // issuerAndSerialNumber
      // RFC 5652 6.1: EnvelopedData with a KeyAgreeRecipientInfo is version 2; RFC 5083: AuthEnvelopedData 0.
      expect(envelope(der).version).toBe(cipher.endsWith("gcm") ? 0 : 2);
      expect(opensslDecrypt(der, ec[who]!)).toEqual(Buffer.from(message));
      expect(Buffer.from(await decrypt(der, [ec[who]!.key]))).toEqual(Buffer.from(message));
    });

    it("RSA and EC recipients (two on P-256, one on P-384): one KeyAgreeRecipientInfo per curve, all open it", async () => {
      const to = [rsa, ec.p256!, ec.p384!, ec.p256b!];
      const der = await encrypt(
        "aes-256-cbc",
        to.map((t) => t.certificate),
      );
      const { version, recipientInfos } = envelope(der);
      expect(version).toBe(2);
      expect(recipientInfos.map((r) => r.variant)).toEqual([1, 2, 2]);
      const [p256, p384] = agreements(der);
      expect(p256!.recipientEncryptedKeys.encryptedKeys).toHaveLength(2);
      expect(p384!.recipientEncryptedKeys.encryptedKeys).toHaveLength(1);
      for (const who of to) expect(opensslDecrypt(der, who)).toEqual(Buffer.from(message));
      for (const key of [ec.p256b!.key, ec.p384!.key, rsaKey]) {
        expect(Buffer.from(await decrypt(der, [key]))).toEqual(Buffer.from(message));
      }
    });

    it("each message has a fresh ephemeral key", async () => {
      const originator = async () =>
        Buffer.from(
          (
            agreements(await encrypt("aes-256-cbc", [ec.p256!.certificate], new Uint8Array(1)))[0]!.originator
              .value as pkijs.OriginatorPublicKey
          ).publicKey.valueBlock.valueHexView,
        ).toString("hex");
      expect(await originator()).not.toBe(await originator());
    });

    it("round trips any content to any mix of recipients", async () => {
      const all = [rsa, ec.p256!, ec.p256b!, ec.p384!, ec.p521!];
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 3000 }),
          fc.subarray(all, { minLength: 1 }),
          fc.constantFrom<CipherName>("aes-128-cbc", "aes-256-gcm"),
          async (data, to, cipher) => {
            const der = await encrypt(
              cipher,
              to.map((t) => t.certificate),
              data,
            );
            const last = to[to.length - 1]!;
            const key = "key" in last ? last.key : rsaKey;
            expect(Buffer.from(await decrypt(der, [key]))).toEqual(Buffer.from(data));
          },
        ),
        { numRuns: 15 },
      );
    });
  });

  describe("failures", () => {
    it("an EC key the message is not for: NO_KEY", async () => {
      const der = opensslEncrypt([ec.p256!.certPath], ["-aes256"]);
      await expectCode(decrypt(der, [ec.p256b!.key, ec.p384!.key]), "NO_KEY");
      // An RSA key with the EC certificate's name does not make it match either.
      await expectCode(decrypt(der, [{ certificate: ec.p256!.certificate, privateKey: rsa.privateKey }]), "NO_KEY");
    });

    it("a damaged wrapped key: DECRYPTION_FAILED", async () => {
      for (const der of [
        opensslEncrypt([ec.p384!.certPath], ["-aes-256-gcm"]),
        await encrypt("aes-256-cbc", [ec.p384!.certificate]),
      ]) {
        const wrapped =
          agreements(der)[0]!.recipientEncryptedKeys.encryptedKeys[0]!.encryptedKey.valueBlock.valueHexView;
        await expectCode(decrypt(flipInside(der, new Uint8Array(wrapped)), [ec.p384!.key]), "DECRYPTION_FAILED");
      }
    });

    it("an ephemeral key that is not on the curve: DECRYPTION_FAILED", async () => {
      const der = opensslEncrypt([ec.p256!.certPath], ["-aes256"]);
      const point = (agreements(der)[0]!.originator.value as pkijs.OriginatorPublicKey).publicKey.valueBlock
        .valueHexView;
      await expectCode(decrypt(flipInside(der, new Uint8Array(point), 40), [ec.p256!.key]), "DECRYPTION_FAILED");
    });

    it("a key of the wrong curve under the right name: DECRYPTION_FAILED", async () => {
      const der = opensslEncrypt([ec.p256!.certPath], ["-aes256"]);
      const impostor: RecipientKey = {
        kind: "ec",
        certificate: ec.p256!.certificate,
        privateKey: ec.p384!.key.privateKey as never,
      };
      await expectCode(decrypt(der, [impostor]), "DECRYPTION_FAILED");
    });
  });
  describe("the X9.63 KDF and ECC-CMS-SharedInfo", () => {
    it("matches OpenSSL's X963KDF", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 1, maxLength: 66 }),
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
          fc.constantFrom("SHA-1", "SHA-256", "SHA-384", "SHA-512"),
          fc.constantFrom(16, 24, 32),
          async (secret, info, hash, length) => {
            const expected = openssl(
              ...["kdf", "-keylen", String(length), "-kdfopt", `digest:${hash.replace("-", "")}`],
              ...["-kdfopt", `hexsecret:${Buffer.from(secret).toString("hex")}`],
              ...["-kdfopt", `hexinfo:${Buffer.from(info).toString("hex")}`, "X963KDF"],
            )
              .toString("utf8")
              .trim()
              .replaceAll(":", "")
              .toLowerCase();
            expect(Buffer.from(await x963Kdf(hash, secret, info, length)).toString("hex")).toBe(expected);
          },
        ),
        { numRuns: 8 },
      );
    });

    it("SharedInfo: keyInfo, entityUInfo [0] when there is a ukm, suppPubInfo [2] the KEK bits", () => {
      const wrap = new pkijs.AlgorithmIdentifier({ algorithmId: "2.16.840.1.101.3.4.1.45" });
      const keyInfo = "300b060960864801650304012d";
      expect(Buffer.from(eccCmsSharedInfo(wrap, undefined, 32)).toString("hex")).toBe(
        `3015${keyInfo}a2060404${"00000100"}`,
      );
      expect(Buffer.from(eccCmsSharedInfo(wrap, new Uint8Array([1, 2, 3]), 16)).toString("hex")).toBe(
        `301c${keyInfo}a0050403010203a2060404${"00000080"}`,
      );
    });
  });

  describe("EC private key files", () => {
    it("reads PKCS#8, SEC 1 (EC PRIVATE KEY), DER and encrypted PKCS#8, each opening the message", async () => {
      const der = opensslEncrypt([ec.p384!.certPath], ["-aes256"]);
      const keyPath = ec.p384!.keyPath;
      openssl("ec", "-in", keyPath, "-out", path("sec1.pem"));
      openssl("pkey", "-in", keyPath, "-outform", "DER", "-out", path("key.der"));
      openssl("ec", "-in", keyPath, "-outform", "DER", "-out", path("sec1.der"));
      openssl("pkcs8", "-topk8", "-in", keyPath, "-out", path("enc.pem"), "-passout", "pass:secret");
      expect(readFileSync(path("sec1.pem"), "utf8")).toContain("BEGIN EC PRIVATE KEY");
      for (const [file, password] of [
        ["sec1.pem", undefined],
        ["key.der", undefined],
        ["sec1.der", undefined],
        ["enc.pem", "secret"],
      ] as const) {
        const privateKey = await readEcPrivateKey(new Uint8Array(readFileSync(path(file))), password);
        expect(privateKey.curve).toBe("P-384");
        const plain = await decrypt(der, [{ kind: "ec", certificate: ec.p384!.certificate, privateKey }]);
        expect(Buffer.from(plain)).toEqual(Buffer.from(message));
      }
      await expectCode(readEcPrivateKey(new Uint8Array(readFileSync(path("enc.pem"))), "wrong"), "PASSWORD_WRONG");
    });

    it("refuses an RSA key and garbage", async () => {
      await expectCode(readEcPrivateKey(new Uint8Array(readFileSync(rsa.keyPath))), "UNSUPPORTED_ALGORITHM");
      await expectCode(readEcPrivateKey(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])), "INVALID_KEY");
    });
  });
});
