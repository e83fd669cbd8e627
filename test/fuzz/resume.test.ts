// A campaign survives its interruption (README.md, "Resuming"): `npm run fuzz` killed after a
// checkpoint, then stopped by SIGTERM, is resumed twice and reaches its goal with the executions of
// every segment counted, the corpus of the earlier segments replayed, and its state removed. In a
// folder of its own (`--dir`), so the checked-in corpus and regressions stay as they are.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { campaignStart, FUZZ_DIR, ROOT, runCampaign, type TargetName } from "./campaign.js";
import { readState, segmentSeed, stateDir, writeState, type CampaignState } from "./state.js";

const home = mkdtempSync(join(tmpdir(), "mailseal-fuzz-resume-"));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(home, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `npm run fuzz -- ARGS --dir HOME`, as a process of its own. */
function fuzz(...args: string[]): Run {
  const child = spawn(process.execPath, ["--import", "tsx", join(FUZZ_DIR, "run.ts"), ...args, "--dir", home], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, stdout: () => stdout, exit };
}

async function until<T>(what: string, check: () => T | undefined, seconds = 60): Promise<T> {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`no ${what} after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The counts a finished campaign prints. */
function summary(stdout: string): { execs: number; segments: number; findings: number } {
  const match = /smime-detect done: (\d+) execs in [\d.]+ s over (\d+) segments? .* (\d+) findings/.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return { execs: Number(match![1]), segments: Number(match![2]), findings: Number(match![3]) };
}

function replayed(stdout: string): { inputs: number; fromState: number; features: number } {
  const match = /replayed (\d+) inputs \((\d+) from the campaign's state\): (\d+) features/.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return { inputs: Number(match![1]), fromState: Number(match![2]), features: Number(match![3]) };
}

/** A checkpoint of segment `segment` with mutations and a corpus of its own. */
function progressed(segment: number, after?: CampaignState): CampaignState | undefined {
  const state = readState(home, "smime-detect");
  if (state === undefined || state.segments !== segment) return undefined;
  if (state.mutations <= (after?.mutations ?? 0) || state.corpus.length <= (after?.corpus.length ?? 0))
    return undefined;
  return state;
}

/** Well over what segments 1 and 2 do before they stop at a checkpoint (0.05 s in, hundreds at most). */
const RUNS = 3000;

describe("a campaign resumed", () => {
  it("runs each segment on its own seed, derived from the campaign's seed and the segment number", () => {
    for (const seed of [0, 7, 12, 0xffffffff]) {
      expect(segmentSeed(seed, 1), "the first segment runs on the seed itself").toBe(seed);
      const seeds = Array.from({ length: 1000 }, (_, k) => segmentSeed(seed, k + 1));
      expect(new Set(seeds).size).toBe(1000);
      expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s <= 0xffffffff)).toBe(true);
      expect(segmentSeed(seed, 2)).toBe(segmentSeed(seed, 2));
    }
    expect(segmentSeed(7, 2)).not.toBe(segmentSeed(8, 2));
  });

  it("--resume without a state refuses", async () => {
    const { code, stderr } = await fuzz("smime-detect", "--resume").exit;
    expect(code).toBe(1);
    expect(stderr).toContain(`smime-detect: no campaign to resume (no state in ${stateDir(home, "smime-detect")})`);
  });

  it("killed after a checkpoint, then stopped, finishes with the executions and findings of every segment", async () => {
    // Segment 1: killed (no chance to save anything) once a checkpoint holds mutations and a corpus.
    const first = fuzz("smime-detect", "--runs", String(RUNS), "--seed", "7", "--checkpoint", "0.05");
    const one = await until("checkpoint of segment 1", () => progressed(1));
    // The state is the running campaign's: neither --resume nor --fresh may take it over.
    for (const take of [{ resume: true }, { fresh: true }]) {
      expect(() => campaignStart("smime-detect", { home, ...take })).toThrow(
        `the campaign of ${stateDir(home, "smime-detect")} runs already (process ${first.child.pid})`,
      );
    }
    first.child.kill("SIGKILL");
    expect((await first.exit).code).toBeNull();
    const left = () => readdirSync(join(FUZZ_DIR, "build")).filter((name) => name.includes(`.${first.child.pid}.`));
    expect(left(), "the killed process's bundle is left").toHaveLength(1);
    const killed = readState(home, "smime-detect")!;
    expect(killed.mutations, "segment 1 was killed before its goal").toBeLessThan(RUNS);
    expect(killed.execs).toBeGreaterThanOrEqual(one.execs);
    expect(killed).toMatchObject({ seed: 7, runs: RUNS, segments: 1, findings: [] });

    // While it is unfinished: a new campaign refuses unless --fresh, --resume refuses other options.
    expect(() => campaignStart("smime-detect", { home, runs: 100 })).toThrow(
      /has an unfinished campaign \(--runs 3000 --seed 7: \d+ executions in 1 segment so far.*--resume.*--fresh/,
    );
    expect(() => campaignStart("smime-detect", { home, resume: true, seed: 8 })).toThrow(
      "--seed 8 contradicts the campaign resumed (--runs 3000 --seed 7)",
    );
    expect(() => campaignStart("smime-detect", { home, resume: true, runs: 5 })).toThrow(/--runs 5 contradicts/);
    expect(() => campaignStart("smime-detect", { home, resume: true, fresh: true })).toThrow(/contradict/);
    expect(campaignStart("smime-detect", { home, resume: true, runs: RUNS, seed: 7 })).toEqual(killed);

    // Segment 2 (in this process, where a finding can be made): every execution over 0 ms is "slow",
    // a finding saved at once; stopped (what SIGINT and SIGTERM do) once it has made progress.
    const stop = new AbortController();
    const watch = setInterval(() => {
      if (progressed(2, killed) !== undefined) stop.abort();
    }, 20);
    const two = await runCampaign({
      target: "smime-detect",
      save: true,
      home,
      resume: true,
      slowMs: 0,
      checkpointSeconds: 0.05,
      signal: stop.signal,
    }).finally(() => clearInterval(watch));
    expect(two).toMatchObject({ finished: false, segments: 2, state: stateDir(home, "smime-detect") });
    expect(left(), "and removed by the next campaign").toEqual([]);
    expect(two.replayed!.fromState).toBe(killed.corpus.length);
    expect(two.replayed!.features, "the replay reaches what segment 1 reached").toBeGreaterThanOrEqual(killed.features);
    const stopped = readState(home, "smime-detect")!;
    expect(stopped.segments).toBe(2);
    expect(stopped.mutations).toBeLessThan(RUNS);
    expect(stopped.execs, "segment 2 counts on from segment 1's total").toBe(two.execs);
    expect(stopped.execs).toBeGreaterThan(killed.execs + two.replayed!.inputs);
    expect(stopped.corpus.slice(0, killed.corpus.length)).toEqual(killed.corpus);
    expect(two.findings.map((f) => f.kind)).toEqual(["slow"]);
    const finding = two.findings[0]!.file!;
    expect(existsSync(finding), "written into regressions/ at once").toBe(true);
    expect(stopped.findings).toEqual([{ kind: "slow", detail: two.findings[0]!.detail, file: basename(finding) }]);
    rmSync(finding);

    // Segment 3: to the goal.
    const third = await fuzz("smime-detect", "--resume").exit;
    expect(third.code, "exit 1: the campaign has a finding").toBe(1);
    const replay3 = replayed(third.stdout);
    expect(replay3.fromState).toBe(stopped.corpus.length);
    expect(replay3.features).toBeGreaterThanOrEqual(stopped.features);
    // Every execution of the three segments: those of 1 and 2 up to the state, then segment 3's
    // replay and the mutations left to the goal.
    expect(summary(third.stdout)).toEqual({
      execs: stopped.execs + replay3.inputs + (RUNS - stopped.mutations),
      segments: 3,
      findings: 1,
    });
    expect(third.stdout).toContain(`slow: ${two.findings[0]!.detail}\n    saved as ${finding}`);
    expect(existsSync(finding), "segment 2's finding written again at the end").toBe(true);
    expect(existsSync(stateDir(home, "smime-detect")), "the state is removed").toBe(false);
    expect(readdirSync(join(home, "corpus", "smime-detect")).length).toBeGreaterThan(0);
  }, 120_000);

  it("a campaign that fails to build leaves no state if new, and its state free if resumed", async () => {
    const broken = "no-such-target" as TargetName; // no targets/no-such-target.ts to bundle
    await expect(runCampaign({ target: broken, runs: 10, save: true, home })).rejects.toThrow(/Could not resolve/);
    expect(existsSync(stateDir(home, broken))).toBe(false);

    const state: CampaignState = {
      ...{ version: 1, target: broken, seed: 5, runs: 10, execs: 4, mutations: 3, seconds: 1, features: 2 },
      ...{ segments: 1, corpus: [], findings: [], updated: new Date().toISOString() },
    };
    writeState(home, state, { corpus: new Map(), findings: new Map() });
    await expect(runCampaign({ target: broken, save: true, home, resume: true })).rejects.toThrow(/Could not resolve/);
    const left = readState(home, broken)!;
    expect(left).toMatchObject({ execs: 4, mutations: 3, segments: 2 });
    expect(left.pid).toBeUndefined();
  });
});
