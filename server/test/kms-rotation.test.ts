// Rotation and failure (docs/services.md, "Data"): three years less 29 days on, maintain() makes a
// successor and retires the old key, which stays listed and releasable; a share store that is down
// mid-rotation gives STORE_UNAVAILABLE, leaves only a pending row that maintain() rolls back, and a
// later pass completes the rotation. Each role runs in its own server here, so one can be stopped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolDevice, startKms, type Json, type KmsFixture, type TestDevice } from "./fixtures/kms-server.js";
import { matchesCertificate, releaseKey } from "./fixtures/kms-client.js";

const DAY = 24 * 3600 * 1000;

async function keyRows(kms: KmsFixture, address: string) {
  return kms.api().db.selectFrom("keys").selectAll().where("address", "=", address).orderBy("created_at").execute();
}

async function shareIds(kms: KmsFixture, store: "share-a" | "share-b"): Promise<string[]> {
  const rows = await kms.stores()[store].db.selectFrom("shares").select("key_id").execute();
  return rows.map((row) => row.key_id).sort();
}

describe("rotation", () => {
  let kms: KmsFixture;
  let alice: TestDevice;
  let bob: TestDevice;
  let api: string;

  beforeAll(async () => {
    kms = await startKms({ split: true, start: new Date("2026-01-10T08:00:00Z") });
    alice = await enrolDevice(kms, "alice@example.org");
    bob = await enrolDevice(kms, "bob@example.org");
    api = kms.urls().api;
    await kms.keyManager().ensureCurrentKey(alice.address);
    await kms.keyManager().ensureCurrentKey(bob.address);
  });
  afterAll(() => kms?.close());

  it("does nothing while no certificate is near its end", async () => {
    kms.clock.advance(365 * DAY);
    expect(await kms.keyManager().maintain()).toEqual({ rolledBack: [], created: [], failed: [] });
  });

  it("makes a successor 29 days before the end; the old key is retired, listed and still releasable", async () => {
    const [first] = await keyRows(kms, alice.address);
    kms.clock.set(new Date(new Date(first!.not_after!).getTime() - 29 * DAY));
    // Bob's key is a moment younger than Alice's: it is due as well.
    const report = await kms.keyManager().maintain();
    expect(report.failed).toEqual([]);
    expect(report.created).toHaveLength(2);
    const rows = await keyRows(kms, alice.address);
    expect(rows.map((row) => [row.key_id === first!.key_id, row.status])).toEqual([
      [true, "retired"],
      [false, "current"],
    ]);
    const listed = (await alice.fetch(`${api}/v1/keys`)).body.keys as Json[];
    expect(listed.map((key) => key.status)).toEqual(["retired", "current"]);
    expect(new Date(listed[1].notBefore).getTime()).toBe(Math.floor(kms.clock.now().getTime() / 1000) * 1000);
    for (const key of listed) expect(matchesCertificate(await releaseKey(alice, api, key), key.certificate)).toBe(true);
    expect(kms.mails.filter((mail) => mail.subject.includes("renewed")).map((mail) => mail.to)).toEqual([
      "alice@example.org",
      "bob@example.org",
    ]);
    // The next pass finds nothing to do.
    expect(await kms.keyManager().maintain()).toEqual({ rolledBack: [], created: [], failed: [] });
  });

  it("survives a store that is down mid-rotation: clear error, rollback, then completion", async () => {
    const carol = await enrolDevice(kms, "carol@example.org");
    await kms.keyManager().ensureCurrentKey(carol.address);
    const [before] = await keyRows(kms, carol.address);
    const sharesBefore = await shareIds(kms, "share-a");

    await kms.stopStore("share-b");
    kms.clock.set(new Date(new Date(before!.not_after!).getTime() - 10 * DAY));
    // Every key made with Alice's successor is due by now too: each address fails the same way.
    const failed = await kms.keyManager().maintain();
    expect(failed.created).toEqual([]);
    expect(failed.failed.map((entry) => entry.address).sort()).toEqual(
      ["alice@example.org", "bob@example.org", carol.address].sort(),
    );
    for (const entry of failed.failed) {
      expect(entry.code).toBe("STORE_UNAVAILABLE");
      expect(entry.message).toMatch(/share-b .* is unavailable/);
    }
    // Only pending rows are left; share-a already forgot its shares of them (the rollback reached it).
    const during = await keyRows(kms, carol.address);
    expect(during.map((row) => row.status)).toEqual(["current", "pending"]);
    expect(await shareIds(kms, "share-a")).toEqual(sharesBefore);
    const listed = (await carol.fetch(`${api}/v1/keys`)).body.keys as Json[];
    expect(listed.map((key) => key.keyId)).toEqual([before!.key_id]);

    // Still down: the pass fails again and keeps the pending rows.
    const again = await kms.keyManager().maintain();
    expect(again.rolledBack).toEqual([]);
    expect(again.failed.map((entry) => entry.code)).toEqual(Array(3).fill("STORE_UNAVAILABLE"));

    await kms.startStore("share-b");
    const recovered = await kms.keyManager().maintain();
    expect(recovered.failed).toEqual([]);
    expect(recovered.rolledBack).toContain(during[1]!.key_id);
    expect(recovered.rolledBack).toHaveLength(3);
    expect(recovered.created).toHaveLength(3);
    const after = await keyRows(kms, carol.address);
    expect(after.map((row) => row.status)).toEqual(["retired", "current"]);
    expect(recovered.created).toContain(after[1]!.key_id);
    // Nothing lost: both keys release and match their certificates; no orphaned shares at either store.
    const keys = (await carol.fetch(`${api}/v1/keys`)).body.keys as Json[];
    for (const key of keys) expect(matchesCertificate(await releaseKey(carol, api, key), key.certificate)).toBe(true);
    const live = (await kms.api().db.selectFrom("keys").select("key_id").execute()).map((row) => row.key_id).sort();
    expect(await shareIds(kms, "share-a")).toEqual(live);
    expect(await shareIds(kms, "share-b")).toEqual(live);
  });

  it("rolls back a pending row another process left behind once it is stale, and makes the missing key", async () => {
    const dave = await enrolDevice(kms, "dave@example.org");
    // A crashed process: a pending row (and a share at one store), no current key.
    await kms
      .api()
      .db.insertInto("keys")
      .values({
        key_id: "crashed-key",
        address: dave.address,
        status: "pending",
        bits: 2048,
        certificate: null,
        not_before: null,
        not_after: null,
        protection: "none",
        commitment: "",
        created_at: kms.clock.now().toISOString(),
      })
      .execute();
    // Young: it may belong to a live api node, so the pass leaves it alone and cannot make Dave's key.
    const young = await kms.keyManager().maintain();
    expect(young.rolledBack).toEqual([]);
    expect((await keyRows(kms, dave.address)).map((row) => row.status)).toEqual(["pending"]);
    kms.clock.advance(3 * 60_000);
    const stale = await kms.keyManager().maintain();
    expect(stale.rolledBack).toEqual(["crashed-key"]);
    expect((await keyRows(kms, dave.address)).map((row) => row.status)).toEqual(["current"]);
  });
});

