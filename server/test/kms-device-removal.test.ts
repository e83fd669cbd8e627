// Removing a device replaces the address's encryption key at once (issue 12, finding 3): the removed
// device held the current key, so the key that mail goes to from then on must be one it never had.
// The old key is retired (listed, releasable to the remaining devices for old mail), the removed
// device releases nothing any more, and the owner is told by mail. A store that is down leaves the
// removal done and the rotation due; maintenance finishes it. POST /v1/keys/rotate does the same on
// request. The CRL is signed once and served from the database until a revocation (finding 13).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markRotationDue } from "../src/kms/manager.js";
import { CRL_RESIGN_MS } from "../src/ca/index.js";
import { enrolDevice, startKms, type Json, type KmsFixture, type TestDevice } from "./fixtures/kms-server.js";
import { ephemeralKey, matchesCertificate, presentTicket, releaseKey, requestTickets } from "./fixtures/kms-client.js";

async function keyRows(kms: KmsFixture, address: string) {
  return kms
    .api()
    .db.selectFrom("keys")
    .select(["key_id", "status"])
    .where("address", "=", address)
    .orderBy("created_at")
    .execute();
}

async function crl(kms: KmsFixture): Promise<Buffer> {
  const response = await fetch(`${kms.urls().api}/v1/ca/crl`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/pkix-crl");
  return Buffer.from(await response.arrayBuffer());
}

describe("device removal and rotation on request (one process, every route)", () => {
  let kms: KmsFixture;
  let laptop: TestDevice;
  let phone: TestDevice;
  let api: string;

  beforeAll(async () => {
    kms = await startKms({ start: new Date("2026-03-02T09:00:00Z") });
    laptop = await enrolDevice(kms, "alice@example.org", "laptop");
    phone = await enrolDevice(kms, "alice@example.org", "phone");
    api = kms.urls().api;
    await kms.keyManager().ensureCurrentKey(laptop.address);
  });
  afterAll(() => kms?.close());

  it("makes a new current key and retires the old one; the removed device releases nothing", async () => {
    const [old] = (await laptop.fetch(`${api}/v1/keys`)).body.keys as Json[];
    // A ticket the phone got before its removal names a key that exists then: never the new one.
    const early = await ephemeralKey();
    const before = await requestTickets(phone, api, old.keyId, early);
    expect(before.status).toBe(200);

    kms.clock.advance(1000);
    const removed = await laptop.fetch(`${api}/v1/devices/${phone.deviceId}`, { method: "DELETE" });
    expect(removed.status).toBe(204);

    const rows = await keyRows(kms, laptop.address);
    expect(rows.map((row) => [row.key_id === old.keyId, row.status])).toEqual([
      [true, "retired"],
      [false, "current"],
    ]);
    const account = await kms
      .api()
      .db.selectFrom("accounts")
      .select("rotation_due")
      .where("address", "=", laptop.address)
      .executeTakeFirstOrThrow();
    expect(account.rotation_due).toBeNull();
    expect(kms.mails.filter((m) => m.subject.includes("replaced")).map((m) => m.to)).toEqual([laptop.address]);

    // The remaining device reads old mail and new: both keys release and match their certificates.
    const listed = (await laptop.fetch(`${api}/v1/keys`)).body.keys as Json[];
    expect(listed.map((key) => key.status)).toEqual(["retired", "current"]);
    for (const key of listed)
      expect(matchesCertificate(await releaseKey(laptop, api, key), key.certificate)).toBe(true);

    // The removed device: no list, no tickets, for either key.
    expect((await phone.fetch(`${api}/v1/keys`)).body.error.code).toBe("DEVICE_NOT_ACTIVE");
    for (const key of listed) {
      const asked = await requestTickets(phone, api, key.keyId, await ephemeralKey());
      expect([asked.status, asked.body.error.code]).toEqual([403, "DEVICE_NOT_ACTIVE"]);
    }
    // Its early ticket still works for its 60 s (the stores do not ask the api), but only for the
    // key it held anyway, which is retired now: mail from now on goes to the new key.
    const answer = await presentTicket(phone, before.tickets[0]!);
    expect(answer.status).toBe(200);
    expect(answer.body.keyId).toBe(old.keyId);
  });

  it("removing an already removed device makes no further key", async () => {
    const rows = await keyRows(kms, laptop.address);
    const again = await laptop.fetch(`${api}/v1/devices/${phone.deviceId}`, { method: "DELETE" });
    expect(again.status).toBe(204);
    expect(await keyRows(kms, laptop.address)).toEqual(rows);
  });

  it("POST /v1/keys/rotate replaces the current key on request", async () => {
    const before = await keyRows(kms, laptop.address);
    kms.clock.advance(1000);
    const rotated = await laptop.fetch(`${api}/v1/keys/rotate`, { method: "POST" });
    expect(rotated.status).toBe(200);
    const after = await keyRows(kms, laptop.address);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toEqual({ key_id: rotated.body.keyId, status: "current" });
    expect(after.slice(0, -1).every((row) => row.status === "retired")).toBe(true);
    // A removed device cannot ask for one.
    expect((await phone.fetch(`${api}/v1/keys/rotate`, { method: "POST" })).body.error.code).toBe("DEVICE_NOT_ACTIVE");
  });

  it("serves the CRL from the database: the same bytes until a revocation or an hour has passed", async () => {
    const first = await crl(kms);
    kms.clock.advance(60_000);
    expect((await crl(kms)).equals(first)).toBe(true);
    const stored = await kms.api().db.selectFrom("crls").selectAll().executeTakeFirstOrThrow();
    expect(Buffer.from(stored.der, "base64url").equals(first)).toBe(true);

    // A revocation: the next request signs a CRL that lists it.
    const serial = "0a1b2c3d4e5f";
    await kms
      .api()
      .db.insertInto("certificates")
      .values({
        serial,
        address: laptop.address,
        device_id: laptop.deviceId,
        kind: "signing",
        der: "AA",
        not_before: kms.clock.now().toISOString(),
        not_after: kms.clock.now().toISOString(),
        revoked_at: kms.clock.now().toISOString(),
        revocation_reason: 5,
      })
      .execute();
    const revoked = await crl(kms);
    expect(revoked.equals(first)).toBe(false);
    expect(revoked.includes(Buffer.from(serial, "hex"))).toBe(true);
    expect((await crl(kms)).equals(revoked)).toBe(true);

    kms.clock.advance(CRL_RESIGN_MS);
    expect((await crl(kms)).equals(revoked)).toBe(false);
  });
});

describe("a rotation a store outage stopped", () => {
  let kms: KmsFixture;
  let alice: TestDevice;

  beforeAll(async () => {
    kms = await startKms({ split: true, start: new Date("2026-03-02T09:00:00Z") });
    alice = await enrolDevice(kms, "alice@example.org");
    await kms.keyManager().ensureCurrentKey(alice.address);
  });
  afterAll(() => kms?.close());

  it("stays due, keeps the current key, and maintenance finishes it once the store is back", async () => {
    const [first] = await keyRows(kms, alice.address);
    await kms.stopStore("share-b");
    kms.clock.advance(1000);
    // What DELETE /v1/devices/{id} does: the mark with the removal, then the rotation.
    await markRotationDue(kms.api().db, alice.address, kms.clock.now());
    await expect(kms.keyManager().rotateNow(alice.address)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect((await keyRows(kms, alice.address)).filter((row) => row.status !== "pending")).toEqual([
      { key_id: first!.key_id, status: "current" },
    ]);

    await kms.startStore("share-b");
    const report = await kms.keyManager().maintain();
    expect(report.failed).toEqual([]);
    expect(report.created).toHaveLength(1);
    const rows = await keyRows(kms, alice.address);
    expect(rows).toEqual([
      { key_id: first!.key_id, status: "retired" },
      { key_id: report.created[0], status: "current" },
    ]);
    // Done: the next pass finds nothing due.
    expect(await kms.keyManager().maintain()).toEqual({ rolledBack: [], created: [], failed: [] });
  });
});
