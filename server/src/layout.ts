// The data folder (docs/services.md, "Processes and roles"): one folder per role, DATA/<role>, holding
// that role's soft-HSM keys (DATA/<role>/soft-hsm) and, without --db, its database
// (DATA/<role>/<role>.sqlite); the outbox stays DATA/outbox. All 0700. Even in one process the roles
// share no key folder and no database file, so each can be backed up, moved or wiped on its own.
//
// Earlier versions kept one soft-HSM folder for every role (DATA/soft-hsm) beside DATA/api.sqlite,
// DATA/api-share-a.sqlite and DATA/api-share-b.sqlite. A start moves what belongs to the roles it runs
// into their folders (renames within the data folder, so nothing is copied and a crash leaves every
// file whole in one place or the other; the next start finishes). The share stores' KEKs are the
// named keys mailseal-kek-share-a / -b, whose file names are fixed (named-key.ts); every other key
// file is the api's. A file found in both places is refused (DATA_LAYOUT) for the operator to settle.
import { chmod, mkdir, readdir, rename, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { Role, ServerConfig, StoreRole } from "./config.js";
import { defaultDatabaseUrl } from "./db/names.js";
import { hasCode } from "@mailseal/shared/offline";
import { MailsealError, SERVER_ERROR_CODES } from "./errors.js";
import { namedKeyId } from "./hsm/named-key.js";
import { kekLabel } from "./kms/wrapped-setting.js";

/** The folder of `role`'s own data: its soft-HSM keys and (without --db) its database. */
export function roleDataDir(dataDir: string, role: Role): string {
  return join(dataDir, role);
}

const LEGACY_KEYS = "soft-hsm";
const LEGACY_DATABASE: Record<Role, string> = {
  api: "api.sqlite",
  "share-a": "api-share-a.sqlite",
  "share-b": "api-share-b.sqlite",
};

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** A 0700 folder (made, or set so if it exists: it is the server's own). */
async function privateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  if (((await stat(path)).mode & 0o777) !== 0o700) await chmod(path, 0o700);
}

/** Moves `from` to `to` unless it is gone already; refuses when both exist. */
async function move(from: string, to: string, moved: string[]): Promise<void> {
  if (!(await exists(from))) return;
  if (await exists(to)) {
    throw new MailsealError(
      "DATA_LAYOUT",
      `both ${from} (the single-folder layout of earlier versions) and ${to} exist: keep the one in use, ` +
        "remove the other, and start again",
    );
  }
  await rename(from, to);
  moved.push(to);
}

/** The key files of the legacy shared folder that belong to `role`. */
function ownsKeyFile(role: Role, name: string): boolean {
  if (!name.endsWith(".json")) return false;
  const store = (["share-a", "share-b"] as const).find((s: StoreRole) => name === `${namedKeyId(kekLabel(s))}.json`);
  return role === "api" ? store === undefined : store === role;
}

/** Makes the per-role folders of `config.roles` and moves their data out of the legacy layout. */
export async function prepareDataLayout(config: ServerConfig, logger: FastifyBaseLogger): Promise<void> {
  const { dataDir } = config;
  try {
    await privateDir(dataDir);
    const legacyKeys = join(dataDir, LEGACY_KEYS);
    const legacyKeyFiles = config.hsm.kind === "soft" && (await exists(legacyKeys)) ? await readdir(legacyKeys) : [];
    for (const role of config.roles) {
      const own = roleDataDir(dataDir, role);
      await privateDir(own);
      const moved: string[] = [];
      const files = legacyKeyFiles.filter((name) => ownsKeyFile(role, name));
      if (files.length > 0) {
        await privateDir(join(own, LEGACY_KEYS));
        for (const name of files) await move(join(legacyKeys, name), join(own, LEGACY_KEYS, name), moved);
      }
      // Only the default database moves: a --db file is where the operator put it.
      const target = config.databases[role];
      if (target === defaultDatabaseUrl(dataDir, role)) {
        const from = join(dataDir, LEGACY_DATABASE[role]);
        const to = target.slice("sqlite:".length);
        // The main file last: while it is still in the old place, the next start finds and finishes the move.
        if (await exists(from)) {
          for (const suffix of ["-wal", "-shm", "-journal"]) await move(`${from}${suffix}`, `${to}${suffix}`, moved);
          await move(from, to, moved);
        }
      }
      if (moved.length > 0) logger.warn({ role, moved }, "moved to the per-role data layout");
    }
    if (legacyKeyFiles.length > 0) {
      // Gone once every role has taken its keys (and nothing else, such as temporary files, is left).
      await rmdir(legacyKeys).catch(() => undefined);
    }
  } catch (error) {
    if (hasCode(error, ...SERVER_ERROR_CODES)) throw error;
    throw new MailsealError("DATA_LAYOUT", `cannot prepare the data folder ${dataDir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
