// The migrations of each role on real SQLite and a real throwaway PostgreSQL, naming of the role
// databases, and transactions (commit and rollback) on both dialects.
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { Migrator } from "kysely/migration";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.js";
import { cachingStatements, databaseUrlFor, openDatabase, type ApiSchema, type ShareSchema } from "../src/db/index.js";
import { apiMigrations } from "../src/db/migrations/api.js";
import { MailsealError } from "../src/errors.js";

const API_TABLES = [
  "accounts",
  "ca",
  "certificates",
  "challenges",
  "crls",
  "devices",
  "gateway_certificates",
  "gateway_policies",
  "keys",
  "opaque_logins",
  "protection_sessions",
  "release_notices",
  "release_requests",
  "seen_jti",
  "settings",
];
const SHARE_TABLES = ["releases", "seen_jti", "settings", "shares", "staged_shares"];

async function tablesOf(db: Kysely<unknown>): Promise<string[]> {
  const tables = await db.introspection.getTables();
  return tables.map((table) => table.name).sort();
}

const now = "2030-01-02T03:04:05.678Z";

/**
 * The api database in `file` as the releases before migration `version` left it (only the
 * migrations before it applied): the rows of that time go in, then openDatabase migrates it on.
 */
async function apiDatabaseBefore(file: string, version: string): Promise<Kysely<ApiSchema>> {
  const older = new Kysely<ApiSchema>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  const before = Object.fromEntries(Object.entries(apiMigrations).filter(([name]) => name < version));
  const migrated = await new Migrator({
    db: older,
    provider: { getMigrations: () => Promise.resolve(before) },
  }).migrateToLatest();
  expect(migrated.error).toBeUndefined();
  return older;
}

/** Writes an account and a key in a transaction that commits, then one that rolls back. */
async function apiTransactions(db: Kysely<ApiSchema>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("accounts")
      .values({ address: "a@example.org", verified_at: now, protection: "none", opaque_record: null })
      .execute();
    await trx
      .insertInto("keys")
      .values({
        key_id: "k1",
        address: "a@example.org",
        status: "pending",
        bits: 3072,
        certificate: null,
        not_before: null,
        not_after: null,
        protection: "none",
        commitment: "AAAA",
        created_at: now,
      })
      .execute();
  });
  // Rotation's last step: the pending key becomes current in one transaction; a failure inside it
  // must leave the key pending.
  await expect(
    db.transaction().execute(async (trx) => {
      await trx.updateTable("keys").set({ status: "current" }).where("key_id", "=", "k1").execute();
      throw new Error("certificate issuance failed");
    }),
  ).rejects.toThrow("certificate issuance failed");
  const key = await db
    .selectFrom("keys")
    .select(["status", "bits", "created_at"])
    .where("key_id", "=", "k1")
    .executeTakeFirstOrThrow();
  expect(key).toEqual({ status: "pending", bits: 3072, created_at: now });
  // A unique constraint violation inside a transaction rolls back what came before it.
  await expect(
    db.transaction().execute(async (trx) => {
      await trx.insertInto("settings").values({ name: "token-key", value: "1" }).execute();
      await trx
        .insertInto("accounts")
        .values({ address: "a@example.org", verified_at: null, protection: "none", opaque_record: null })
        .execute();
    }),
  ).rejects.toThrow();
  expect(await db.selectFrom("settings").selectAll().execute()).toEqual([]);
  // Foreign keys are enforced (SQLite needs PRAGMA foreign_keys).
  await expect(
    db
      .insertInto("devices")
      .values({
        device_id: "d1",
        address: "nobody@example.org",
        name: "x",
        jkt: "j",
        public_jwk: "{}",
        status: "pending",
        created_at: now,
        removed_at: null,
      })
      .execute(),
  ).rejects.toThrow();
}

