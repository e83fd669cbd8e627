// Two api nodes on one PostgreSQL (issue 12, "Reliability"), each role its own process: share-a and
// share-b, and two `--role api` nodes on the same api database, soft HSM and outbox. A load generator
// in another process (load-generator.ts) enrols addresses through both nodes, round robin, answers
// the mailed challenges and releases each key; one node is killed (SIGKILL) while it is making a key.
// Then, in the databases: every enrolment that got a 2xx answer is there exactly once, each address
// has one device, exactly one current key and no pending row, no key was made twice for an address,
// and the stores hold shares of listed keys only. Then both nodes start at once three years less 29
// days on, both run the rotation at start, and each address ends with exactly one current key and
// its old one retired.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePortBase, startRoles, waitFor, type RoleProcess } from "../../server/test/fixtures/processes.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { signedRequest } from "../support/signed-request.js";
import type { LoadConfig, LoadEvent } from "./load-generator.js";

const DAY = 24 * 3600 * 1000;
const ADDRESSES = Array.from({ length: 16 }, (_, i) => `load-${i}@example.org`);
const WASM = join(import.meta.dirname, "..", "..", "core-wasm", "scripts", "wasm-register.mjs");
// All the load comes from 127.0.0.1: the per-IP limits (kept per node) are raised out of the way; the
// per-address ones stay as they are.
const RAISED = ["enrollmentsPerIpPerHour", "authPerIpPerMinute", "releasesPerIpPerMinute"].flatMap((name) => [
  "--rate-limit",
  `${name}=100000`,
]);

interface KeyRow {
  key_id: string;
  address: string;
  status: string;
  not_after: string | null;
  owner: string | null;
}

let data: string;
let postgres: TestPostgres;
let dbUrl: string;
const pools: Record<string, pg.Pool> = {};
const running = new Set<RoleProcess>();
let storeBase: number;
const apiPorts: number[] = [];
const nodes: RoleProcess[] = [];

const apiUrl = (node: 0 | 1) => `http://127.0.0.1:${apiPorts[node]}`;
const storeUrl = (store: "share-a" | "share-b") => `http://127.0.0.1:${storeBase + (store === "share-a" ? 1 : 2)}`;
const common = () => ["--data", data, "--db", dbUrl, "--key-bits", "2048", ...RAISED];

async function query<T>(database: "api" | "share-a" | "share-b", sql: string, params: unknown[] = []): Promise<T[]> {
  const name = { api: "mailseal", "share-a": "mailseal_share_a", "share-b": "mailseal_share_b" }[database];
  pools[name] ??= new pg.Pool({ connectionString: dbUrl.replace(/\/mailseal$/, `/${name}`), max: 2 });
  return (await pools[name].query(sql, params)).rows as T[];
}

async function start(args: string[], role: "api" | "share-a" | "share-b", offsetMs = 0): Promise<RoleProcess> {
  const started = await startRoles(args, [role], offsetMs);
  running.add(started);
  void started.exited.then(() => running.delete(started));
  return started;
}

// The stores start before the api nodes, so they cannot pin the ticket key's thumbprint yet (--dev;
// the pinned store is tested in server/test/command.test.ts).
const startStore = (store: "share-a" | "share-b", offsetMs = 0) =>
  start(
    ["--role", store, "--port", String(storeBase), "--public-url", apiUrl(1), "--dev", ...common()],
    store,
    offsetMs,
  );

const startNode = (node: 0 | 1, offsetMs = 0) =>
  start(
    [
      "--role",
      "api",
      "--port",
      String(apiPorts[node]),
      "--share-a-url",
      storeUrl("share-a"),
      "--share-b-url",
      storeUrl("share-b"),
      ...common(),
    ],
    "api",
    offsetMs,
  );

async function stop(process: RoleProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  process.child.kill(signal);
  await process.exited;
}

/** RSA key pairs left in the soft HSM (the api's encryption keys are labelled mailseal-enc-<keyId>). */
const hsmEncryptionKeys = () =>
  readdirSync(join(data, "api", "soft-hsm"))
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(join(data, "api", "soft-hsm", name), "utf8")) as { label: string })
    .filter((key) => key.label.startsWith("mailseal-enc-"));

