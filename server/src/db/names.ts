// The database of each role (docs/services.md, "Processes and roles"). Without --db each role has its
// own SQLite file in its own folder, DATA/<role>/<role>.sqlite, beside its own key folder. With --db,
// `sqlite:FILE` names the api database and the stores use FILE with -share-a / -share-b before the
// extension; `postgres://.../NAME` names the api database and the stores use NAME_share_a / NAME_share_b.
import { extname, join } from "node:path";
import type { Role } from "../config.js";

/** The database URL of `role`, given the api database URL (--db). */
export function databaseUrlFor(url: string, role: Role): string {
  if (role === "api" || url === "sqlite::memory:") return url;
  const suffix = role === "share-a" ? "share_a" : "share_b";
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length);
    const ext = extname(file);
    return `sqlite:${file.slice(0, file.length - ext.length)}-${role}${ext}`;
  }
  const parsed = new URL(url);
  parsed.pathname = `/${decodeURIComponent(parsed.pathname.slice(1))}_${suffix}`;
  return parsed.href;
}

/** The database of `role` without --db: its own file in its own folder under the data folder. */
export function defaultDatabaseUrl(dataDir: string, role: Role): string {
  return `sqlite:${join(dataDir, role, `${role}.sqlite`)}`;
}