async function shareTransactions(db: Kysely<ShareSchema>): Promise<void> {
  const share = { key_id: "k1", idx: 0, address: "a@example.org", iv: "aXY", ct: "Y3Q", updated_at: now };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("shares").values(share).execute();
    await trx
      .insertInto("releases")
      .values({ ticket_jti: "t1", key_id: "k1", idx: 0, address: "a@example.org", device_id: "d1", at: now })
      .execute();
  });
  await expect(
    db.transaction().execute(async (trx) => {
      await trx.deleteFrom("shares").execute();
      await trx
        .insertInto("releases")
        .values({ ticket_jti: "t1", key_id: "k1", idx: 0, address: "a@example.org", device_id: "d1", at: now })
        .execute();
    }),
  ).rejects.toThrow();
  expect(await db.selectFrom("shares").selectAll().execute()).toEqual([share]);
  // The composite primary key (key_id, idx) refuses a second share 0 of the same key.
  await expect(db.insertInto("shares").values(share).execute()).rejects.toThrow();
}

describe("SQLite", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mailseal-db-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names the store files after the api file", () => {
    expect(databaseUrlFor("sqlite:/d/api.sqlite", "api")).toBe("sqlite:/d/api.sqlite");
    expect(databaseUrlFor("sqlite:/d/api.sqlite", "share-a")).toBe("sqlite:/d/api-share-a.sqlite");
    expect(databaseUrlFor("sqlite:/d/x.y/db", "share-b")).toBe("sqlite:/d/x.y/db-share-b");
    expect(databaseUrlFor("sqlite::memory:", "share-b")).toBe("sqlite::memory:");
  });

  it("migrates each role, in WAL mode, and runs transactions", async () => {
    const url = `sqlite:${join(dir, "sub", "api.sqlite")}`;
    const api = await openDatabase(url, "api");
    const a = await openDatabase(url, "share-a");
    const b = await openDatabase(url, "share-b");
    try {
      expect(api.dialect).toBe("sqlite");
      expect(await tablesOf(api.db as Kysely<unknown>)).toEqual(API_TABLES);
      expect(await tablesOf(a.db as Kysely<unknown>)).toEqual(SHARE_TABLES);
      expect(existsSync(join(dir, "sub", "api-share-a.sqlite"))).toBe(true);
      expect(existsSync(join(dir, "sub", "api-share-b.sqlite"))).toBe(true);
      const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(api.db);
      expect(mode.rows[0]?.journal_mode).toBe("wal");
      await apiTransactions(api.db);
      await shareTransactions(a.db);
      expect(await b.db.selectFrom("shares").selectAll().execute()).toEqual([]);
    } finally {
      await Promise.all([api.close(), a.close(), b.close()]);
    }
    // Opening again finds the migrations done and the data kept.
    const again = await openDatabase(url, "api");
    expect(await again.db.selectFrom("keys").select("key_id").execute()).toEqual([{ key_id: "k1" }]);
    await again.close();
  });

  it("marks the plain keys of protected accounts pending-wrap when it migrates an older database (0005)", async () => {
    const url = `sqlite:${join(dir, "older.sqlite")}`;
    // The database as the releases before 0005 left it: a protected account whose rotated key says none.
    const older = await apiDatabaseBefore(join(dir, "older.sqlite"), "0005");
    const key = (key_id: string, address: string, protection: "none" | "opaque") => ({
      key_id,
      address,
      status: "current" as const,
      bits: 2048,
      certificate: "AAAA",
      not_before: now,
      not_after: now,
      protection,
      commitment: "AAAA",
      created_at: now,
    });
    await older
      .insertInto("accounts")
      .values([
        { address: "p@example.org", verified_at: now, protection: "opaque", opaque_record: "cmVj" },
        { address: "u@example.org", verified_at: now, protection: "none", opaque_record: null },
      ])
      .execute();
    await older
      .insertInto("keys")
      .values([
        { ...key("p-old", "p@example.org", "opaque"), status: "retired" },
        key("p-new", "p@example.org", "none"),
        key("u-key", "u@example.org", "none"),
      ])
      .execute();
    await older.destroy();
    const api = await openDatabase(url, "api");
    try {
      const rows = await api.db.selectFrom("keys").select(["key_id", "protection"]).orderBy("key_id").execute();
      expect(rows).toEqual([
        { key_id: "p-new", protection: "pending-wrap" },
        { key_id: "p-old", protection: "opaque" },
        { key_id: "u-key", protection: "none" },
      ]);
    } finally {
      await api.close();
    }
  });

  it("migrates a database of the release before rotation_due: existing accounts have nothing due", async () => {
    const file = join(dir, "before-rotation-due.sqlite");
    const older = await apiDatabaseBefore(file, "0007");
    await older
      .insertInto("accounts")
      .values({ address: "old@example.org", verified_at: now, protection: "none", opaque_record: null })
      .execute();
    await older.destroy();
    const api = await openDatabase(`sqlite:${file}`, "api");
    try {
      expect(await api.db.selectFrom("accounts").select(["address", "rotation_due"]).execute()).toEqual([
        { address: "old@example.org", rotation_due: null },
      ]);
      expect(await api.db.selectFrom("crls").selectAll().execute()).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it("migrates a database of the release before post-quantum keys (0009): every key rsa, no account opted in", async () => {
    const file = join(dir, "before-pq.sqlite");
    const older = await apiDatabaseBefore(file, "0009");
    await older
      .insertInto("accounts")
      .values({ address: "old@example.org", verified_at: now, protection: "none", opaque_record: null })
      .execute();
    const key = { address: "old@example.org", bits: 2048, protection: "none" as const, commitment: "AAAA" };
    const row = (key_id: string, status: "current" | "retired") => ({
      ...key,
      key_id,
      status,
      certificate: "AAAA",
      not_before: now,
      not_after: now,
      created_at: now,
      owner: null,
      hsm_handle: null,
    });
    await older
      .insertInto("keys")
      .values([row("old-1", "retired"), row("old-2", "current")])
      .execute();
    await older.destroy();
    const api = await openDatabase(`sqlite:${file}`, "api");
    try {
      expect(await api.db.selectFrom("accounts").select(["address", "pq_since"]).execute()).toEqual([
        { address: "old@example.org", pq_since: null },
      ]);
      expect(
        await api.db.selectFrom("keys").select(["key_id", "algorithm", "pair_key_id"]).orderBy("key_id").execute(),
      ).toEqual([
        { key_id: "old-1", algorithm: "rsa", pair_key_id: null },
        { key_id: "old-2", algorithm: "rsa", pair_key_id: null },
      ]);
      // The one-current guard now holds per algorithm: an ML-KEM key may be current beside the RSA
      // one, a second current RSA key may not.
      await api.db
        .insertInto("keys")
        .values({ ...row("kem-1", "current"), algorithm: "ml-kem-768", pair_key_id: "old-2" })
        .execute();
      await expect(api.db.insertInto("keys").values(row("old-3", "current")).execute()).rejects.toThrow(/UNIQUE/);
    } finally {
      await api.close();
    }
  });

  it("keeps the files to the server's user: 0600 files (-wal, -shm too) in a 0700 folder", async () => {
    const folder = join(dir, "private", "db");
    const url = `sqlite:${join(folder, "api.sqlite")}`;
    const mode = (path: string) => statSync(path).mode & 0o777;
    const api = await openDatabase(url, "api");
    try {
      await apiTransactions(api.db);
      expect(mode(folder)).toBe(0o700);
      for (const file of ["api.sqlite", "api.sqlite-wal", "api.sqlite-shm"])
        expect(mode(join(folder, file))).toBe(0o600);
    } finally {
      await api.close();
    }
    // A file an earlier version left readable to everyone is tightened on the next start.
    const store = join(folder, "api-share-a.sqlite");
    writeFileSync(store, "", { mode: 0o644 });
    chmodSync(store, 0o644);
    const share = await openDatabase(url, "share-a");
    await share.close();
    expect(mode(store)).toBe(0o600);
  });

  it("refuses a file it cannot create with a DATABASE error", async () => {
    // A regular file where the directory should be: mkdir fails with ENOTDIR.
    writeFileSync(join(dir, "file"), "");
    const error = await openDatabase(`sqlite:${join(dir, "file", "api.sqlite")}`, "api").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailsealError);
    expect((error as MailsealError).code).toBe("DATABASE");
  });
});

