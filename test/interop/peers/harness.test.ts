// The harness itself: forms conversion, error reporting, clean-up of agents and folders, and the tool
// facts the encryption/signature tables depend on (each measured here, so a tool update shows up).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleEntity } from "./fixture.js";
import { splitMultipartSigned, toDer } from "./forms.js";
import { GpgsmHome } from "./gpgsm.js";
import { NssDb } from "./nss.js";
import { opensslEncrypt, opensslSign } from "./openssl.js";
import type { TestPki } from "./pki.js";
import { exportLegacyP12, testPki } from "./pki.js";
import { PeerError, releaseAll, run } from "./run.js";

/** PIDs of running processes whose command line mentions `text` (read from /proc, nothing is killed). */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("interop harness", () => {
  let pki: TestPki;
  const content = sampleEntity(5);

  beforeAll(async () => {
    pki = await testPki();
  });
  afterAll(() => releaseAll());

  it("a failing tool gives a PeerError with the command line and its stderr", async () => {
    const error = await run("openssl", ["cms", "-decrypt", "-in", "/nonexistent"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeerError);
    expect((error as PeerError).message).toMatch(
      /^openssl cms -decrypt -in \/nonexistent: exit 1\nNo recipient certificate or key specified/,
    );
    expect((error as PeerError).exitCode).toBe(1);
  });

  it("toDer reads DER, PEM and S/MIME forms of the same object", async () => {
    const der = await opensslSign(content, pki.alice, { mode: "opaque" });
    expect(der[0]).toBe(0x30);
    const pem = await run("openssl", ["cms", "-cmsout", "-inform", "DER", "-outform", "PEM"], { stdin: der });
    const smime = await run("openssl", ["cms", "-cmsout", "-inform", "DER", "-outform", "SMIME"], { stdin: der });
    expect(toDer(pem.stdout).equals(der)).toBe(true);
    expect(toDer(smime.stdout).equals(der)).toBe(true);
  });

  it.each([false, true])("splitMultipartSigned gives the exact signed entity (CRLF line ends: %s)", async (crlf) => {
    const message = await opensslSign(content, pki.alice, { form: "smime", crlf });
    const { content: signed, signature } = splitMultipartSigned(message);
    expect(signed.equals(content)).toBe(true);
    expect(signature[0]).toBe(0x30);
    expect(() => splitMultipartSigned(content)).toThrow(/not a multipart\/signed/);
  });

  it("releaseAll stops the gpg-agent of a GNUPGHOME and removes the folder", async () => {
    const home = await GpgsmHome.create([pki.ca]);
    await home.importIdentity(pki.alice);
    expect(processesMentioning(home.dir).length).toBeGreaterThan(0);
    releaseAll();
    expect(existsSync(home.dir)).toBe(false);
    expect(existsSync(pki.dir)).toBe(false);
    // gpgconf --kill waits for the agent to go; a zombie is gone from /proc once reaped.
    for (let i = 0; i < 50 && processesMentioning(home.dir).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(processesMentioning(home.dir)).toEqual([]);
    pki = await testPki();
    expect(existsSync(pki.dir)).toBe(true);
  });

  describe("gpgsm 2.2 facts", () => {
    let home: GpgsmHome;
    beforeAll(async () => {
      home = await GpgsmHome.create([pki.ca]);
    });

    it("rejects the OpenSSL 3 default (PBES2) PKCS#12 and imports the PBE-SHA1-3DES one", async () => {
      const modern = { ...pki.alice, p12LegacyPath: pki.alice.p12Path };
      await expect(home.importIdentity(modern)).rejects.toThrow(/pkcs5PBES2-params|error parsing or decrypting/);
      await home.importIdentity(pki.alice);
      const cms = await opensslEncrypt(content, [pki.alice]);
      expect((await home.decrypt(cms, pki.alice)).equals(content)).toBe(true);
    });

    it("a PKCS#12 gpgsm cannot decrypt is exported again and the import retried", async () => {
      // A file under another password fails exactly like gpgsm's salt-dependent rejection.
      const other = join(pki.dir, "bob-other-password.p12");
      await exportLegacyP12({ ...pki.bob, p12Password: "something else" }, other);
      await home.importIdentity({ ...pki.bob, p12LegacyPath: other });
      const cms = await opensslEncrypt(content, [pki.bob]);
      expect((await home.decrypt(cms, pki.bob)).equals(content)).toBe(true);
    });

    it("crashes importing an EC PKCS#12", async () => {
      const ec = await pki.identity("bob", "ec-p256");
      await expect(home.importIdentity(ec)).rejects.toThrow(/killed by SIGSEGV/);
    });

    it("will not encrypt to an EC certificate (no keyEncipherment)", async () => {
      const ec = await pki.identity("bob", "ec-p256");
      await home.importCertificate(ec);
      await expect(home.encrypt(content, [ec])).rejects.toThrow(/Wrong key usage/);
    });

    it("aborts on an RSA-PSS signature with openssl's default (maximum) salt length", async () => {
      const signature = await opensslSign(content, pki.alice, { padding: "pss" });
      await expect(home.verify(signature, content)).rejects.toThrow(/killed by SIGABRT|rejected due to salt length/);
    });
  });

  describe("NSS 3.87 cmsutil facts", () => {
    let db: NssDb;
    beforeAll(async () => {
      db = await NssDb.create([pki.ca]);
      await db.importIdentity(pki.alice);
    });

    it("-E writes BER indefinite length, AES-128-CBC, RSA PKCS#1 v1.5", async () => {
      const cms = await db.encrypt(content, [pki.alice]);
      expect(cms.subarray(0, 2).toString("hex")).toBe("3080");
      const printed = await run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER"], { stdin: cms });
      expect(printed.stdout.toString("utf8")).toMatch(/algorithm: aes-128-cbc[\s\S]*/);
      expect(printed.stdout.toString("utf8")).toMatch(/keyEncryptionAlgorithm:\s+algorithm: rsaEncryption/);
    });

    it("-D reads DER only: the same message as PEM or S/MIME is rejected", async () => {
      for (const form of ["pem", "smime"] as const) {
        const cms = await opensslEncrypt(content, [pki.alice], { form });
        await expect(db.decrypt(cms)).rejects.toThrow(/SEC_ERROR_BAD_DER/);
        expect((await db.decrypt(toDer(cms))).equals(content)).toBe(true);
      }
    });

    it("an untrusted CA makes the signer status SigningCertNotTrusted", async () => {
      const signature = await opensslSign(content, pki.untrusted);
      await expect(db.verify(signature, content)).rejects.toThrow(/signer0\.status=SigningCertNotTrusted/);
    });

    it("without the CA's trust flags nothing verifies", async () => {
      const bare = await NssDb.create([]);
      await run("certutil", ["-A", "-d", bare.spec, "-n", "ca", "-t", ",,", "-i", pki.ca.certPath]);
      const signature = await opensslSign(content, pki.alice);
      await expect(bare.verify(signature, content)).rejects.toThrow(/SigningCertNotTrusted/);
      await expect(db.verify(signature, content)).resolves.toBeDefined();
    });
  });
});
