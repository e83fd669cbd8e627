// Resilience of the real `mailseal server`, each role its own process (SQLite, soft HSM, outbox):
// - SIGKILL of the api in the middle of a rotation (started by maintenance at start, three years less
//   29 days on), at two points: before any store has the new key's share (both stores paused), and
//   after share-a stored its share (share-b paused). The restarted api rolls back its predecessor's
//   pending key at once (the row names a dead process: no 2-minute wait), rotates again, and ends
//   consistent: one current key, the old one retired and still releasable with its commitment, no
//   pending row, each store holding shares of listed keys only, no key pair left in the HSM.
// - A share store stopped mid-release: the device's client fails with STORE_UNAVAILABLE, nothing
//   lost: once the store is back the same key releases with new tickets, and the live store's
//   release audit records only the releases that happened.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ephemeralKey,
  matchesCertificate,
  presentTicket,
  releaseKey,
  requestTickets,
} from "../../server/test/fixtures/kms-client.js";
import type { Json, TestDevice } from "../../server/test/fixtures/kms-server.js";
import { MailsealError, ServiceClient } from "@mailseal/shared";
import {
  cluster,
  enrolThroughApi,
  freePortBase,
  offsetClock,
  waitFor,
  type Cluster,
} from "../../server/test/fixtures/processes.js";

const DAY = 24 * 3600 * 1000;
const ADDRESS = "alice@example.org";

interface KeyRow {
  key_id: string;
  status: string;
  not_after: string | null;
  commitment: string;
}

let data: string;
let servers: Cluster;
const clock = offsetClock();
let alice: TestDevice;

const keyRows = () =>
  servers.query<KeyRow>("api", "select key_id, status, not_after, commitment from keys where address = ?", ADDRESS);
const shareIds = (store: "share-a" | "share-b") =>
  servers
    .query<{ key_id: string }>(store, "select key_id from shares")
    .map((row) => row.key_id)
    .sort();
/** RSA key pairs in the soft HSM (the api's encryption keys are labelled mailseal-enc-<keyId>). */
const hsmEncryptionKeys = () =>
  readdirSync(join(data, "api", "soft-hsm"))
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(join(data, "api", "soft-hsm", name), "utf8")) as { label: string })
    .filter((key) => key.label.startsWith("mailseal-enc-"));

async function listedKeys(): Promise<Json[]> {
  const answer = await alice.fetch(`${servers.url("api")}/v1/keys`);
  expect(answer.status).toBe(200);
  return answer.body.keys;
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), "mailseal-resilience-"));
  servers = cluster(data, await freePortBase());
  await servers.start("share-a");
  await servers.start("share-b");
  await servers.start("api");
  alice = await enrolThroughApi(servers.url("api"), join(data, "outbox"), ADDRESS, clock);
}, 120_000);

afterAll(async () => {
  await servers?.closeAll();
  rmSync(data, { recursive: true, force: true });
});