describe("PostgreSQL", () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(() => postgres?.stop());

  it("names the store databases after the api database", () => {
    expect(databaseUrlFor("postgres://u:p@h:5/mailseal?sslmode=disable", "share-a")).toBe(
      "postgres://u:p@h:5/mailseal_share_a?sslmode=disable",
    );
    expect(databaseUrlFor("postgres://h/mailseal", "share-b")).toBe("postgres://h/mailseal_share_b");
  });

  it("creates the missing databases, migrates each role and runs transactions", async () => {
    const url = postgres.url.replace(/\/postgres$/, "/mailseal");
    const [api, a, b] = await Promise.all([
      openDatabase(url, "api"),
      openDatabase(url, "share-a"),
      openDatabase(url, "share-b"),
    ]);
    try {
      expect(api.dialect).toBe("postgres");
      expect(await tablesOf(api.db as Kysely<unknown>)).toEqual(API_TABLES);
      expect(await tablesOf(a.db as Kysely<unknown>)).toEqual(SHARE_TABLES);
      expect(await tablesOf(b.db as Kysely<unknown>)).toEqual(SHARE_TABLES);
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      const names = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'mailseal%' ORDER BY 1",
      );
      await client.end();
      expect(names.rows.map((row) => row.datname)).toEqual(["mailseal", "mailseal_share_a", "mailseal_share_b"]);
      await apiTransactions(api.db);
      await shareTransactions(a.db);
    } finally {
      await Promise.all([api.close(), a.close(), b.close()]);
    }
    const again = await openDatabase(url, "share-a");
    expect(await again.db.selectFrom("shares").select(["key_id", "idx"]).execute()).toEqual([{ key_id: "k1", idx: 0 }]);
    await again.close();
  });

  it("reports an unreachable server as a DATABASE error without its password", async () => {
    const error = await openDatabase(`postgres://postgres:secret@127.0.0.1:1/x`, "api").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailsealError);
    expect((error as MailsealError).code).toBe("DATABASE");
    expect((error as Error).message).not.toContain("secret");
  });
});

