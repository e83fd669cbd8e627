// Runs the large-attachment harness in --quick mode so it cannot rot: it must complete, verify every
// round trip and write its three files. No timing is asserted: that is what the harness is for.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";

const out = mkdtempSync(join(tmpdir(), "mailseal-bench-quick-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test("bench/attachments --quick runs every round trip and writes JSON, Markdown and SVG", async () => {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [
      ...["--import", "tsx", "--import", "./core-wasm/scripts/wasm-register.mjs"],
      ...["bench/attachments/run.ts", "--quick", "--out", out],
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const files = readdirSync(out);
  expect(files.map((f) => f.replace(/^.*-quick/, "")).sort()).toEqual([".json", ".md", ".svg"]);
  const base = join(out, files[0]!.replace(/\.\w+$/, ""));
  const results = JSON.parse(readFileSync(`${base}.json`, "utf8")) as {
    cells: { tool: string; operation: string; size: number; runs: unknown[] }[];
    inProcess: {
      corePath: { seal: { median: number }; callsPerSeal: number; callsPerOpen: number };
      engine: { seal: { median: number }; open: { median: number }; callsPerSeal: number; callsPerOpen: number };
      keyHistory: { keys: number; oneKey: { median: number }; manyKeys: { median: number } };
    };
  };
  const tools = new Set(results.cells.map((cell) => cell.tool));
  expect([...tools].sort()).toEqual(["OpenPGP.js", "PKI.js", "mailseal", "node-forge", "openssl"]);
  // Each round trip is two cells, each holding one run, recorded only after its output checked out.
  expect(results.cells.every((cell) => cell.runs.length === 1)).toBe(true);
  expect(stderr.match(/round trip ok/g)?.length).toBe(results.cells.length / 2);
  // Both paths ran; the engine is one round trip per message, the core's path many.
  const { corePath, engine, keyHistory } = results.inProcess;
  expect(corePath.seal.median).toBeGreaterThan(0);
  expect(engine.seal.median).toBeGreaterThan(0);
  expect(engine.open.median).toBeGreaterThan(0);
  expect([engine.callsPerSeal, engine.callsPerOpen]).toEqual([1, 1]);
  expect(corePath.callsPerSeal).toBeGreaterThan(1);
  expect(keyHistory.keys).toBe(20);
  expect(keyHistory.manyKeys.median).toBeGreaterThan(0);
  expect(readFileSync(`${base}.md`, "utf8")).toContain("| 16 MiB | decrypt CBC | mailseal |");
  expect(readFileSync(`${base}.svg`, "utf8")).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
}, 300_000);

test("bench/attachments --in-process measures both paths and the key history, and writes JSON and Markdown", async () => {
  const only = join(out, "in-process");
  await promisify(execFile)(
    process.execPath,
    [
      ...["--import", "tsx", "--import", "./core-wasm/scripts/wasm-register.mjs"],
      ...["bench/attachments/run.ts", "--in-process", "--rounds", "2", "--out", only],
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const files = readdirSync(only);
  expect(files.map((f) => f.replace(/^.*-in-process/, "")).sort()).toEqual([".json", ".md"]);
  const base = join(only, files[0]!.replace(/\.\w+$/, ""));
  const { inProcess } = JSON.parse(readFileSync(`${base}.json`, "utf8")) as {
    inProcess: { rounds: number; engine: { callsPerSeal: number; callsPerOpen: number } };
  };
  expect(inProcess.rounds).toBe(2);
  expect([inProcess.engine.callsPerSeal, inProcess.engine.callsPerOpen]).toEqual([1, 1]);
  const markdown = readFileSync(`${base}.md`, "utf8");
  expect(markdown).toContain("| engine in its worker (sealMessage, openMessage) |");
  expect(markdown).toContain("with 20 keys");
}, 300_000);
