// Key files as OpenSSL 3 writes them, read back and compared with node:crypto's view of the same key.
import { execFileSync } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreService, rsaPrivateKeyFromJwk, type RsaPrivateKey } from "@mailseal/core-wasm";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailsealError } from "../../src/errors/index.js";
import { MAX_PKCS12_KDF_ITERATIONS, readPkcs12 } from "../../src/pki/pkcs12.js";
import { readPrivateKey } from "../../src/pki/private-key.js";

const dir = mkdtempSync(join(tmpdir(), "mailseal-keys-"));
const path = (name: string): string => join(dir, name);
const openssl = (...args: string[]): void => void execFileSync("openssl", args, { stdio: "pipe" });
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(path(name)));
let expected: RsaPrivateKey;

/** Big-endian integers without leading zero bytes, for comparison across encoders. */
function normalized(key: RsaPrivateKey): Record<string, string> {
  return Object.fromEntries(
    Object.entries(key).map(([name, bytes]) => [
      name,
      Buffer.from(bytes as Uint8Array)
        .toString("hex")
        .replace(/^(00)+/, ""),
    ]),
  );
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailsealError);
  expect((error as MailsealError).code).toBe(code);
}

beforeAll(() => {
  openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path("key.pem"));
  openssl("pkey", "-in", path("key.pem"), "-outform", "DER", "-out", path("key.der"));
  openssl("rsa", "-in", path("key.pem"), "-traditional", "-out", path("key-pkcs1.pem"));
  openssl("rsa", "-in", path("key.pem"), "-traditional", "-outform", "DER", "-out", path("key-pkcs1.der"));
  openssl(
    "pkcs8",
    "-topk8",
    "-in",
    path("key.pem"),
    "-v2",
    "aes-256-cbc",
    "-v2prf",
    "hmacWithSHA256",
    "-passout",
    "pass:sesame",
    "-out",
    path("key-enc.pem"),
  );
  openssl(
    "pkcs8",
    "-topk8",
    "-in",
    path("key.pem"),
    "-v2",
    "aes-128-cbc",
    "-v2prf",
    "hmacWithSHA1",
    "-passout",
    "pass:sesame",
    "-outform",
    "DER",
    "-out",
    path("key-enc.der"),
  );
  openssl(
    "req",
    "-x509",
    "-new",
    "-key",
    path("key.pem"),
    "-subj",
    "/CN=alice@example.org",
    "-days",
    "30",
    "-out",
    path("cert.pem"),
  );
  openssl(
    "req",
    "-x509",
    "-new",
    "-key",
    path("key.pem"),
    "-subj",
    "/CN=Example CA",
    "-days",
    "30",
    "-out",
    path("ca.pem"),
  );
  openssl(
    "pkcs12",
    "-export",
    "-inkey",
    path("key.pem"),
    "-in",
    path("cert.pem"),
    "-certfile",
    path("ca.pem"),
    "-passout",
    "pass:sésame",
    "-out",
    path("bundle.p12"),
  );
  openssl(
    "pkcs12",
    "-export",
    "-inkey",
    path("key.pem"),
    "-in",
    path("cert.pem"),
    "-passout",
    "pass:sesame",
    "-keypbe",
    "AES-128-CBC",
    "-certpbe",
    "AES-128-CBC",
    "-macalg",
    "SHA1",
    "-out",
    path("sha1mac.p12"),
  );
  openssl(
    "pkcs12",
    "-export",
    "-inkey",
    path("key.pem"),
    "-in",
    path("cert.pem"),
    "-passout",
    "pass:sesame",
    "-keypbe",
    "PBE-SHA1-3DES",
    "-certpbe",
    "PBE-SHA1-3DES",
    "-macalg",
    "SHA1",
    "-out",
    path("legacy.p12"),
  );
  expected = rsaPrivateKeyFromJwk(createPrivateKey(readFileSync(path("key.pem"))).export({ format: "jwk" }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readPrivateKey", () => {
  it.each(["key.pem", "key.der", "key-pkcs1.pem", "key-pkcs1.der"])("reads %s", async (name) => {
    expect(normalized(await readPrivateKey(file(name)))).toEqual(normalized(expected));
  });

  it.each(["key-enc.pem", "key-enc.der"])("reads the encrypted PKCS#8 %s with its password", async (name) => {
    expect(normalized(await readPrivateKey(file(name), "sesame"))).toEqual(normalized(expected));
  });

  it("says PASSWORD_WRONG for a wrong or missing password", async () => {
    await expectCode(readPrivateKey(file("key-enc.pem"), "open"), "PASSWORD_WRONG");
    await expectCode(readPrivateKey(file("key-enc.pem")), "PASSWORD_WRONG");
  });

  it("says INVALID_KEY for a certificate, garbage, and an empty file", async () => {
    await expectCode(readPrivateKey(file("cert.pem")), "INVALID_KEY");
    await expectCode(readPrivateKey(new Uint8Array([0x30, 0x03, 0x02, 0x01])), "INVALID_KEY");
    await expectCode(readPrivateKey(new Uint8Array(0)), "INVALID_KEY");
  });

  it("refuses OpenSSL's legacy PEM encryption with a precise message", async () => {
    writeFileSync(
      path("legacy.pem"),
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
    );
    await expectCode(readPrivateKey(file("legacy.pem"), "x"), "UNSUPPORTED_ALGORITHM");
  });
});

describe("readPkcs12", () => {
  let core: CoreService;
  beforeAll(async () => {
    core = await CoreService.open();
  });
  it("reads the key, the certificates and which certificate is the key's (non-ASCII password)", async () => {
    const contents = await readPkcs12(file("bundle.p12"), "sésame", core);
    expect(normalized(contents.privateKey)).toEqual(normalized(expected));
    const certDer = (name: string): string =>
      Buffer.from(execFileSync("openssl", ["x509", "-in", path(name), "-outform", "DER"])).toString("hex");
    expect(contents.certificates.map((c) => Buffer.from(c).toString("hex")).sort()).toEqual(
      [certDer("cert.pem"), certDer("ca.pem")].sort(),
    );
    expect(Buffer.from(contents.keyCertificate!).toString("hex")).toBe(certDer("cert.pem"));
  });

  it("refuses a MAC iteration count over the PKCS #12 KDF's bound at once, without deriving (issue 12)", async () => {
    const pfx = pkijs.PFX.fromBER(new Uint8Array(readFileSync(path("sha1mac.p12"))));
    pfx.macData!.iterations = MAX_PKCS12_KDF_ITERATIONS + 1;
    const hostile = new Uint8Array(pfx.toSchema().toBER());
    const started = performance.now();
    await expect(readPkcs12(hostile, "sesame", core)).rejects.toMatchObject({ code: "INVALID_KEY" });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("reads a file with an HMAC-SHA1 integrity check and AES-128 bags", async () => {
    expect(normalized((await readPkcs12(file("sha1mac.p12"), "sesame", core)).privateKey)).toEqual(
      normalized(expected),
    );
  });

  it("says PASSWORD_WRONG for a wrong password and for an altered file", async () => {
    await expectCode(readPkcs12(file("bundle.p12"), "sesame", core), "PASSWORD_WRONG");
    const altered = file("bundle.p12");
    altered[altered.length - 40]! ^= 1; // inside the MAC
    await expectCode(readPkcs12(altered, "sésame", core), "PASSWORD_WRONG");
  });

  it("reads a legacy file (pbeWithSHAAnd3-KeyTripleDES-CBC bags, as Windows and older tools export) with the core", async () => {
    const contents = await readPkcs12(file("legacy.p12"), "sesame", core);
    expect(normalized(contents.privateKey)).toEqual(normalized(expected));
    expect(contents.certificates).toHaveLength(1);
  });

  // RFC 7292 Appendix C, as OpenSSL 1.x and Windows wrote them (OpenSSL 3: -legacy, RC2 in the legacy provider).
  it.each([
    ["PBE-SHA1-RC2-40", "PBE-SHA1-3DES", "pbeWithSHAAnd40BitRC2-CBC certificates, 3DES key (openssl pkcs12 -legacy)"],
    ["PBE-SHA1-RC2-128", "PBE-SHA1-RC2-128", "pbeWithSHAAnd128BitRC2-CBC for both"],
    ["PBE-SHA1-2DES", "PBE-SHA1-2DES", "pbeWithSHAAnd2-KeyTripleDES-CBC for both"],
    ["PBE-SHA1-RC2-40", "PBE-SHA1-RC2-40", "pbeWithSHAAnd40BitRC2-CBC for both"],
  ])("reads a legacy file: certificates %s, key %s (%s)", async (certPbe, keyPbe) => {
    const out = path(`legacy-${certPbe}-${keyPbe}.p12`);
    openssl(
      ...["pkcs12", "-export", "-legacy", "-inkey", path("key.pem"), "-in", path("cert.pem")],
      ...["-certfile", path("ca.pem"), "-passout", "pass:sésame", "-certpbe", certPbe, "-keypbe", keyPbe],
      ...["-out", out],
    );
    const der = new Uint8Array(readFileSync(out));
    const contents = await readPkcs12(der, "sésame", core);
    expect(normalized(contents.privateKey)).toEqual(normalized(expected));
    expect(contents.certificates).toHaveLength(2);
    expect(contents.keyCertificate).toBeDefined();
    await expectCode(readPkcs12(der, "sesame", core), "PASSWORD_WRONG");
  });

  it("says INVALID_KEY for something that is not PKCS#12", async () => {
    await expectCode(readPkcs12(file("key.der"), "x", core), "INVALID_KEY");
  });
});
