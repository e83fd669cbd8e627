// Hostile and broken input through the mailseal command: each case ends with exit 1, its stable
// `error CODE`, no output file, and quickly (the limits keep time and memory bounded).
import { constants, createHash, publicEncrypt, randomBytes, sign, X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, mailseal } from "../../cli/test/support.js";
import { sampleEntity } from "./peers/fixture.js";
import { nodeAt } from "./peers/independent.js";
import { opensslEncrypt, opensslSign } from "./peers/openssl.js";
import { testPki, type TestPki } from "./peers/pki.js";
import { releaseAll, run, tempDir } from "./peers/run.js";

let pki: TestPki;
let dir: string;
const OUTER = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: hostile\r\n";
const message = Buffer.concat([Buffer.from(`${OUTER}MIME-Version: 1.0\r\n`), sampleEntity(300)]);

/** An application/pkcs7-mime message around `der`, as a mail client would carry it. */
function wrap(der: Uint8Array): Buffer {
  const body = (
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,76}/g) ?? []
  ).join("\r\n");
  return Buffer.from(
    `${OUTER}MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n` +
      `Content-Transfer-Encoding: base64\r\n\r\n${body}\r\n`,
  );
}

/** An opaque SignedData as application/pkcs7-mime. */
function wrapSigned(der: Uint8Array): Buffer {
  return Buffer.from(
    wrap(der).toString("latin1").replace("smime-type=enveloped-data", "smime-type=signed-data"),
    "latin1",
  );
}

function signedDataOf(der: Uint8Array): pkijs.SignedData {
  const info = new pkijs.ContentInfo({ schema: asn1js.fromBER(new Uint8Array(der)).result });
  return new pkijs.SignedData({ schema: info.content });
}

/** r and s (hex, without the DER sign byte) of the one SignerInfo's Dss-Sig-Value. */
function dsaSignatureOf(der: Uint8Array): { r: string; s: string } {
  const value = signedDataOf(der).signerInfos[0]!.signature.valueBlock.valueHexView;
  const [r, s] = (asn1js.fromBER(new Uint8Array(value)).result as asn1js.Sequence).valueBlock.value as asn1js.Integer[];
  const hex = (i: asn1js.Integer) =>
    Buffer.from(i.valueBlock.valueHexView)
      .toString("hex")
      .replace(/^(00)+/, "");
  return { r: hex(r!), s: hex(s!) };
}

/** The same SignedData with the SignerInfo's signature replaced. */
function withDsaSignature(der: Uint8Array, signature: Uint8Array): Uint8Array {
  const signed = signedDataOf(der);
  signed.signerInfos[0]!.signature = new asn1js.OctetString({ valueHex: signature });
  const info = new pkijs.ContentInfo({ contentType: "1.2.840.113549.1.7.2", content: signed.toSchema(true) });
  return new Uint8Array(info.toSchema().toBER());
}

/** q of a DSA certificate (hex), from openssl's text form. */
async function readCertificateKeyQ(certPem: string): Promise<string> {
  const { execFileSync } = await import("node:child_process");
  const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: certPem }).toString("utf8");
  const block = /\n\s*Q:\s*\n([\s0-9a-f:]+?)\n\s*G:/.exec(text);
  if (block === null) throw new Error("no Q in the DSA certificate");
  return block[1]!.replace(/[\s:]/g, "");
}

/** The DER inside an application/pkcs7-mime message. */
function unwrap(smime: Buffer): Buffer {
  const text = smime.toString("latin1");
  return Buffer.from(text.slice(text.indexOf("\r\n\r\n") + 4), "base64");
}

async function encrypted(cipher: string): Promise<Buffer> {
  const result = await mailseal(["encrypt", "--recipient", pki.bob.certPath, "--cipher", cipher], message);
  expect(result.status).toBe(0);
  return unwrap(result.stdout);
}

/**
 * Runs `mailseal decrypt --out` (or verify) on `input`; checks exit 1, the code, and no output file.
 * `keyArgs` replaces Bob's --key and --cert.
 */
