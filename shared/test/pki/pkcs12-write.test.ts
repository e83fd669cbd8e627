// PKCS #12 files written for Thunderbird's certificate database: read back by our reader, by
// `openssl pkcs12` and imported by NSS's own pk12util (the code Thunderbird's importPKCS12File runs).
import { execFileSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreService } from "@mailseal/core-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPkcs12, writePkcs12 } from "../../src/pki/pkcs12.js";

const dir = mkdtempSync(join(tmpdir(), "mailseal-p12w-"));
const path = (name: string): string => join(dir, name);
const run = (command: string, ...args: string[]): string =>
  execFileSync(command, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "latin1" });
let pkcs8: Uint8Array;
let certificate: Uint8Array;
let ca: Uint8Array;

beforeAll(() => {
  run(
    "openssl",
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    path("ca.key"),
    "-out",
    path("ca.pem"),
    "-subj",
    "/CN=p12 test CA",
    "-days",
    "30",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
  );
  run(
    "openssl",
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    path("user.key"),
    "-out",
    path("user.csr"),
    "-subj",
    "/CN=alice@example.test",
  );
  writeFileSync(path("ext"), "subjectAltName=email:alice@example.test\nextendedKeyUsage=emailProtection\n");
  run(
    "openssl",
    "x509",
    "-req",
    "-in",
    path("user.csr"),
    "-CA",
    path("ca.pem"),
    "-CAkey",
    path("ca.key"),
    "-out",
    path("user.pem"),
    "-days",
    "30",
    "-extfile",
    path("ext"),
  );
  pkcs8 = new Uint8Array(createPrivateKey(readFileSync(path("user.key"))).export({ type: "pkcs8", format: "der" }));
  certificate = new Uint8Array(new X509Certificate(readFileSync(path("user.pem"))).raw);
  ca = new Uint8Array(new X509Certificate(readFileSync(path("ca.pem"))).raw);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writePkcs12", () => {
  // Read back through the core's KDF rounds: the writer's own (WebCrypto) rounds must agree with them.
  let core: CoreService;
  beforeAll(async () => {
    core = await CoreService.open();
  });
  it("is read back with the key, the certificate bound to it and the chain", async () => {
    const p12 = await writePkcs12({ pkcs8, certificate, chain: [ca], password: "sésame ✓" });
    const contents = await readPkcs12(p12, "sésame ✓", core);
    expect(Buffer.from(contents.keyCertificate!)).toEqual(Buffer.from(certificate));
    expect(contents.certificates.map((c) => Buffer.from(c))).toEqual([Buffer.from(certificate), Buffer.from(ca)]);
    const modulus = createPrivateKey(readFileSync(path("user.key"))).export({ format: "jwk" }).n!;
    const n = contents.privateKey.n;
    expect(Buffer.from(n.subarray(n.findIndex((b) => b !== 0))).toString("base64url")).toBe(modulus);
    await expect(readPkcs12(p12, "wrong", core)).rejects.toMatchObject({ code: "PASSWORD_WRONG" });
  });

  it("opens in openssl pkcs12 (MAC and PBES2 checked), and openssl refuses a wrong password", async () => {
    writeFileSync(path("a.p12"), await writePkcs12({ pkcs8, certificate, password: "pw-1", friendlyName: "alice" }));
    const out = run("openssl", "pkcs12", "-in", path("a.p12"), "-passin", "pass:pw-1", "-nodes");
    expect(out).toContain("friendlyName: alice");
    const key = createPrivateKey(out.slice(out.indexOf("-----BEGIN PRIVATE KEY-----")));
    expect(key.export({ format: "jwk" }).d).toBe(
      createPrivateKey(readFileSync(path("user.key"))).export({ format: "jwk" }).d,
    );
    expect(new X509Certificate(out.slice(out.indexOf("-----BEGIN CERTIFICATE-----"))).raw).toEqual(
      Buffer.from(certificate),
    );
    expect(() => run("openssl", "pkcs12", "-in", path("a.p12"), "-passin", "pass:pw-2", "-nodes")).toThrow(
      /mac verify/i,
    );
  });

  it("is imported by NSS pk12util with the key usable (certutil lists the key for the certificate)", async () => {
    const db = path("nssdb");
    run("mkdir", "-p", db);
    run("certutil", "-N", "-d", `sql:${db}`, "--empty-password");
    writeFileSync(
      path("n.p12"),
      await writePkcs12({ pkcs8, certificate, chain: [ca], password: "nss-pw", friendlyName: "alice" }),
    );
    run("pk12util", "-i", path("n.p12"), "-d", `sql:${db}`, "-W", "nss-pw", "-K", "");
    expect(run("certutil", "-K", "-d", `sql:${db}`)).toMatch(/rsa .*alice/);
    expect(run("certutil", "-L", "-d", `sql:${db}`, "-n", "alice", "-a").replace(/\r/g, "")).toContain(
      readFileSync(path("user.pem"), "latin1").split("\n")[1],
    );
  });
});
