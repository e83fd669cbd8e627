// Certificates made by openssl at test time and public S/MIME certificates, read and compared with
// what `openssl x509` prints about them; bad input gives its error code.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as asn1js from "asn1js";
import fc from "fast-check";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailsealError } from "../../src/errors/index.js";
import {
  hasEmailAddress,
  matchesIssuerAndSerial,
  matchesSubjectKeyIdentifier,
  parseCertificate,
  readCertificates,
  rsaPublicKeyOf,
  serialNumbersEqual,
  MAX_CERTIFICATE_BYTES,
  MAX_CERTIFICATE_FILE_BYTES,
  PARSED_CERTIFICATES_KEPT,
  type Certificate,
} from "../../src/pki/certificate.js";
import { formatName, namesEqual, parseName } from "../../src/pki/name.js";
import { EXT, TestCa } from "./test-ca.js";

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(import.meta.dirname, "fixtures", name)));
const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex").toUpperCase();

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MailsealError);
    return (error as MailsealError).code;
  }
  throw new Error("expected a MailsealError");
}

const ca = new TestCa();
let alice: Certificate;
let aliceDer: Uint8Array;
let ec: Certificate;

/** `openssl x509 -noout <args>` of a certificate made here, as "key=value" lines. */
function opensslPrint(name: string, ...args: string[]): string {
  return ca.openssl("x509", "-in", ca.path(`${name}.pem`), "-noout", ...args);
}

beforeAll(() => {
  const rootKey = ca.key("root", "rsa");
  ca.selfSigned("root", rootKey, { subject: "/C=DE/O=Mailseal Test/CN=Test Root", ext: EXT.root, days: 3650 });
  const intKey = ca.key("int", "rsa");
  ca.issue("int", intKey, "root", rootKey, {
    subject: "/C=DE/O=Mailseal Test/CN=Test Intermediate",
    ext: [...EXT.ca, "basicConstraints=critical,CA:TRUE,pathlen:0"].filter((l, i, all) => all.indexOf(l) === i),
    days: 3650,
  });
  const aliceKey = ca.key("alice", "rsa");
  aliceDer = ca.issue("alice", aliceKey, "int", intKey, {
    subject: "/C=DE/O=Mailseal Test/emailAddress=Alice.Legacy@Example.ORG/CN=Alice Example",
    ext: [...EXT.endEntity("alice@Example.COM"), "subjectAltName=email:alice@Example.COM,email:second@example.com"],
    // High bit set: DER needs a leading zero octet that openssl does not print.
    serial: "80f1e2d3c4b5a69788",
  });
  alice = parseCertificate(aliceDer);
  ca.issue("ec", ca.key("ec", "p256"), "int", intKey, {
    subject: "/CN=Eve Curve",
    ext: EXT.endEntity("eve@example.net", "digitalSignature,keyAgreement"),
  });
  ec = parseCertificate(ca.der("ec"));
});

afterAll(() => ca.dispose());

