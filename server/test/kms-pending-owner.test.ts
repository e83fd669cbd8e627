// Pending keys record the process that makes them (kms/instance.ts): a restarted node rolls back its
// predecessor's leftovers at once, while a young row of another live process or another host waits
// out the staleness threshold (docs/services.md, "Data").
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentInstance, formatOwner, ownerIsDead } from "../src/kms/instance.js";
import { enrolDevice, startKms, type KmsFixture } from "./fixtures/kms-server.js";

/** A pid that no process has: a child that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("ownerIsDead", () => {
  const self = currentInstance();
  it("knows a gone process on this host, and its own pid under another boot id, as dead", () => {
    expect(ownerIsDead(formatOwner({ host: self.host, pid: deadPid(), boot: "earlier" }), self)).toBe(true);
    expect(ownerIsDead(formatOwner({ ...self, boot: "earlier" }), self)).toBe(true);
  });
  it("does not call a live process, itself, another host or an unknown owner dead", () => {
    expect(ownerIsDead(formatOwner({ host: self.host, pid: process.ppid, boot: "x" }), self)).toBe(false);
    expect(ownerIsDead(formatOwner(self), self)).toBe(false);
    expect(ownerIsDead(formatOwner({ host: `${self.host}-other`, pid: deadPid(), boot: "x" }), self)).toBe(false);
    for (const owner of [null, "", "{", '{"host":1}']) expect(ownerIsDead(owner, self)).toBe(false);
  });
});

describe("maintenance and pending rows by owner", () => {
  let kms: KmsFixture;
  beforeAll(async () => {
    kms = await startKms({ start: new Date("2026-03-01T08:00:00Z") });
  });
  afterAll(() => kms?.close());

  async function pendingRow(address: string, keyId: string, owner: string | null) {
    await kms
      .api()
      .db.insertInto("keys")
      .values({
        key_id: keyId,
        address,
        status: "pending",
        bits: 2048,
        certificate: null,
        not_before: null,
        not_after: null,
        protection: "none",
        commitment: "",
        created_at: kms.clock.now().toISOString(),
        owner,
      })
      .execute();
  }

  it("rolls back a young row of a dead process at once and makes the key; leaves live and foreign rows", async () => {
    const erin = await enrolDevice(kms, "erin@example.org");
    const fred = await enrolDevice(kms, "fred@example.org");
    const gina = await enrolDevice(kms, "gina@example.org");
    await pendingRow(erin.address, "dead-owner", formatOwner({ host: hostname(), pid: deadPid(), boot: "b1" }));
    await pendingRow(fred.address, "live-owner", formatOwner({ host: hostname(), pid: process.ppid, boot: "b2" }));
    await pendingRow(gina.address, "other-host", formatOwner({ host: `${hostname()}-2`, pid: 1, boot: "b3" }));
    const report = await kms.keyManager().maintain();
    expect(report.rolledBack).toEqual(["dead-owner"]);
    const statuses = await kms
      .api()
      .db.selectFrom("keys")
      .select(["key_id", "address", "status", "owner"])
      .where("address", "in", [erin.address, fred.address, gina.address])
      .orderBy("address")
      .execute();
    expect(statuses.map((row) => [row.address, row.status])).toEqual([
      [erin.address, "current"],
      [fred.address, "pending"],
      [gina.address, "pending"],
    ]);
    // A current key carries no owner.
    expect(statuses[0]!.owner).toBeNull();
    // Past the threshold the other two go as well.
    kms.clock.advance(121_000);
    expect((await kms.keyManager().maintain()).rolledBack.sort()).toEqual(["live-owner", "other-host"]);
  });

  it("lets an enrolment roll back a dead process's pending row of its address instead of waiting for it", async () => {
    // Another api node was killed while making hana's first key: her enrolment at this node must not
    // wait a minute for a row nobody works on and fail with CONFLICT.
    const address = "hana@example.org";
    await kms
      .api()
      .db.insertInto("accounts")
      .values({ address, verified_at: kms.clock.now().toISOString(), protection: "none", opaque_record: null })
      .execute();
    await pendingRow(address, "killed-maker", formatOwner({ host: hostname(), pid: deadPid(), boot: "b4" }));
    const started = Date.now();
    await kms.keyManager().ensureCurrentKey(address);
    expect(Date.now() - started).toBeLessThan(20_000);
    const rows = await kms
      .api()
      .db.selectFrom("keys")
      .select(["key_id", "status"])
      .where("address", "=", address)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe("current");
    expect(rows[0]!.key_id).not.toBe("killed-maker");
  }, 90_000);
});