/** "key made current" log lines of these processes, by address. */
function keysMade(processes: RoleProcess[]): Map<string, string[]> {
  const made = new Map<string, string[]>();
  for (const line of processes.flatMap((process) => process.stderr().split("\n"))) {
    if (!line.includes('"key made current"')) continue;
    const entry = JSON.parse(line) as { address: string; keyId: string };
    made.set(entry.address, [...(made.get(entry.address) ?? []), entry.keyId]);
  }
  return made;
}

/** Every address's keys: no pending row, one current; the stores hold shares of exactly these keys. */
async function consistentKeys(): Promise<KeyRow[]> {
  const keys = await query<KeyRow>("api", "SELECT key_id, address, status, not_after, owner FROM keys");
  expect(keys.filter((key) => key.status === "pending")).toEqual([]);
  for (const address of ADDRESSES) {
    expect(
      keys.filter((key) => key.address === address && key.status === "current"),
      address,
    ).toHaveLength(1);
  }
  const ids = keys.map((key) => key.key_id).sort();
  for (const [store, index] of [
    ["share-a", 0],
    ["share-b", 1],
  ] as const) {
    const shares = await query<{ key_id: string; idx: number }>(store, "SELECT key_id, idx FROM shares");
    expect(shares.map((share) => share.key_id).sort(), store).toEqual(ids);
    expect(new Set(shares.map((share) => share.idx))).toEqual(new Set([index]));
  }
  expect(hsmEncryptionKeys()).toEqual([]);
  return keys;
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), "mailseal-two-nodes-"));
  postgres = await startPostgres();
  dbUrl = postgres.url.replace(/\/postgres$/, "/mailseal");
  storeBase = await freePortBase();
  apiPorts.push(await freePortBase(), await freePortBase());
  await Promise.all([startStore("share-a"), startStore("share-b")]);
  // The first node makes the api's keys and settings; the second finds them in the database.
  nodes.push(await startNode(0));
  nodes.push(await startNode(1));
}, 120_000);

afterAll(async () => {
  for (const process of [...running]) await stop(process, "SIGKILL");
  await Promise.all(Object.values(pools).map((pool) => pool.end()));
  await postgres?.stop();
  rmSync(data, { recursive: true, force: true });
});

