// PUT /v1/keys/{keyId}/shares across the two stores (docs/services.md, "Data"): the new shares are
// staged beside the live ones, one api update flips the key's commitment, then both stores promote.
// Every crash window leaves a key that releases whole: before the flip, the old blob; after the flip
// but before a store promoted, the new blob (the ticket names the api's commitment and the store
// promotes on that release). A store down while staging: STORE_UNAVAILABLE and nothing changed.
import { createHash, randomBytes } from "node:crypto";
import {
  encodeBase64url,
  keyCommitment,
  PROTECTION_SESSION_HEADER,
  protectKey,
  seal,
  shareAad,
  splitSecret,
  unprotectKey,
} from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchesCertificate, releaseKey } from "./fixtures/kms-client.js";
import { enrolDevice, startKms, type Json, type KmsFixture, type TestDevice } from "./fixtures/kms-server.js";

/** A protection session of the device, as POST /v1/protection/login/finish would store it. */
async function protectionSession(kms: KmsFixture, device: TestDevice): Promise<Record<string, string>> {
  const value = encodeBase64url(randomBytes(32));
  await kms
    .api()
    .db.insertInto("protection_sessions")
    .values({
      session_hash: encodeBase64url(createHash("sha256").update(value).digest()),
      address: device.address,
      device_id: device.deviceId,
      expires_at: new Date(kms.clock.now().getTime() + 5 * 60_000).toISOString(),
    })
    .execute();
  return { [PROTECTION_SESSION_HEADER]: value };
}

/** The key wrapped under an export key, split and sealed to the two stores: the body of the PUT. */
async function wrappedUpload(kms: KmsFixture, address: string, keyId: string, pkcs8: Uint8Array) {
  const exportKey = new Uint8Array(randomBytes(64));
  const blob = await protectKey(pkcs8, exportKey, address, keyId);
  const shares = splitSecret(blob);
  const client = kms.storeClient();
  const sealed = [
    await seal(await client.ingestKey("share-a"), shares[0], shareAad(address, keyId, 0)),
    await seal(await client.ingestKey("share-b"), shares[1], shareAad(address, keyId, 1)),
  ] as const;
  return { exportKey, blob, commitment: await keyCommitment(blob), sealed };
}

const staged = async (kms: KmsFixture, store: "share-a" | "share-b", keyId: string) =>
  kms.stores()[store].db.selectFrom("staged_shares").select("commitment").where("key_id", "=", keyId).execute();