async function refused(
  input: Uint8Array,
  command: "decrypt" | "verify" = "decrypt",
  keyArgs: readonly string[] = ["--key", pki.bob.keyPath, "--cert", pki.bob.certPath],
): Promise<string> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.eml`);
  const args =
    command === "decrypt" ? ["decrypt", ...keyArgs, "--out", out] : ["verify", "--ca", pki.ca.certPath, "--out", out];
  const started = performance.now();
  const result = await mailseal(args, input);
  const seconds = (performance.now() - started) / 1000;
  expect(result.status, result.stderr).toBe(1);
  expect(result.stdout).toHaveLength(0);
  expect(existsSync(out), "no output file after a failure").toBe(false);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user error
  expect(seconds, "fails fast").toBeLessThan(20);
  return /^error (\w+): /.exec(result.stderr)?.[1] ?? result.stderr;
}

beforeAll(async () => {
  ensureBundle();
  pki = await testPki();
  dir = tempDir("hostile");
}, 120_000);

afterAll(() => releaseAll());

describe("hostile input to mailseal decrypt and verify", () => {
  it("a tampered GCM tag: AUTH_TAG_MISMATCH", async () => {
    const der = await encrypted("aes-256-gcm");
    der[der.length - 10]! ^= 1; // inside the mac, before the closing end-of-contents octets
    expect(await refused(wrap(der))).toBe("AUTH_TAG_MISMATCH");
  });

  it("tampered GCM ciphertext: AUTH_TAG_MISMATCH, and none of the plaintext is released", async () => {
    const der = await encrypted("aes-128-gcm");
    der[Math.floor(der.length * 0.8)]! ^= 1;
    expect(await refused(wrap(der))).toBe("AUTH_TAG_MISMATCH");
  });

  it("a contentEncryptionAlgorithm whose OID is an INTEGER: MALFORMED_CMS, not INTERNAL (issue 12)", async () => {
    const der = await encrypted("aes-256-cbc");
    // The aes256-CBC OID (2.16.840.1.101.3.4.1.42, RFC 3565) with its tag turned into INTEGER's:
    // pkijs's AlgorithmIdentifier schema no longer matches.
    const oid = Buffer.from("060960864801650304012a", "hex");
    const at = Buffer.from(der).indexOf(oid);
    expect(at).toBeGreaterThan(0);
    der[at] = 0x02;
    expect(await refused(wrap(der))).toBe("MALFORMED_CMS");
  });

  it("RC2 (old mail) with a wrong rc2ParameterVersion: UNSUPPORTED_ALGORITHM; with a 7-byte IV: MALFORMED_CMS", async () => {
    const der = Buffer.from(await opensslEncrypt(sampleEntity(100), [pki.bob], { cipher: "rc2-64" }));
    // RC2CBCParameter (RFC 3370 5.2): SEQUENCE { INTEGER 120 (64 effective bits), OCTET STRING (8) }.
    const params = Buffer.from("300d020178", "hex");
    const at = der.indexOf(params);
    expect(at).toBeGreaterThan(0);
    const version = Buffer.from(der);
    version[at + 4] = 121; // no RFC 2268 table entry S/MIME ever used
    expect(await refused(wrap(version))).toBe("UNSUPPORTED_ALGORITHM");
    // The same 15 bytes re-cut: INTEGER 120 in two bytes (BER), then a 7-byte IV.
    const shortIv = Buffer.from(der);
    Buffer.from("300d02020078", "hex").copy(shortIv, at);
    shortIv[at + 6] = 0x04;
    shortIv[at + 7] = 0x07;
    expect(await refused(wrap(shortIv))).toBe("MALFORMED_CMS");
  });

  it("a legacy PKCS#12 (RC2-40 certificates, no MAC) with iteration count 0 or a damaged bag: INVALID_KEY or WRONG_PASSWORD, no output", async () => {
    const p12 = join(dir, "legacy-nomac.p12");
    await run("openssl", [
      ...["pkcs12", "-export", "-legacy", "-nomac", "-certpbe", "PBE-SHA1-RC2-40", "-keypbe", "PBE-SHA1-3DES"],
      ...["-in", pki.bob.certPath, "-inkey", pki.bob.keyPath, "-passout", "pass:hostile", "-out", p12],
    ]);
    const der = readFileSync(p12);
    // pbeWithSHAAnd40BitRC2-CBC (RFC 7292 C) and its pkcs-12PbeParams: salt (8 bytes), iterations (2048).
    const params = Buffer.from("060a2a864886f70d010c0106300e0408", "hex");
    const at = der.indexOf(params);
    expect(at).toBeGreaterThan(0);
    const iterations = at + params.length + 8;
    expect(der.subarray(iterations, iterations + 4).toString("hex")).toBe("02020800");
    const zero = Buffer.from(der);
    zero.writeUInt16BE(0, iterations + 2);
    // The encrypted SafeContents follow as [0] IMPLICIT OCTET STRING: garbling its last byte breaks
    // the padding of the last RC2 block (a wrong password looks the same); one in the middle garbles
    // the SafeContents themselves.
    const content = iterations + 4;
    expect(der[content]).toBe(0x80);
    const lengthBytes = der[content + 1]! & 0x7f;
    const length = der.readUIntBE(content + 2, lengthBytes);
    const damaged = Buffer.from(der);
    damaged[content + 2 + lengthBytes + length - 1]! ^= 0x5a;
    const garbled = Buffer.from(der);
    garbled[content + 2 + lengthBytes + Math.floor(length / 2)]! ^= 0x5a;
    for (const [file, code] of [
      [zero, "INVALID_KEY"],
      [damaged, "WRONG_PASSWORD"], // PASSWORD_WRONG, as the offline commands spell it (cli-error.ts)
      [garbled, "INVALID_KEY"],
    ] as const) {
      const path = join(dir, `hostile-${Math.random().toString(36).slice(2)}.p12`);
      writeFileSync(path, file);
      const out = `${path}.eml`;
      const result = await mailseal(["decrypt", "--p12", path, "--out", out], message, {
        MAILSEAL_PASSWORD: "hostile",
      });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error ${code}: `));
      expect(existsSync(out)).toBe(false);
    }
  });

  it("RC2 ciphertext with a damaged last block: DECRYPTION_FAILED", async () => {
    const der = Buffer.from(await opensslEncrypt(sampleEntity(100), [pki.bob], { cipher: "rc2-40" }));
    der[der.length - 1]! ^= 0x5a; // openssl writes DER: the last byte is the last ciphertext byte
    expect(await refused(wrap(der))).toBe("DECRYPTION_FAILED");
  });

  it("DSA signatures with r or s out of range (0, q, q + r) or not DER: BAD_SIGNATURE, no output", async () => {
    const dsa = await pki.identity("alice", "dsa2048");
    const der = await opensslSign(sampleEntity(50), dsa, { mode: "opaque", form: "der" });
    const q = (await readCertificateKeyQ(dsa.certPem)).replace(/^0+/, "");
    const ourCase = (r: string, s: string): string => {
      const int = (hex: string) =>
        new asn1js.Integer({ valueHex: Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex") });
      return Buffer.from(new asn1js.Sequence({ value: [int(r), int(s)] }).toBER()).toString("hex");
    };
    const { r, s } = dsaSignatureOf(der);
    const plus = (a: string, b: string) => (BigInt(`0x${a}`) + BigInt(`0x${b}`)).toString(16);
    for (const signature of [
      ourCase("00", s),
      ourCase(r, "00"),
      ourCase(`00${q}`, s), // r = q: FIPS 186-4 4.7 step 1 rejects r >= q
      ourCase(r, `00${q}`),
      ourCase(`00${plus(r, q)}`, s), // r + q: the same value mod q, out of range
      `${ourCase(r, s)}00`, // a byte after the DER
    ]) {
      const input = wrapSigned(withDsaSignature(der, Buffer.from(signature, "hex")));
      expect(await refused(input, "verify")).toBe("BAD_SIGNATURE");
    }
    // Re-encoded the same way with its own signature it verifies: the cases above fail for their change only.
    const own = new Uint8Array(signedDataOf(der).signerInfos[0]!.signature.valueBlock.valueHexView);
    const fine = await mailseal(["verify", "--ca", pki.ca.certPath], wrapSigned(withDsaSignature(der, own)));
    expect(fine.status, fine.stderr).toBe(0);
  });

  it("a bad CBC padding: DECRYPTION_FAILED", async () => {
    const der = await encrypted("aes-256-cbc");
    der[der.length - 11]! ^= 0x5a; // the last ciphertext byte (five end-of-contents pairs follow)
    expect(await refused(wrap(der))).toBe("DECRYPTION_FAILED");
  });

  it("a message for another recipient: NO_MATCHING_RECIPIENT", async () => {
    const result = await mailseal(["encrypt", "--recipient", pki.alice.certPath], message);
    expect(await refused(result.stdout)).toBe("NO_MATCHING_RECIPIENT");
  });

  it("truncation at several points: TRUNCATED or MALFORMED_CMS", async () => {
    const der = await encrypted("aes-256-gcm");
    for (const fraction of [0.01, 0.1, 0.5, 0.9, 0.999]) {
      const code = await refused(wrap(der.subarray(0, Math.floor(der.length * fraction))));
      expect(["TRUNCATED", "MALFORMED_CMS"], `cut at ${fraction}`).toContain(code);
    }
  });

  it("garbage: random bytes as a message, random bytes as the CMS body", async () => {
    expect(["NOT_SMIME", "MALFORMED_MIME"]).toContain(await refused(randomBytes(5000)));
    expect(await refused(wrap(Buffer.concat([Buffer.from([0x30, 0x80]), randomBytes(3000)])))).toMatch(
      /^(MALFORMED_CMS|TRUNCATED)$/,
    );
  });

  it("empty and 1-byte files", async () => {
    for (const input of [Buffer.alloc(0), Buffer.from("x")]) {
      expect(["NOT_SMIME", "MALFORMED_MIME"]).toContain(await refused(input));
      expect(["NOT_SMIME", "MALFORMED_MIME"]).toContain(await refused(input, "verify"));
    }
  });

  it("a nesting bomb: 100000 nested indefinite-length SEQUENCEs where RecipientInfos belong: NESTING_TOO_DEEP", async () => {
    // ContentInfo { id-envelopedData, [0] EnvelopedData { version 0, RecipientInfos SET { 30 80 30 80 ... } } }
    const head = Buffer.from("308006092a864886f70d010703a0803080020100318030", "hex");
    const bomb = Buffer.alloc(200_000);
    for (let i = 0; i < bomb.length; i += 2) bomb.set([0x80, 0x30], i);
    expect(await refused(wrap(Buffer.concat([head, bomb])))).toBe("NESTING_TOO_DEEP");
    // Nested where the structure allows no nesting at all: refused at once as malformed.
    const flat = Buffer.alloc(200_000);
    for (let i = 0; i < flat.length; i += 2) flat.set([0x30, 0x80], i);
    expect(await refused(wrap(flat))).toBe("MALFORMED_CMS");
  });

  it("a 2^64 length field: MALFORMED_CMS after a few bytes", async () => {
    const huge = Buffer.from([0x30, 0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x06, 0x09]);
    expect(await refused(wrap(huge))).toBe("MALFORMED_CMS");
    expect(await refused(wrap(huge), "verify")).toMatch(/^(MALFORMED_CMS|NOT_SMIME)$/);
  });

  it("a signed message with its content altered: BAD_SIGNATURE, no output", async () => {
    const signed = await mailseal(["sign", "--key", pki.alice.keyPath, "--cert", pki.alice.certPath], message);
    expect(signed.status).toBe(0);
    const altered = Buffer.from(signed.stdout.toString("latin1").replace("line 10:", "line 11:"), "latin1");
    expect(await refused(altered, "verify")).toBe("BAD_SIGNATURE");
  });

  describe("X25519 key agreement (RFC 8418): CryptoSys's message to Dana with its originator key changed", () => {
    const samples = join(import.meta.dirname, "samples");
    const dana = [
      ...["--key", join(samples, "rfc9216-dana.decrypt.p8.pem")],
      ...["--cert", join(samples, "rfc9216-dana.encrypt.crt")],
    ];
    const sample = readFileSync(join(samples, "cryptosys-authEnvelopedForDanaX25519HKDF.p7m"));
    /** The originatorKey [1] of the sample's one KeyAgreeRecipientInfo, as asn1js decoded it (RFC 5652 6.2.2). */
    const originatorKeyOf = (root: asn1js.AsnType): asn1js.Constructed => {
      // ContentInfo > [0] > AuthEnvelopedData > recipientInfos SET > [1] kari > [0] originator > [1] originatorKey
      const path = [1, 0, 1, 0, 1, 0];
      return path.reduce((node, i) => (node as asn1js.Constructed).valueBlock.value[i]!, root) as asn1js.Constructed;
    };
    /** The sample with the originatorKey's publicKey replaced by `key`, re-encoded (every length follows). */
    const withOriginatorKey = (key: Uint8Array): Uint8Array => {
      const root = asn1js.fromBER(new Uint8Array(sample)).result;
      originatorKeyOf(root).valueBlock.value[1] = new asn1js.BitString({ valueHex: key });
      return new Uint8Array(root.toBER());
    };
    const asMessage = (der: Uint8Array): Buffer =>
      Buffer.from(wrap(der).toString("latin1").replace("smime-type=enveloped-data", "smime-type=authEnveloped-data"));

    it("the sample as rebuilt here still decrypts (the cases below change only the key)", async () => {
      const root = asn1js.fromBER(new Uint8Array(sample)).result;
      const bits = originatorKeyOf(root).valueBlock.value[1] as asn1js.BitString;
      const result = await mailseal(["decrypt", ...dana], asMessage(withOriginatorKey(bits.valueBlock.valueHexView)));
      expect(result.stderr).toBe("");
      expect(result.stdout.toString()).toBe("This is some sample content.");
    });

    it("an all-zero key and u = 1 (small order: the shared secret is all zeros, RFC 7748 6.1): DECRYPTION_FAILED", async () => {
      const one = new Uint8Array(32);
      one[0] = 1;
      for (const key of [new Uint8Array(32), one]) {
        const out = join(dir, `x25519-${key[0]}.eml`);
        const result = await mailseal(["decrypt", ...dana, "--out", out], asMessage(withOriginatorKey(key)));
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(/^error DECRYPTION_FAILED: .*all zeros.*RFC 7748 6\.1/);
        expect(result.stdout).toHaveLength(0);
        expect(existsSync(out)).toBe(false);
      }
    });

    it("a truncated (31-byte) or overlong (33-byte) key: MALFORMED_CMS", async () => {
      for (const length of [31, 33, 0]) {
        expect(await refused(asMessage(withOriginatorKey(randomBytes(length))), "decrypt", dana)).toBe("MALFORMED_CMS");
      }
    });
  });

  describe("ChaCha20-Poly1305 (RFC 8103): CryptoSys's authEnvelopedForBobChaCha20Poly1305 changed", () => {
    const samples = join(import.meta.dirname, "samples");
    const bob = [
      ...["--key", join(samples, "rfc9216-bob.decrypt.p8.pem")],
      ...["--cert", join(samples, "rfc9216-bob.encrypt.crt")],
    ];
    const sample = readFileSync(join(samples, "cryptosys-authEnvelopedForBobChaCha20Poly1305.p7m"));
    /**
     * The sample re-encoded after `change` edited the AuthEnvelopedData's fields (RFC 5083 2.1:
     * version, recipientInfos, authEncryptedContentInfo, mac; no originatorInfo, no authAttrs).
     */
    const edited = (change: (fields: asn1js.AsnType[]) => void): Buffer => {
      const root = asn1js.fromBER(new Uint8Array(sample)).result as asn1js.Sequence;
      const authEnvelopedData = (root.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
      change(authEnvelopedData.valueBlock.value);
      const der = Buffer.from(root.toBER());
      return Buffer.from(
        wrap(der).toString("latin1").replace("smime-type=enveloped-data", "smime-type=authEnveloped-data"),
        "latin1",
      );
    };
    const children = (node: asn1js.AsnType): asn1js.AsnType[] => (node as asn1js.Constructed).valueBlock.value;
    const withNonce = (nonce: Uint8Array) =>
      edited((fields) => {
        // authEncryptedContentInfo > contentEncryptionAlgorithm > parameters (AEADChaCha20Poly1305Nonce)
        children(children(fields[2]!)[1]!)[1] = new asn1js.OctetString({ valueHex: nonce });
      });
    const withMac = (mac: (was: Uint8Array) => Uint8Array) =>
      edited((fields) => {
        fields[3] = new asn1js.OctetString({
          valueHex: mac((fields[3] as asn1js.OctetString).valueBlock.valueHexView),
        });
      });
    /** Bob's KeyTransRecipientInfo carrying `key` as the content-encryption key (RSA-OAEP, SHA-256 as the sample). */
    const withContentKey = (key: Uint8Array) =>
      edited((fields) => {
        const bobKey = new X509Certificate(readFileSync(join(samples, "rfc9216-bob.encrypt.crt"))).publicKey;
        const wrapped = publicEncrypt(
          { key: bobKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
          key,
        );
        children(children(fields[1]!)[0]!)[3] = new asn1js.OctetString({ valueHex: wrapped });
      });

    it("the sample as rebuilt here still decrypts; another key of the right length (32 bytes) fails on the tag", async () => {
      const result = await mailseal(
        ["decrypt", ...bob],
        edited(() => {}),
      );
      expect(result.stderr).toBe("");
      expect(result.stdout.toString()).toBe("This is some sample content.");
      expect(await refused(withContentKey(randomBytes(32)), "decrypt", bob)).toBe("AUTH_TAG_MISMATCH");
    });

    it("a nonce of 11 or 13 bytes (RFC 8103 3: 12): MALFORMED_CMS, no output", async () => {
      for (const length of [11, 13, 0]) {
        expect(await refused(withNonce(randomBytes(length)), "decrypt", bob)).toBe("MALFORMED_CMS");
      }
    });

    it("a content-encryption key of 16, 31 or 33 bytes (RFC 8103 2: 256 bits): DECRYPTION_FAILED, no output", async () => {
      for (const length of [16, 31, 33]) {
        expect(await refused(withContentKey(randomBytes(length)), "decrypt", bob)).toBe("DECRYPTION_FAILED");
      }
    });

    it("a tag of 15, 17 or 0 bytes (RFC 8103 2: 128 bits): MALFORMED_CMS, no output", async () => {
      expect(
        await refused(
          withMac((mac) => mac.slice(0, 15)),
          "decrypt",
          bob,
        ),
      ).toBe("MALFORMED_CMS");
      expect(
        await refused(
          withMac((mac) => Buffer.concat([mac, Buffer.from([0])])),
          "decrypt",
          bob,
        ),
      ).toBe("MALFORMED_CMS");
      expect(
        await refused(
          withMac(() => new Uint8Array(0)),
          "decrypt",
          bob,
        ),
      ).toBe("MALFORMED_CMS");
    });
  });

  it("an Ed25519 signature of 63 or 65 bytes (CryptoSys's signedByCarlosEd25519 changed): BAD_SIGNATURE, no output", async () => {
    const samples = join(import.meta.dirname, "samples");
    const signed = new Uint8Array(readFileSync(join(samples, "cryptosys-signedByCarlosEd25519.p7m")));
    const signature = new Uint8Array(signedDataOf(signed).signerInfos[0]!.signature.valueBlock.valueHexView);
    expect(signature).toHaveLength(64);
    for (const wrong of [signature.subarray(0, 63), Uint8Array.of(...signature, 0)]) {
      const out = join(dir, `ed25519-${wrong.length}.eml`);
      const args = ["verify", "--ca", join(samples, "rfc9216-ed25519-ca.pem"), "--out", out];
      const result = await mailseal(args, wrapSigned(withDsaSignature(signed, wrong)));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^error BAD_SIGNATURE: .*an Ed25519 signature is 64 bytes/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("an X25519 or Ed25519 PKCS#8 key of 31 bytes (RFC 8410 7: 32), to decrypt or to sign: INVALID_KEY", async () => {
    const samples = join(import.meta.dirname, "samples");
    for (const [command, oid] of [
      ["decrypt", "2b656e"],
      ["sign", "2b6570"],
    ] as const) {
      // A well-formed PrivateKeyInfo whose CurvePrivateKey is one byte short.
      const der = Buffer.from(`302d02010030050603${oid}0421041f${"11".repeat(31)}`, "hex");
      const key = join(dir, `short-${command}.der`);
      writeFileSync(key, der);
      const out = join(dir, `short-${command}.eml`);
      const cert = join(samples, "rfc9216-dana.encrypt.crt");
      const result = await mailseal([command, "--key", key, "--cert", cert, "--out", out], message);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^error INVALID_KEY: not a valid (X25519|Ed25519) private key \(RFC 8410 7\)/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("a key file that is not a key: INVALID_KEY", async () => {
    const out = join(dir, "never.eml");
    const result = await mailseal(
      ["decrypt", "--key", pki.bob.certPath, "--cert", pki.bob.certPath, "--out", out],
      message,
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error INVALID_KEY: /);
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(pki.bob.certPath).length).toBeGreaterThan(0);
  });
});

describe("hostile Ed448 SignedData (RFC 8419, issue 15): stable codes, no output", () => {
  // An Ed448 CA and signer made with openssl; mailseal signs the message opaque (id-shake256-len 512).
  let ed448: { ca: string; key: string; signed: Uint8Array; content: Buffer };
  beforeAll(async () => {
    const at = (name: string) => join(dir, `ed448-${name}`);
    await run("openssl", ["genpkey", "-algorithm", "ed448", "-out", at("ca.key")]);
    await run("openssl", [
      ...["req", "-x509", "-new", "-key", at("ca.key"), "-subj", "/CN=Hostile Ed448 CA", "-days", "30"],
      ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
      ...["-out", at("ca.pem")],
    ]);
    await run("openssl", ["genpkey", "-algorithm", "ed448", "-out", at("gina.key")]);
    await run("openssl", ["req", "-new", "-key", at("gina.key"), "-subj", "/CN=Gina", "-out", at("gina.csr")]);
    writeFileSync(at("ext"), "subjectAltName=email:gina@example.org\nkeyUsage=critical,digitalSignature\n");
    await run("openssl", [
      ...["x509", "-req", "-in", at("gina.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key"), "-days", "30"],
      ...["-extfile", at("ext"), "-out", at("gina.crt")],
    ]);
    const signed = await mailseal(["sign", "--opaque", "--key", at("gina.key"), "--cert", at("gina.crt")], message);
    expect(signed.stderr).toBe("");
    const verified = await mailseal(["verify", "--ca", at("ca.pem")], signed.stdout);
    expect(verified.status).toBe(0);
    ed448 = {
      ca: at("ca.pem"),
      key: readFileSync(at("gina.key"), "utf8"),
      signed: unwrap(signed.stdout),
      content: verified.stdout,
    };
  }, 60_000);

  /** `mailseal verify` to the Ed448 CA: the exit status, the code (or "" when verified), no output on failure. */
  async function verifyEd448(der: Uint8Array): Promise<{ code: string; stderr: string }> {
    const out = join(dir, `ed448-${Math.random().toString(36).slice(2)}.eml`);
    const result = await mailseal(["verify", "--ca", ed448.ca, "--out", out], wrapSigned(der));
    if (result.status === 0) return { code: "", stderr: result.stderr };
    expect(result.status).toBe(1);
    expect(existsSync(out), "no output file after a failure").toBe(false);
    return { code: /^error (\w+): /.exec(result.stderr)?.[1] ?? result.stderr, stderr: result.stderr };
  }

  /**
   * The signed message again with another digest algorithm (in digestAlgorithms and the SignerInfo),
   * the messageDigest attribute made with `digest` over the content, and the attributes signed anew
   * with Gina's key: a genuine Ed448 signature, so only the digest rule can refuse it.
   */
  function withDigest(algorithm: pkijs.AlgorithmIdentifier, digest: (content: Buffer) => Buffer): Uint8Array {
    const signed = signedDataOf(ed448.signed);
    const signer = signed.signerInfos[0]!;
    signed.digestAlgorithms = [algorithm];
    signer.digestAlgorithm = algorithm;
    const attributes = signer.signedAttrs!.attributes;
    attributes.find((a) => a.type === "1.2.840.113549.1.9.4")!.values = [
      new asn1js.OctetString({ valueHex: digest(ed448.content) }),
    ];
    const toSign = new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER();
    signer.signature = new asn1js.OctetString({ valueHex: sign(null, Buffer.from(toSign), ed448.key) });
    const info = new pkijs.ContentInfo({ contentType: "1.2.840.113549.1.7.2", content: signed.toSchema(true) });
    return new Uint8Array(info.toSchema().toBER());
  }
  const shake256 = (content: Buffer) => createHash("shake256", { outputLength: 64 }).update(content).digest();
  const oid = (id: string, params?: asn1js.AsnType) =>
    new pkijs.AlgorithmIdentifier({ algorithmId: id, ...(params === undefined ? {} : { algorithmParams: params }) });
  const SHAKE256_LEN = "2.16.840.1.101.3.4.2.18";

  it("re-signed with the same digest, the message still verifies (the cases below change only that)", async () => {
    expect((await verifyEd448(withDigest(oid(SHAKE256_LEN, new asn1js.Integer({ value: 512 })), shake256))).code).toBe(
      "",
    );
  });

  it("without signed attributes (RFC 8419 3.1: PureEdDSA over the content) it verifies; signed over other content: BAD_SIGNATURE", async () => {
    const withoutAttributes = (signedOver: Buffer): Uint8Array => {
      const signed = signedDataOf(ed448.signed);
      const signer = signed.signerInfos[0]!;
      delete signer.signedAttrs;
      signer.signature = new asn1js.OctetString({ valueHex: sign(null, signedOver, ed448.key) });
      const info = new pkijs.ContentInfo({ contentType: "1.2.840.113549.1.7.2", content: signed.toSchema(true) });
      return new Uint8Array(info.toSchema().toBER());
    };
    expect((await verifyEd448(withoutAttributes(ed448.content))).code).toBe("");
    const other = Buffer.from(ed448.content);
    other[other.length - 3]! ^= 1;
    expect((await verifyEd448(withoutAttributes(other))).code).toBe("BAD_SIGNATURE");
  });

  it("an Ed448 signature of 113 or 115 bytes: BAD_SIGNATURE", async () => {
    const signature = new Uint8Array(signedDataOf(ed448.signed).signerInfos[0]!.signature.valueBlock.valueHexView);
    expect(signature).toHaveLength(114);
    for (const wrong of [signature.subarray(0, 113), Uint8Array.of(...signature, 0)]) {
      const { code, stderr } = await verifyEd448(withDsaSignature(ed448.signed, wrong));
      expect(code).toBe("BAD_SIGNATURE");
      expect(stderr).toMatch(/an Ed448 signature is 114 bytes/);
    }
  });

  it("SHA-512 as the digest algorithm, where RFC 8419 3.1 demands SHAKE256: UNSUPPORTED_ALGORITHM", async () => {
    const sha512 = (content: Buffer) => createHash("sha512").update(content).digest();
    const { code, stderr } = await verifyEd448(withDigest(oid("2.16.840.1.101.3.4.2.3"), sha512));
    expect(code).toBe("UNSUPPORTED_ALGORITHM");
    expect(stderr).toMatch(/signature algorithm 1\.3\.101\.113 with SHA-512 is not supported/);
  });

  it("id-shake256-len with 256 bits, or without its length: UNSUPPORTED_ALGORITHM; with an OCTET STRING as length: MALFORMED_CMS", async () => {
    const short = (content: Buffer) => createHash("shake256", { outputLength: 32 }).update(content).digest();
    const bits256 = await verifyEd448(withDigest(oid(SHAKE256_LEN, new asn1js.Integer({ value: 256 })), short));
    expect(bits256.code).toBe("UNSUPPORTED_ALGORITHM");
    expect(bits256.stderr).toMatch(/id-shake256-len with an output length other than 512 bits/);
    expect((await verifyEd448(withDigest(oid(SHAKE256_LEN), shake256))).code).toBe("UNSUPPORTED_ALGORITHM");
    const octets = oid(SHAKE256_LEN, new asn1js.OctetString({ valueHex: Uint8Array.of(2, 0) }));
    expect((await verifyEd448(withDigest(octets, shake256))).code).toBe("MALFORMED_CMS");
  });

  it("id-shake256 without parameters (RFC 8702 3.1: 512 bits in CMS) verifies; with NULL parameters: UNSUPPORTED_ALGORITHM", async () => {
    expect((await verifyEd448(withDigest(oid("2.16.840.1.101.3.4.2.12"), shake256))).code).toBe("");
    const withNull = await verifyEd448(withDigest(oid("2.16.840.1.101.3.4.2.12", new asn1js.Null()), shake256));
    expect(withNull.code).toBe("UNSUPPORTED_ALGORITHM");
  });
});

describe("hostile post-quantum input (issue 15): stable codes, no output", () => {
  const fixtures = join(import.meta.dirname, "..", "..", "shared", "test", "cms", "fixtures", "pq-cms");
  const kyber = (name: string) => join(fixtures, "cms-kyber", name);
  const dsa = (name: string) => join(fixtures, "ml-dsa-certificates", name);
  const pemDer = (file: string) =>
    Buffer.from(
      readFileSync(file, "utf8")
        .replace(/-----[^-]+-----/g, "")
        .replace(/\s+/g, ""),
      "base64",
    );

  /** Runs `mailseal ARGS --out FILE` on `input`: exit 1, no output file, no stack trace; returns the code. */
  async function refusedWith(args: string[], input: Uint8Array): Promise<string> {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}.eml`);
    const result = await mailseal([...args, "--out", out], input);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toHaveLength(0);
    expect(existsSync(out), "no output file after a failure").toBe(false);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    return /^error (\w+): /.exec(result.stderr)?.[1] ?? result.stderr;
  }

  /** The published ML-KEM-512 example with its KEMRecipientInfo's kemct replaced, as application/pkcs7-mime. */
  function exampleWithKemct(change: (kemct: Uint8Array) => Uint8Array): Buffer {
    const info = asn1js.fromBER(new Uint8Array(pemDer(kyber("ML-KEM-512.cms")))).result as asn1js.Sequence;
    const auth = (info.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
    const ori = (auth.valueBlock.value[1] as asn1js.Set).valueBlock.value[0] as asn1js.Constructed;
    const kemri = ori.valueBlock.value[1] as asn1js.Sequence;
    const kemct = new Uint8Array((kemri.valueBlock.value[3] as asn1js.OctetString).valueBlock.valueHexView);
    kemri.valueBlock.value[3] = new asn1js.OctetString({ valueHex: change(kemct) });
    const der = new Uint8Array(info.toBER());
    return Buffer.from(
      wrap(der).toString("latin1").replace("smime-type=enveloped-data", "smime-type=authEnveloped-data"),
      "latin1",
    );
  }

  const kemKey = ["decrypt", "--key", kyber("ML-KEM-512-seed.priv"), "--cert", kyber("ML-KEM-512.pem")];

  it("a KEM ciphertext truncated by 1 or 400 bytes, or 1 byte too long: MALFORMED_CMS", async () => {
    for (const change of [
      (c: Uint8Array) => c.subarray(0, c.length - 1),
      (c: Uint8Array) => c.subarray(0, c.length - 400),
      (c: Uint8Array) => Uint8Array.from([...c, 0]),
    ]) {
      expect(await refusedWith(kemKey, exampleWithKemct(change))).toBe("MALFORMED_CMS");
    }
    // Unchanged, the same re-encoding decrypts: the cases fail for their change only.
    const fine = await mailseal(
      kemKey,
      exampleWithKemct((c) => c),
    );
    expect(fine.status, fine.stderr).toBe(0);
  });

  it("an altered KEM ciphertext of the right size: DECRYPTION_FAILED (implicit rejection, then the key unwrap)", async () => {
    const flipped = exampleWithKemct((c) => Uint8Array.from(c, (byte, i) => (i === 100 ? byte ^ 1 : byte)));
    expect(await refusedWith(kemKey, flipped)).toBe("DECRYPTION_FAILED");
  });

  it("an ML-KEM key whose seed is 63 bytes, or an expanded key 1 byte short: INVALID_KEY", async () => {
    const seedKey = pemDer(kyber("ML-KEM-512-seed.priv"));
    const info = asn1js.fromBER(new Uint8Array(seedKey)).result as asn1js.Sequence;
    const short63 = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: new Uint8Array(63) });
    info.valueBlock.value[2] = new asn1js.OctetString({ valueHex: short63.toBER() });
    writeFileSync(join(dir, "short-seed.der"), new Uint8Array(info.toBER()));
    const expanded = asn1js.fromBER(new Uint8Array(pemDer(kyber("ML-KEM-512-expanded.priv"))))
      .result as asn1js.Sequence;
    const inner = asn1js.fromBER(
      new Uint8Array((expanded.valueBlock.value[2] as asn1js.OctetString).valueBlock.valueHexView),
    ).result as asn1js.OctetString;
    const cut = new asn1js.OctetString({ valueHex: new Uint8Array(inner.valueBlock.valueHexView).subarray(1) });
    expanded.valueBlock.value[2] = new asn1js.OctetString({ valueHex: cut.toBER() });
    writeFileSync(join(dir, "short-expanded.der"), new Uint8Array(expanded.toBER()));
    const message = exampleWithKemct((c) => c);
    for (const key of ["short-seed.der", "short-expanded.der"]) {
      const args = ["decrypt", "--key", join(dir, key), "--cert", kyber("ML-KEM-512.pem")];
      expect(await refusedWith(args, message)).toBe("INVALID_KEY");
    }
  });

  it("ML-DSA signatures one byte short, one byte long or empty: BAD_SIGNATURE", async () => {
    const signed = await mailseal(
      ["sign", "--opaque", "--key", dsa("ML-DSA-44-seed.priv"), "--cert", dsa("ML-DSA-44.crt")],
      message,
    );
    expect(signed.status, signed.stderr).toBe(0);
    const der = unwrap(signed.stdout);
    const own = new Uint8Array(signedDataOf(der).signerInfos[0]!.signature.valueBlock.valueHexView);
    const verify = ["verify", "--ca", dsa("ML-DSA-44.crt")];
    for (const signature of [own.subarray(0, own.length - 1), Uint8Array.from([...own, 0]), new Uint8Array(0)]) {
      expect(await refusedWith(verify, wrapSigned(withDsaSignature(der, signature)))).toBe("BAD_SIGNATURE");
    }
    const fine = await mailseal(verify, wrapSigned(withDsaSignature(der, own)));
    expect(fine.status, fine.stderr).toBe(0);
  });
  // Unlike an RFC 8410 key (refused by the certificate parser, so the signer's certificate is then
  // missing), an ML-DSA key is read when the signature is checked (pqPublicKeyOf): its length is
  // FIPS 204's for the parameter set (1312 bytes for ML-DSA-44) or the message is INVALID_KEY.
  it("an ML-DSA signer certificate whose public key is a byte short, a byte long or empty, in a SignedData: INVALID_KEY, no output", async () => {
    const signed = await mailseal(
      ["sign", "--opaque", "--key", dsa("ML-DSA-44-seed.priv"), "--cert", dsa("ML-DSA-44.crt")],
      message,
    );
    expect(signed.status, signed.stderr).toBe(0);
    const verify = ["verify", "--ca", dsa("ML-DSA-44.crt")];
    /** The message with its one certificate's subjectPublicKey replaced by `length` bytes (or as it was). */
    const withKeyLength = (length?: number): Buffer => {
      const root = asn1js.fromBER(new Uint8Array(unwrap(signed.stdout))).result;
      // ContentInfo > [0] > SignedData > certificates [0] > the certificate > TBSCertificate > SPKI.
      const certificates = nodeAt(root, 1, 0, 3) as asn1js.Constructed;
      expect(certificates.valueBlock.value).toHaveLength(1);
      const spki = nodeAt(certificates, 0, 0, 6) as asn1js.Sequence;
      expect((spki.valueBlock.value[1] as asn1js.BitString).valueBlock.valueHexView).toHaveLength(1312);
      if (length !== undefined) spki.valueBlock.value[1] = new asn1js.BitString({ valueHex: randomBytes(length) });
      return wrapSigned(new Uint8Array(root.toBER()));
    };
    // Rebuilt unchanged, it verifies: the cases below fail for their change only.
    const fine = await mailseal(verify, withKeyLength());
    expect(fine.status, fine.stderr).toBe(0);
    for (const length of [1311, 1313, 0]) {
      expect(await refusedWith(verify, withKeyLength(length))).toBe("INVALID_KEY");
    }
  });
});

describe("RFC 8410 keys of the wrong length (issue 15): X448 key files and originator keys, certificates' public keys", () => {
  const samples = join(import.meta.dirname, "samples");
  const at = (name: string) => join(dir, `rfc8410-${name}`);
  /** The X448 message to Erin, as mailseal wrote it (EnvelopedData, DER). */
  let toErin: Uint8Array;

  /** With openssl: `name`'s `algorithm` key and its certificate from the CA `ca` (X25519/X448 through -force_pubkey). */
  async function certify(ca: string, name: string, algorithm: string, keyUsage: string): Promise<void> {
    const agreesOnly = algorithm.startsWith("X");
    await run("openssl", ["genpkey", "-algorithm", algorithm, "-out", at(`${name}.key`)]);
    const requester = agreesOnly ? at(`${ca}.key`) : at(`${name}.key`);
    await run("openssl", ["req", "-new", "-key", requester, "-subj", `/CN=${name}`, "-out", at(`${name}.csr`)]);
    writeFileSync(at(`${name}.ext`), `subjectAltName=email:${name}@example.org\nkeyUsage=critical,${keyUsage}\n`);
    if (agreesOnly) await run("openssl", ["pkey", "-in", at(`${name}.key`), "-pubout", "-out", at(`${name}.pub`)]);
    await run("openssl", [
      ...["x509", "-req", "-in", at(`${name}.csr`), "-CA", at(`${ca}.pem`), "-CAkey", at(`${ca}.key`), "-days", "30"],
      ...(agreesOnly ? ["-force_pubkey", at(`${name}.pub`)] : []),
      ...["-extfile", at(`${name}.ext`), "-out", at(`${name}.crt`)],
    ]);
  }

  beforeAll(async () => {
    for (const ca of ["ed25519", "ed448"]) {
      await run("openssl", ["genpkey", "-algorithm", ca, "-out", at(`${ca}.key`)]);
      await run("openssl", [
        ...["req", "-x509", "-new", "-key", at(`${ca}.key`), "-subj", `/CN=Hostile ${ca} CA`, "-days", "30"],
        ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
        ...["-out", at(`${ca}.pem`)],
      ]);
    }
    await certify("ed25519", "erin", "X448", "keyAgreement");
    await certify("ed25519", "xena", "X25519", "keyAgreement");
    await certify("ed448", "gina", "ED448", "digitalSignature");
    await certify("ed448", "carla", "ED25519", "digitalSignature");
    const sealed = await mailseal(["encrypt", "--recipient", at("erin.crt")], message);
    expect(sealed.stderr).toBe("");
    toErin = unwrap(sealed.stdout);
  }, 60_000);

  /** A PrivateKeyInfo (RFC 8410 7) of `oid` (hex of the OID's content) whose CurvePrivateKey is `length` bytes. */
  function pkcs8(oid: string, length: number): Buffer {
    const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.of(tag, body.length), body]);
    const curvePrivateKey = tlv(0x04, Buffer.alloc(length, 0x11));
    const algorithm = tlv(0x30, tlv(0x06, Buffer.from(oid, "hex")));
    return tlv(0x30, Buffer.concat([Buffer.from("020100", "hex"), algorithm, tlv(0x04, curvePrivateKey)]));
  }

  /** A certificate (DER) with its subjectPublicKey replaced by `length` bytes (the signature no longer matches). */
  function withPublicKeyLength(certificate: asn1js.AsnType, length: number): asn1js.AsnType {
    const tbs = (certificate as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    // TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo.
    const spki = tbs.valueBlock.value[6] as asn1js.Sequence;
    spki.valueBlock.value[1] = new asn1js.BitString({ valueHex: randomBytes(length) });
    return certificate;
  }
  const pemToDer = (path: string): Uint8Array =>
    new Uint8Array(Buffer.from(readFileSync(path, "latin1").replace(/-----[^-]+-----|\s/g, ""), "base64"));

  it("an X448 PKCS#8 key of 55, 57 or 0 bytes (RFC 8410 7: 56), to decrypt: INVALID_KEY, no output", async () => {
    for (const length of [55, 57, 0]) {
      const key = at(`x448-${length}.der`);
      writeFileSync(key, pkcs8("2b656f", length));
      const out = at(`x448-key-${length}.eml`);
      const result = await mailseal(["decrypt", "--key", key, "--cert", at("erin.crt"), "--out", out], wrap(toErin));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^error INVALID_KEY: not a valid X448 private key \(RFC 8410 7\)/);
      expect(result.stdout).toHaveLength(0);
      expect(existsSync(out)).toBe(false);
    }
  });

  describe("the X448 originator key of a KeyAgreeRecipientInfo (RFC 8418 2)", () => {
    const erin = () => ["--key", at("erin.key"), "--cert", at("erin.crt")];
    /** The message with the originatorKey's publicKey replaced by `key` (or as it was), re-encoded. */
    const withOriginatorKey = (key?: Uint8Array): Uint8Array => {
      const root = asn1js.fromBER(new Uint8Array(toErin)).result;
      // ContentInfo > [0] > EnvelopedData > recipientInfos SET > [1] kari > [0] originator > [1] originatorKey
      const path = [1, 0, 1, 0, 1, 0];
      const originatorKey = path.reduce(
        (node, i) => (node as asn1js.Constructed).valueBlock.value[i]!,
        root,
      ) as asn1js.Constructed;
      const bits = originatorKey.valueBlock.value[1] as asn1js.BitString;
      expect(bits.valueBlock.valueHexView).toHaveLength(56);
      if (key !== undefined) originatorKey.valueBlock.value[1] = new asn1js.BitString({ valueHex: key });
      return new Uint8Array(root.toBER());
    };

    it("rebuilt unchanged, the message still decrypts (the case below changes only the key)", async () => {
      const result = await mailseal(["decrypt", ...erin()], wrap(withOriginatorKey()));
      expect(result.stderr).toBe("");
      expect(result.stdout.toString("latin1")).toContain("line 299:");
    });

    it("a key of 55, 57 or 0 bytes (X448 keys are 56): MALFORMED_CMS", async () => {
      for (const length of [55, 57, 0]) {
        expect(await refused(wrap(withOriginatorKey(randomBytes(length))), "decrypt", erin())).toBe("MALFORMED_CMS");
      }
    });
  });

  // Per algorithm, its key's certificate with a public key a byte short and a byte long (RFC 8410 4;
  // RFC 7748 and 8032: 32 bytes for X25519 and Ed25519, 56 for X448, 57 for Ed448), as the command uses it.
  it.each([
    ["X25519", [31, 33], "to encrypt to", "xena"],
    ["X448", [55, 57], "to encrypt to", "erin"],
    ["Ed25519", [31, 33], "to sign with", "carla"],
    ["Ed448", [56, 58], "to sign with", "gina"],
  ] as const)(
    "an %s certificate whose public key is %j bytes, %s: INVALID_KEY, no output",
    async (_algorithm, lengths, use, name) => {
      for (const length of lengths) {
        const der = withPublicKeyLength(asn1js.fromBER(pemToDer(at(`${name}.crt`))).result, length).toBER();
        const cert = at(`${name}-${length}.der`);
        writeFileSync(cert, Buffer.from(der));
        const out = at(`${name}-${length}.eml`);
        const args =
          use === "to encrypt to"
            ? ["encrypt", "--recipient", cert]
            : ["sign", "--key", at(`${name}.key`), "--cert", cert];
        const result = await mailseal([...args, "--out", out], message);
        expect(result.status, result.stderr).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`^error INVALID_KEY: .*an RFC 8410 public key of ${length} bytes`));
        expect(result.stdout).toHaveLength(0);
        expect(existsSync(out)).toBe(false);
      }
    },
  );

  // A certificate in a SignedData that does not parse is skipped (signed-data.ts, readCertificateSet):
  // the signer's certificate is then missing, whatever else the message holds.
  it("an Ed25519 or Ed448 signer certificate whose public key has the wrong length, in a SignedData: UNTRUSTED_CERTIFICATE, no output", async () => {
    const gina = await mailseal(["sign", "--opaque", "--key", at("gina.key"), "--cert", at("gina.crt")], message);
    expect(gina.stderr).toBe("");
    for (const [signed, ca, lengths] of [
      [
        readFileSync(join(samples, "cryptosys-signedByCarlosEd25519.p7m")),
        join(samples, "rfc9216-ed25519-ca.pem"),
        [31, 33],
      ],
      [unwrap(gina.stdout), at("ed448.pem"), [56, 58]],
    ] as const) {
      for (const length of lengths) {
        const root = asn1js.fromBER(new Uint8Array(signed)).result;
        // ContentInfo > [0] > SignedData > certificates [0] > the one certificate.
        const certificates = ((root as asn1js.Sequence).valueBlock.value[1] as asn1js.Constructed).valueBlock
          .value[0] as asn1js.Sequence;
        const set = certificates.valueBlock.value[3] as asn1js.Constructed;
        expect(set.valueBlock.value).toHaveLength(1);
        withPublicKeyLength(set.valueBlock.value[0]!, length);
        const out = at(`ed-${length}.eml`);
        const result = await mailseal(["verify", "--ca", ca, "--out", out], wrapSigned(new Uint8Array(root.toBER())));
        expect(result.status, result.stderr).toBe(1);
        expect(result.stderr).toMatch(/^error UNTRUSTED_CERTIFICATE: the signer's certificate is not in the message/);
        expect(result.stdout).toHaveLength(0);
        expect(existsSync(out)).toBe(false);
      }
    }
  });
});