describe("certificates made by openssl", () => {
  it("reads issuer, serial number and subject key identifier as openssl prints them", () => {
    const printed = opensslPrint(
      "alice",
      "-serial",
      "-issuer",
      "-nameopt",
      "oneline,-space_eq",
      "-ext",
      "subjectKeyIdentifier",
    );
    const serial = /^serial=([0-9A-F]+)$/m.exec(printed)![1]!;
    const issuer = /^issuer=(.*)$/m.exec(printed)![1]!;
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(printed)![1]!.replaceAll(":", "");
    expect(alice.serialHex).toBe(serial);
    expect(serial).toBe("80F1E2D3C4B5A69788");
    expect(hexOf(alice.serialNumber)).toBe("0080F1E2D3C4B5A69788");
    expect(formatName(alice.issuer)).toBe(issuer);
    expect(hexOf(alice.subjectKeyIdentifier!)).toBe(ski);
  });

  it("prints a negative serial number (a CA bug that exists) as openssl does", () => {
    const cert = new pkijs.Certificate({ schema: asn1js.fromBER(aliceDer).result });
    cert.serialNumber = new asn1js.Integer({ valueHex: new Uint8Array([0xfe, 0x01]) });
    const der = new Uint8Array(cert.toSchema(true).toBER());
    writeFileSync(ca.path("negative.der"), der);
    const printed = ca.openssl("x509", "-inform", "DER", "-in", ca.path("negative.der"), "-noout", "-serial");
    expect(printed.trim()).toBe(`serial=${parseCertificate(der).serialHex}`);
    expect(parseCertificate(der).serialHex).toBe("-01FF");
  });

  it("matches CMS IssuerAndSerialNumber and SubjectKeyIdentifier", () => {
    const intermediate = parseCertificate(ca.der("int"));
    const root = parseCertificate(ca.der("root"));
    expect(matchesIssuerAndSerial(alice, intermediate.subject.der, alice.serialNumber)).toBe(true);
    expect(matchesIssuerAndSerial(alice, intermediate.subject, alice.serialNumber)).toBe(true);
    // The same integer with a redundant leading zero octet (BER, not DER) still matches; without its
    // sign octet it is another (negative) integer.
    const padded = new Uint8Array([0, ...alice.serialNumber]);
    expect(matchesIssuerAndSerial(alice, intermediate.subject.der, padded)).toBe(true);
    expect(matchesIssuerAndSerial(alice, intermediate.subject.der, alice.serialNumber.subarray(1))).toBe(false);
    expect(matchesIssuerAndSerial(alice, root.subject.der, alice.serialNumber)).toBe(false);
    const other = alice.serialNumber.slice();
    other[other.length - 1]! ^= 1;
    expect(matchesIssuerAndSerial(alice, intermediate.subject.der, other)).toBe(false);
    expect(matchesIssuerAndSerial(alice, new Uint8Array([1, 2, 3]), alice.serialNumber)).toBe(false);
    expect(matchesSubjectKeyIdentifier(alice, alice.subjectKeyIdentifier!)).toBe(true);
    expect(matchesSubjectKeyIdentifier(alice, intermediate.subjectKeyIdentifier!)).toBe(false);
    expect(alice.authorityKeyIdentifier).toEqual(intermediate.subjectKeyIdentifier);
  });

  it("collects email addresses from subjectAltName and the subject's emailAddress, domain lower-cased", () => {
    expect(alice.emailAddresses).toEqual(["alice@example.com", "second@example.com", "Alice.Legacy@example.org"]);
    expect(hasEmailAddress(alice, "alice@EXAMPLE.com")).toBe(true);
    expect(hasEmailAddress(alice, "Alice.Legacy@example.ORG")).toBe(true);
    // RFC 5280 7.5: the local part is case-sensitive.
    expect(hasEmailAddress(alice, "ALICE@example.com")).toBe(false);
    expect(hasEmailAddress(alice, "mallory@example.com")).toBe(false);
    expect(alice.displayName).toBe("Alice Example");
  });

  it("reads validity, key usage, extended key usage and basic constraints", () => {
    const dates = opensslPrint("alice", "-dates");
    expect(alice.notBefore).toEqual(new Date(/notBefore=(.*)/.exec(dates)![1]!));
    expect(alice.notAfter).toEqual(new Date(/notAfter=(.*)/.exec(dates)![1]!));
    expect(alice.keyUsage).toMatchObject({
      digitalSignature: true,
      nonRepudiation: false,
      keyEncipherment: true,
      keyAgreement: false,
      keyCertSign: false,
    });
    expect(alice.extendedKeyUsage).toEqual(["1.3.6.1.5.5.7.3.4"]);
    expect(alice.basicConstraints).toEqual({ cA: false, pathLenConstraint: undefined });
    const intermediate = parseCertificate(ca.der("int"));
    expect(intermediate.basicConstraints).toEqual({ cA: true, pathLenConstraint: 0 });
    expect(intermediate.keyUsage).toMatchObject({ keyCertSign: true, cRLSign: true, digitalSignature: false });
    expect(alice.version).toBe(3);
  });

  it("gives the RSA public key as the core takes it", () => {
    const modulus = /Modulus=([0-9A-F]+)/.exec(opensslPrint("alice", "-modulus"))![1]!;
    const key = rsaPublicKeyOf(alice);
    expect(hexOf(key.n).replace(/^(00)+/, "")).toBe(modulus);
    expect(hexOf(key.e)).toBe("010001");
    expect(alice.publicKey).toMatchObject({ kind: "rsa", pssOnly: false });
  });

  it("gives an EC key as SubjectPublicKeyInfo and curve, usable with WebCrypto", async () => {
    expect(ec.publicKey.kind).toBe("ec");
    if (ec.publicKey.kind !== "ec") return;
    expect(ec.publicKey.curve).toBe("P-256");
    const spki = ca.openssl("x509", "-in", ca.path("ec.pem"), "-noout", "-pubkey");
    const der = Buffer.from(spki.replace(/-----[^-]+-----|\s/g, ""), "base64");
    expect(hexOf(ec.publicKey.spki)).toBe(hexOf(der));
    const key = await crypto.subtle.importKey(
      "spki",
      ec.publicKey.spki.slice(),
      { name: "ECDH", namedCurve: "P-256" },
      true,
      [],
    );
    expect(key.type).toBe("public");
    expect(ec.keyUsage).toMatchObject({ keyAgreement: true, keyEncipherment: false });
    expect(() => rsaPublicKeyOf(ec)).toThrow(/EC P-256 key, not RSA/);
  });

  it("reads PEM bundles and concatenated DER, in order", () => {
    const bundle = new Uint8Array([...ca.pem("alice"), ...new TextEncoder().encode("\nsome text\n"), ...ca.pem("int")]);
    expect(readCertificates(bundle).map((c) => c.displayName)).toEqual(["Alice Example", "Test Intermediate"]);
    const der = new Uint8Array([...aliceDer, ...ca.der("root")]);
    expect(readCertificates(der).map((c) => c.displayName)).toEqual(["Alice Example", "Test Root"]);
    expect(readCertificates(aliceDer)[0]!.der).toEqual(aliceDer);
  });
});

