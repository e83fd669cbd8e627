// Both HSM backends against the same expectations: the soft backend (node:crypto, files) and a real
// SoftHSM2 token through pkcs11js. Results are cross-checked with node:crypto: RSASSA-PKCS1-v1_5 is
// deterministic, so a signature made by the backend must equal one made with the exported key.
import { constants, createPrivateKey, createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MailsealError } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHsm, type HsmBackend, type HsmErrorCode, type HsmKeyPair } from "../src/hsm/backend.js";
import { startSoftHsm, type SoftHsmToken } from "../../test/support/softhsm.js";
import { findKeyMaterial, tokenObjects } from "./fixtures/key-custody.js";

async function failure(promise: Promise<unknown>, code: HsmErrorCode): Promise<MailsealError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailsealError);
  expect((error as MailsealError).code).toBe(code);
  return error as MailsealError;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe.each(["soft", "pkcs11"] as const)("%s backend", (kind) => {
  let dataDir: string;
  let token: SoftHsmToken | undefined;
  let spec: string;
  let hsm: HsmBackend;
  let exportable: { spki: Uint8Array; pkcs8: Uint8Array };
  let caKey: HsmKeyPair;

  const reopen = async (): Promise<HsmBackend> => {
    await hsm.close();
    hsm = await openHsm(spec, { dataDir });
    return hsm;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "hsm-test-"));
    if (kind === "pkcs11") {
      token = await startSoftHsm();
      spec = token.spec;
    } else {
      spec = "soft";
    }
    hsm = await openHsm(spec, { dataDir });
    expect(hsm.kind).toBe(kind);
    [exportable, caKey] = await Promise.all([
      hsm.generateExportableRsaKey({ bits: 2048, label: "user key" }),
      hsm.generateRsaKeyPair({ bits: 2048, label: "ca key", extractable: false }),
    ]);
  });

  afterAll(async () => {
    await hsm?.close();
    await token?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("makes an exportable RSA key as exact PKCS#8 matching its public key", () => {
    const { pkcs8 } = exportable;
    const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
    // Exact DER: re-encoding gives the same bytes and the outer length covers the whole buffer (no padding).
    expect(Buffer.from(privateKey.export({ type: "pkcs8", format: "der" }))).toEqual(Buffer.from(pkcs8));
    expect(pkcs8[0]).toBe(0x30);
    expect(pkcs8[1]).toBe(0x82);
    expect(((pkcs8[2]! << 8) | pkcs8[3]!) + 4).toBe(pkcs8.length);
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const spki = Buffer.from(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
    expect(spki).toEqual(Buffer.from(exportable.spki));
  });

  it("keeps an exportable key nowhere: no file under the data folder, no object on the token", async () => {
    const made = await hsm.generateExportableRsaKey({ bits: 2048, label: "custody check" });
    const found = await findKeyMaterial(made.pkcs8, [dataDir, ...(token === undefined ? [] : [token.dir])]);
    expect(found).toEqual([]);
    if (token !== undefined) {
      const objects = tokenObjects(token);
      expect(objects.filter((object) => object.label === "custody check" || object.label === "user key")).toEqual([]);
      // What stays on the token is stored, never extractable: the CA key pair (and KEKs).
      for (const object of objects.filter((o) => o.class === "private")) {
        expect(object).toMatchObject({ token: true, extractable: false });
      }
    }
  });

  it("signs with SHA-256 and SHA-384 (node:crypto verifies) and never exports a non-extractable key", async () => {
    const data = text("tbsCertificate stand-in");
    const publicKey = createPublicKey({ key: Buffer.from(caKey.spki), format: "der", type: "spki" });
    for (const [hash, name] of [
      ["SHA-256", "sha256"],
      ["SHA-384", "sha384"],
    ] as const) {
      const signature = await hsm.signRsaPkcs1v15(caKey.handle, hash, data);
      expect(signature.length).toBe(256);
      expect(verify(name, data, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature)).toBe(true);
      expect(verify(name, text("other data"), publicKey, signature)).toBe(false);
    }
  });

  it("keeps key pairs across close and reopen, and destroys them for good", async () => {
    await reopen();
    expect(Buffer.from(await hsm.publicKey(caKey.handle))).toEqual(Buffer.from(caKey.spki));
    const data = text("after a restart");
    const signature = await hsm.signRsaPkcs1v15(caKey.handle, "SHA-256", data);
    expect(
      verify("sha256", data, createPublicKey({ key: Buffer.from(caKey.spki), format: "der", type: "spki" }), signature),
    ).toBe(true);

    const doomed = await hsm.generateRsaKeyPair({ bits: 2048, label: "doomed", extractable: false });
    await hsm.destroyKey(doomed.handle);
    await failure(hsm.signRsaPkcs1v15(doomed.handle, "SHA-256", data), "HSM_KEY_NOT_FOUND");
    await failure(hsm.publicKey(doomed.handle), "HSM_KEY_NOT_FOUND");
    await hsm.destroyKey(doomed.handle); // idempotent
    await reopen();
    await failure(hsm.publicKey(doomed.handle), "HSM_KEY_NOT_FOUND");
  });

  it("refuses malformed handles, wrong key types and bad key sizes with their codes", async () => {
    await failure(hsm.publicKey("../../etc/passwd"), "HSM_KEY_NOT_FOUND");
    await failure(hsm.publicKey("00".repeat(16)), "HSM_KEY_NOT_FOUND");
    const kek = await hsm.aesKey("type check");
    await failure(hsm.signRsaPkcs1v15(kek, "SHA-256", text("x")), "HSM_WRONG_KEY_TYPE");
    await failure(hsm.aesGcmEncrypt(caKey.handle, text("x"), text("")), "HSM_WRONG_KEY_TYPE");
    await failure(hsm.generateExportableRsaKey({ bits: 1024, label: "weak" }), "HSM_BAD_INPUT");
    await failure(hsm.generateRsaKeyPair({ bits: 2049, label: "odd", extractable: false }), "HSM_BAD_INPUT");
    await failure(hsm.aesKey(""), "HSM_BAD_INPUT");
  });

  it("keeps a named KEK across close and reopen: encrypt, reopen, decrypt", async () => {
    const handle = await hsm.aesKey("mailseal-kek-share-a");
    expect(await hsm.aesKey("mailseal-kek-share-a")).toBe(handle);
    const other = await hsm.aesKey("mailseal-kek-share-b");
    expect(other).not.toBe(handle);
    const aad = text("mailseal-share-v1\nalice@example.org\nkey-1\n0");
    const plaintext = text("share bytes ".repeat(100));
    const { iv, ciphertext } = await hsm.aesGcmEncrypt(handle, plaintext, aad);
    expect(iv.length).toBe(12);
    expect(ciphertext.length).toBe(plaintext.length + 16);
    const again = await hsm.aesGcmEncrypt(handle, plaintext, aad);
    expect(Buffer.from(again.iv)).not.toEqual(Buffer.from(iv));

    await reopen();
    expect(await hsm.aesKey("mailseal-kek-share-a")).toBe(handle);
    expect(Buffer.from(await hsm.aesGcmDecrypt(handle, iv, ciphertext, aad))).toEqual(Buffer.from(plaintext));
    const noAad = await hsm.aesGcmEncrypt(handle, text("x"), new Uint8Array(0));
    expect(
      new TextDecoder().decode(await hsm.aesGcmDecrypt(handle, noAad.iv, noAad.ciphertext, new Uint8Array(0))),
    ).toBe("x");
    await failure(hsm.aesGcmEncrypt(handle, new Uint8Array(0), aad), "HSM_BAD_INPUT");
  });

  it("detects every kind of tampering with AES-GCM data", async () => {
    const handle = await hsm.aesKey("mailseal-kek-share-a");
    const other = await hsm.aesKey("mailseal-kek-share-b");
    const aad = text("address\nkey\n1");
    const { iv, ciphertext } = await hsm.aesGcmEncrypt(handle, text("secret share"), aad);
    const flip = (bytes: Uint8Array, at: number): Uint8Array => {
      const copy = bytes.slice();
      copy[at]! ^= 0x01;
      return copy;
    };
    await failure(hsm.aesGcmDecrypt(handle, iv, flip(ciphertext, 0), aad), "HSM_DECRYPT_FAILED");
    await failure(hsm.aesGcmDecrypt(handle, iv, flip(ciphertext, ciphertext.length - 1), aad), "HSM_DECRYPT_FAILED");
    await failure(hsm.aesGcmDecrypt(handle, flip(iv, 5), ciphertext, aad), "HSM_DECRYPT_FAILED");
    await failure(hsm.aesGcmDecrypt(handle, iv, ciphertext, text("address\nkey\n0")), "HSM_DECRYPT_FAILED");
    await failure(hsm.aesGcmDecrypt(other, iv, ciphertext, aad), "HSM_DECRYPT_FAILED");
    await failure(hsm.aesGcmDecrypt(handle, iv, ciphertext.subarray(0, 10), aad), "HSM_DECRYPT_FAILED");
    await failure(hsm.aesGcmDecrypt(handle, iv.subarray(0, 8), ciphertext, aad), "HSM_DECRYPT_FAILED");
    // The untouched data still opens after the failures (no operation left half done in a session).
    expect(new TextDecoder().decode(await hsm.aesGcmDecrypt(handle, iv, ciphertext, aad))).toBe("secret share");
  });

  it("refuses calls after close", async () => {
    const closed = await openHsm(spec, { dataDir });
    await closed.close();
    await failure(closed.publicKey(caKey.handle), "HSM_UNAVAILABLE");
    // The other backend of this process keeps working (a shared PKCS#11 library is finalized last).
    expect((await hsm.publicKey(caKey.handle)).length).toBeGreaterThan(256);
  });

  if (kind === "soft") {
    it("stores keys in a 0700 directory, one 0600 file per key, no temporary files left", () => {
      const dir = join(dataDir, "soft-hsm");
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const files = readdirSync(dir);
      expect(files.length).toBeGreaterThanOrEqual(4);
      for (const file of files) {
        expect(file).toMatch(/^[0-9a-f]{32}\.json$/);
        expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
      }
    });
  } else {
    it("refuses a wrong PIN and an unknown token with their codes", async () => {
      process.env.MAILSEAL_TEST_WRONG_PIN = "9999";
      await failure(openHsm(`${spec}&pin-env=MAILSEAL_TEST_WRONG_PIN`, { dataDir }), "HSM_LOGIN_FAILED");
      await failure(openHsm(spec.replace("token=mailseal-test", "token=nope"), { dataDir }), "HSM_UNAVAILABLE");
      await failure(openHsm("pkcs11:/nonexistent/lib.so?token=x", { dataDir }), "HSM_UNAVAILABLE");
    });
  }
});

describe("HSM spec", () => {
  it.each([
    "",
    "hard",
    "pkcs11:",
    "pkcs11:relative.so?token=a&pin=1",
    "pkcs11:/lib.so?pin=1",
    "pkcs11:/lib.so?token=a",
    "pkcs11:/lib.so?token=a&slot=1&pin=1",
    "pkcs11:/lib.so?slot=x&pin=1",
    "pkcs11:/lib.so?token=a&pin=1&color=red",
    "pkcs11:/lib.so?token=a&pin=1&pin=2",
    // A PIN on the command line is refused even when valid: it would be in the process list.
    "pkcs11:/lib.so?token=a&pin=1234",
    "pkcs11:/lib.so?token=a&pin-env=MAILSEAL_NO_SUCH_VARIABLE",
  ])("refuses %j with HSM_BAD_SPEC", async (spec) => {
    await failure(openHsm(spec, { dataDir: tmpdir() }), "HSM_BAD_SPEC");
  });
});
