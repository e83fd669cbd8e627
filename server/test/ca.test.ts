// The CA on both HSM backends, checked by three independent readers: openssl (verify with the S/MIME
// purposes, x509 -text, crl -verify, verify -crl_check), the shared PKI parser with its path
// validation, and the MailsealError codes for what must be refused.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreService } from "@mailseal/core-wasm";
import {
  hasEmailAddress,
  parseCertificate,
  MailsealError,
  validateCertificatePath,
  type Certificate,
} from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CertificateAuthority, normalizeAddress, type CaErrorCode } from "../src/ca/index.js";
import { openHsm, type HsmBackend } from "../src/hsm/backend.js";
import { run } from "../../test/interop/peers/run.js";
import { startSoftHsm, type SoftHsmToken } from "../../test/support/softhsm.js";
import { MemoryCaStore } from "./ca-memory-store.js";

const DAY = 86_400_000;
const CRL_URL = "http://127.0.0.1:7400/v1/ca/crl";

async function failure(promise: Promise<unknown>, code: CaErrorCode): Promise<MailsealError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailsealError);
  expect((error as MailsealError).code).toBe(code);
  return error as MailsealError;
}

const pem = (der: Uint8Array, label = "CERTIFICATE"): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n")}\n-----END ${label}-----\n`;

/** An RSA key pair of `bits` (node:crypto), PEM private key and SPKI DER. */
function rsaKey(bits: number): { keyPem: string; spki: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return {
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
  };
}

