// `mailseal server` as a process: three listeners on free ports, discovery between them, and a
// clean exit with status 0 on SIGINT and SIGTERM.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const FIXTURE = join(import.meta.dirname, "fixtures", "server-command.ts");
// The shared library loads the crypto core's .wasm files: the repository's loader hook (as npm start).
const WASM = join(import.meta.dirname, "..", "..", "core-wasm", "scripts", "wasm-register.mjs");
const NODE_ARGS = ["--import", "tsx", "--import", WASM, FIXTURE];

interface Started {
  urls: Record<string, string>;
  stop(signal: NodeJS.Signals): Promise<{ status: number | null; stderr: string }>;
}

/** Spawns the command and waits for its three listener lines. */
async function start(args: string[], env: Record<string, string> = {}): Promise<Started> {
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
      if (Object.keys(urls).length === 3) resolve();
    });
  });
  return {
    urls,
    async stop(signal) {
      child.kill(signal);
      return { status: await exited, stderr };
    },
  };
}

describe("mailseal server", () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), "mailseal-server-"));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it("starts three listeners on free ports and stops with status 0 on SIGINT", async () => {
    const server = await start(["--port", "0", "--data", data, "--domain", "example.org"], {
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
    const files = readdirSync(data).filter((name) => !/-(wal|shm)$/.test(name));
    // The soft HSM holds the CA keys and the api KEK: the command serves the api's routes.
    expect(files.sort()).toEqual(["api-share-a.sqlite", "api-share-b.sqlite", "api.sqlite", "soft-hsm"]);
  });

  it("stops with status 0 on SIGTERM too", async () => {
    const server = await start(["--port", "0", "--data", data, "--log-level", "silent"]);
    const { status, stderr } = await server.stop("SIGTERM");
    expect(status).toBe(0);
    expect(stderr).toBe("");
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
