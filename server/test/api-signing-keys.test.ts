// The api's token and ticket keys: made once, wrapped under the api KEK, the same for every node.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEK_LABEL, loadApiSigningKeys } from "../src/api/signing-keys.js";
import { CertificateAuthority } from "../src/ca/authority.js";
import { DbCaStore } from "../src/ca/db-store.js";
import { openDatabase, type ApiSchema, type Database } from "../src/db/index.js";
import { openHsm, type HsmBackend } from "../src/hsm/backend.js";

const b64 = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));
const pick = (jwk: JsonWebKey) => ({ x: jwk.x, y: jwk.y });

/** A signing key row as the api wrote it before the one wrapped-setting format. */
async function legacyRow(hsm: HsmBackend, name: string, pair: CryptoKeyPair): Promise<string> {
  const kek = await hsm.aesKey(API_KEK_LABEL);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const aad = new TextEncoder().encode(`mailseal-api-setting-v1\n${name}`);
  const { iv, ciphertext } = await hsm.aesGcmEncrypt(kek, pkcs8, aad);
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  return JSON.stringify({
    v: 1,
    publicJwk,
    iv: Buffer.from(iv).toString("base64url"),
    ct: Buffer.from(ciphertext).toString("base64url"),
  });
}

const publicJwk = async (pair: CryptoKeyPair) => globalThis.crypto.subtle.exportKey("jwk", pair.publicKey);

describe("api signing keys", () => {
  let dir: string;
  let database: Database<ApiSchema>;
  let hsm: HsmBackend;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mailseal-keys-"));
    database = await openDatabase(`sqlite:${join(dir, "api.sqlite")}`, "api");
    hsm = await openHsm("soft", { dataDir: dir });
  });
  afterAll(async () => {
    await database?.close();
    await hsm?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ends with one key pair when two nodes start at once, private halves wrapped and unexportable", async () => {
    const [a, b] = await Promise.all([loadApiSigningKeys(database.db, hsm), loadApiSigningKeys(database.db, hsm)]);
    expect(await publicJwk(a.tokenKey)).toEqual(await publicJwk(b.tokenKey));
    expect(await publicJwk(a.ticketKey)).toEqual(await publicJwk(b.ticketKey));
    expect(await publicJwk(a.tokenKey)).not.toEqual(await publicJwk(a.ticketKey));
    expect(await publicJwk(a.ticketKey)).toMatchObject(a.ticketPublicJwk);
    expect(a.tokenKey.privateKey.extractable).toBe(false);
    await expect(globalThis.crypto.subtle.exportKey("pkcs8", a.tokenKey.privateKey)).rejects.toThrow();

    // A signature by one node verifies at the other.
    const data = new TextEncoder().encode("x");
    const algorithm = { name: "ECDSA", hash: "SHA-256" };
    const signature = await globalThis.crypto.subtle.sign(algorithm, a.tokenKey.privateKey, data);
    expect(await globalThis.crypto.subtle.verify(algorithm, b.tokenKey.publicKey, signature, data)).toBe(true);

    const rows = await database.db.selectFrom("settings").selectAll().execute();
    expect(rows.map((row) => row.name).sort()).toEqual(["ticket-key", "token-key"]);
    // The one wrapped-setting format (kms/wrapped-setting.ts), whose associated data names the setting.
    for (const row of rows) expect(Object.keys(JSON.parse(row.value)).sort()).toEqual(["ct", "iv", "v"]);
    const kek = await hsm.aesKey(API_KEK_LABEL);
    for (const row of rows) {
      const { iv, ct } = JSON.parse(row.value) as { iv: string; ct: string };
      const aad = new TextEncoder().encode(`mailseal-setting-v1\n${row.name}`);
      const jwk = JSON.parse(Buffer.from(await hsm.aesGcmDecrypt(kek, b64(iv), b64(ct), aad)).toString("utf8"));
      const pair = row.name === "token-key" ? a.tokenKey : a.ticketKey;
      expect({ x: jwk.x, y: jwk.y }).toMatchObject(pick(await publicJwk(pair)));
    }

    // Swapping the two rows is detected (the setting's name is the associated data).
    const token = rows.find((row) => row.name === "token-key")!;
    const ticket = rows.find((row) => row.name === "ticket-key")!;
    await database.db.updateTable("settings").set({ value: ticket.value }).where("name", "=", "token-key").execute();
    await expect(loadApiSigningKeys(database.db, hsm)).rejects.toMatchObject({ code: "HSM_DECRYPT_FAILED" });
    await database.db.updateTable("settings").set({ value: token.value }).where("name", "=", "token-key").execute();
  });

  it("migrates rows of the earlier format ({ publicJwk, iv, ct }, PKCS#8) to the wrapped-setting format", async () => {
    const dir2 = mkdtempSync(join(tmpdir(), "mailseal-keys-legacy-"));
    const legacyDb = await openDatabase(`sqlite:${join(dir2, "api.sqlite")}`, "api");
    try {
      const pairs: Record<string, CryptoKeyPair> = {};
      for (const name of ["token-key", "ticket-key"] as const) {
        pairs[name] = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
        await legacyDb.db
          .insertInto("settings")
          .values({ name, value: await legacyRow(hsm, name, pairs[name]) })
          .execute();
      }
      // Two nodes migrating at once end with the same keys: the ones the legacy rows held.
      const [a, b] = await Promise.all([loadApiSigningKeys(legacyDb.db, hsm), loadApiSigningKeys(legacyDb.db, hsm)]);
      for (const loaded of [a, b]) {
        expect(pick(await publicJwk(loaded.tokenKey))).toEqual(pick(await publicJwk(pairs["token-key"]!)));
        expect(pick(await publicJwk(loaded.ticketKey))).toEqual(pick(await publicJwk(pairs["ticket-key"]!)));
      }
      const data = new TextEncoder().encode("x");
      const algorithm = { name: "ECDSA", hash: "SHA-256" };
      const signature = await crypto.subtle.sign(algorithm, a.tokenKey.privateKey, data);
      expect(await crypto.subtle.verify(algorithm, pairs["token-key"]!.publicKey, signature, data)).toBe(true);
      const rows = await legacyDb.db.selectFrom("settings").selectAll().execute();
      for (const row of rows) expect(Object.keys(JSON.parse(row.value)).sort()).toEqual(["ct", "iv", "v"]);
    } finally {
      await legacyDb.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it("stores the CA once in the api database and loads it back, revocations included", async () => {
    const clock = { now: () => new Date() };
    const options = { hsm, store: new DbCaStore(database.db), clock, profile: "private" as const };
    const ca = await CertificateAuthority.open(options);
    const again = await CertificateAuthority.open(options);
    expect(Buffer.from(again.root).equals(Buffer.from(ca.root))).toBe(true);
    expect(Buffer.from(again.issuing).equals(Buffer.from(ca.issuing))).toBe(true);
    const store = new DbCaStore(database.db);
    expect(await store.revoke("ABCDEF", "keyCompromise", new Date())).toBe(false);
    await expect(
      store.saveAuthority("root", { keyHandle: "0".repeat(32), certificate: new Uint8Array([1]) }),
    ).rejects.toMatchObject({ code: "CA_STATE_INVALID" });
  });
});
