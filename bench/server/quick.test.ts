// Runs the services load harness in --quick mode so it cannot rot: it must start the real server,
// enrol, load CerDB without a single non-2xx answer, complete releases whose commitment checked out,
// and write its two files. No timing is asserted: that is what the harness is for.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";
import type { ServerResults } from "./report.js";

const out = mkdtempSync(join(tmpdir(), "mailseal-bench-server-quick-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test("bench/server --quick loads CerDB and releases keys end to end, and writes JSON and Markdown", async () => {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [
      ...["--import", "tsx", "--import", "./core-wasm/scripts/wasm-register.mjs"],
      ...["bench/server/run.ts", "--quick", "--out", out],
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const files = readdirSync(out).sort();
  expect(files.map((f) => f.replace(/^server-.*-quick/, ""))).toEqual([".json", ".md"]);
  const results = JSON.parse(readFileSync(join(out, files[0]!), "utf8")) as ServerResults;
  expect(results.quick).toBe(true);
  expect(stderr).toContain("rate limit raised");
  // One run per connection count of each CerDB route, each with answers and every answer a 2xx.
  for (const runs of [results.cerdbGet, results.cerdbLookup10]) {
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      expect(run.requests).toBeGreaterThan(0);
      expect([run.non2xx, run.errors, run.timeouts]).toEqual([0, 0, 0]);
    }
  }
  // Every release is counted only after both shares opened and the commitment matched (device.ts).
  expect(results.releases.map((run) => run.concurrency)).toEqual([1, 8]);
  for (const run of results.releases) {
    expect(run.endToEnd.count).toBe(run.releases);
    expect(run.ticketStep.count).toBe(run.releases);
    expect(run.storeStep.count).toBe(2 * run.releases);
    expect(run.ticketsAlone.count).toBe(run.releases);
    expect(run.storeAlone.count).toBe(run.releases);
  }
  expect(readFileSync(join(out, files[1]!), "utf8")).toContain("| end to end | 8 |");
}, 300_000);
