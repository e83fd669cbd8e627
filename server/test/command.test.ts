// `mailseal server` as a process: three listeners on free ports, discovery between them, and a
// clean exit with status 0 on SIGINT and SIGTERM.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { jwkThumbprint, type P256PublicJwk } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namedKeyId } from "../src/hsm/named-key.js";

const FIXTURE = join(import.meta.dirname, "fixtures", "server-command.ts");
// The shared library loads the crypto core's .wasm files: the repository's loader hook (as npm start).
const WASM = join(import.meta.dirname, "..", "..", "core-wasm", "scripts", "wasm-register.mjs");
const NODE_ARGS = ["--import", "tsx", "--import", WASM, FIXTURE];

interface Started {
  urls: Record<string, string>;
  stop(signal: NodeJS.Signals): Promise<{ status: number | null; stderr: string }>;
}

/** Spawns the command and waits for its listener lines (three, or one per role of --role). */
async function start(args: string[], env: Record<string, string> = {}): Promise<Started & { stderr(): string }> {
  const roleAt = args.indexOf("--role");
  const expected = roleAt < 0 ? 3 : args[roleAt + 1]!.split(",").length;
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (status) => resolve(status)));
  const urls: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (status) => reject(new Error(`exited with ${status}: ${stderr}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^(api|share-a|share-b) (http:\/\/\S+)$/.exec(line);
      if (match === null) return reject(new Error(`unexpected line ${line}`));
      urls[match[1]!] = match[2]!;
      if (Object.keys(urls).length === expected) resolve();
    });
  });
  return {
    urls,
    stderr: () => stderr,
    async stop(signal) {
      child.kill(signal);
      return { status: await exited, stderr };
    },
  };
}

/** Runs the command to its end: exit status and standard error. */
async function run(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { stdio: "pipe" });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const status = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { status, stderr };
}

describe("mailseal server", () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), "mailseal-server-"));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it("starts three listeners on free ports and stops with status 0 on SIGINT", async () => {
    const server = await start(["--port", "0", "--data", data, "--domain", "example.org", "--dev"], {
      MAILSEAL_CLOCK_OFFSET: "-3600000",
    });
    const ports = Object.values(server.urls).map((url) => Number(new URL(url).port));
    expect(new Set(ports).size).toBe(3);
    expect(ports.every((port) => port > 0)).toBe(true);
    const response = await fetch(`${server.urls["api"]}/.well-known/mailseal.json`);
    expect(await response.json()).toEqual({
      version: 1,
      api: server.urls["api"],
      shareStores: { "share-a": server.urls["share-a"], "share-b": server.urls["share-b"] },
      domains: ["example.org"],
    });
    expect((await fetch(`${server.urls["api"]}/v1/ca/certificates`)).status).toBe(200);
    for (const role of ["share-a", "share-b"]) {
      const docs = await fetch(`${server.urls[role]}/docs/json`);
      expect((await docs.json()).info.title).toMatch(/share store/);
      const missing = await fetch(`${server.urls[role]}/.well-known/mailseal.json`);
      expect(missing.status).toBe(404);
    }
    const { status, stderr } = await server.stop("SIGINT");
    expect(status).toBe(0);
    const log = stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(log.find((entry) => entry["msg"] === "clock shifted")?.["clockOffsetMs"]).toBe(-3600000);
    expect(log.at(-1)?.["msg"]).toBe("stopped");
    // Each role its own 0700 folder with its own keys and database, even in one process (issue 12, finding 5).
    expect(readdirSync(data).sort()).toEqual(["api", "share-a", "share-b"]);
    for (const role of ["api", "share-a", "share-b"]) {
      const files = readdirSync(join(data, role)).filter((name) => !/-(wal|shm)$/.test(name));
      expect(files.sort()).toEqual([`${role}.sqlite`, "soft-hsm"]);
      expect(statSync(join(data, role)).mode & 0o777).toBe(0o700);
      expect(statSync(join(data, role, `${role}.sqlite`)).mode & 0o777).toBe(0o600);
    }
    // The api's folder holds the CA keys and the api KEK; a store's holds its KEK alone.
    expect(readdirSync(join(data, "api", "soft-hsm")).length).toBe(3);
    expect(readdirSync(join(data, "share-a", "soft-hsm"))).toEqual([`${namedKeyId("mailseal-kek-share-a")}.json`]);
    expect(readdirSync(join(data, "share-b", "soft-hsm"))).toEqual([`${namedKeyId("mailseal-kek-share-b")}.json`]);
  });

  it("stops with status 0 on SIGTERM too", async () => {
    const server = await start(["--port", "0", "--data", data, "--log-level", "silent", "--dev"]);
    const { status, stderr } = await server.stop("SIGTERM");
    expect(status).toBe(0);
    expect(stderr).toBe("");
  });

  it("moves a data folder of the single-folder layout into per-role folders, keeping every key", async () => {
    const old = mkdtempSync(join(tmpdir(), "mailseal-legacy-"));
    try {
      const first = await start(["--port", "0", "--data", old, "--log-level", "silent", "--dev"]);
      const ca = await (await fetch(`${first.urls["api"]}/v1/ca/certificates`)).json();
      const ingest = await (await fetch(`${first.urls["share-a"]}/v1/ingest-key`)).json();
      expect((await first.stop("SIGTERM")).status).toBe(0);
      // Back to the layout of earlier versions: one soft-hsm folder, the three databases side by side.
      mkdirSync(join(old, "soft-hsm"), { mode: 0o700 });
      for (const role of ["api", "share-a", "share-b"]) {
        for (const name of readdirSync(join(old, role, "soft-hsm")))
          renameSync(join(old, role, "soft-hsm", name), join(old, "soft-hsm", name));
        const legacy = role === "api" ? "api.sqlite" : `api-${role}.sqlite`;
        for (const name of readdirSync(join(old, role)).filter((n) => n.startsWith(`${role}.sqlite`)))
          renameSync(join(old, role, name), join(old, name.replace(`${role}.sqlite`, legacy)));
        rmSync(join(old, role), { recursive: true });
      }
      // Earlier versions left the data folder as the umask made it (0755): the start closes it.
      chmodSync(old, 0o755);
      const again = await start(["--port", "0", "--data", old, "--log-level", "warn", "--dev"]);
      // The same CA and the same store ingest key (wrapped under the KEK that moved with its store).
      expect(await (await fetch(`${again.urls["api"]}/v1/ca/certificates`)).json()).toEqual(ca);
      expect(await (await fetch(`${again.urls["share-a"]}/v1/ingest-key`)).json()).toEqual(ingest);
      const { status, stderr } = await again.stop("SIGTERM");
      expect(status).toBe(0);
      expect(stderr).toContain("moved to the per-role data layout");
      expect(readdirSync(old).sort()).toEqual(["api", "share-a", "share-b"]);
      expect(statSync(old).mode & 0o777).toBe(0o700);
      expect(readdirSync(join(old, "share-b", "soft-hsm"))).toEqual([`${namedKeyId("mailseal-kek-share-b")}.json`]);
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });

  it("refuses roles combined in one process without --dev (COMBINED_ROLES)", async () => {
    for (const roles of [[], ["--role", "api,share-a"]]) {
      const { status, stderr } = await run(["--port", "0", "--data", data, ...roles]);
      expect(status).toBe(1);
      expect(stderr).toMatch(/^error COMBINED_ROLES: --role api,share-a.* runs several roles in one process/);
    }
  });

  it("a share store run apart pins the api's ticket key: refused without a pin, and a wrong key is refused", async () => {
    const unpinned = await run(["--role", "share-a", "--port", "0", "--data", data]);
    expect(unpinned.status).toBe(1);
    expect(unpinned.stderr).toMatch(/^error TICKET_KEY_UNPINNED: .*--ticket-key-thumbprint/);

    const apart = mkdtempSync(join(tmpdir(), "mailseal-apart-"));
    const servers: Started[] = [];
    try {
      const api = await start(["--role", "api", "--port", "0", "--data", join(apart, "api")]);
      servers.push(api);
      const logged = api
        .stderr()
        .split("\n")
        .filter((line) => line.includes("ticketKeyThumbprint"))
        .map((line) => (JSON.parse(line) as { ticketKeyThumbprint: string }).ticketKeyThumbprint);
      const { key } = (await (await fetch(`${api.urls["api"]}/v1/ticket-key`)).json()) as { key: P256PublicJwk };
      const thumbprint = await jwkThumbprint(key);
      expect(logged).toEqual([thumbprint]);
      const other = `${thumbprint.slice(0, 10)}${thumbprint[10] === "A" ? "B" : "A"}${thumbprint.slice(11)}`;
      const store = (pin: string) =>
        start([
          "--role",
          "share-a",
          "--port",
          "0",
          "--data",
          join(apart, `a-${pin}`),
          "--public-url",
          api.urls["api"]!,
          "--ticket-key-thumbprint",
          pin,
        ]);
      const right = await store(thumbprint);
      const wrong = await store(other);
      servers.push(right, wrong);
      const present = async (url: string) => {
        const response = await fetch(`${url}/v1/releases`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ticket: "eyJhbGciOiJFUzI1NiJ9.e30.AAAA" }),
        });
        return {
          status: response.status,
          body: (await response.json()) as { error: { code: string; message: string } },
        };
      };
      // The pinned key was fetched and used: the (forged) ticket does not verify under it.
      expect((await present(right.urls["share-a"]!)).body.error.code).toBe("TICKET_INVALID");
      // Another thumbprint: the fetched key is refused, and no ticket is believed.
      const refused = await present(wrong.urls["share-a"]!);
      expect(refused.status).toBe(503);
      expect(refused.body.error.message).toContain(`not the pinned ${other}`);
    } finally {
      for (const server of servers) await server.stop("SIGTERM");
      rmSync(apart, { recursive: true, force: true });
    }
  });

  it("refuses a bad option with a USAGE error and status 1", async () => {
    const child = spawn(process.execPath, [...NODE_ARGS, "--port", "http"], { stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const status = await new Promise((resolve) => child.once("exit", resolve));
    expect(status).toBe(1);
    expect(stderr).toContain("error USAGE: --port http is not a port number");
  });
});