describe("bad input", () => {
  const pemOf = (der: Uint8Array, label = "CERTIFICATE"): Uint8Array =>
    new TextEncoder().encode(
      `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64")}\n-----END ${label}-----\n`,
    );

  it("empty input is MALFORMED_CMS", () => {
    expect(codeOf(() => readCertificates(new Uint8Array()))).toBe("MALFORMED_CMS");
    expect(codeOf(() => readCertificates(new TextEncoder().encode(" \r\n")))).toBe("MALFORMED_CMS");
    expect(codeOf(() => parseCertificate(new Uint8Array()))).toBe("MALFORMED_CMS");
  });

  it("garbage is MALFORMED_CMS", () => {
    expect(codeOf(() => readCertificates(new TextEncoder().encode("hello, world")))).toBe("MALFORMED_CMS");
    expect(codeOf(() => readCertificates(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])))).toBe("MALFORMED_CMS");
    expect(codeOf(() => readCertificates(new Uint8Array([0x30, 0x80, 0x00, 0x00])))).toBe("MALFORMED_CMS");
    expect(codeOf(() => readCertificates(pemOf(new Uint8Array([0x04, 0x01, 0x00]))))).toBe("MALFORMED_CMS");
    // A PEM file with only a key in it.
    expect(codeOf(() => readCertificates(pemOf(aliceDer, "PRIVATE KEY")))).toBe("MALFORMED_CMS");
    // Bytes after a single certificate.
    expect(codeOf(() => parseCertificate(new Uint8Array([...aliceDer, 0])))).toBe("MALFORMED_CMS");
  });

  it("truncated input is TRUNCATED", () => {
    for (const cut of [1, 3, 100, aliceDer.length - 1]) {
      expect(codeOf(() => readCertificates(aliceDer.subarray(0, cut)))).toBe("TRUNCATED");
    }
    const pem = new TextDecoder().decode(ca.pem("alice"));
    expect(codeOf(() => readCertificates(new TextEncoder().encode(pem.slice(0, pem.indexOf("-----END")))))).toBe(
      "TRUNCATED",
    );
    expect(codeOf(() => readCertificates(pemOf(aliceDer.subarray(0, 600))))).toBe("TRUNCATED");
  });

  it("oversized input is INPUT_TOO_LARGE", () => {
    expect(codeOf(() => readCertificates(new Uint8Array(MAX_CERTIFICATE_FILE_BYTES + 1)))).toBe("INPUT_TOO_LARGE");
    expect(codeOf(() => parseCertificate(new Uint8Array(MAX_CERTIFICATE_BYTES + 1)))).toBe("INPUT_TOO_LARGE");
    // A 2^64 length field, and a 4 GiB one.
    expect(codeOf(() => readCertificates(new Uint8Array([0x30, 0x88, 1, 0, 0, 0, 0, 0, 0, 0, 0])))).toBe(
      "INPUT_TOO_LARGE",
    );
    expect(codeOf(() => readCertificates(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0])))).toBe(
      "INPUT_TOO_LARGE",
    );
  });

  it("a file of BEGIN lines without END, or of blank lines inside a block, is refused in linear time (issue 12)", () => {
    const line = "-----BEGIN CERTIFICATE-----\n";
    const begins = new TextEncoder().encode(line.repeat(Math.floor(MAX_CERTIFICATE_FILE_BYTES / line.length)));
    let started = performance.now();
    expect(codeOf(() => readCertificates(begins))).toBe("TRUNCATED");
    // Quadratic before: about 40 s for this megabyte on a loaded machine; linear: milliseconds.
    expect(performance.now() - started).toBeLessThan(1000);
    const blank = new TextEncoder().encode(
      `${line}${"\n".repeat(MAX_CERTIFICATE_FILE_BYTES - 64)}-----END CERTIFICATE-----\n`,
    );
    started = performance.now();
    expect(codeOf(() => readCertificates(blank))).toBe("MALFORMED_CMS");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("a duplicated extension or an outer algorithm differing from the signed one is MALFORMED_CMS", () => {
    const cert = new pkijs.Certificate({ schema: asn1js.fromBER(aliceDer).result });
    cert.extensions!.push(cert.extensions![0]!);
    const duplicated = new Uint8Array(cert.toSchema(true).toBER());
    expect(() => parseCertificate(duplicated)).toThrow(/appears twice/);
    // The outer signatureAlgorithm (sha256WithRSAEncryption) turned into sha384WithRSAEncryption.
    const oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    const tampered = aliceDer.slice();
    const at = lastIndexOf(tampered, oid);
    tampered[at + oid.length - 1] = 0x0c;
    expect(codeOf(() => parseCertificate(tampered))).toBe("MALFORMED_CMS");
  });

  it("any corruption of a certificate gives a MailsealError, never another exception", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(aliceDer.length - 1), value: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(aliceDer.length),
        (edits, cut) => {
          const bytes = aliceDer.slice(0, Math.max(cut, 1));
          for (const { at, value } of edits) if (at < bytes.length) bytes[at] = value;
          try {
            readCertificates(bytes);
          } catch (error) {
            if (!(error instanceof MailsealError)) throw error;
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

function lastIndexOf(haystack: Uint8Array, needle: number[]): number {
  for (let i = haystack.length - needle.length; i >= 0; i--) {
    if (needle.every((b, j) => haystack[i + j] === b)) return i;
  }
  throw new Error("not found");
}

describe("parsed certificates kept by their bytes", () => {
  /** alice's certificate with the last two octets of its serial number set to `i` (parsing checks no signature). */
  function variant(i: number): Uint8Array {
    const der = aliceDer.slice();
    const serial = Buffer.from(der).indexOf(Buffer.from("0080f1e2d3c4b5a69788", "hex"));
    expect(serial).toBeGreaterThan(0);
    der.set([i >> 8, i & 0xff], serial + 8);
    return der;
  }

  it("gives the kept certificate for the same bytes, which holds its own copy of them", () => {
    const bytes = variant(0xfff0);
    const first = parseCertificate(bytes);
    expect(parseCertificate(variant(0xfff0))).toBe(first);
    // The caller reuses (or transfers) its buffer: the kept certificate does not change.
    bytes.fill(0);
    expect(first.der).toEqual(variant(0xfff0));
    expect(parseCertificate(variant(0xfff0))).toBe(first);
    expect(first.serialHex).toBe("80F1E2D3C4B5A6FFF0");
  });

  it(`keeps at most ${PARSED_CERTIFICATES_KEPT}, the least recently used leaving first`, () => {
    const first = parseCertificate(variant(0));
    const second = parseCertificate(variant(1));
    for (let i = 2; i < PARSED_CERTIFICATES_KEPT; i++) parseCertificate(variant(i));
    // Used again: now the most recent, so variant 1 is the oldest.
    expect(parseCertificate(variant(0))).toBe(first);
    parseCertificate(variant(PARSED_CERTIFICATES_KEPT));
    expect(parseCertificate(variant(0))).toBe(first);
    const again = parseCertificate(variant(1));
    expect(again).not.toBe(second);
    expect(again.serialHex).toBe(second.serialHex);
  });

  it("keeps no failure: bad bytes fail with their code every time", () => {
    const cut = aliceDer.subarray(0, aliceDer.length - 1);
    expect(codeOf(() => parseCertificate(cut))).toBe("TRUNCATED");
    expect(codeOf(() => parseCertificate(cut))).toBe("TRUNCATED");
  });
});

describe("Name comparison (RFC 5280 7.1)", () => {
  const name = (...rdns: [string, asn1js.AsnType][][]): Uint8Array =>
    new Uint8Array(
      new asn1js.Sequence({
        value: rdns.map(
          (rdn) =>
            new asn1js.Set({
              value: rdn.map(
                ([type, value]) =>
                  new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), value] }),
              ),
            }),
        ),
      }).toBER(),
    );
  const CN = "2.5.4.3";
  const O = "2.5.4.10";

  it("ignores case, string type, outer and repeated inner spaces, and attribute order inside an RDN", () => {
    const a = parseName(
      name(
        [[O, new asn1js.PrintableString({ value: "Example Org" })]],
        [[CN, new asn1js.PrintableString({ value: "Test CA" })]],
      ),
    );
    const b = parseName(
      name(
        [[O, new asn1js.Utf8String({ value: " example   ORG " })]],
        [[CN, new asn1js.BmpString({ value: "test ca" })]],
      ),
    );
    expect(namesEqual(a, b)).toBe(true);
    const multi1 = parseName(
      name([
        [O, new asn1js.Utf8String({ value: "X" })],
        [CN, new asn1js.Utf8String({ value: "Y" })],
      ]),
    );
    const multi2 = parseName(
      name([
        [CN, new asn1js.Utf8String({ value: "y" })],
        [O, new asn1js.Utf8String({ value: "x" })],
      ]),
    );
    expect(namesEqual(multi1, multi2)).toBe(true);
    expect(formatName(multi1)).toBe("O=X + CN=Y");
  });

  it("tells different names apart", () => {
    const a = parseName(name([[CN, new asn1js.Utf8String({ value: "Test CA" })]]));
    expect(namesEqual(a, parseName(name([[CN, new asn1js.Utf8String({ value: "Test CA 2" })]])))).toBe(false);
    expect(namesEqual(a, parseName(name([[O, new asn1js.Utf8String({ value: "Test CA" })]])))).toBe(false);
    expect(
      namesEqual(
        a,
        parseName(
          name([[O, new asn1js.Utf8String({ value: "x" })]], [[CN, new asn1js.Utf8String({ value: "Test CA" })]]),
        ),
      ),
    ).toBe(false);
    expect(codeOf(() => parseName(new Uint8Array([0x30, 0x03, 0x31, 0x01, 0x00])))).toBe("MALFORMED_CMS");
  });

  it("holds for any change of case (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { maxLength: 30 }),
        (text, flips) => {
          const flipped = [...text].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join("");
          const a = parseName(name([[CN, new asn1js.Utf8String({ value: text })]]));
          const b = parseName(name([[CN, new asn1js.Utf8String({ value: flipped })]]));
          expect(namesEqual(a, b)).toBe(true);
        },
      ),
    );
  });
});