describe.each(["soft", "pkcs11"] as const)("CA on the %s backend", (kind) => {
  let dir: string;
  let token: SoftHsmToken | undefined;
  let spec: string;
  let hsm: HsmBackend;
  let core: CoreService;
  const store = new MemoryCaStore();
  const clock = { now: () => new Date() };
  let ca: CertificateAuthority;
  let rootPath: string;
  let issuingPath: string;
  let userKey: { keyPem: string; spki: Uint8Array };
  let deviceKeyPath: string;

  const file = (name: string, content: string | Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const openssl = async (args: string[]): Promise<string> => (await run("openssl", args)).stdout.toString("utf8");
  const opensslVerify = (cert: Uint8Array, purpose: string, extra: string[] = []): Promise<string> =>
    run(
      "openssl",
      [
        "verify",
        "-CAfile",
        rootPath,
        "-untrusted",
        issuingPath,
        "-purpose",
        purpose,
        ...extra,
        file(`v-${Math.random()}.pem`, pem(cert)),
      ],
      {
        okCodes: [0, 2],
      },
    ).then((r) => r.stdout.toString("utf8") + r.stderr);
  const x509Text = (cert: Uint8Array): Promise<string> =>
    openssl(["x509", "-noout", "-text", "-in", file(`t-${Math.random()}.pem`, pem(cert))]);
  const validate = (cert: Uint8Array, usage: "encryption" | "signing", time?: Date): Promise<Certificate[]> =>
    validateCertificatePath(parseCertificate(cert), {
      anchors: [parseCertificate(ca.root)],
      intermediates: [parseCertificate(ca.issuing)],
      usage,
      crypto: core,
      ...(time === undefined ? {} : { time }),
    });
  const csr = async (keyPath: string, subject = "/CN=mallory@evil.example"): Promise<Uint8Array> =>
    new Uint8Array(
      (await run("openssl", ["req", "-new", "-key", keyPath, "-subj", subject, "-sha256", "-outform", "DER"])).stdout,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ca-test-"));
    if (kind === "pkcs11") {
      token = await startSoftHsm();
      spec = token.spec;
    } else spec = "soft";
    hsm = await openHsm(spec, { dataDir: dir });
    [core, ca] = await Promise.all([
      CoreService.open(),
      CertificateAuthority.open({ hsm, store, clock, profile: "private", crlUrl: CRL_URL }),
    ]);
    rootPath = file("root.pem", pem(ca.root));
    issuingPath = file("issuing.pem", pem(ca.issuing));
    userKey = rsaKey(3072);
    deviceKeyPath = file("device.key", rsaKey(2048).keyPem);
  });

  afterAll(async () => {
    await hsm?.close();
    await token?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("makes a root and an issuing CA with non-extractable keys, and finds the same ones after a restart", async () => {
    const root = store.authorities.get("root")!;
    const issuing = store.authorities.get("issuing")!;
    expect(Buffer.from(root.certificate)).toEqual(Buffer.from(ca.root));

    await hsm.close();
    hsm = await openHsm(spec, { dataDir: dir });
    ca = await CertificateAuthority.open({ hsm, store, clock, profile: "private", crlUrl: CRL_URL });
    expect(Buffer.from(ca.root)).toEqual(Buffer.from(root.certificate));
    expect(Buffer.from(ca.issuing)).toEqual(Buffer.from(issuing.certificate));

    const rootText = await openssl(["x509", "-noout", "-text", "-in", rootPath]);
    expect(rootText).toMatch(/Public-Key: \(4096 bit\)/);
    expect(rootText).toMatch(/Basic Constraints: critical\s+CA:TRUE\n/);
    expect(rootText).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    const issuingText = await openssl(["x509", "-noout", "-text", "-in", issuingPath]);
    expect(issuingText).toMatch(/Public-Key: \(3072 bit\)/);
    expect(issuingText).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0\n/);
    expect(issuingText).toMatch(/Extended Key Usage:\s+E-mail Protection\n/);
    const [rootCert, issuingCert] = [parseCertificate(ca.root), parseCertificate(ca.issuing)];
    expect(rootCert.notAfter.getTime() - rootCert.notBefore.getTime()).toBeGreaterThanOrEqual(20 * 365 * DAY);
    expect(issuingCert.notAfter.getTime() - issuingCert.notBefore.getTime()).toBeGreaterThanOrEqual(10 * 365 * DAY);
    expect(await openssl(["verify", "-CAfile", rootPath, issuingPath])).toContain("OK");
  });

  it("issues an encryption certificate that openssl and the shared validator accept for encryption only", async () => {
    const issued = await ca.issueEncryptionCertificate({ address: "Alice@Example.ORG", spki: userKey.spki });
    expect(issued.serial).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(await opensslVerify(issued.der, "smimeencrypt")).toMatch(/: OK\n/);
    expect(await opensslVerify(issued.der, "smimesign")).toMatch(
      /error 26 at 0 depth lookup: unsuitable certificate purpose/,
    );

    const text = await x509Text(issued.der);
    expect(text).toMatch(/Subject: CN ?= ?Alice@example\.org\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+E-mail Protection\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s+email:Alice@example\.org\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
    expect(text).toContain("X509v3 Subject Key Identifier");
    expect(text).toContain("X509v3 Authority Key Identifier");
    expect(text).toContain(`URI:${CRL_URL}`);
    expect(text).not.toContain("Certificate Policies");
    expect(text).toContain(`Serial Number:`);

    const cert = parseCertificate(issued.der);
    expect(cert.serialHex).toBe(issued.serial);
    expect(cert.notBefore).toEqual(issued.notBefore);
    const threeYears = new Date(issued.notBefore);
    threeYears.setUTCFullYear(threeYears.getUTCFullYear() + 3);
    expect(cert.notAfter.getTime()).toBe(threeYears.getTime() - 1000);
    expect(cert.authorityKeyIdentifier).toEqual(parseCertificate(ca.issuing).subjectKeyIdentifier);
    expect(hasEmailAddress(cert, "Alice@example.org")).toBe(true);
    expect(cert.criticalExtensions).toEqual(expect.arrayContaining(["2.5.29.15", "2.5.29.19"]));
    expect(cert.criticalExtensions).not.toContain("2.5.29.17");
    expect((await validate(issued.der, "encryption")).length).toBe(3);
    await expect(validate(issued.der, "signing")).rejects.toBeInstanceOf(MailsealError);
    expect(store.certificates.get(issued.serial)).toMatchObject({ address: "Alice@example.org", kind: "encryption" });
  });

  it("issues a signing certificate from a CSR, for the server's address and not the CSR's", async () => {
    const issued = await ca.issueSigningCertificate({
      address: "bob@example.org",
      deviceId: "dev-1",
      csr: await csr(deviceKeyPath),
    });
    expect(await opensslVerify(issued.der, "smimesign")).toMatch(/: OK\n/);
    const text = await x509Text(issued.der);
    expect(text).toMatch(/Subject: CN ?= ?bob@example\.org\n/);
    expect(text).not.toContain("mallory");
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s+email:bob@example\.org\n/);
    const cert = parseCertificate(issued.der);
    const oneYear = new Date(issued.notBefore);
    oneYear.setUTCFullYear(oneYear.getUTCFullYear() + 1);
    expect(cert.notAfter.getTime()).toBe(oneYear.getTime() - 1000);
    expect((await validate(issued.der, "signing")).length).toBe(3);
    await expect(validate(issued.der, "encryption")).rejects.toBeInstanceOf(MailsealError);
    // The certified key is the CSR's.
    const csrKey = (await run("openssl", ["pkey", "-in", deviceKeyPath, "-pubout", "-outform", "DER"])).stdout;
    expect(Buffer.from(cert.publicKey.spki)).toEqual(csrKey);
    expect(store.certificates.get(issued.serial)).toMatchObject({ deviceId: "dev-1", kind: "signing" });
  });

  it("refuses bad CSRs, bad keys and bad addresses with their codes", async () => {
    const good = await csr(deviceKeyPath);
    const tampered = good.slice();
    tampered[tampered.length - 1]! ^= 0x01;
    await failure(
      ca.issueSigningCertificate({ address: "bob@example.org", deviceId: "d", csr: tampered }),
      "CA_BAD_CSR_SIGNATURE",
    );
    const small = file("small.key", rsaKey(1024).keyPem);
    await failure(
      ca.issueSigningCertificate({ address: "bob@example.org", deviceId: "d", csr: await csr(small) }),
      "CA_WEAK_KEY",
    );
    const ec = file("ec.key", await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]));
    await failure(
      ca.issueSigningCertificate({ address: "bob@example.org", deviceId: "d", csr: await csr(ec) }),
      "CA_UNSUPPORTED_KEY",
    );
    await failure(
      ca.issueSigningCertificate({
        address: "bob@example.org",
        deviceId: "d",
        csr: new Uint8Array([0x30, 0x03, 1, 2, 3]),
      }),
      "CA_BAD_CSR",
    );
    await failure(
      ca.issueSigningCertificate({ address: "bob@example.org", deviceId: "d", csr: new Uint8Array([...good, 0]) }),
      "CA_BAD_CSR",
    );
    await failure(
      ca.issueEncryptionCertificate({ address: "bob@example.org", spki: rsaKey(1024).spki }),
      "CA_WEAK_KEY",
    );
    await failure(
      ca.issueEncryptionCertificate({ address: "bob@example.org", spki: new Uint8Array([1, 2, 3]) }),
      "CA_BAD_PUBLIC_KEY",
    );
    for (const address of [
      "bob",
      "bob@",
      "@example.org",
      "b ob@example.org",
      '"bob"@example.org',
      "bob@localhost",
      "bob@[127.0.0.1]",
      "bøb@example.org",
      "bob@example.org\r\nBcc: x@y.org",
      "bob..x@example.org",
      "bob@-x.org",
      "bob@example.123",
    ])
      await failure(ca.issueEncryptionCertificate({ address, spki: userKey.spki }), "CA_BAD_ADDRESS");
    expect(normalizeAddress("First.Last+tag@Mail.Example.COM")).toBe("First.Last+tag@mail.example.com");
  });

  it("leaves out the common name of an address longer than 64 characters and makes the SAN critical", async () => {
    const address = `${"a".repeat(60)}@example.org`;
    const issued = await ca.issueEncryptionCertificate({ address, spki: userKey.spki });
    expect(await opensslVerify(issued.der, "smimeencrypt")).toMatch(/: OK\n/);
    const cert = parseCertificate(issued.der);
    expect(cert.subject.rdns.length).toBe(0);
    expect(cert.criticalExtensions).toContain("2.5.29.17");
    expect(hasEmailAddress(cert, address)).toBe(true);
    expect((await validate(issued.der, "encryption")).length).toBe(3);
  });

  it("publishes revocations in a CRL that openssl verifies, and openssl then refuses the revoked certificate", async () => {
    const kept = await ca.issueEncryptionCertificate({ address: "carol@example.org", spki: userKey.spki });
    const lost = await ca.issueSigningCertificate({
      address: "carol@example.org",
      deviceId: "dev-lost",
      csr: await csr(deviceKeyPath),
    });
    const second = await ca.issueSigningCertificate({
      address: "carol@example.org",
      deviceId: "dev-lost",
      csr: await csr(deviceKeyPath),
    });
    await ca.revoke(lost.serial.toLowerCase(), "keyCompromise");
    expect(await ca.revokeDevice("dev-lost")).toEqual([second.serial]);
    await failure(ca.revoke("0123ABCD", "superseded"), "CA_UNKNOWN_SERIAL");
    await failure(ca.revoke("not hex", "superseded"), "CA_UNKNOWN_SERIAL");

    const crl = await ca.crl();
    const crlPath = file("ca.crl", crl);
    const chainPath = file("chain.pem", pem(ca.root) + pem(ca.issuing));
    const checked = await run("openssl", [
      "crl",
      "-inform",
      "DER",
      "-in",
      crlPath,
      "-CAfile",
      chainPath,
      "-verify",
      "-noout",
      "-text",
    ]);
    expect(checked.stderr).toContain("verify OK");
    const text = checked.stdout.toString("utf8");
    expect(text).toContain("Version 2 (0x1)");
    expect(text).toMatch(/Next Update: /);
    expect(text).toMatch(/X509v3 CRL Number:\s+\d+/);
    expect(text).toContain("X509v3 Authority Key Identifier");
    expect(text).toContain(`Serial Number: ${lost.serial}`);
    expect(text).toContain(`Serial Number: ${second.serial}`);
    expect(text).not.toContain(`Serial Number: ${kept.serial}`);
    expect(text).toMatch(/Key Compromise/);
    expect(text).toMatch(/Cessation Of Operation/);

    const withCrl = [
      "-crl_check",
      "-CRLfile",
      file("ca-crl.pem", await openssl(["crl", "-inform", "DER", "-in", crlPath])),
    ];
    expect(await opensslVerify(kept.der, "smimeencrypt", withCrl)).toMatch(/: OK\n/);
    expect(await opensslVerify(lost.der, "smimesign", withCrl)).toMatch(/certificate revoked/);
  });

  it("names the root's CRL in the issuing CA's certificate, so that every link of a path can be checked", async () => {
    // A fresh CA (its own store; keys in the same HSM): the issuing CA is certified with the root's CRL URL.
    const rootCrlUrl = "http://127.0.0.1:7400/v1/ca/root-crl";
    const fresh = await CertificateAuthority.open({
      hsm,
      store: new MemoryCaStore(),
      clock,
      profile: "private",
      crlUrl: CRL_URL,
      rootCrlUrl,
    });
    expect(await x509Text(fresh.issuing)).toContain(`URI:${rootCrlUrl}`);
    const leaf = await fresh.issueEncryptionCertificate({ address: "dave@example.org", spki: userKey.spki });
    const rootCrl = await fresh.rootCrl();
    expect(Buffer.from(await fresh.rootCrl())).toEqual(Buffer.from(rootCrl)); // kept, not signed again
    const root = file("fresh-root.pem", pem(fresh.root));
    const checked = await run("openssl", [
      ...[
        "crl",
        "-inform",
        "DER",
        "-in",
        file("fresh-root.crl", rootCrl),
        "-CAfile",
        root,
        "-verify",
        "-noout",
        "-text",
      ],
    ]);
    expect(checked.stderr).toContain("verify OK");
    expect(checked.stdout.toString("utf8")).toContain("No Revoked Certificates.");
    expect(checked.stdout.toString("utf8")).toMatch(/Issuer: CN = mailseal Root CA/);
    // openssl's -crl_check_all checks the issuing CA against the root's CRL as well as the leaf.
    const crlPem = async (der: Uint8Array, name: string) =>
      file(name, await openssl(["crl", "-inform", "DER", "-in", file(`${name}.der`, der)]));
    const verify = (crls: string[]) =>
      run(
        "openssl",
        [
          ...["verify", "-CAfile", root, "-untrusted", file("fresh-issuing.pem", pem(fresh.issuing))],
          ...["-purpose", "smimeencrypt", "-crl_check_all", ...crls.flatMap((crl) => ["-CRLfile", crl])],
          file("fresh-leaf.pem", pem(leaf.der)),
        ],
        { okCodes: [0, 2] },
      ).then((r) => r.stdout.toString("utf8") + r.stderr);
    const issuingCrl = await crlPem(await fresh.crl(), "fresh-issuing-crl.pem");
    expect(await verify([issuingCrl])).toContain("unable to get certificate CRL");
    expect(await verify([issuingCrl, await crlPem(rootCrl, "fresh-root-crl.pem")])).toMatch(/: OK\n/);
  });

  it("public trust: caps validity at 825 days, adds the Strict mailbox policy, and needs a CRL URL", async () => {
    // The same CA (same store and keys) under the other profile: the profile shapes end entities only.
    const publicCa = await CertificateAuthority.open({ hsm, store, clock, profile: "public-trust", crlUrl: CRL_URL });
    expect(Buffer.from(publicCa.root)).toEqual(Buffer.from(ca.root));
    const issued = await publicCa.issueEncryptionCertificate({ address: "dave@example.org", spki: userKey.spki });
    expect(issued.notAfter.getTime() - issued.notBefore.getTime()).toBe(825 * DAY - 1000);
    const text = await x509Text(issued.der);
    expect(text).toMatch(/Certificate Policies:\s+Policy: 2\.23\.140\.1\.5\.1\.3\n/);
    expect(await opensslVerify(issued.der, "smimeencrypt")).toMatch(/: OK\n/);
    expect((await validate(issued.der, "encryption")).length).toBe(3);
    const signing = await publicCa.issueSigningCertificate({
      address: "dave@example.org",
      deviceId: "d2",
      csr: await csr(deviceKeyPath),
    });
    expect(signing.notAfter.getTime() - signing.notBefore.getTime()).toBeLessThan(367 * DAY);
    await failure(CertificateAuthority.open({ hsm, store, clock, profile: "public-trust" }), "CA_BAD_CONFIG");
  });

  it("never issues past the issuing CA's notAfter, and honours a later notBefore", async () => {
    const issuingEnd = parseCertificate(ca.issuing).notAfter;
    const late = { now: () => new Date(issuingEnd.getTime() - 365 * DAY) };
    const lateCa = await CertificateAuthority.open({ hsm, store, clock: late, profile: "private" });
    const issued = await lateCa.issueEncryptionCertificate({ address: "erin@example.org", spki: userKey.spki });
    expect(issued.notAfter).toEqual(issuingEnd);
    expect((await validate(issued.der, "encryption", new Date(issuingEnd.getTime() - 1000))).length).toBe(3);

    const start = new Date(Date.now() + 30 * DAY);
    const future = await ca.issueEncryptionCertificate({
      address: "erin@example.org",
      spki: userKey.spki,
      notBefore: start,
    });
    expect(future.notBefore.getTime()).toBe(Math.floor(start.getTime() / 1000) * 1000);
    await expect(validate(future.der, "encryption")).rejects.toMatchObject({ code: "CERTIFICATE_EXPIRED" });
  });

  it("refuses a stored CA whose key the HSM does not hold", async () => {
    const wrong = new MemoryCaStore();
    wrong.authorities.set("root", { keyHandle: store.authorities.get("issuing")!.keyHandle, certificate: ca.root });
    await failure(CertificateAuthority.open({ hsm, store: wrong, clock, profile: "private" }), "CA_STATE_INVALID");
    wrong.authorities.set("root", { keyHandle: "00".repeat(16), certificate: ca.root });
    await failure(CertificateAuthority.open({ hsm, store: wrong, clock, profile: "private" }), "CA_STATE_INVALID");
  });
});