describe("SIGKILL during rotation", () => {
  it.each([
    ["before any store has its share", ["share-a", "share-b"] as const],
    ["after share-a stored its share", ["share-b"] as const],
  ])(
    "restarts consistent when killed %s",
    async (_point, paused) => {
      const [before] = keyRows().filter((row) => row.status === "current");
      expect(before).toBeDefined();
      const listedBefore = keyRows().filter((row) => row.status !== "pending");
      // Three years less 29 days after the current key's start: its certificate ends within the lead.
      clock.offsetMs = new Date(before!.not_after!).getTime() - 29 * DAY - Date.now();
      await servers.stop("api");
      for (const store of ["share-a", "share-b"] as const) {
        await servers.stop(store);
        await servers.start(store, clock.offsetMs);
      }
      for (const store of paused) servers.pause(store);

      // Maintenance at start begins the rotation; kill the api inside it.
      await servers.start("api", clock.offsetMs);
      const pending = await waitFor("the pending key row", () => {
        const row = keyRows().find((key) => key.status === "pending");
        if (row === undefined) return undefined;
        return paused.length === 2 || shareIds("share-a").includes(row.key_id) ? row : undefined;
      });
      await servers.kill("api");
      for (const store of paused) servers.resume(store);

      // What the kill left: the old key still current, the pending row, share-b without the new share.
      expect(
        keyRows()
          .filter((row) => row.status === "current")
          .map((row) => row.key_id),
      ).toEqual([before!.key_id]);
      expect(keyRows().find((row) => row.status === "pending")?.key_id).toBe(pending.key_id);
      expect(shareIds("share-b")).not.toContain(pending.key_id);
      expect(shareIds("share-a").includes(pending.key_id)).toBe(paused.length === 1);

      const started = Date.now();
      const api = await servers.start("api", clock.offsetMs);
      const after = await waitFor("the finished rotation", () => {
        const rows = keyRows();
        const current = rows.filter((row) => row.status === "current");
        return rows.every((row) => row.status !== "pending") &&
          current.length === 1 &&
          current[0]!.key_id !== before!.key_id
          ? rows
          : undefined;
      });
      // Rolled back by the first pass, well inside the 2-minute threshold: the row named a dead process.
      expect(Date.now() - started).toBeLessThan(60_000);
      await waitFor("the rollback in the log", () => (api.stderr().includes(pending.key_id) ? true : undefined));
      const rolledBack = api
        .stderr()
        .split("\n")
        .filter((line) => line.includes(pending.key_id))
        .map((line) => JSON.parse(line) as { msg: string });
      expect(rolledBack.map((line) => line.msg)).toContain("pending key rolled back");

      // Consistent: one current key, the old one retired, no pending row.
      expect(after.filter((row) => row.status === "current")).toHaveLength(1);
      expect(after.find((row) => row.key_id === before!.key_id)?.status).toBe("retired");
      expect(after.map((row) => row.key_id)).not.toContain(pending.key_id);
      expect(after).toHaveLength(listedBefore.length + 1);
      // Each store holds shares of the listed keys only; the HSM keeps no encryption key pair.
      const ids = after.map((row) => row.key_id).sort();
      expect(shareIds("share-a")).toEqual(ids);
      expect(shareIds("share-b")).toEqual(ids);
      expect(hsmEncryptionKeys()).toEqual([]);

      // The device releases every key, old and new, with the right commitment and certificate.
      const listed = await listedKeys();
      expect(listed.map((key) => key.keyId).sort()).toEqual(ids);
      for (const key of listed) {
        const pkcs8 = await releaseKey(alice, servers.url("api"), key);
        expect(matchesCertificate(pkcs8, key.certificate)).toBe(true);
      }
    },
    180_000,
  );
});

describe("a share store stopped mid-release", () => {
  it("fails with STORE_UNAVAILABLE naming the store, loses nothing, and audits only what happened", async () => {
    const api = servers.url("api");
    const [key] = (await listedKeys()).filter((listed) => listed.status === "current");
    const auditBefore = servers.query<{ ticket_jti: string }>("share-a", "select ticket_jti from releases").length;

    const ephemeral = await ephemeralKey();
    const { status, tickets } = await requestTickets(alice, api, key.keyId, ephemeral);
    expect(status).toBe(200);
    await servers.stop("share-b");
    // share-a answers; share-b, as the device's client (mailflow's ServiceClient) sees it: STORE_UNAVAILABLE.
    expect((await presentTicket(alice, tickets[0]!)).status).toBe(200);
    const client = new ServiceClient({
      fetch,
      clock,
      endpoints: { api, shareStores: { "share-a": servers.url("share-a"), "share-b": servers.url("share-b") } },
      deviceKey: alice.keyPair,
      deviceId: alice.deviceId,
    });
    const failure = await client.releaseShare(tickets[1]!).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailsealError);
    expect(failure).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect((failure as Error).message).toContain(`cannot reach ${servers.url("share-b")}`);

    // The audit on the api side names the store that cannot be asked.
    const audit = await alice.fetch(`${api}/v1/audit`);
    expect(audit.status).toBe(503);
    expect(audit.body.error.code).toBe("STORE_UNAVAILABLE");
    expect(audit.body.error.message).toMatch(/share-b/);

    await servers.start("share-b", clock.offsetMs);
    // The spent share-a ticket stays spent; new tickets release the same key whole.
    expect((await presentTicket(alice, tickets[0]!)).body.error.code).toBe("TICKET_USED");
    const pkcs8 = await releaseKey(alice, api, key);
    expect(matchesCertificate(pkcs8, key.certificate)).toBe(true);

    // share-a recorded the two releases it made; share-b only the one it made.
    const aRows = servers.query<{ ticket_jti: string }>("share-a", "select ticket_jti from releases");
    expect(aRows).toHaveLength(auditBefore + 2);
    const audited = await alice.fetch(`${api}/v1/audit`);
    expect(audited.status).toBe(200);
    const forKey = (audited.body.releases as Json[]).filter((entry) => entry.keyId === key.keyId);
    const bReleases = forKey.filter((entry) => entry.store === "share-b");
    const bJti = (JSON.parse(Buffer.from(tickets[1]!.ticket.split(".")[1]!, "base64url").toString()) as { jti: string })
      .jti;
    expect(bReleases.map((entry) => entry.ticketJti)).not.toContain(bJti);
  }, 120_000);
});
