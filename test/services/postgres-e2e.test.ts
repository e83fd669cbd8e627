// End to end on the production backends: `mailseal server --db postgres://... --hsm pkcs11:...`
// (a throwaway PostgreSQL cluster, a SoftHSM2 token holding the KEKs and CA keys, keys generated
// there), and the same flow as with SQLite: provision by challenge mail, send, read.
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { startSoftHsm, type SoftHsmToken } from "../support/softhsm.js";
import { Devices, plainMessage, scratch, startServer, type RunningServer } from "./e2e-support.js";

const tmp = scratch("postgres");
const data = join(tmp.dir, "server");
let postgres: TestPostgres | undefined;
let hsm: SoftHsmToken | undefined;
let server: RunningServer | undefined;
let devices: Devices;
let db: string;

beforeAll(async () => {
  [postgres, hsm] = await Promise.all([startPostgres(), startSoftHsm("mailseal-e2e")]);
  db = postgres.url.replace(/\/postgres$/, "/mailseal");
  server = await startServer(data, { args: ["--db", db, "--hsm", hsm.spec], env: hsm.env });
  devices = new Devices(tmp.dir, data, server.api);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await Promise.all([postgres?.stop(), hsm?.stop()]);
  tmp.remove();
});

describe("mailseal on PostgreSQL and SoftHSM2", () => {
  it("provisions, sends and reads; the keys and shares live in the three databases", async () => {
    await devices.provision("alice@example.test", "alice-laptop");
    await devices.provision("bob@example.test", "bob-laptop");
    const sent = await devices.send(
      "alice-laptop",
      ["bob@example.test"],
      plainMessage("alice@example.test", "bob@example.test", "pg", "Stored in PostgreSQL, keys from the HSM."),
    );
    const read = await devices.read("bob-laptop", sent);
    expect(read.stderr).toBe("mailseal: encrypted (aes-256-cbc); signed by alice@example.test\n");
    expect(read.stdout.toString()).toContain("Stored in PostgreSQL, keys from the HSM.");

    // The server really used PostgreSQL: Bob's key row at the api, one share of it in each store.
    const keyId = devices.state("bob-laptop", "bob@example.test").keys[0]!.keyId;
    const count = async (database: string, sql: string) => {
      const client = new pg.Client({ connectionString: db.replace(/\/mailseal$/, `/${database}`) });
      await client.connect();
      try {
        return (await client.query<{ n: string }>(sql, [keyId])).rows[0]!.n;
      } finally {
        await client.end();
      }
    };
    expect(await count("mailseal", "SELECT count(*) AS n FROM keys WHERE key_id = $1 AND status = 'current'")).toBe(
      "1",
    );
    expect(await count("mailseal_share_a", "SELECT count(*) AS n FROM shares WHERE key_id = $1 AND idx = 0")).toBe("1");
    expect(await count("mailseal_share_b", "SELECT count(*) AS n FROM shares WHERE key_id = $1 AND idx = 1")).toBe("1");
  });
});
