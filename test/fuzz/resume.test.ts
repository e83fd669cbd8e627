// A campaign survives its interruption (README.md, "Resuming"): `npm run fuzz` killed after a
// checkpoint, then stopped by SIGTERM, is resumed twice and reaches its goal with the executions of
// every segment counted, the corpus of the earlier segments replayed, and its state removed. In a
// folder of its own (`--dir`), so the checked-in corpus and regressions stay as they are.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { campaignStart, FUZZ_DIR, ROOT, runCampaign } from "./campaign.js";
import { readState, stateDir, type CampaignState } from "./state.js";

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

/** The counts a finished or stopped campaign prints. */
function summary(stdout: string, word: "done" | "stopped"): { execs: number; segments: number } {
  const match = new RegExp(`smime-detect ${word}: (\\d+) execs in [\\d.]+ s over (\\d+) segments?`).exec(stdout);
  expect(match, stdout).not.toBeNull();
  return { execs: Number(match![1]), segments: Number(match![2]) };
}

function replayed(stdout: string): { inputs: number; fromState: number; features: number } {
  const match = /replayed (\d+) inputs \((\d+) from the campaign's state\): (\d+) features/.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return { inputs: Number(match![1]), fromState: Number(match![2]), features: Number(match![3]) };
}

/** Well over what segment 1 does before the kill at its first checkpoint (0.05 s in, hundreds at most). */
const RUNS = 3000;

describe("a campaign resumed", () => {
  it("--resume without a state refuses", async () => {
    const { code, stderr } = await fuzz("smime-detect", "--resume").exit;
    expect(code).toBe(1);
    expect(stderr).toContain(`smime-detect: no campaign to resume (no state in ${stateDir(home, "smime-detect")})`);
  });

  it("killed after a checkpoint, then stopped by SIGTERM, finishes over three segments", async () => {
    // Segment 1: killed (no chance to save anything) once a checkpoint holds mutations and a corpus.
    const first = fuzz("smime-detect", "--runs", String(RUNS), "--seed", "7", "--checkpoint", "0.05");
    const one = await until("checkpoint with a corpus", () => {
      const state = readState(home, "smime-detect");
      return state !== undefined && state.mutations > 0 && state.corpus.length > 0 ? state : undefined;
    });
    first.child.kill("SIGKILL");
    expect((await first.exit).code).toBeNull();
    const killed = readState(home, "smime-detect")!;
    expect(killed.mutations, "segment 1 was killed before its goal").toBeLessThan(RUNS);
    expect(killed.execs).toBeGreaterThanOrEqual(one.execs);
    expect(killed).toMatchObject({ seed: 7, runs: RUNS, segments: 1 });

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

    // Segment 2: no periodic checkpoint; SIGTERM once the replay is over checkpoints and stops it.
    const second = fuzz("smime-detect", "--resume", "--checkpoint", "3600");
    await until("replay", () => (/replayed .* features\n/.test(second.stdout()) ? true : undefined));
    const replay2 = replayed(second.stdout());
    second.child.kill("SIGTERM");
    const stopped = await second.exit;
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(summary(stopped.stdout, "stopped").segments).toBe(2);
    const two = readState(home, "smime-detect") as CampaignState;
    expect(two.segments).toBe(2);
    expect(replay2.fromState).toBe(killed.corpus.length);
    expect(replay2.features, "the replay reaches what segment 1 reached").toBeGreaterThanOrEqual(killed.features);
    expect(two.execs, "segment 2 counts on from segment 1's total").toBeGreaterThanOrEqual(
      killed.execs + replay2.inputs,
    );
    expect(two.corpus.slice(0, killed.corpus.length)).toEqual(killed.corpus);

    // Segment 3: to the goal.
    const third = await fuzz("smime-detect", "--resume").exit;
    expect(third.code, third.stderr).toBe(0);
    const replay3 = replayed(third.stdout);
    expect(replay3.fromState).toBe(two.corpus.length);
    expect(replay3.features).toBeGreaterThanOrEqual(two.features);
    // Every execution of the three segments: those of 1 and 2 up to the state, then segment 3's
    // replay and the mutations left to the goal.
    expect(summary(third.stdout, "done")).toEqual({
      execs: two.execs + replay3.inputs + (RUNS - two.mutations),
      segments: 3,
    });
    expect(existsSync(stateDir(home, "smime-detect")), "the state is removed").toBe(false);
    expect(readdirSync(join(home, "corpus", "smime-detect")).length).toBeGreaterThan(0);
  }, 120_000);

  it("keeps an earlier segment's findings and does not count them twice", async () => {
    // Every execution over 0 ms is "slow": a real finding on the campaign's own path, at once.
    const stop = new AbortController();
    const one = await runCampaign({
      target: "crl",
      runs: 2000,
      seed: 3,
      slowMs: 0,
      save: true,
      home,
      signal: stop.signal,
      onReplayed: () => stop.abort(),
    });
    expect(one.finished).toBe(false);
    expect(one.findings.map((f) => f.kind)).toEqual(["slow"]);
    const file = one.findings[0]!.file!;
    expect(existsSync(file), "written into regressions/ at once").toBe(true);
    expect(readState(home, "crl")!.findings).toEqual([
      { kind: "slow", detail: one.findings[0]!.detail, file: basename(file) },
    ]);
    rmSync(file);

    const two = await runCampaign({ target: "crl", slowMs: 0, save: true, home, resume: true });
    expect(two.finished).toBe(true);
    expect(two.segments).toBe(2);
    expect(two.findings.map((f) => f.file)).toEqual([file]);
    expect(existsSync(file), "written again at the end").toBe(true);
    expect(existsSync(stateDir(home, "crl"))).toBe(false);
  }, 60_000);
});