describe("two api nodes on one PostgreSQL", () => {
  it("holds the per-address enrolment limits across both nodes under parallel asks", async () => {
    type KeyPair = CryptoKeyPair;
    const newKey = (): Promise<KeyPair> =>
      crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    /** `count` enrolment requests for `address` at once, alternating nodes, from `keyOf(i)`. */
    const askAtOnce = (address: string, count: number, keyOf: (i: number) => Promise<KeyPair>) =>
      Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const url = `${apiUrl(i % 2 === 0 ? 0 : 1)}/v1/enrollments`;
          const answer = await signedRequest(await keyOf(i), url, { body: { address, deviceName: `guess-${i}` } });
          return answer.status === 202 ? "accepted" : (answer.body.error.code as string);
        }),
      );
    const challengesOf = async (address: string) =>
      Number(
        (await query<{ n: string }>("api", "SELECT count(*) AS n FROM challenges WHERE address = $1", [address]))[0]!.n,
      );

    // At most 3 live challenges per device key, whichever node is asked.
    const one = newKey();
    const live = await askAtOnce("limit-live@example.org", 12, () => one);
    expect(live.filter((outcome) => outcome === "accepted")).toHaveLength(3);
    expect(new Set(live.filter((outcome) => outcome !== "accepted"))).toEqual(new Set(["TOO_MANY_CHALLENGES"]));
    expect(await challengesOf("limit-live@example.org")).toBe(3);

    // At most 5 challenges per address per hour from one network (here 127.0.0.1): with 3 made from
    // it (and answered, so none is live), 2 more, whatever the device keys and the node asked.
    const address = "limit-hour@example.org";
    const now = new Date().toISOString();
    await query("api", "INSERT INTO accounts (address, verified_at, protection) VALUES ($1, NULL, 'none')", [address]);
    await query(
      "api",
      "INSERT INTO devices (device_id, address, name, jkt, public_jwk, status, created_at) VALUES ('d-hour', $1, 'x', 'jkt-hour', '{}', 'pending', $2)",
      [address, now],
    );
    for (let i = 0; i < 3; i++) {
      await query(
        "api",
        "INSERT INTO challenges (challenge_id, address, device_id, token_hash, code_hash, tries, created_at, expires_at, used_at, network) VALUES ($1, $2, 'd-hour', 'x', 'x', 1, $3, $3, $3, '127.0.0.1')",
        [`c-hour-${i}`, address, now],
      );
    }
    const hour = await askAtOnce(address, 12, newKey);
    expect(hour.filter((outcome) => outcome === "accepted")).toHaveLength(2);
    expect(new Set(hour.filter((outcome) => outcome !== "accepted"))).toEqual(new Set(["RATE_LIMITED"]));
    expect(await challengesOf(address)).toBe(5);
  }, 120_000);

  it("loses and duplicates no enrolment when one is killed mid-load, and rotates once when both rotate", async () => {
    const everyNode = [...nodes];

    const config: LoadConfig = {
      nodes: [apiUrl(0), apiUrl(1)],
      outbox: join(data, "outbox"),
      addresses: ADDRESSES,
      concurrency: 6,
      deadlineMs: 120_000,
      out: join(data, "load.json"),
    };
    writeFileSync(join(data, "load-config.json"), JSON.stringify(config));
    const generator = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        WASM,
        join(import.meta.dirname, "load-generator.ts"),
        join(data, "load-config.json"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let answered = 0;
    let generatorErr = "";
    generator.stdout.on("data", (chunk: Buffer) => (answered += chunk.toString("utf8").split("answered ").length - 1));
    generator.stderr.on("data", (chunk: Buffer) => (generatorErr += chunk.toString("utf8")));
    const generatorExit = new Promise<number | null>((resolve) => generator.once("exit", resolve));

    // Mid-load, while node 0 holds a pending key (making an address's key): SIGKILL.
    await waitFor("a few answered enrolments", () => (answered >= 3 ? true : undefined));
    const victimPid = nodes[0]!.child.pid!;
    const pendingOfVictim = await pollAsync("a pending key of node 0", async () => {
      const rows = await query<KeyRow>(
        "api",
        "SELECT key_id, address, status, not_after, owner FROM keys WHERE status = 'pending'",
      );
      return rows.find((row) => row.owner !== null && (JSON.parse(row.owner) as { pid: number }).pid === victimPid);
    });
    await stop(nodes[0]!, "SIGKILL");
    // Between the read above and the kill the node may still have finished that key (made it
    // current): what the kill left is read now, with node 0 dead and before anything rolls back.
    const [leftByKill] = await query<KeyRow>(
      "api",
      "SELECT key_id, address, status, not_after, owner FROM keys WHERE key_id = $1",
      [pendingOfVictim.key_id],
    );
    expect(await generatorExit, generatorErr).toBe(0);
    const events = JSON.parse(readFileSync(config.out, "utf8")) as LoadEvent[];

    // The kill was felt: the generator saw failures and carried on at the other node.
    expect(events.some((event) => event.step === "failed" && event.node === apiUrl(0))).toBe(true);
    const released = new Set(events.filter((event) => event.step === "released").map((event) => event.address));
    const failures = JSON.stringify(events.filter((event) => event.step === "failed"));
    expect([...released].sort(), failures).toEqual([...ADDRESSES].sort());

    // The killed node comes back: its first maintenance pass rolls back what it left.
    nodes[0] = await startNode(0);
    everyNode.push(nodes[0]);
    await pollAsync("no pending key", async () =>
      (await query("api", "SELECT key_id FROM keys WHERE status = 'pending'")).length === 0 ? true : undefined,
    );
    const keys = await consistentKeys();
    if (leftByKill?.status === "pending") {
      // Left pending by the kill: rolled back, never made current.
      expect(keys.map((key) => key.key_id)).not.toContain(pendingOfVictim.key_id);
    } else {
      // Finished just before the kill: it stays, as the one key of its address (consistentKeys
      // checks one current key per address; this one is it).
      expect(leftByKill?.status, JSON.stringify(leftByKill)).toBe("current");
      expect(keys.filter((key) => key.address === pendingOfVictim.address).map((key) => key.key_id)).toEqual([
        pendingOfVictim.key_id,
      ]);
    }

    // Every 2xx answer is in the database, once: each 202's challenge, each 200's device (one per
    // address: one device key each), active, for its address.
    const challenges = await query<{ challenge_id: string; address: string }>(
      "api",
      "SELECT challenge_id, address FROM challenges",
    );
    for (const event of events.filter((event) => event.step === "asked")) {
      expect(challenges.filter((row) => row.challenge_id === event.challengeId)).toEqual([
        { challenge_id: event.challengeId, address: event.address },
      ]);
    }
    const devices = await query<{ device_id: string; address: string; status: string }>(
      "api",
      "SELECT device_id, address, status FROM devices WHERE address = ANY($1)",
      [ADDRESSES],
    );
    expect(devices).toHaveLength(ADDRESSES.length);
    for (const event of events.filter((event) => event.step === "answered")) {
      expect(devices.filter((row) => row.device_id === event.deviceId)).toEqual([
        { device_id: event.deviceId, address: event.address, status: "active" },
      ]);
    }
    const verified = await query<{ address: string }>(
      "api",
      "SELECT address FROM accounts WHERE verified_at IS NOT NULL",
    );
    expect(verified.map((row) => row.address).sort()).toEqual([...ADDRESSES].sort());
    // One key per address, made once: no retired key, and the nodes' logs (the killed one's too)
    // name one key made current per address, the one listed. Only the killed node can have lost a
    // line (pino writes asynchronously, and a SIGKILL drops what it had not written): a missing line
    // is accepted only for an address whose answer went to that node, another key id never.
    expect(keys).toHaveLength(ADDRESSES.length);
    const made = keysMade(everyNode);
    const answeredAtVictim = new Set(
      events
        .filter((event) => event.node === apiUrl(0) && (event.step === "answered" || event.step === "failed"))
        .map((event) => event.address),
    );
    for (const key of keys) {
      const lines = made.get(key.address) ?? (answeredAtVictim.has(key.address) ? [key.key_id] : []);
      expect(lines, key.address).toEqual([key.key_id]);
    }
    for (const event of events.filter((event) => event.step === "released")) {
      expect(keys.find((key) => key.address === event.address)?.key_id).toBe(event.keyId);
    }

    // Both nodes (and the stores) restart three years less 29 days on and rotate at start, at once.
    const firstEnd = Math.min(...keys.map((key) => new Date(key.not_after!).getTime()));
    const offset = firstEnd - 29 * DAY - Date.now();
    await Promise.all(nodes.map((node) => stop(node)));
    for (const process of [...running]) await stop(process);
    await Promise.all([startStore("share-a", offset), startStore("share-b", offset)]);
    const rotating = await Promise.all([startNode(0, offset), startNode(1, offset)]);
    const rotated = await pollAsync(
      "every address rotated",
      async () => {
        const rows = await query<KeyRow>("api", "SELECT key_id, address, status, not_after, owner FROM keys");
        const done =
          rows.every((row) => row.status !== "pending") &&
          ADDRESSES.every((address) =>
            rows.some(
              (row) =>
                row.address === address && row.status === "current" && !keys.some((old) => old.key_id === row.key_id),
            ),
          );
        return done ? rows : undefined;
      },
      150_000,
    ).catch(async (error: unknown) => {
      const rows = await query<KeyRow>("api", "SELECT key_id, address, status, not_after FROM keys ORDER BY address");
      const logs = rotating.map((node) =>
        node
          .stderr()
          .split("\n")
          .filter((line) => /"level":(40|50)|maintenance/.test(line))
          .slice(-8),
      );
      throw new Error(`${(error as Error).message}: ${JSON.stringify({ rows, logs }, null, 1)}`);
    });
    await consistentKeys();
    for (const address of ADDRESSES) {
      const mine = rotated.filter((row) => row.address === address);
      expect(mine.map((row) => row.status).sort(), address).toEqual(["current", "retired"]);
      expect(mine.find((row) => row.status === "retired")?.key_id).toBe(
        keys.find((key) => key.address === address)?.key_id,
      );
    }
    // Each address's successor was made current by one node once.
    const successors = keysMade(rotating);
    for (const row of rotated.filter((key) => key.status === "current")) {
      expect(successors.get(row.address), row.address).toEqual([row.key_id]);
    }
  }, 300_000);
});

/** Polls an asynchronous check every 50 ms until it returns a value other than undefined. */
async function pollAsync<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
