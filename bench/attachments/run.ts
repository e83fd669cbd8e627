// `npm run bench`: large attachments through mailseal and its peers, whole process, side by side.
// Options: --quick (1 and 16 MiB, one run: the test suite runs it), --large (adds 1 GiB),
// --runs N (default 3), --out DIR (default bench/results), --in-process (only the 1 MiB message in
// process, through the core's worker and through the engine's; --rounds N, default 50; --cpu-prof:
// profile the engine's worker, the summary in the results). Writes
// <date>-<host>[-quick|-in-process].json, .md (and .svg but for --in-process) to DIR. --startup
// instead measures only mailseal's start-up (a 4 KiB message, --runs N, default 21) and writes
// <date>-<host>-startup.json. --sizes 128,1024 (MiB) and --tools mailseal,openssl measure only those
// cells (and skip the in-process part), written as <date>-<host>-<sizes>-<tools>.json, .md, .svg.
// What is measured and the recorded numbers: bench/README.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { measureInProcess, type InProcessResult } from "./in-process.js";
import { sha256File, timePipe } from "./measure.js";
import { MiB, pairs } from "./pairs.js";
import { inProcessLines, markdownTable, sizeLabel, summary, svgChart, type Cell, type Results } from "./report.js";
import { topSelfTime } from "../server/profile.js";
import type { ProfileEntry } from "../server/report.js";
import { bundlePeers, makeInput, makeKeyHistory, makePki } from "./setup.js";
import { measureStartup } from "./startup.js";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    large: { type: "boolean", default: false },
    startup: { type: "boolean", default: false },
    runs: { type: "string" },
    "in-process": { type: "boolean", default: false },
    rounds: { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
    sizes: { type: "string" },
    tools: { type: "string" },
    out: { type: "string", default: join(here, "..", "results") },
  },
});
const quick = values.quick;
const runs = quick ? 1 : Number(values.runs ?? (values.startup ? 21 : 3));
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a positive whole number");
const rounds = Number(values.rounds ?? (quick ? 5 : 50));
if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a positive whole number");
const inProcessOnly = values["in-process"];
const chosenSizes = values.sizes?.split(",").map((mib) => Number(mib) * MiB);
if (chosenSizes?.some((size) => !Number.isInteger(size) || size < MiB))
  throw new Error("--sizes takes whole MiB numbers, comma-separated: 128,1024");
const sizes =
  chosenSizes ?? (quick ? [MiB, 16 * MiB] : [MiB, 16 * MiB, 128 * MiB, ...(values.large ? [1024 * MiB] : [])]);
const chosenTools = values.tools?.split(",");
/** A subset of the matrix: no in-process part, and a file name of its own. */
const partial = chosenSizes !== undefined || chosenTools !== undefined;
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
  // Bob's retired keys: with his current one, the 20 keys of the key-history measure.
  const history = makeKeyHistory(pki, 19);
  const date = new Date().toISOString().slice(0, 10);
  const folder = resolve(values.out);
  const profileDir = values["cpu-prof"] ? join(work, "profile") : undefined;
  const measureSmall = async (): Promise<InProcessResult> => {
    const small = await makeInput(work, MiB);
    const entity = readFileSync(small.path).subarray(small.entityOffset);
    const measured = await measureInProcess(pki, history, small.path, entity, rounds, profileDir);
    const { corePath, engine, keyHistory } = measured;
    console.error(
      `[1 MiB in process] core's worker: sign+encrypt ${corePath.seal.median.toFixed(1)} ms, decrypt+verify ${corePath.open.median.toFixed(1)} ms, ` +
        `${corePath.callsPerSeal} + ${corePath.callsPerOpen} calls; engine's worker: ${engine.seal.median.toFixed(1)} ms, ` +
        `${engine.open.median.toFixed(1)} ms, ${engine.callsPerSeal} + ${engine.callsPerOpen} calls; key history: ` +
        `${keyHistory.oneKey.median.toFixed(2)} ms with 1 key, ${keyHistory.manyKeys.median.toFixed(2)} ms with ${keyHistory.keys}`,
    );
    return measured;
  };
  if (inProcessOnly) {
    const inProcess = await measureSmall();
    const loads = (values: readonly number[]): string => values.map((l) => l.toFixed(2)).join(" / ");
    const machine = `${hostname()} (${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}`;
    const header = `${date}, ${machine}; load average at start ${loads(loadAverage)}, at the end ${loads(loadavg())}.`;
    const lines = [header, "", ...inProcessLines(inProcess)];
    let profile: { file: string; samplesMs: number; top: ProfileEntry[] } | undefined;
    if (profileDir !== undefined) {
      const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
      if (file === undefined) throw new Error("the engine's worker wrote no CPU profile");
      profile = { file, ...topSelfTime(join(profileDir, file), 30) };
      lines.push(
        "",
        `The engine's worker, CPU profile (${profile.samplesMs.toFixed(0)} ms of samples), top self time:`,
      );
      lines.push("", "| self % | function | where |", "| -----: | -------- | ----- |");
      for (const entry of profile.top)
        lines.push(`| ${entry.selfPercent.toFixed(1)} | ${entry.function} | ${entry.where} |`);
    }
    const markdown = `${lines.join("\n")}\n`;
    mkdirSync(folder, { recursive: true });
    const base = join(folder, `${date}-${hostname()}-in-process${profile === undefined ? "" : "-profile"}`);
    const json = { date, host: hostname(), node: process.version, loadAverage, inProcess, profile };
    writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(`${base}.md`, markdown);
    console.log(markdown);
    console.error(`wrote ${base}.json, .md`);
  } else {
    const peers = await bundlePeers(work);
    const roundTrips = pairs(pki, peers, mailsealBin).filter(
      (pair) => chosenTools === undefined || chosenTools.includes(pair.tool),
    );
    if (roundTrips.length === 0) throw new Error(`--tools: none of ${values.tools} is a tool measured here`);

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

    const inProcess = partial ? undefined : await measureSmall();

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
    mkdirSync(folder, { recursive: true });
    const subset = partial
      ? `-${sizes.map((size) => size / MiB).join("-")}MiB${chosenTools === undefined ? "" : `-${chosenTools.join("-")}`}`
      : "";
    const base = join(folder, `${date}-${hostname()}${quick ? "-quick" : ""}${subset}`);
    const withSummary = { ...results, summary: cells.map((cell) => ({ ...cell, runs: undefined, ...summary(cell) })) };
    writeFileSync(`${base}.json`, `${JSON.stringify(withSummary, null, 2)}\n`);
    writeFileSync(`${base}.md`, markdownTable(results));
    writeFileSync(`${base}.svg`, svgChart(results));
    console.log(markdownTable(results));
    console.error(`wrote ${base}.json, .md, .svg`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
