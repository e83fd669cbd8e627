// The mailseal command with post-quantum keys, as users run it (a child process): decrypt the
// published ML-KEM-512 example with its key files; encrypt to an RSA certificate and an ML-KEM one
// at once (--pq, the hybrid form) and open it with either key, OpenSSL 3.0 with the RSA one; sign
// with an ML-DSA key and verify against its certificate. No peer here speaks ML-KEM or ML-DSA.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, mailseal } from "./support.js";

const fixtures = join(import.meta.dirname, "..", "..", "shared", "test", "cms", "fixtures", "pq-cms");
const kyber = (name: string) => join(fixtures, "cms-kyber", name);
const dsa = (name: string) => join(fixtures, "ml-dsa-certificates", name);
const dir = mkdtempSync(join(tmpdir(), "mailseal-pq-"));
const path = (name: string): string => join(dir, name);
const openssl = (...args: string[]): Buffer => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });

const ENTITY = "Content-Type: text/plain; charset=utf-8\r\n\r\npost-quantum, and readable by everyone\r\n";
const MESSAGE = `From: alice@example.org\r\nTo: bob@example.org\r\nSubject: pq\r\nMIME-Version: 1.0\r\n${ENTITY}`;

beforeAll(() => {
  ensureBundle();
  openssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("bob.key")],
    ...["-out", path("bob.pem"), "-subj", "/CN=bob@example.org", "-days", "30"],
  );
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mailseal with ML-KEM keys", () => {
  it("decrypt: the published example opens with its key file (seed form) and certificate", async () => {
    const der = Buffer.from(
      readFileSync(kyber("ML-KEM-512.cms"), "utf8")
        .replace(/-----[^-]+-----/g, "")
        .replace(/\s+/g, ""),
      "base64",
    );
    const message =
      "MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m\r\n" +
      `Content-Transfer-Encoding: base64\r\n\r\n${der.toString("base64").replace(/.{76}/g, "$&\r\n")}\r\n`;
    const result = await mailseal(
      ["decrypt", "--key", kyber("ML-KEM-512-seed.priv"), "--cert", kyber("ML-KEM-512.pem")],
      message,
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.toString("utf8")).toBe(readFileSync(kyber("plaintext.txt"), "utf8"));
  });

  it("encrypt --recipient RSA --pq ML-KEM: both keys open it, and OpenSSL 3.0 with the RSA one", async () => {
    const encrypted = await mailseal(
      ["encrypt", "--recipient", path("bob.pem"), "--pq", kyber("ML-KEM-512.pem")],
      MESSAGE,
    );
    expect(encrypted.stderr).toBe("");
    expect(encrypted.status).toBe(0);
    const withKem = await mailseal(
      ["decrypt", "--key", kyber("ML-KEM-512-expanded.priv"), "--cert", kyber("ML-KEM-512.pem")],
      encrypted.stdout,
    );
    expect(withKem.stderr).toBe("");
    expect(withKem.stdout.toString("utf8")).toBe(ENTITY);
    const withRsa = await mailseal(["decrypt", "--key", path("bob.key"), "--cert", path("bob.pem")], encrypted.stdout);
    expect(withRsa.stdout.toString("utf8")).toBe(ENTITY);
    writeFileSync(path("hybrid.eml"), encrypted.stdout);
    expect(
      openssl("cms", "-decrypt", "-binary", "-in", path("hybrid.eml"), "-inkey", path("bob.key")).toString("utf8"),
    ).toBe(ENTITY);
  });

  it("encrypt --pq with a certificate that is not ML-KEM is a USAGE error, with no output", async () => {
    const result = await mailseal(["encrypt", "--recipient", path("bob.pem"), "--pq", path("bob.pem")], MESSAGE);
    expect(result.stderr).toMatch(/^error USAGE: --pq .*not an ML-KEM certificate/);
    expect(result.status).toBe(1);
    expect(result.stdout.length).toBe(0);
  });
});

describe("mailseal with ML-DSA keys", () => {
  it.each(["44", "65", "87"])("sign --key ML-DSA-%s, then verify against its certificate", async (level) => {
    const signed = await mailseal(
      ["sign", "--key", dsa(`ML-DSA-${level}-seed.priv`), "--cert", dsa(`ML-DSA-${level}.crt`)],
      MESSAGE,
    );
    expect(signed.stderr).toBe("");
    expect(signed.status).toBe(0);
    expect(signed.stdout.toString("latin1")).toContain("micalg=sha-512");
    const verified = await mailseal(["verify", "--ca", dsa(`ML-DSA-${level}.crt`)], signed.stdout);
    expect(verified.stderr).toMatch(/^verified: signed by /);
    expect(verified.stdout.toString("utf8")).toBe(ENTITY);
  });

  it("an ML-DSA key with another key's certificate is INVALID_KEY", async () => {
    const result = await mailseal(
      ["sign", "--key", dsa("ML-DSA-44-seed.priv"), "--cert", dsa("ML-DSA-65.crt")],
      MESSAGE,
    );
    expect(result.stderr).toMatch(/^error INVALID_KEY: no certificate in /);
    expect(result.status).toBe(1);
  });
});
