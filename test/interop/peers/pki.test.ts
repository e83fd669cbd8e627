// The test PKI has the S/MIME profile the peers insist on, and its negative cases are negative.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity, TestPki } from "./pki.js";
import { testPki } from "./pki.js";
import { PeerError, releaseAll, run } from "./run.js";

async function text(identity: Identity): Promise<string> {
  return (await run("openssl", ["x509", "-in", identity.certPath, "-noout", "-text"])).stdout.toString("utf8");
}

function verifyChain(pki: TestPki, identity: Identity, anchor = pki.ca.certPath) {
  return run("openssl", ["verify", "-CAfile", anchor, "-purpose", "smimesign", identity.certPath]);
}

describe("test PKI", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await testPki();
  });
  afterAll(() => releaseAll());

  it.each(["alice", "bob"] as const)("%s has the S/MIME end-entity profile (RSA 2048)", async (who) => {
    const t = await text(pki[who]);
    expect(t).toMatch(/Public-Key: \(2048 bit\)/);
    expect(t).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(t).toMatch(/Extended Key Usage:\s+E-mail Protection/);
    expect(t).toContain(`email:${who}@example.org`);
    expect(t).toMatch(/Subject Key Identifier/);
    expect(t).toMatch(/CA:FALSE/);
    await expect(verifyChain(pki, pki[who])).resolves.toBeDefined();
  });

  it.each([
    ["rsa3072", /Public-Key: \(3072 bit\)/, /Digital Signature, Key Encipherment/],
    ["rsa4096", /Public-Key: \(4096 bit\)/, /Digital Signature, Key Encipherment/],
    ["ec-p256", /NIST CURVE: P-256/, /Digital Signature, Key Agreement/],
  ] as const)("bob-%s has its key type and key usage", async (keyType, key, usage) => {
    const identity = await pki.identity("bob", keyType);
    const t = await text(identity);
    expect(t).toMatch(key);
    expect(t).toMatch(usage);
    expect(t).toContain(`serialNumber = bob-${keyType}`);
    expect(await pki.identity("bob", keyType)).toBe(identity);
  });

  it("the expired certificate is expired and otherwise valid", async () => {
    await expect(verifyChain(pki, pki.expired)).rejects.toThrow(/certificate has expired/);
    expect(await text(pki.expired)).toMatch(/Not After : Jan {2}1 00:00:00 2021 GMT/);
  });

  it("the impostor from the unknown CA fails against the root and passes against its own CA", async () => {
    await expect(verifyChain(pki, pki.untrusted)).rejects.toBeInstanceOf(PeerError);
    await expect(verifyChain(pki, pki.untrusted, pki.unknownCa.certPath)).resolves.toBeDefined();
  });

  it("both PKCS#12 files open with the password and hold key, certificate and CA", async () => {
    for (const p12 of [pki.alice.p12Path, pki.alice.p12LegacyPath]) {
      const out = await run("openssl", ["pkcs12", "-in", p12, "-passin", `pass:${pki.alice.p12Password}`, "-nodes"]);
      const pem = out.stdout.toString("utf8");
      expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
      expect(pem).toContain("BEGIN PRIVATE KEY");
    }
    const info = await run("openssl", [
      "pkcs12",
      "-in",
      pki.alice.p12LegacyPath,
      "-info",
      "-noout",
      "-passin",
      "pass:interop-p12",
    ]);
    expect(info.stderr).toMatch(/pbeWithSHA1And3-KeyTripleDES-CBC/);
  });

  it("identifiers match the certificate", async () => {
    const t = await text(pki.alice);
    expect(t).toContain(`Serial Number: ${parseInt(pki.alice.serialHex, 16)} (0x${pki.alice.serialHex.toLowerCase()})`);
    expect(t.replaceAll(":", "")).toContain(pki.alice.skiHex);
    expect(pki.alice.sha1Fingerprint).toMatch(/^[0-9A-F]{40}$/);
  });
});
