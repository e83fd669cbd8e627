// Path validation against chains made by openssl at test time (RSA PKCS#1 v1.5 with SHA-1/256/384/512,
// RSASSA-PSS, ECDSA, an EC end entity) and against the public S/MIME certificates of fixtures/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CoreService } from "@mailseal/core-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailsealError } from "../../src/errors/index.js";
import { parseCertificate, readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { validateCertificatePath, type PathValidationOptions } from "../../src/pki/chain.js";
import { EXT, TestCa } from "./test-ca.js";

const ca = new TestCa();
let core: CoreService;
const DAY = 24 * 3600 * 1000;
/** Set once the certificates exist (openssl starts their validity at the time it makes them). */
let now: Date;
let inTwoDays: Date;
const certs: Record<string, Certificate> = {};

const fixture = (name: string): Certificate =>
  readCertificates(new Uint8Array(readFileSync(join(import.meta.dirname, "fixtures", name))))[0]!;

/** Validates certificate `name` with anchors and intermediates given by name. */
function validate(
  name: string,
  anchors: string[],
  intermediates: string[],
  options: Partial<PathValidationOptions> = {},
): Promise<Certificate[]> {
  return validateCertificatePath(certs[name]!, {
    anchors: anchors.map((a) => certs[a]!),
    intermediates: intermediates.map((i) => certs[i]!),
    time: now,
    usage: "signing",
    crypto: core,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<MailsealError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailsealError);
  return error as MailsealError;
}

const names = (path: Certificate[]): string[] => path.map((c) => c.displayName);

/** The certificate with the last byte of its signature flipped. */
function flipSignature(cert: Certificate): Certificate {
  const der = cert.der.slice();
  der[der.length - 1]! ^= 0x01;
  return parseCertificate(der);
}

beforeAll(async () => {
  core = await CoreService.open();
  const add = (name: string, der: Uint8Array): void => void (certs[name] = parseCertificate(der));
  const rootKey = ca.key("root", "rsa");
  const intKey = ca.key("int", "rsa");
  const eeKey = ca.key("ee", "rsa");
  const ca0 = (extra: string[] = []): string[] => [
    ...EXT.ca.filter((l) => !l.startsWith("basicConstraints")),
    ...extra,
  ];

  add("root", ca.selfSigned("root", rootKey, { subject: "/O=Mailseal Test/CN=Root", ext: EXT.root, days: 3650 }));
  add(
    "int",
    ca.issue("int", intKey, "root", rootKey, {
      subject: "/O=Mailseal Test/CN=Intermediate",
      ext: ca0(["basicConstraints=critical,CA:TRUE,pathlen:0"]),
      days: 3650,
    }),
  );
  add(
    "alice",
    ca.issue("alice", eeKey, "int", intKey, { subject: "/CN=Alice", ext: EXT.endEntity("alice@example.com") }),
  );
  for (const digest of ["sha1", "sha384", "sha512"]) {
    add(
      `alice-${digest}`,
      ca.issue(`alice-${digest}`, eeKey, "int", intKey, {
        subject: "/CN=Alice",
        ext: EXT.endEntity("alice@example.com"),
        digest,
      }),
    );
  }
  // Validity: an end entity and an intermediate that expire tomorrow.
  add(
    "alice-short",
    ca.issue("alice-short", eeKey, "int", intKey, {
      subject: "/CN=Alice Short",
      ext: EXT.endEntity("a@example.com"),
      days: 1,
    }),
  );
  add(
    "int-short",
    ca.issue("int-short", intKey, "root", rootKey, {
      subject: "/O=Mailseal Test/CN=Short Intermediate",
      ext: ca0(["basicConstraints=critical,CA:TRUE"]),
      days: 1,
    }),
  );
  add(
    "bob",
    ca.issue("bob", eeKey, "int-short", intKey, { subject: "/CN=Bob", ext: EXT.endEntity("bob@example.com") }),
  );
  // Another root with the same name but another key; a certificate that is not a CA issuing one.
  add(
    "root-other",
    ca.selfSigned("root-other", ca.key("root-other", "rsa"), { subject: "/O=Mailseal Test/CN=Root", ext: EXT.root }),
  );
  add(
    "not-ca",
    ca.issue("not-ca", intKey, "root", rootKey, {
      subject: "/O=Mailseal Test/CN=Not A CA",
      ext: ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "subjectKeyIdentifier=hash"],
    }),
  );
  add(
    "carol",
    ca.issue("carol", eeKey, "not-ca", intKey, { subject: "/CN=Carol", ext: EXT.endEntity("carol@example.com") }),
  );
  add(
    "no-certsign",
    ca.issue("no-certsign", intKey, "root", rootKey, {
      subject: "/O=Mailseal Test/CN=No CertSign",
      ext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,cRLSign", "subjectKeyIdentifier=hash"],
    }),
  );
  add(
    "dave",
    ca.issue("dave", eeKey, "no-certsign", intKey, { subject: "/CN=Dave", ext: EXT.endEntity("dave@example.com") }),
  );
  // Same key as the intermediate, another name: what it issues names an issuer nobody has.
  add(
    "int-renamed",
    ca.issue("int-renamed", intKey, "root", rootKey, {
      subject: "/O=Mailseal Test/CN=Renamed",
      ext: ca0(["basicConstraints=critical,CA:TRUE"]),
    }),
  );
  add(
    "erin",
    ca.issue("erin", eeKey, "int-renamed", intKey, { subject: "/CN=Erin", ext: EXT.endEntity("erin@example.com") }),
  );
  // Below the pathlen:0 intermediate, another CA.
  add(
    "sub",
    ca.issue("sub", intKey, "int", intKey, {
      subject: "/O=Mailseal Test/CN=Sub CA",
      ext: ca0(["basicConstraints=critical,CA:TRUE"]),
    }),
  );
  add(
    "frank",
    ca.issue("frank", eeKey, "sub", intKey, { subject: "/CN=Frank", ext: EXT.endEntity("frank@example.com") }),
  );
  // pathlen:1 allows one CA below, not two.
  const caExt = ca0(["basicConstraints=critical,CA:TRUE"]);
  add(
    "pl1",
    ca.issue("pl1", intKey, "root", rootKey, {
      subject: "/CN=Pathlen 1",
      ext: ca0(["basicConstraints=critical,CA:TRUE,pathlen:1"]),
    }),
  );
  add("pl1-sub", ca.issue("pl1-sub", intKey, "pl1", intKey, { subject: "/CN=Pathlen Sub", ext: caExt }));
  add("pl1-sub2", ca.issue("pl1-sub2", intKey, "pl1-sub", intKey, { subject: "/CN=Pathlen Sub 2", ext: caExt }));
  add(
    "judy",
    ca.issue("judy", eeKey, "pl1-sub", intKey, { subject: "/CN=Judy", ext: EXT.endEntity("judy@example.com") }),
  );
  add(
    "ivan",
    ca.issue("ivan", eeKey, "pl1-sub2", intKey, { subject: "/CN=Ivan", ext: EXT.endEntity("ivan@example.com") }),
  );
  // A CA with a critical extension this code does not process.
  add(
    "constrained",
    ca.issue("constrained", intKey, "root", rootKey, {
      subject: "/O=Mailseal Test/CN=Constrained",
      ext: ca0(["basicConstraints=critical,CA:TRUE", "nameConstraints=critical,permitted;email:.example.com"]),
    }),
  );
  add(
    "gina",
    ca.issue("gina", eeKey, "constrained", intKey, { subject: "/CN=Gina", ext: EXT.endEntity("gina@example.com") }),
  );
  // End entities for one usage only, or not for email.
  add(
    "sign-only",
    ca.issue("sign-only", eeKey, "int", intKey, {
      subject: "/CN=Signer",
      ext: EXT.endEntity("s@example.com", "digitalSignature,nonRepudiation"),
    }),
  );
  add(
    "encrypt-only",
    ca.issue("encrypt-only", eeKey, "int", intKey, {
      subject: "/CN=Encrypter",
      ext: EXT.endEntity("e@example.com", "keyEncipherment"),
    }),
  );
  add(
    "tls",
    ca.issue("tls", eeKey, "int", intKey, {
      subject: "/CN=Server",
      ext: ["keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth"],
    }),
  );
  add(
    "any-eku",
    ca.issue("any-eku", eeKey, "int", intKey, {
      subject: "/CN=Any",
      ext: ["keyUsage=critical,digitalSignature", "extendedKeyUsage=anyExtendedKeyUsage"],
    }),
  );
  // Two CAs that issued each other (a loop), and an end entity below them.
  const loopKey = ca.key("loop", "rsa");
  ca.selfSigned("loop-a-self", loopKey, { subject: "/CN=Loop A", ext: EXT.root });
  add(
    "loop-b",
    ca.issue("loop-b", loopKey, "loop-a-self", loopKey, {
      subject: "/CN=Loop B",
      ext: ca0(["basicConstraints=critical,CA:TRUE"]),
    }),
  );
  add(
    "loop-a",
    ca.issue("loop-a", loopKey, "loop-b", loopKey, {
      subject: "/CN=Loop A",
      ext: ca0(["basicConstraints=critical,CA:TRUE"]),
    }),
  );
  add(
    "henry",
    ca.issue("henry", eeKey, "loop-a", loopKey, { subject: "/CN=Henry", ext: EXT.endEntity("henry@example.com") }),
  );
  // A chain of CAs 0..7 (one key): CA 0 is the root.
  add("ca-0", ca.selfSigned("ca-0", loopKey, { subject: "/CN=CA 0", ext: EXT.root }));
  for (let i = 1; i <= 7; i++) {
    add(
      `ca-${i}`,
      ca.issue(`ca-${i}`, loopKey, `ca-${i - 1}`, loopKey, {
        subject: `/CN=CA ${i}`,
        ext: ca0(["basicConstraints=critical,CA:TRUE"]),
      }),
    );
  }
  add(
    "deep-7",
    ca.issue("deep-7", eeKey, "ca-6", loopKey, { subject: "/CN=Deep 7", ext: EXT.endEntity("d@example.com") }),
  );
  add(
    "deep-8",
    ca.issue("deep-8", eeKey, "ca-7", loopKey, { subject: "/CN=Deep 8", ext: EXT.endEntity("d@example.com") }),
  );
  // RSASSA-PSS everywhere: the root signs with SHA-256 (salt 32), the id-RSASSA-PSS intermediate with
  // SHA-384 and salt 48, the end entity is signed with salt 20 and SHA-512.
  const pssRootKey = ca.key("pss-root", "rsa");
  const pssIntKey = ca.key("pss-int", "rsa-pss");
  const pss = (saltlen: number): string[] => ["rsa_padding_mode:pss", `rsa_pss_saltlen:${saltlen}`];
  add("pss-root", ca.selfSigned("pss-root", pssRootKey, { subject: "/CN=PSS Root", ext: EXT.root, sigopt: pss(32) }));
  add(
    "pss-int",
    ca.issue("pss-int", pssIntKey, "pss-root", pssRootKey, {
      subject: "/CN=PSS Intermediate",
      ext: ca0(["basicConstraints=critical,CA:TRUE"]),
      digest: "sha384",
      sigopt: pss(48),
    }),
  );
  add(
    "pss-ee",
    ca.issue("pss-ee", eeKey, "pss-int", pssIntKey, {
      subject: "/CN=PSS Alice",
      ext: EXT.endEntity("pss@example.com"),
      digest: "sha512",
      sigopt: ["rsa_pss_saltlen:20"],
    }),
  );
  // EC: a P-256 end entity under the RSA intermediate; an ECDSA P-384 root signing a P-256 end entity.
  const ecKey = ca.key("ec", "p256");
  add(
    "ec-ee",
    ca.issue("ec-ee", ecKey, "int", intKey, {
      subject: "/CN=EC Alice",
      ext: EXT.endEntity("ec@example.com", "digitalSignature,keyAgreement"),
    }),
  );
  const ecRootKey = ca.key("ec-root", "p384");
  add("ec-root", ca.selfSigned("ec-root", ecRootKey, { subject: "/CN=EC Root", ext: EXT.root, digest: "sha384" }));
  add(
    "ecdsa-ee",
    ca.issue("ecdsa-ee", ecKey, "ec-root", ecRootKey, {
      subject: "/CN=ECDSA Alice",
      ext: EXT.endEntity("ecdsa@example.com", "digitalSignature,keyAgreement"),
    }),
  );
  now = new Date(Date.now() + 60_000);
  inTwoDays = new Date(now.getTime() + 2 * DAY);
}, 120_000);

afterAll(() => ca.dispose());

describe("valid paths", () => {
  it("end entity, intermediate, root", async () => {
    expect(names(await validate("alice", ["root"], ["int"]))).toEqual(["Alice", "Intermediate", "Root"]);
    expect(names(await validate("alice", ["root"], ["int"], { usage: "encryption" }))).toEqual([
      "Alice",
      "Intermediate",
      "Root",
    ]);
  });

  it("with the intermediate as the anchor, and the intermediate found among unrelated certificates", async () => {
    expect(names(await validate("alice", ["int"], []))).toEqual(["Alice", "Intermediate"]);
    expect(names(await validate("alice", ["root-other", "root"], ["bob", "not-ca", "int-short", "int"]))).toEqual([
      "Alice",
      "Intermediate",
      "Root",
    ]);
  });

  it("RSA PKCS#1 v1.5 with SHA-1, SHA-384 and SHA-512", async () => {
    for (const digest of ["sha1", "sha384", "sha512"]) {
      expect(certs[`alice-${digest}`]!.signatureAlgorithm.algorithm).toMatch(/^1\.2\.840\.113549\.1\.1\.(5|12|13)$/);
      expect(await validate(`alice-${digest}`, ["root"], ["int"])).toHaveLength(3);
    }
  });

  it("RSASSA-PSS with its parameters, through an id-RSASSA-PSS key", async () => {
    expect(certs["pss-int"]!.publicKey).toMatchObject({ kind: "rsa", pssOnly: true });
    expect(certs["pss-ee"]!.signatureAlgorithm.algorithm).toBe("1.2.840.113549.1.1.10");
    expect(names(await validate("pss-ee", ["pss-root"], ["pss-int"]))).toEqual([
      "PSS Alice",
      "PSS Intermediate",
      "PSS Root",
    ]);
    const bad = flipSignature(certs["pss-int"]!);
    await expect(
      validateCertificatePath(certs["pss-ee"]!, {
        anchors: [certs["pss-root"]!],
        intermediates: [bad],
        time: now,
        usage: "signing",
        crypto: core,
      }),
    ).rejects.toMatchObject({ code: "UNTRUSTED_CERTIFICATE" });
  });

  it("an EC P-256 end entity, under RSA and under ECDSA P-384", async () => {
    expect(names(await validate("ec-ee", ["root"], ["int"], { usage: "encryption" }))).toEqual([
      "EC Alice",
      "Intermediate",
      "Root",
    ]);
    expect(names(await validate("ecdsa-ee", ["ec-root"], [], { usage: "encryption" }))).toEqual([
      "ECDSA Alice",
      "EC Root",
    ]);
    const error = await failure(
      validateCertificatePath(flipSignature(certs["ecdsa-ee"]!), {
        anchors: [certs["ec-root"]!],
        time: now,
        usage: "signing",
        crypto: core,
      }),
    );
    expect(error.code).toBe("UNTRUSTED_CERTIFICATE");
  });

  it("a path of 8 certificates, the longest allowed", async () => {
    const intermediates = [1, 2, 3, 4, 5, 6].map((i) => `ca-${i}`);
    expect(await validate("deep-7", ["ca-0"], intermediates)).toHaveLength(8);
  });
});

describe("validity at the given time", () => {
  it("an expired end entity is CERTIFICATE_EXPIRED, naming it and its dates", async () => {
    expect(await validate("alice-short", ["root"], ["int"])).toHaveLength(3);
    const error = await failure(validate("alice-short", ["root"], ["int"], { time: inTwoDays }));
    expect(error.code).toBe("CERTIFICATE_EXPIRED");
    expect(error.message).toContain('"CN=Alice Short"');
    expect(error.message).toContain(certs["alice-short"]!.notAfter.toISOString());
    expect(error.message).toContain("has expired");
  });

  it("an expired intermediate is CERTIFICATE_EXPIRED, naming the intermediate", async () => {
    expect(await validate("bob", ["root"], ["int-short"])).toHaveLength(3);
    const error = await failure(validate("bob", ["root"], ["int-short"], { time: inTwoDays }));
    expect(error.code).toBe("CERTIFICATE_EXPIRED");
    expect(error.message).toContain("Short Intermediate");
  });

  it("a time before the certificates is CERTIFICATE_EXPIRED (not yet valid)", async () => {
    const error = await failure(validate("alice", ["root"], ["int"], { time: new Date("2001-01-01T00:00:00Z") }));
    expect(error.code).toBe("CERTIFICATE_EXPIRED");
    expect(error.message).toContain("not yet valid");
  });
});

describe("untrusted paths", () => {
  const untrusted = async (promise: Promise<unknown>, message: RegExp): Promise<void> => {
    const error = await failure(promise);
    expect(error.code).toBe("UNTRUSTED_CERTIFICATE");
    expect(error.message).toMatch(message);
  };

  it("an unknown root, or no intermediate", async () => {
    // Same name as the root, but the intermediate's authorityKeyIdentifier names another key.
    await untrusted(validate("alice", ["root-other"], ["int"]), /issuer "O=Mailseal Test, CN=Root" not found/);
    await untrusted(validate("alice", ["alice-sha1"], ["int"]), /"O=Mailseal Test, CN=Root" not found/);
    await untrusted(validate("alice", ["root"], []), /issuer "O=Mailseal Test, CN=Intermediate" not found/);
    await untrusted(validate("root-other", ["ec-root"], []), /self-issued and not a trust anchor/);
  });

  it("an intermediate that is not a CA, or may not sign certificates", async () => {
    await untrusted(validate("carol", ["root"], ["not-ca"]), /Not A CA.*is not a CA/);
    await untrusted(validate("dave", ["root"], ["no-certsign"]), /lacks keyCertSign/);
  });

  it("a wrong signature on the end entity or on the intermediate", async () => {
    const bad = flipSignature(certs["alice"]!);
    await untrusted(
      validateCertificatePath(bad, {
        anchors: [certs["root"]!],
        intermediates: [certs["int"]!],
        time: now,
        usage: "signing",
        crypto: core,
      }),
      /"CN=Alice".*is not signed by .*Intermediate.*does not verify/,
    );
    await untrusted(
      validateCertificatePath(certs["alice"]!, {
        anchors: [certs["root"]!],
        intermediates: [flipSignature(certs["int"]!)],
        time: now,
        usage: "signing",
        crypto: core,
      }),
      /Intermediate.*is not signed by.*Root/,
    );
  });

  it("an issuer name that matches no certificate, even with the right key", async () => {
    await untrusted(validate("erin", ["root"], ["int"]), /issuer "O=Mailseal Test, CN=Renamed" not found/);
    expect(await validate("erin", ["root"], ["int-renamed"])).toHaveLength(3);
  });

  it("path length constraint, loops and too long paths", async () => {
    await untrusted(validate("frank", ["root"], ["int", "sub"]), /path length constraint/);
    expect(await validate("judy", ["root"], ["pl1", "pl1-sub"])).toHaveLength(4);
    await untrusted(
      validate("ivan", ["root"], ["pl1", "pl1-sub", "pl1-sub2"]),
      /"CN=Pathlen Sub 2".*path length constraint/,
    );
    await untrusted(
      validate("henry", ["root"], ["loop-a", "loop-b"]),
      /issuer "CN=Loop A" is already in the path \(a loop\)/,
    );
    const intermediates = [1, 2, 3, 4, 5, 6, 7].map((i) => `ca-${i}`);
    await untrusted(validate("deep-8", ["ca-0"], intermediates), /within 8 certificates/);
  });

  it("an unprocessed critical extension on a CA", async () => {
    await untrusted(validate("gina", ["root"], ["constrained"]), /unsupported critical extensions: 2\.5\.29\.30/);
  });

  it("an end entity not for the usage asked", async () => {
    expect(await validate("sign-only", ["root"], ["int"])).toHaveLength(3);
    await untrusted(validate("sign-only", ["root"], ["int"], { usage: "encryption" }), /lacks keyEncipherment/);
    expect(await validate("encrypt-only", ["root"], ["int"], { usage: "encryption" })).toHaveLength(3);
    await untrusted(validate("encrypt-only", ["root"], ["int"]), /not for signing/);
    await untrusted(validate("tls", ["root"], ["int"]), /not for email protection/);
    expect(await validate("any-eku", ["root"], ["int"])).toHaveLength(3);
    expect(await validate("ec-ee", ["root"], ["int"], { usage: "encryption" })).toHaveLength(3);
    await untrusted(
      validate("pss-int", ["pss-root"], [], { usage: "encryption" }),
      /RSASSA-PSS key, which cannot encrypt/,
    );
  });
});

describe("public S/MIME certificates (fixtures/SOURCES.md)", () => {
  const at = (iso: string): Date => new Date(iso);

  it("RFC 4134: Alice and Bob under Carl (sha1WithRSAEncryption)", async () => {
    const carl = fixture("CarlRSASelf.cer");
    const alice = fixture("AliceRSASignByCarl.cer");
    const bob = fixture("BobRSASignByCarl.cer");
    const options = { anchors: [carl], time: at("2020-01-01T00:00:00Z"), crypto: core };
    expect(await validateCertificatePath(alice, { ...options, usage: "signing" })).toEqual([alice, carl]);
    expect(await validateCertificatePath(bob, { ...options, usage: "encryption" })).toEqual([bob, carl]);
    const error = await failure(validateCertificatePath(alice, { ...options, usage: "encryption" }));
    expect(error.code).toBe("UNTRUSTED_CERTIFICATE");
    const expired = await failure(
      validateCertificatePath(alice, { ...options, usage: "signing", time: at("2040-06-01T00:00:00Z") }),
    );
    expect(expired.code).toBe("CERTIFICATE_EXPIRED");
  });

  it("RFC 4134: AliceDSS under CarlDSS (DSA with SHA-1 certificate signatures) validates; a flipped signature bit does not", async () => {
    const alice = fixture("AliceDSSSignByCarlNoInherit.cer");
    const carl = fixture("CarlDSSSelf.cer");
    const options = { anchors: [carl], time: at("2020-01-01T00:00:00Z"), usage: "signing" as const, crypto: core };
    expect(await validateCertificatePath(alice, options)).toEqual([alice, carl]);
    const error = await failure(validateCertificatePath(flipSignature(alice), options));
    expect(error.code).toBe("UNTRUSTED_CERTIFICATE");
  });

  it("Thunderbird/NSS: Alice under the RSA test CA, and Alice's EC certificate under the P-521 ECDSA CA", async () => {
    const time = at("2027-06-01T00:00:00Z");
    const alice = fixture("nss-Alice.crt");
    const path = await validateCertificatePath(alice, {
      anchors: [fixture("nss-TestCA-rsa.pem")],
      time,
      usage: "signing",
      crypto: core,
    });
    expect(path.map((c) => c.displayName)).toEqual(["Alice", "NSS Test CA (RSA)"]);
    const ecPath = await validateCertificatePath(fixture("nss-Alice-ec.crt"), {
      anchors: [fixture("nss-TestCA-ecc.pem")],
      time,
      usage: "signing",
      crypto: core,
    });
    expect(ecPath.map((c) => c.displayName)).toEqual(["Alice", "NSS Test CA (ECC)"]);
    const expired = await failure(
      validateCertificatePath(alice, {
        anchors: [fixture("nss-TestCA-rsa.pem")],
        time: at("2031-02-01T00:00:00Z"),
        usage: "signing",
        crypto: core,
      }),
    );
    expect(expired.code).toBe("CERTIFICATE_EXPIRED");
  });
});