describe("SQLite statement cache", () => {
  it("prepares each query text once and gives the same answers as fresh statements", async () => {
    const database = new Database(":memory:");
    const prepare = vi.spyOn(database, "prepare");
    const db = new Kysely<{ t: { id: number; v: string } }>({
      dialect: new SqliteDialect({ database: cachingStatements(database) }),
    });
    try {
      await sql`create table t (id integer primary key, v text)`.execute(db);
      for (let id = 1; id <= 20; id++)
        await db
          .insertInto("t")
          .values({ id, v: `v${id}` })
          .execute();
      const read = (id: number) => db.selectFrom("t").select("v").where("id", "=", id).executeTakeFirst();
      expect(await Promise.all([1, 7, 20, 21].map(read))).toEqual([{ v: "v1" }, { v: "v7" }, { v: "v20" }, undefined]);
      await db.updateTable("t").set({ v: "changed" }).where("id", "=", 7).execute();
      expect(await read(7)).toEqual({ v: "changed" });
      // One prepare per distinct text: create, insert, select, update.
      expect(new Set(prepare.mock.calls.map(([text]) => text)).size).toBe(prepare.mock.calls.length);
      expect(prepare.mock.calls).toHaveLength(4);
    } finally {
      await db.destroy();
    }
  });
});
