// The mailseal command as users run it: a child process, its exit status, standard streams and files.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, mailseal, type Result } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "mailseal-cli-"));
const path = (name: string): string => join(dir, name);
const openssl = (...args: string[]): Buffer => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });

const OUTER =
  "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: report\r\nMessage-ID: <7@example.org>\r\n";
const ENTITY = `Content-Type: text/plain; charset=utf-8\r\n\r\n${"Grüße, Bob.\r\n".repeat(50)}`;
const MESSAGE = `${OUTER}MIME-Version: 1.0\r\n${ENTITY}`;

/** Exit 1, one `error CODE: ...` line on stderr, nothing on stdout. */
function expectFailure(result: Result, code: string): void {
  expect(result.stderr).toMatch(new RegExp(`^error ${code}: [^\\n]+\\n$`));
  expect(result.status).toBe(1);
  expect(result.stdout.length).toBe(0);
}

/** The folder holds exactly these names: no output and no temporary file left behind. */
function expectFiles(folder: string, names: string[]): void {
  expect(readdirSync(folder).sort()).toEqual([...names].sort());
}

async function encrypt(args: string[] = [], message: string | Uint8Array = MESSAGE): Promise<Buffer> {
  const result = await mailseal(["encrypt", "--recipient", path("bob.pem"), ...args], message);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

beforeAll(() => {
  ensureBundle();
  for (const name of ["bob", "carol"]) {
    openssl(
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path(`${name}.key`)],
      ...["-out", path(`${name}.pem`), "-subj", `/CN=${name}@example.org`, "-days", "30"],
    );
  }
  openssl("rsa", "-in", path("bob.key"), "-traditional", "-out", path("bob.pkcs1.pem"));
  openssl(
    ...["pkcs8", "-topk8", "-in", path("bob.key"), "-v2", "aes-256-cbc"],
    ...["-passout", "pass:s3cret", "-out", path("bob.enc.pem")],
  );
  openssl(
    ...["pkcs12", "-export", "-inkey", path("bob.key"), "-in", path("bob.pem")],
    ...["-passout", "pass:s3cret", "-out", path("bob.p12")],
  );
  writeFileSync(path("pass.txt"), "s3cret\n");
  writeFileSync(path("wrong.txt"), "wrong");
  writeFileSync(path("bob.both.pem"), readFileSync(path("bob.key")) + readFileSync(path("bob.pem"), "latin1"));
  writeFileSync(path("message.eml"), MESSAGE);
  // A CA and a signer it issued, for sign and verify.
  openssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem")],
    ...["-subj", "/CN=Test CA", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE"],
    ...["-addext", "keyUsage=critical,keyCertSign"],
  );
  openssl(
    ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("alice.key"), "-out", path("alice.csr")],
    ...["-subj", "/CN=Alice"],
  );
  writeFileSync(
    path("ee.ext"),
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" +
      "extendedKeyUsage=emailProtection\nsubjectAltName=email:alice@example.org\n",
  );
  openssl(
    ...["x509", "-req", "-in", path("alice.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key")],
    ...["-CAcreateserial", "-out", path("alice.pem"), "-days", "30", "-extfile", path("ee.ext")],
  );
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("help and usage", () => {
  it("--help, COMMAND --help, help COMMAND and --version print to stdout and exit 0", async () => {
    const main = await mailseal(["--help"]);
    expect(main.status).toBe(0);
    expect(main.stdout.toString()).toContain("mailseal encrypt --recipient CERT.pem");
    expect(main.stdout.toString()).toContain(
      "mailseal decrypt (--key KEY.pem [--cert CERT.pem] | --p12 FILE --pass-file FILE)",
    );
    for (const args of [
      ["encrypt", "--help"],
      ["help", "encrypt"],
      ["encrypt", "-h"],
    ]) {
      const help = await mailseal(args);
      expect(help.status).toBe(0);
      expect(help.stdout.toString()).toMatch(/^usage: mailseal encrypt /);
      expect(help.stdout.toString()).toContain("--key-transport NAME");
    }
    expect((await mailseal(["decrypt", "--help"])).stdout.toString()).toContain("--p12 FILE");
    const version = await mailseal(["--version"]);
    expect(version.stdout.toString()).toMatch(/^mailseal \d+\.\d+\.\d+\n$/);
  });

  it("no arguments: the help on stderr, exit 1", async () => {
    const result = await mailseal([]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("usage:");
    expect(result.stdout.length).toBe(0);
  });

  it.each([
    [["frobnicate"], /unknown command frobnicate/],
    [["encrypt", "--recipient", "x.pem", "--bogus"], /Unknown option '--bogus'.*see mailseal encrypt --help/],
    [["encrypt"], /at least one --recipient/],
    [["encrypt", "--recipient"], /argument missing/],
    [["encrypt", "--recipient", "x.pem", "--cipher", "des-ede3-cbc"], /--cipher des-ede3-cbc is not one of/],
    [["encrypt", "--recipient", "x.pem", "--key-transport", "rsa-oaep-sha512"], /--key-transport/],
    [["encrypt", "--recipient", "x.pem", "stray"], /Unexpected argument 'stray'/],
    [["decrypt"], /either --key KEY.pem or --p12/],
    [["decrypt", "--key", "k", "--p12", "p"], /either --key KEY.pem or --p12/],
    [["decrypt", "--p12", "p"], /--p12 needs --pass/],
    [["decrypt", "--p12", "p", "--pass-file", "x", "--cert", "c"], /--cert goes with --key/],
    // A password on the command line is visible to every user in the process list (issue 12, finding 15).
    [["decrypt", "--p12", "p", "--pass", "x"], /--pass PASSWORD is not taken .*--pass-file FILE or MAILSEAL_PASSWORD/],
    [["sign", "--key", "k", "--cert", "c", "--pass", "x"], /--pass PASSWORD is not taken/],
  ])("%j is a USAGE error", async (args, message) => {
    const result = await mailseal(args, MESSAGE);
    expectFailure(result, "USAGE");
    expect(result.stderr).toMatch(message);
  });
});

describe("encrypt and decrypt", () => {
  it("stdin to stdout: the outer fields kept, the entity back byte for byte", async () => {
    const encrypted = await encrypt();
    const text = encrypted.toString("latin1");
    expect(
      text.startsWith(`${OUTER}MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data`),
    ).toBe(true);
    const decrypted = await mailseal(["decrypt", "--key", path("bob.key"), "--cert", path("bob.pem")], encrypted);
    expect(decrypted.stderr).toBe("");
    expect(decrypted.status).toBe(0);
    expect(decrypted.stdout.toString("utf8")).toBe(ENTITY);
  });

  it.each([
    ["aes-128-gcm", "rsa-pkcs1", "authEnveloped-data"],
    ["aes-256-gcm", "rsa-oaep-sha256", "authEnveloped-data"],
    ["aes-192-cbc", "rsa-oaep", "enveloped-data"],
  ])("--cipher %s --key-transport %s", async (cipher, transport, smimeType) => {
    const encrypted = await encrypt(["--cipher", cipher, "--key-transport", transport]);
    expect(encrypted.toString("latin1")).toContain(`smime-type=${smimeType};`);
    writeFileSync(path("enc.eml"), encrypted);
    // OpenSSL reads it as it is, headers and all.
    const plain = openssl("cms", "-decrypt", "-binary", "-in", path("enc.eml"), "-inkey", path("bob.key"));
    expect(plain.toString("utf8")).toBe(ENTITY);
    const ours = await mailseal([
      "decrypt",
      "--key",
      path("bob.key"),
      "--cert",
      path("bob.pem"),
      "--in",
      path("enc.eml"),
    ]);
    expect(ours.stdout.toString("utf8")).toBe(ENTITY);
  });

  it("several recipients; each decrypts with its own key", async () => {
    const encrypted = await encrypt(["--recipient", path("carol.pem")]);
    for (const name of ["bob", "carol"]) {
      const result = await mailseal(
        ["decrypt", "--key", path(`${name}.key`), "--cert", path(`${name}.pem`)],
        encrypted,
      );
      expect(result.stdout.toString("utf8")).toBe(ENTITY);
    }
  });

  it("reads every key form: PKCS#1, encrypted PKCS#8, PKCS#12, key and certificate in one PEM", async () => {
    const encrypted = await encrypt();
    for (const args of [
      ["--key", path("bob.pkcs1.pem"), "--cert", path("bob.pem")],
      ["--key", path("bob.enc.pem"), "--pass-file", path("pass.txt"), "--cert", path("bob.pem")],
      ["--p12", path("bob.p12"), "--pass-file", path("pass.txt")],
      ["--key", path("bob.both.pem")],
    ]) {
      const result = await mailseal(["decrypt", ...args], encrypted);
      expect(result.stderr, args.join(" ")).toBe("");
      expect(result.stdout.toString("utf8")).toBe(ENTITY);
    }
  });

  it("takes the password from MAILSEAL_PASSWORD when --pass-file is not given", async () => {
    const encrypted = await encrypt();
    const fromEnvironment = await mailseal(["decrypt", "--p12", path("bob.p12")], encrypted, {
      MAILSEAL_PASSWORD: "s3cret",
    });
    expect(fromEnvironment.stderr).toBe("");
    expect(fromEnvironment.stdout.toString("utf8")).toBe(ENTITY);
    const missing = await mailseal(["decrypt", "--p12", path("bob.p12")], encrypted, { MAILSEAL_PASSWORD: undefined });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^error USAGE: --p12 needs --pass/);
  });

  it("--in and --out files; an LF message comes out canonical", async () => {
    writeFileSync(path("lf.eml"), MESSAGE.replaceAll("\r\n", "\n"));
    const encryptRun = await mailseal([
      "encrypt",
      "--recipient",
      path("bob.pem"),
      "--in",
      path("lf.eml"),
      "--out",
      path("lf.p7m.eml"),
    ]);
    expect(encryptRun.status).toBe(0);
    expect(encryptRun.stdout.length).toBe(0);
    const decryptRun = await mailseal([
      "decrypt",
      "--p12",
      path("bob.p12"),
      "--pass-file",
      path("pass.txt"),
      "--in",
      path("lf.p7m.eml"),
      "--out",
      path("lf.txt"),
    ]);
    expect(decryptRun.status).toBe(0);
    expect(readFileSync(path("lf.txt"), "utf8")).toBe(ENTITY);
  });
});

describe("failures: exit 1, one error line, no output", () => {
  const bobKey = (): string[] => ["--key", path("bob.key"), "--cert", path("bob.pem")];

  it.each<[string, () => string | Promise<Buffer>, () => string[]]>([
    ["NOT_SMIME", () => MESSAGE, bobKey],
    ["NO_MATCHING_RECIPIENT", () => encrypt(), () => ["--key", path("carol.key"), "--cert", path("carol.pem")]],
    [
      "MALFORMED_MIME",
      () =>
        `${OUTER}Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n`,
      bobKey,
    ],
    ["WRONG_PASSWORD", () => encrypt(), () => ["--p12", path("bob.p12"), "--pass-file", path("wrong.txt")]],
    ["WRONG_PASSWORD", () => encrypt(), () => ["--key", path("bob.enc.pem"), "--cert", path("bob.pem")]],
    ["INVALID_KEY", () => encrypt(), () => ["--key", path("bob.key"), "--cert", path("carol.pem")]],
    ["USAGE", () => encrypt(), () => ["--key", path("bob.key")]],
    ["IO", () => encrypt(), () => ["--key", path("missing.key"), "--cert", path("bob.pem")]],
  ])("%s", async (code, input, args) => {
    const message = await input();
    const folder = mkdtempSync(join(dir, "out-"));
    const result = await mailseal(["decrypt", ...args(), "--out", join(folder, "plain.txt")], message);
    expectFailure(result, code);
    expectFiles(folder, []);
  });

  it("TRUNCATED at several points of the CMS", async () => {
    const encrypted = (await encrypt()).toString("latin1");
    const [header, body] = encrypted.split("\r\n\r\n") as [string, string];
    const der = Buffer.from(body, "base64");
    for (const cut of [10, 300, der.length - 40, der.length - 1]) {
      const message = `${header}\r\n\r\n${der.subarray(0, cut).toString("base64")}\r\n`;
      expectFailure(await mailseal(["decrypt", ...bobKey()], message), "TRUNCATED");
    }
  });

  it("an altered GCM message: AUTH_TAG_MISMATCH, no file, an existing file untouched, nothing on stdout even when large", async () => {
    const big = `${OUTER}Content-Type: application/octet-stream\r\n\r\n${randomBytes(12 << 20).toString("base64")}\r\n`;
    for (const message of [MESSAGE, big]) {
      const encrypted = (await encrypt(["--cipher", "aes-256-gcm"], message)).toString("latin1");
      const [header, body] = encrypted.split("\r\n\r\n") as [string, string];
      const der = Buffer.from(body, "base64");
      der[der.length - 10]! ^= 0x01; // in the tag
      const altered = `${header}\r\n\r\n${der.toString("base64")}\r\n`;
      const folder = mkdtempSync(join(dir, "gcm-"));
      writeFileSync(join(folder, "plain.txt"), "before");
      const toFile = await mailseal(["decrypt", ...bobKey(), "--out", join(folder, "plain.txt")], altered);
      expectFailure(toFile, "AUTH_TAG_MISMATCH");
      expectFiles(folder, ["plain.txt"]);
      expect(readFileSync(join(folder, "plain.txt"), "utf8")).toBe("before");
      expectFailure(await mailseal(["decrypt", ...bobKey()], altered), "AUTH_TAG_MISMATCH");
      // And the unaltered message comes through stdout whole (through the spool when large).
      const good = await mailseal(["decrypt", ...bobKey()], encrypted);
      expect(good.status).toBe(0);
      expect(good.stdout.equals(Buffer.from(message.slice(message.indexOf("Content-Type"))))).toBe(true);
    }
  });

  it("a missing input file and an unwritable output folder are IO errors", async () => {
    expectFailure(await mailseal(["encrypt", "--recipient", path("bob.pem"), "--in", path("nope.eml")]), "IO");
    const result = await mailseal(
      ["encrypt", "--recipient", path("bob.pem"), "--out", path("no/such/folder/x")],
      MESSAGE,
    );
    expectFailure(result, "IO");
    expect(existsSync(path("no"))).toBe(false);
  });

  it("a recipient file with two certificates is ambiguous; an unreadable one is IO", async () => {
    writeFileSync(path("two.pem"), readFileSync(path("bob.pem"), "latin1") + readFileSync(path("carol.pem"), "latin1"));
    expectFailure(await mailseal(["encrypt", "--recipient", path("two.pem")], MESSAGE), "USAGE");
    expectFailure(await mailseal(["encrypt", "--recipient", dir], MESSAGE), "IO");
  });
});

describe("sign and verify", () => {
  const sign = async (args: string[] = [], message: string = MESSAGE): Promise<Buffer> => {
    const result = await mailseal(["sign", "--key", path("alice.key"), "--cert", path("alice.pem"), ...args], message);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    return result.stdout;
  };

  it.each([[[]], [["--opaque"]], [["--pss"]], [["--opaque", "--pss"]]])(
    "sign %j: outer fields kept, verify prints the signer, writes the entity; openssl agrees",
    async (args) => {
      const signed = await sign(args);
      expect(signed.toString("latin1").startsWith(`${OUTER}MIME-Version: 1.0\r\nContent-Type: `)).toBe(true);
      const verified = await mailseal(["verify", "--ca", path("ca.pem")], signed);
      expect(verified.status).toBe(0);
      expect(verified.stdout.toString("utf8")).toBe(ENTITY);
      expect(verified.stderr).toMatch(
        /^verified: signed by Alice <alice@example.org> \(serial [0-9A-F]+, issuer CN=Test CA\)\n/,
      );
      expect(verified.stderr).toMatch(/\nsigning time: \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
      writeFileSync(path("signed.eml"), signed);
      openssl("cms", "-verify", "-in", path("signed.eml"), "-CAfile", path("ca.pem"), "-out", path("openssl.out"));
    },
  );

  it("verify: an altered message is BAD_SIGNATURE with nothing released; an unknown CA UNTRUSTED_CERTIFICATE; --time before the validity CERTIFICATE_EXPIRED", async () => {
    const signed = (await sign()).toString("utf8");
    const altered = signed.replace("Grüße, Bob.", "Grüße, Bub.");
    const folder = mkdtempSync(join(dir, "verify-"));
    const out = ["--out", join(folder, "entity.txt")];
    expectFailure(await mailseal(["verify", "--ca", path("ca.pem"), ...out], altered), "BAD_SIGNATURE");
    expectFailure(await mailseal(["verify", "--ca", path("ca.pem")], altered), "BAD_SIGNATURE");
    expectFailure(await mailseal(["verify", "--ca", path("bob.pem"), ...out], signed), "UNTRUSTED_CERTIFICATE");
    expectFailure(
      await mailseal(["verify", "--ca", path("ca.pem"), "--time", "1000", ...out], signed),
      "CERTIFICATE_EXPIRED",
    );
    expectFiles(folder, []);
    expectFailure(await mailseal(["verify", "--ca", path("ca.pem"), "--time", "soon"], signed), "USAGE");
    expectFailure(await mailseal(["verify"], signed), "USAGE");
    expectFailure(await mailseal(["verify", "--ca", path("ca.pem")], MESSAGE), "NOT_SMIME");
  });

  it("sign: a certificate of another key is INVALID_KEY; sign then encrypt then decrypt then verify", async () => {
    expectFailure(
      await mailseal(["sign", "--key", path("bob.key"), "--cert", path("alice.pem")], MESSAGE),
      "INVALID_KEY",
    );
    const encrypted = await encrypt([], await sign());
    const decrypted = await mailseal(["decrypt", "--key", path("bob.key"), "--cert", path("bob.pem")], encrypted);
    const verified = await mailseal(["verify", "--ca", path("ca.pem")], `${OUTER}${decrypted.stdout.toString("utf8")}`);
    expect(verified.status).toBe(0);
    expect(verified.stdout.toString("utf8")).toBe(ENTITY);
  });
});