describe("public S/MIME certificates (fixtures/SOURCES.md)", () => {
  it("RFC 4134: email addresses from subjectAltName, key usage, key identifiers", () => {
    const aliceRsa = readCertificates(fixture("AliceRSASignByCarl.cer"))[0]!;
    expect(aliceRsa.emailAddresses).toEqual(["AliceRSA@example.com"]);
    expect(aliceRsa.serialHex).toBe("46346BC7800056BC11D36E2EC410B3B0");
    expect(hexOf(aliceRsa.subjectKeyIdentifier!)).toBe("77D2B4D1B74C8A8AA3CE459DCEEC3CA03AE3FF50");
    expect(aliceRsa.keyUsage).toMatchObject({ digitalSignature: true, nonRepudiation: true, keyEncipherment: false });
    expect(aliceRsa.criticalExtensions).toEqual(expect.arrayContaining(["2.5.29.19", "2.5.29.15"]));
    const bob = readCertificates(fixture("BobRSASignByCarl.cer"))[0]!;
    expect(bob.emailAddresses).toEqual(["BobRSA@example.com"]);
    expect(bob.keyUsage).toMatchObject({ keyEncipherment: true, digitalSignature: false });
    const carl = readCertificates(fixture("CarlRSASelf.cer"))[0]!;
    expect(carl.emailAddresses).toEqual([]);
    expect(carl.basicConstraints?.cA).toBe(true);
    expect(namesEqual(aliceRsa.issuer, carl.subject)).toBe(true);
    const aliceDss = readCertificates(fixture("AliceDSSSignByCarlNoInherit.cer"))[0]!;
    expect(aliceDss.emailAddresses).toEqual(["AliceDSS@example.com"]);
    // RFC 3279 2.3.2: DSA with its domain parameters in the certificate (1024-bit p, 160-bit q).
    expect(aliceDss.publicKey.kind).toBe("dsa");
    const dsaKey = aliceDss.publicKey.kind === "dsa" ? aliceDss.publicKey.key : undefined;
    const bits = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex")}`).toString(2).length;
    expect([bits(dsaKey!.p), bits(dsaKey!.q)]).toEqual([1024, 160]);
    expect(aliceDss.serialHex).toBe("C8");
  });

  it("Thunderbird/NSS: the address in the subject's emailAddress, RSA and EC keys", () => {
    const alice = readCertificates(fixture("nss-Alice.crt"))[0]!;
    expect(alice.emailAddresses).toEqual(["Alice@example.com"]);
    expect(alice.displayName).toBe("Alice");
    expect(alice.serialHex).toBe("1E");
    expect(formatName(alice.issuer)).toBe("C=US, ST=California, L=Mountain View, O=BOGUS NSS, CN=NSS Test CA (RSA)");
    const aliceEc = readCertificates(fixture("nss-Alice-ec.crt"))[0]!;
    expect(aliceEc.emailAddresses).toEqual(["Alice-ec@example.com"]);
    expect(aliceEc.publicKey).toMatchObject({ kind: "ec", curve: "P-384" });
    const caEc = readCertificates(fixture("nss-TestCA-ecc.pem"))[0]!;
    expect(caEc.publicKey).toMatchObject({ kind: "ec", curve: "P-521" });
    expect(readCertificates(fixture("nss-TestCA-rsa.pem"))[0]!.displayName).toBe("NSS Test CA (RSA)");
  });

  it("pyca: a CA certificate without email", () => {
    const ca = readCertificates(fixture("pyca-rsa_ca.pem"))[0]!;
    expect(ca.displayName).toBe("cryptography CA");
    expect(ca.emailAddresses).toEqual([]);
    expect(serialNumbersEqual(ca.serialNumber, ca.serialNumber)).toBe(true);
  });
});
