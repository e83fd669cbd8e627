// Opening a role's database and bringing its schema up to date (docs/services.md, "Data"). The names
// of the role databases are in names.ts; PostgreSQL databases are created on first start when missing.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type LogEvent,
  type SqliteDatabase as SqliteDialectDatabase,
} from "kysely";
import { Migrator, type Migration } from "kysely/migration";
import pg from "pg";
import { redactUrl, type Role, type StoreRole } from "../config.js";
import { MailsealError } from "../errors.js";
import { apiMigrations } from "./migrations/api.js";
import { databaseUrlFor } from "./names.js";
import { shareMigrations } from "./migrations/share.js";
import type { ApiSchema, ShareSchema } from "./schema.js";

export type * from "./schema.js";
export { databaseUrlFor, defaultDatabaseUrl } from "./names.js";

export interface Database<Schema> {
  db: Kysely<Schema>;
  dialect: "sqlite" | "postgres";
  /** The URL actually opened (the role's own database; password included: do not log it). */
  url: string;
  close(): Promise<void>;
}

/** How long SQLite waits for another connection's write lock before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

function migrationsOf(role: Role): Record<string, Migration> {
  return role === "api" ? apiMigrations : shareMigrations;
}

export interface OpenDatabaseOptions {
  /** Called with the SQL text (never the parameters) of every query: main.ts logs it at level trace. */
  onQuery?: (sql: string) => void;
}

function queryLog(options: OpenDatabaseOptions): { log?: (event: LogEvent) => void } {
  const { onQuery } = options;
  if (onQuery === undefined) return {};
  return { log: (event) => void (event.level === "query" && onQuery(event.query.sql)) };
}

/**
 * The database file and its folder readable by the server's user only (0600 in a 0700 folder): they
 * hold the wrapped keys, the shares and the account data. The file is made 0600 before SQLite opens
 * it, and SQLite gives its -wal and -shm files the database file's permissions
 * (https://sqlite.org/tempfiles.html, unix VFS); files of an earlier start are set to 0600 too.
 */
function restrictSqliteFiles(file: string): void {
  const folder = dirname(file);
  const made = mkdirSync(folder, { recursive: true, mode: 0o700 });
  // A folder made here is 0700 (less the umask); one that existed is the operator's: left alone.
  if (made !== undefined) chmodSync(folder, 0o700);
  closeSync(openSync(file, "a", 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      if ((statSync(path).mode & 0o777) !== 0o600) chmodSync(path, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

/** How many prepared statements each SQLite connection keeps (the api's queries are a few dozen texts). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The connection as Kysely's SqliteDialect sees it, keeping prepared statements by SQL text. Kysely
 * prepares every query again, and preparing (parsing and planning in SQLite) was as much as a third of
 * the database's time on the release path (bench/README.md). A statement is reused only after its
 * last use has finished: better-sqlite3 runs a statement to completion synchronously, and the project
 * never streams (iterate) results. The least recently used statement goes when the cache is full.
 */
export function cachingStatements(database: SqliteDatabase.Database): SqliteDialectDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement !== undefined) {
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

function openSqlite(file: string, options: OpenDatabaseOptions): Kysely<unknown> {
  if (file !== ":memory:") restrictSqliteFiles(file);
  const database = new SqliteDatabase(file);
  // WAL: readers do not block the writer. busy_timeout: a second process (or a share store in
  // another process on the same file set) waits instead of failing. foreign_keys is off by
  // default in SQLite (https://sqlite.org/foreignkeys.html section 2).
  database.pragma("journal_mode = WAL");
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma("foreign_keys = ON");
  database.pragma("synchronous = NORMAL");
  return new Kysely({ dialect: new SqliteDialect({ database: cachingStatements(database) }), ...queryLog(options) });
}

/** A PostgreSQL error's SQLSTATE (https://www.postgresql.org/docs/15/errcodes-appendix.html). */
function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Creates the database of `url` through the `postgres` maintenance database when it is missing. */
async function ensurePostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.href });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount !== 0) return;
    try {
      // The name was checked to be [A-Za-z_][A-Za-z0-9_]* (config.ts), and is quoted anyway.
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    } catch (error) {
      // Another process created it meanwhile: 42P04 duplicate_database, or 23505 on the catalog index.
      if (sqlState(error) !== "42P04" && sqlState(error) !== "23505") throw error;
    }
  } finally {
    await client.end();
  }
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Kysely<unknown>> {
  await ensurePostgresDatabase(url);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection emits "error" on the pool; without a listener that
  // would end the process. The next query fails with the cause and is reported there.
  pool.on("error", () => undefined);
  return new Kysely({ dialect: new PostgresDialect({ pool }), ...queryLog(options) });
}

export function openDatabase(url: string, role: "api", options?: OpenDatabaseOptions): Promise<Database<ApiSchema>>;
export function openDatabase(
  url: string,
  role: StoreRole,
  options?: OpenDatabaseOptions,
): Promise<Database<ShareSchema>>;
export function openDatabase(
  url: string,
  role: Role,
  options?: OpenDatabaseOptions,
): Promise<Database<ApiSchema> | Database<ShareSchema>>;
/** Opens the database of `role` (given the api database URL) and runs that role's migrations. */
export function openDatabase(
  url: string,
  role: Role,
  options: OpenDatabaseOptions = {},
): Promise<Database<ApiSchema> | Database<ShareSchema>> {
  return openRoleDatabase(databaseUrlFor(url, role), role, options);
}

export function openRoleDatabase(own: string, role: "api", options?: OpenDatabaseOptions): Promise<Database<ApiSchema>>;
export function openRoleDatabase(
  own: string,
  role: StoreRole,
  options?: OpenDatabaseOptions,
): Promise<Database<ShareSchema>>;
export function openRoleDatabase(
  own: string,
  role: Role,
  options?: OpenDatabaseOptions,
): Promise<Database<ApiSchema> | Database<ShareSchema>>;
/** Opens `own`, the role's own database URL (ServerConfig.databases), and runs that role's migrations. */
export async function openRoleDatabase(
  own: string,
  role: Role,
  options: OpenDatabaseOptions = {},
): Promise<Database<ApiSchema> | Database<ShareSchema>> {
  const dialect = own.startsWith("sqlite:") ? "sqlite" : "postgres";
  let db: Kysely<unknown>;
  try {
    db = dialect === "sqlite" ? openSqlite(own.slice("sqlite:".length), options) : await openPostgres(own, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new MailsealError("DATABASE", `cannot open the ${role} database ${redactUrl(own)}: ${message}`, {
      cause: error,
    });
  }
  const migrations = migrationsOf(role);
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    const message = error instanceof Error ? error.message : String(error);
    throw new MailsealError("DATABASE", `cannot migrate the ${role} database ${redactUrl(own)}: ${message}`, {
      cause: error,
    });
  }
  return { db: db as Kysely<ApiSchema>, dialect, url: own, close: () => db.destroy() };
}
