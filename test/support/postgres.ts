// A throwaway PostgreSQL cluster for tests (/work/shared/notes/server-components.md, section 1): initdb
// into a temporary directory, started with pg_ctl on a free port, TCP on 127.0.0.1 only, trust
// authentication, fsync off. initdb and postgres refuse to run as root, so as root they run as the
// `postgres` user; otherwise as the current user.
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where Debian's postgresql package puts the server programs; MAILSEAL_PG_BIN overrides it. */
function binDir(): string {
  const configured = process.env["MAILSEAL_PG_BIN"];
  if (configured !== undefined) return configured;
  for (const version of ["17", "16", "15", "14"]) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(dir, "pg_ctl"))) return dir;
  }
  throw new Error("PostgreSQL server programs not found: install postgresql or set MAILSEAL_PG_BIN");
}

/** uid and gid of the `postgres` user when running as root; undefined otherwise. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) throw new Error("running as root, but there is no postgres user");
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`; replace the path for another database. */
  url: string;
  port: number;
  /** Stops the cluster and removes its directory; idempotent. */
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const user = runAs();
  const options = { cwd: "/", ...(user ?? {}) };
  const base = mkdtempSync(join(tmpdir(), "mailseal-pg-"));
  if (user !== undefined) chownSync(base, user.uid, user.gid); // mkdtemp makes it 0700, owned by root
  const data = join(base, "data");
  let started = false;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      try {
        if (started) await run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], options);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    })());
  try {
    await run(
      join(bin, "initdb"),
      ["-D", data, "--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
      options,
    );
    // The port is free now but could be taken before postgres binds it: try a few times.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await run(
          join(bin, "pg_ctl"),
          [
            "-D",
            data,
            "-l",
            join(base, "log"),
            "-w",
            "-o",
            `-p ${port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
            "start",
          ],
          options,
        );
        started = true;
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop };
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
