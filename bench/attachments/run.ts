// `npm run bench`: large attachments through mailseal and its peers, whole process, side by side.
// Options: --quick (1 and 16 MiB, one run: the test suite runs it), --large (adds 1 GiB),
// --runs N (default 3), --out DIR (default bench/results). Writes <date>-<host>[-quick].json, .md
// and .svg to DIR. --startup instead measures only mailseal's start-up (a 4 KiB message, --runs N,
// default 21) and writes <date>-<host>-startup.json. What is measured and the recorded numbers:
// bench/README.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { measureInProcess } from "./in-process.js";
import { sha256File, timePipe } from "./measure.js";
import { MiB, pairs } from "./pairs.js";
import { markdownTable, sizeLabel, summary, svgChart, type Cell, type Results } from "./report.js";
import { bundlePeers, makeInput, makePki } from "./setup.js";
import { measureStartup } from "./startup.js";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    large: { type: "boolean", default: false },
    startup: { type: "boolean", default: false },
    runs: { type: "string" },
    out: { type: "string", default: join(here, "..", "results") },
  },
});
const quick = values.quick;
const runs = quick ? 1 : Number(values.runs ?? (values.startup ? 21 : 3));
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a positive whole number");
const sizes = quick ? [MiB, 16 * MiB] : [MiB, 16 * MiB, 128 * MiB, ...(values.large ? [1024 * MiB] : [])];
const mailsealBin = resolve(here, "../../cli/bin/mailseal.mjs");

const work = mkdtempSync(join(tmpdir(), "mailseal-bench-"));
try {
  const loadAverage = loadavg();
  const pki = await makePki(work);
  if (values.startup) {
    const startup = await measureStartup(pki, work, mailsealBin, runs);
    const ms = (s: { median: number; min: number; max: number }): string =>
      `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}-${s.max.toFixed(0)})`;
    console.log(
      `${startup.messageBytes}-byte message, median of ${runs} (min-max), load average at start ${loadAverage.map((l) => l.toFixed(2)).join(" / ")}:\n` +
        `  bare node -e 0    ${ms(startup.bareNode)}\n  mailseal encrypt  ${ms(startup.encrypt)}\n  mailseal decrypt  ${ms(startup.decrypt)}`,
    );
    const folder = resolve(values.out);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `${new Date().toISOString().slice(0, 10)}-${hostname()}-startup.json`);
    const about = {
      host: hostname(),
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}`,
    };
    writeFileSync(file, `${JSON.stringify({ ...about, loadAverage, runs, ...startup }, null, 2)}\n`);
    console.error(`wrote ${file}`);
    rmSync(work, { recursive: true, force: true }); // process.exit skips the finally below
    process.exit(0);
  }
  const peers = await bundlePeers(work);
  const roundTrips = pairs(pki, peers, mailsealBin);

  const bare = [];
  for (let i = 0; i < 3; i++) bare.push((await timePipe([{ argv: [process.execPath, "-e", "0"] }], work)).rssKiB);
  const bareNodeRssKiB = bare.sort((a, b) => a - b)[1]!;

  const cells: Cell[] = [];
  const cellOf = (tool: Cell["tool"], operation: string, size: number, bytes: number): Cell => {
    let cell = cells.find((c) => c.tool === tool && c.operation === operation && c.size === size);
    if (cell === undefined) {
      cell = { tool, operation, size, bytes, runs: [] };
      cells.push(cell);
    }
    return cell;
  };

  for (const size of sizes) {
    const input = await makeInput(work, size);
    const eligible = roundTrips.filter((pair) => pair.maxBytes === undefined || input.bytes <= pair.maxBytes);
    for (let run = 0; run < runs; run++) {
      // Interleaved: run k of every tool before run k+1 of any, in an order rotated per run, so drift
      // of the machine (other work, thermal, page cache) spreads over all tools instead of one.
      for (let i = 0; i < eligible.length; i++) {
        const pair = eligible[(i + run) % eligible.length]!;
        const sealed = join(work, "sealed");
        const opened = join(work, "opened");
        const forward = await timePipe(pair.forwardCommands(input.path, sealed), work);
        const backward = await timePipe(pair.backwardCommands(sealed, opened), work);
        const expected = pair.expect === "entity" ? input.entitySha256 : input.messageSha256;
        if ((await sha256File(opened)) !== expected) {
          throw new Error(`${pair.tool} ${pair.forward}/${pair.backward} at ${sizeLabel(size)}: round trip differs`);
        }
        rmSync(sealed);
        rmSync(opened);
        // Counted only now that the round trip is verified.
        const there = cellOf(pair.tool, pair.forward, size, input.bytes);
        const back = cellOf(pair.tool, pair.backward, size, input.bytes);
        there.runs.push(forward);
        back.runs.push(backward);
        const show = (cell: Cell, timed: { ms: number; rssKiB: number }): string =>
          `${cell.operation} ${(input.bytes / 1e6 / (timed.ms / 1000)).toFixed(0)} MB/s ${(timed.rssKiB / 1024).toFixed(0)} MiB`;
        console.error(
          `[${sizeLabel(size)} run ${run + 1}/${runs}] ${pair.tool}: ${show(there, forward)}; ${show(back, backward)}; round trip ok`,
        );
      }
    }
    rmSync(input.path);
  }

  const small = await makeInput(work, MiB);
  const entity = readFileSync(small.path).subarray(small.entityOffset);
  const inProcess = await measureInProcess(pki, small.path, entity, quick ? 5 : 50);
  console.error(
    `[1 MiB in process] sign+encrypt ${inProcess.encryptSign.median.toFixed(1)} ms, decrypt+verify ${inProcess.decryptVerify.median.toFixed(1)} ms`,
  );

  const date = new Date().toISOString().slice(0, 10);
  const results: Results = {
    date,
    host: hostname(),
    node: process.version,
    openssl: execFileSync("openssl", ["version"], { encoding: "utf8" }).trim().split(" (")[0]!,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}`,
    loadAverage,
    quick,
    runsPerCell: runs,
    bareNodeRssKiB,
    cells,
    inProcess,
  };
  const folder = resolve(values.out);
  mkdirSync(folder, { recursive: true });
  const base = join(folder, `${date}-${hostname()}${quick ? "-quick" : ""}`);
  const withSummary = { ...results, summary: cells.map((cell) => ({ ...cell, runs: undefined, ...summary(cell) })) };
  writeFileSync(`${base}.json`, `${JSON.stringify(withSummary, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdownTable(results));
  writeFileSync(`${base}.svg`, svgChart(results));
  console.log(markdownTable(results));
  console.error(`wrote ${base}.json, .md, .svg`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