// Two api nodes run maintenance at once: a pass lists the expiring keys, then makes their successors
// one by one, and by the time it reaches an address another node (here: a rotation asked for meanwhile)
// may have replaced that key. The pass must see that before it makes a key: no second successor, no
// pending row left for a moment, no key made and thrown away.
describe("a rotation that another pass already did", () => {
  let kms: KmsFixture;
  let gate: Promise<void> | undefined;
  let opened: (() => void) | undefined;
  let reached: (() => void) | undefined;
  const generated: string[] = [];

  beforeAll(async () => {
    kms = await startKms({
      start: new Date("2026-01-10T08:00:00Z"),
      observeHsm: (hsm) =>
        new Proxy(hsm, {
          get(target, name, receiver) {
            if (name !== "generateExportableRsaKey") return Reflect.get(target, name, receiver) as unknown;
            return async (options: { bits: number; label: string }) => {
              generated.push(options.label);
              const waiting = gate;
              gate = undefined;
              if (waiting !== undefined) {
                reached?.();
                await waiting;
              }
              return target.generateExportableRsaKey(options);
            };
          },
        }),
    });
  });
  afterAll(() => kms?.close());

  it("skips a key that was replaced after the pass listed it", async () => {
    const carol = await enrolDevice(kms, "carol@example.org");
    const dave = await enrolDevice(kms, "dave@example.org");
    await kms.keyManager().ensureCurrentKey(carol.address);
    await kms.keyManager().ensureCurrentKey(dave.address);
    const [first] = await keyRows(kms, carol.address);
    kms.clock.set(new Date(new Date(first!.not_after!).getTime() - 29 * DAY));
    generated.length = 0;

    // The pass stops inside its first key making; the other address is rotated meanwhile.
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    gate = new Promise<void>((resolve) => (opened = resolve));
    const pass = kms.keyManager().maintain();
    await atGate;
    const held = await kms
      .api()
      .db.selectFrom("keys")
      .select("address")
      .where("status", "=", "pending")
      .executeTakeFirstOrThrow();
    const other = held.address === carol.address ? dave.address : carol.address;
    const replaced = await kms.keyManager().rotateNow(other);
    opened!();
    const report = await pass;

    expect(report.failed).toEqual([]);
    expect(report.created).toHaveLength(1);
    // One key made for the held address in the pass, one for the other by the rotation: not a third.
    expect(generated).toHaveLength(2);
    const rows = await keyRows(kms, other);
    expect(rows.map((row) => row.status)).toEqual(["retired", "current"]);
    expect(rows[1]!.key_id).toBe(replaced);
    expect(await kms.api().db.selectFrom("keys").select("key_id").where("status", "=", "pending").execute()).toEqual(
      [],
    );
  });
});