describe("staged share replacement", () => {
  let kms: KmsFixture;
  let api: string;
  beforeAll(async () => {
    kms = await startKms({ split: true });
    api = kms.urls().api;
  });
  afterAll(() => kms?.close());

  async function keyOf(device: TestDevice): Promise<Json> {
    await kms.keyManager().ensureCurrentKey(device.address);
    return (await device.fetch(`${api}/v1/keys`)).body.keys[0];
  }

  it("replaces both shares through the api: the new blob releases, nothing stays staged", async () => {
    const device = await enrolDevice(kms, "sam@example.org");
    const key = await keyOf(device);
    const pkcs8 = await releaseKey(device, api, key);
    const upload = await wrappedUpload(kms, device.address, key.keyId, pkcs8);
    const headers = await protectionSession(kms, device);
    const put = await device.fetch(`${api}/v1/keys/${key.keyId}/shares`, {
      method: "PUT",
      body: { protection: "opaque", commitment: upload.commitment, shares: upload.sealed },
      headers,
    });
    expect(put.status).toBe(204);
    const listed = (await device.fetch(`${api}/v1/keys`)).body.keys[0];
    expect(listed).toMatchObject({ protection: "opaque", commitment: upload.commitment });
    const blob = await releaseKey(device, api, listed, headers);
    expect(Buffer.from(blob).equals(Buffer.from(upload.blob))).toBe(true);
    const unwrapped = await unprotectKey(blob, upload.exportKey, device.address, key.keyId);
    expect(matchesCertificate(unwrapped, key.certificate)).toBe(true);
    expect(await staged(kms, "share-a", key.keyId)).toEqual([]);
    expect(await staged(kms, "share-b", key.keyId)).toEqual([]);

    // A repeat of the same upload (a client retrying after a lost answer) is harmless.
    const again = await device.fetch(`${api}/v1/keys/${key.keyId}/shares`, {
      method: "PUT",
      body: { protection: "opaque", commitment: upload.commitment, shares: upload.sealed },
      headers,
    });
    expect(again.status).toBe(204);
    const still = (await device.fetch(`${api}/v1/keys`)).body.keys[0];
    expect(Buffer.from(await releaseKey(device, api, still, headers)).equals(Buffer.from(upload.blob))).toBe(true);
  });

  it("a crash after staging, before the api's flip: the old key still releases", async () => {
    const device = await enrolDevice(kms, "tia@example.org");
    const key = await keyOf(device);
    const pkcs8 = await releaseKey(device, api, key);
    const upload = await wrappedUpload(kms, device.address, key.keyId, pkcs8);
    // Steps the api takes, stopped after step 1 (both stores staged, the api row untouched).
    for (const [store, index] of [
      ["share-a", 0],
      ["share-b", 1],
    ] as const) {
      await kms
        .storeClient()
        .stageShare(store, key.keyId, index, device.address, upload.commitment, upload.sealed[index]);
    }
    const again = await releaseKey(device, api, key);
    expect(Buffer.from(again).equals(Buffer.from(pkcs8))).toBe(true);
    // The staged shares wait; the live ones were not touched.
    expect((await staged(kms, "share-a", key.keyId)).map((row) => row.commitment)).toEqual([upload.commitment]);
  });

  it("a crash after the flip, before one store promoted: the new blob releases, promoted on the way", async () => {
    const device = await enrolDevice(kms, "uwe@example.org");
    const key = await keyOf(device);
    const pkcs8 = await releaseKey(device, api, key);
    const upload = await wrappedUpload(kms, device.address, key.keyId, pkcs8);
    const client = kms.storeClient();
    await client.stageShare("share-a", key.keyId, 0, device.address, upload.commitment, upload.sealed[0]);
    await client.stageShare("share-b", key.keyId, 1, device.address, upload.commitment, upload.sealed[1]);
    await kms
      .api()
      .db.updateTable("keys")
      .set({ protection: "opaque", commitment: upload.commitment })
      .where("key_id", "=", key.keyId)
      .execute();
    await client.promoteShares("share-a", key.keyId, upload.commitment); // share-b never heard of it
    expect(await staged(kms, "share-b", key.keyId)).toHaveLength(1);
    const listed = (await device.fetch(`${api}/v1/keys`)).body.keys[0];
    const blob = await releaseKey(device, api, listed, await protectionSession(kms, device));
    expect(Buffer.from(blob).equals(Buffer.from(upload.blob))).toBe(true);
    expect(await staged(kms, "share-b", key.keyId)).toEqual([]);
    // Promotion is idempotent.
    await client.promoteShares("share-b", key.keyId, upload.commitment);
  });

  it("a store down while staging: STORE_UNAVAILABLE, the key unchanged and whole", async () => {
    const device = await enrolDevice(kms, "vic@example.org");
    const key = await keyOf(device);
    const pkcs8 = await releaseKey(device, api, key);
    const upload = await wrappedUpload(kms, device.address, key.keyId, pkcs8);
    await kms.stopStore("share-b");
    try {
      const put = await device.fetch(`${api}/v1/keys/${key.keyId}/shares`, {
        method: "PUT",
        body: { protection: "opaque", commitment: upload.commitment, shares: upload.sealed },
        headers: await protectionSession(kms, device),
      });
      expect(put.status).toBe(503);
      expect(put.body.error.code).toBe("STORE_UNAVAILABLE");
    } finally {
      await kms.startStore("share-b");
    }
    const listed = (await device.fetch(`${api}/v1/keys`)).body.keys[0];
    expect(listed).toMatchObject({ protection: "none", commitment: key.commitment });
    expect(Buffer.from(await releaseKey(device, api, listed)).equals(Buffer.from(pkcs8))).toBe(true);
  });

  it("refuses to stage for a key the store does not hold, or for another address", async () => {
    const device = await enrolDevice(kms, "wim@example.org");
    const key = await keyOf(device);
    const upload = await wrappedUpload(kms, device.address, key.keyId, new Uint8Array(randomBytes(100)));
    const client = kms.storeClient();
    await expect(
      client.stageShare("share-a", "no-such-key", 0, device.address, upload.commitment, upload.sealed[0]),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" }); // sealed for another key id: does not open
    const other = await wrappedUpload(kms, "eve@example.org", key.keyId, new Uint8Array(randomBytes(100)));
    await expect(
      client.stageShare("share-a", key.keyId, 0, "eve@example.org", other.commitment, other.sealed[0]),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
