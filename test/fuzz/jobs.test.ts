// Parallel jobs (README.md, "Jobs"): `npm run fuzz -- TARGET --jobs N` shares the goal's mutations
// out among N workers, each input one keeps is run by the others, every execution of every worker
// counts, and the corpus they kept together is minimised once. A segment of two jobs stopped mid-way
// resumes with one. In a folder of its own (`--dir`), so the checked-in corpus stays as it is.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FUZZ_DIR, ROOT, runCampaign } from "./campaign.js";
import { readState, stateDir } from "./state.js";

const home = mkdtempSync(join(tmpdir(), "mailseal-fuzz-jobs-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** `npm run fuzz -- ARGS --dir HOME` to its end. */
function fuzz(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(FUZZ_DIR, "run.ts"), ...args, "--dir", home], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("a campaign of parallel jobs", () => {
  it("counts every job's executions, runs in each what the other kept, and minimises their corpus once", async () => {
    // An empty corpus folder: from the seeds alone both jobs keep new inputs at once.
    const { code, stdout, stderr } = await fuzz("smime-detect", "--runs", "4000", "--seed", "9", "--jobs", "2");
    expect(code, stderr).toBe(0);
    const replayed = /replayed (\d+) inputs/.exec(stdout);
    const done =
      /smime-detect done: (\d+) execs .* over 1 segment .*; 2 jobs, (\d+) inputs run by a job other than the one that kept them, minimised corpus (\d+), 0 findings/.exec(
        stdout,
      );
    expect(replayed, stdout).not.toBeNull();
    expect(done, stdout).not.toBeNull();
    const [inputs, execs, imported, corpus] = [replayed![1], done![1], done![2], done![3]].map(Number) as [
      number,
      number,
      number,
      number,
    ];
    expect(imported, "what one job kept, the other ran").toBeGreaterThan(0);
    // Each job replays the same inputs, then runs its share of the 4,000 mutations and the imports.
    expect(execs).toBe(2 * inputs + 4000 + imported);
    expect(readdirSync(join(home, "corpus", "smime-detect"))).toHaveLength(corpus);
    expect(corpus).toBeGreaterThan(0);
    expect(existsSync(stateDir(home, "smime-detect")), "the state is removed").toBe(false);
  }, 120_000);

  it("stopped mid-way, keeps the counts of both jobs, and resumes with one", async () => {
    const RUNS = 6000;
    const stop = new AbortController();
    const watch = setInterval(() => {
      const state = readState(home, "ber");
      if (state !== undefined && state.mutations > 0 && state.corpus.length > 0) stop.abort();
    }, 20);
    const two = await runCampaign({
      target: "ber",
      save: true,
      home,
      runs: RUNS,
      seed: 4,
      jobs: 2,
      checkpointSeconds: 0.05,
      signal: stop.signal,
    }).finally(() => clearInterval(watch));
    expect(two).toMatchObject({ finished: false, jobs: 2, segments: 1, state: stateDir(home, "ber") });
    const stopped = readState(home, "ber")!;
    expect(stopped.pid, "the segment ended").toBeUndefined();
    expect(stopped.mutations).toBeLessThan(RUNS);
    expect(stopped.execs).toBe(two.execs);
    // A job mutates only after its replay (the other may have been stopped during its own).
    expect(stopped.execs).toBeGreaterThanOrEqual(two.replayed!.inputs + stopped.mutations);

    const one = await runCampaign({ target: "ber", save: true, home, resume: true, jobs: 1 });
    expect(one).toMatchObject({ finished: true, jobs: 1, segments: 2, imported: 0 });
    expect(one.replayed!.fromState).toBe(stopped.corpus.length);
    expect(one.execs).toBe(stopped.execs + one.replayed!.inputs + (RUNS - stopped.mutations));
    expect(existsSync(stateDir(home, "ber"))).toBe(false);
  }, 120_000);

  it("without saving, counts each input the jobs kept once", async () => {
    // No mutation: both jobs replay the same checked-in corpus and keep the same inputs.
    const two = await runCampaign({ target: "pem", runs: 0, jobs: 2 });
    expect(two).toMatchObject({ finished: true, jobs: 2 });
    expect(two.corpus).toBeGreaterThan(0);
    expect(two.corpus).toBeLessThanOrEqual(two.replayed!.inputs);
  }, 120_000);

  it("refuses a number of jobs that is not a whole number of at least 1", async () => {
    for (const jobs of ["0", "1.5"]) {
      const { code, stderr } = await fuzz("pem", "--runs", "10", "--jobs", jobs);
      expect(code).toBe(1);
      expect(stderr).toContain(`--jobs ${jobs}: a whole number of workers, at least 1`);
    }
    await expect(runCampaign({ target: "pem", runs: 10, jobs: 0 })).rejects.toThrow("jobs 0: a whole number");
  });
});
