// Builds a target's instrumented bundle and runs the engine in a worker thread under watch: a worker
// whose execution counter stops moving is hung, one that runs out of its heap grew memory past the
// bound, one that dies of an uncaught error broke the property; each case saves the input it was on.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { build } from "esbuild";
import { SHARED_HEADER, SHARED_SLOTS, signature, type EngineMessage, type EngineOptions } from "./engine.js";
import { coverageBanner, coveragePlugin } from "./instrument.js";
import {
  bootId,
  processAlive,
  readState,
  removeState,
  segmentSeed,
  stateDir,
  stateFiles,
  stateInUse,
  writeAtomic,
  writeState,
  type CampaignState,
} from "./state.js";
import { BUNDLE_EXTERNALS } from "../../cli/scripts/externals.mjs";

export const FUZZ_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(FUZZ_DIR, "../..");

export const TARGETS = [
  "ber",
  "mime",
  "multipart",
  "smime-detect",
  "cms-enveloped",
  "cms-signed",
  "pkcs12",
  "pem",
  "x509",
  "crl",
  "server-bodies",
  "ldap",
] as const;
export type TargetName = (typeof TARGETS)[number];

export interface CampaignOptions {
  target: TargetName;
  runs?: number;
  seconds?: number;
  seed?: number;
  /** No execution for this long is a hang (default 30 s). */
  hangSeconds?: number;
  /** One execution over this long is a finding (default 5 s). */
  slowMs?: number;
  /** The worker's heap bound in MiB (default 512): growing past it is a finding. */
  heapMb?: number;
  /**
   * Write the minimised corpus back to corpus/TARGET and findings to regressions/TARGET, and keep the
   * campaign's state in .campaigns/TARGET while it runs (state.ts), so that it can be resumed.
   */
  save?: boolean;
  /** The folder of corpus/, regressions/ and .campaigns/ (default: this one). */
  home?: string;
  /** With `save`: continue the campaign of the target's state (its goal and seed), see `campaignStart`. */
  resume?: boolean;
  /** With `save` and no `resume`: drop an unfinished campaign's state rather than refuse to start. */
  fresh?: boolean;
  /**
   * Workers mutating at once (default 1), each on its own seed: the goal's mutations are shared out
   * among them, and an input one keeps is run by the others (libFuzzer's -jobs, AFL++'s -M/-S).
   */
  jobs?: number;
  /** With `save`: seconds between two checkpoints of the state (default 300). */
  checkpointSeconds?: number;
  /** Stops the campaign; with `save` its state is checkpointed first, to be resumed. */
  signal?: AbortSignal;
  /** Totals over all segments. */
  onStatus?: (status: Extract<EngineMessage, { type: "status" }>) => void;
  /** The replay of the seeds, corpus, regressions and the state's corpus is over. */
  onReplayed?: (replayed: Replayed) => void;
}

export interface Finding {
  kind: "violation" | "slow" | "hang" | "memory" | "uncaught";
  detail: string;
  input: Uint8Array;
  file?: string;
}

export interface Replayed {
  /** Inputs replayed, and how many of them came from the state of the campaign resumed. */
  inputs: number;
  fromState: number;
  features: number;
}

export interface CampaignResult {
  target: TargetName;
  /** Executions and wall seconds over all segments of the campaign. */
  execs: number;
  seconds: number;
  features: number;
  /**
   * Inputs of the corpus at the end: minimised when the campaign saves it; without `save`, several
   * jobs give the union of what each kept, every input counted once.
   */
  corpus: number;
  /** Every finding of the campaign, those of earlier segments too. */
  findings: Finding[];
  /** Segments the campaign took (1 unless resumed). */
  segments: number;
  /** Workers of this segment, and the inputs they ran that another had kept. */
  jobs: number;
  imported: number;
  /** The goal was reached. Otherwise (stopped, or a hang, memory or uncaught finding ended the worker) the state is kept, in `state`. */
  finished: boolean;
  state?: string;
  replayed?: Replayed;
}

/** Each input once: the jobs all replay the same seeds and corpus, so what they kept overlaps. */
function distinct(inputs: Uint8Array[]): Uint8Array[] {
  return [...new Map(inputs.map((input) => [contentName(input), input])).values()];
}

/** Names a file by its content, as libFuzzer does. */
function contentName(input: Uint8Array): string {
  return createHash("sha1").update(input).digest("hex").slice(0, 16);
}

/** Removes the bundles of campaigns killed before they could (build/TARGET.PID.TIME.mjs of no live PID). */
function removeDeadBundles(): void {
  const dir = join(FUZZ_DIR, "build");
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const pid = Number(/^[\w-]+\.(\d+)\.\d+\.mjs$/.exec(name)?.[1] ?? 0);
    if (pid > 0 && !processAlive(pid)) rmSync(join(dir, name), { force: true });
  }
}

/** The bundle of the engine and one target, the project's code instrumented. */
async function bundle(target: TargetName): Promise<string> {
  removeDeadBundles();
  const out = join(FUZZ_DIR, "build", `${target}.${process.pid}.${Date.now()}.mjs`);
  await build({
    stdin: {
      contents:
        `import target from ${JSON.stringify(join(FUZZ_DIR, "targets", `${target}.ts`))};\n` +
        `import { runEngine } from ${JSON.stringify(join(FUZZ_DIR, "engine.ts"))};\n` +
        `await runEngine(target);\n`,
      resolveDir: FUZZ_DIR,
      loader: "ts",
    },
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    loader: { ".wasm": "binary" },
    // CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
    banner: {
      js: [
        `import { createRequire as __fuzzRequire } from "node:module";`,
        `import { fileURLToPath as __fuzzPath } from "node:url";`,
        `const require = __fuzzRequire(import.meta.url);`,
        `const __filename = __fuzzPath(import.meta.url);`,
        `const __dirname = __fuzzPath(new URL(".", import.meta.url));`,
        coverageBanner,
      ].join("\n"),
    },
    // Native and self-loading packages stay in node_modules, as in the command's bundle.
    external: BUNDLE_EXTERNALS,
    plugins: [coveragePlugin(ROOT, /\/(shared|server)\/src\/.*\.ts$/)],
    logLevel: "error",
  });
  return out;
}

/** How a campaign's goal reads on the command line. */
function goal(state: CampaignState): string {
  return state.runs !== undefined ? `--runs ${state.runs}` : `--time ${state.time}`;
}

/**
 * The state a saving campaign on `target` continues (`resume`), or undefined for a new one. Refuses,
 * with the reason, to resume what is not there or with options that contradict the state, to drop an
 * unfinished campaign unless `fresh`, and to touch a state whose campaign still runs.
 */
export function campaignStart(
  target: TargetName,
  options: {
    [K in "home" | "resume" | "fresh" | "runs" | "seconds" | "seed"]?: CampaignOptions[K] | undefined;
  },
): CampaignState | undefined {
  const dir = stateDir(options.home ?? FUZZ_DIR, target);
  if (options.resume === true && options.fresh === true) throw new Error("--resume and --fresh contradict each other");
  const state = readState(options.home ?? FUZZ_DIR, target);
  if (state !== undefined && stateInUse(state)) {
    throw new Error(`${target}: the campaign of ${dir} runs already (process ${state.pid})`);
  }
  if (options.resume !== true) {
    if (state !== undefined && options.fresh !== true) {
      throw new Error(
        `${target} has an unfinished campaign (${goal(state)} --seed ${state.seed}: ${state.execs} executions in ` +
          `${state.segments} segment${state.segments === 1 ? "" : "s"} so far, state in ${dir}): continue it with --resume, or drop it with --fresh`,
      );
    }
    return undefined;
  }
  if (state === undefined) throw new Error(`${target}: no campaign to resume (no state in ${dir})`);
  const contradicts = (given: string) =>
    new Error(`${target}: ${given} contradicts the campaign resumed (${goal(state)} --seed ${state.seed})`);
  if (options.runs !== undefined && options.runs !== state.runs) throw contradicts(`--runs ${options.runs}`);
  if (options.seconds !== undefined && options.seconds !== state.time) throw contradicts(`--time ${options.seconds}`);
  if (options.seed !== undefined && options.seed !== state.seed) throw contradicts(`--seed ${options.seed}`);
  return state;
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const { target } = options;
  const home = options.home ?? FUZZ_DIR;
  const save = options.save === true;
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs ${jobs}: a whole number of workers, at least 1`);
  const resume = save ? campaignStart(target, options) : undefined;
  // A new campaign starts from an empty state folder (what a stop half-way through removing one left).
  if (save && resume === undefined) removeState(home, target);
  const segment = (resume?.segments ?? 0) + 1;
  const seed = resume?.seed ?? options.seed ?? 1;
  const runs = resume === undefined ? options.runs : resume.runs;
  const seconds = resume === undefined ? options.seconds : resume.time;
  const before = { execs: resume?.execs ?? 0, mutations: resume?.mutations ?? 0, seconds: resume?.seconds ?? 0 };
  const started = performance.now();
  /** One per worker: its counters and current input (engine.ts SHARED_*), what it reported last. */
  const lanes = Array.from({ length: jobs }, () => {
    const shared = new SharedArrayBuffer(SHARED_HEADER + 1024 * 1024);
    return {
      shared,
      counters: new Int32Array(shared, 0, SHARED_SLOTS),
      features: 0,
      corpus: undefined as Uint8Array[] | undefined,
      imported: 0,
    };
  });
  /** A counter summed over the workers: [0] executions, [2] mutated executions. */
  const total = (slot: 0 | 2) => lanes.reduce((sum, lane) => sum + Atomics.load(lane.counters, slot), 0);
  /** The most features any worker reached (each runs what the others keep), and the inputs they imported. */
  const mostFeatures = () => Math.max(...lanes.map((lane) => lane.features));
  const imported = () => lanes.reduce((sum, lane) => sum + lane.imported, 0);
  const current = (lane: (typeof lanes)[number]) =>
    new Uint8Array(lane.shared, SHARED_HEADER, Atomics.load(lane.counters, 1)).slice();
  const elapsed = () => before.seconds + (performance.now() - started) / 1000;

  const findings: Finding[] = [];
  const known = new Set<string>();
  const pending = { corpus: new Map<string, Uint8Array>(), findings: new Map<string, Uint8Array>() };
  const corpusNames = [...(resume?.corpus ?? [])];
  const named = new Set(corpusNames);
  // The features the corpus of the state reaches: from the engine's messages, so that they and the
  // corpus list agree (the state's count until the replay has reached them again). With several
  // workers, the most any of them reached: each runs what the others keep.
  let features = resume?.features ?? 0;
  const regressions = join(home, "regressions", target);
  for (const finding of resume?.findings ?? []) {
    const [file] = stateFiles(home, target, "findings", [finding.file]);
    findings.push({
      kind: finding.kind,
      detail: finding.detail,
      input: new Uint8Array(readFileSync(file!)),
      file: join(regressions, finding.file),
    });
    known.add(`${finding.kind}:${signature(finding.detail)}`);
  }
  /** A new finding is kept (and saved at once into regressions/); one seen before is not. */
  const found = (finding: Finding) => {
    const key = `${finding.kind}:${signature(finding.detail)}`;
    if (known.has(key)) return;
    known.add(key);
    findings.push(finding);
    if (!save) return;
    const name = `${finding.kind}-${contentName(finding.input)}`;
    mkdirSync(regressions, { recursive: true });
    finding.file = join(regressions, name);
    writeAtomic(finding.file, finding.input);
    pending.findings.set(name, finding.input);
  };
  /** `ended`: the segment is over, its process no longer holds the state. */
  const checkpoint = (ended = false) => {
    if (!save) return;
    writeState(
      home,
      {
        version: 1,
        target,
        seed,
        ...(runs === undefined ? {} : { runs }),
        ...(seconds === undefined ? {} : { time: seconds }),
        execs: before.execs + total(0),
        mutations: before.mutations + total(2),
        seconds: elapsed(),
        features,
        segments: segment,
        corpus: corpusNames,
        findings: findings.map((f) => ({ kind: f.kind, detail: f.detail, file: basename(f.file!) })),
        ...(ended ? {} : { pid: process.pid }),
        ...(ended || bootId() === undefined ? {} : { boot: bootId()! }),
        updated: new Date().toISOString(),
      },
      pending,
    );
    pending.corpus.clear();
    pending.findings.clear();
  };
  // The state exists from the start: a second campaign on the target refuses, and a stop before the
  // first interval still counts the segment (the next one gets a new seed).
  checkpoint();

  const result: CampaignResult = {
    target,
    execs: 0,
    seconds: 0,
    features: 0,
    corpus: 0,
    findings,
    segments: segment,
    jobs,
    imported: 0,
    finished: false,
  };
  let corpus: Uint8Array[] | undefined;
  // A new campaign that fails before its first execution (the build, the target's setup) did nothing
  // to keep: it leaves no state behind to be resumed or dropped; a resumed one leaves its state free.
  const abandon = () => {
    if (save && resume === undefined) removeState(home, target);
    else checkpoint(true);
  };
  const file = await bundle(target).catch((error: unknown) => {
    abandon();
    throw error;
  });
  const fromState = stateFiles(home, target, "corpus", corpusNames);
  const inputs = [join(home, "corpus", target), regressions, ...fromState];
  const remaining = runs === undefined ? undefined : Math.max(0, runs - before.mutations);
  const engineOptions = (k: number, inbox?: MessagePort): EngineOptions => ({
    root: ROOT,
    inputs,
    // The mutations still to go, shared out; the first worker runs on the segment's seed, so that a
    // one-job campaign repeats as before, the others on seeds derived from it.
    ...(remaining === undefined ? {} : { runs: Math.floor(remaining / jobs) + (k < remaining % jobs ? 1 : 0) }),
    ...(seconds === undefined ? {} : { seconds: Math.max(0, seconds - before.seconds) }),
    seed: segmentSeed(segmentSeed(seed, segment), k + 1),
    slowMs: options.slowMs ?? 5000,
    // One worker minimises its own corpus; several send theirs whole, and one pass minimises the union.
    minimize: save && jobs === 1,
    shared: lanes[k]!.shared,
    ...(inbox === undefined ? {} : { inbox }),
  });
  const inboxes = jobs > 1 ? lanes.map(() => new MessageChannel()) : undefined;
  /** A worker of the engine, its heap bounded (a growth past the bound is a memory finding). */
  const startEngine = (workerData: EngineOptions, transferList: MessagePort[] = []) =>
    new Worker(file, { workerData, transferList, resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? 512 } });
  const workers = lanes.map((_, k) =>
    inboxes === undefined
      ? startEngine(engineOptions(k))
      : startEngine(engineOptions(k, inboxes[k]!.port2), [inboxes[k]!.port2]),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      // The watch of a worker starts once its target is set up (starting a server takes its time).
      const watch = lanes.map(() => ({ ready: false, done: false, exited: false, lastExecs: -1, lastChange: 0 }));
      let failed = false;
      const hangSeconds = options.hangSeconds ?? 30;
      /** Ends every worker wherever it is: the corpus and the counts are on this side already. */
      const stopAll = () => {
        for (const [k, worker] of workers.entries()) if (!watch[k]!.done) void worker.terminate();
      };
      const watchdog = setInterval(() => {
        for (const [k, lane] of lanes.entries()) {
          const w = watch[k]!;
          if (!w.ready || w.done || failed) continue;
          const execs = Atomics.load(lane.counters, 0);
          if (execs !== w.lastExecs) {
            w.lastExecs = execs;
            w.lastChange = performance.now();
          } else if (performance.now() - w.lastChange > hangSeconds * 1000) {
            failed = true;
            found({ kind: "hang", detail: `no execution finished for ${hangSeconds} s`, input: current(lane) });
            stopAll();
          }
        }
      }, 250);
      const checkpoints = setInterval(() => checkpoint(), (options.checkpointSeconds ?? 300) * 1000);
      const finish = () => {
        clearInterval(watchdog);
        clearInterval(checkpoints);
        options.signal?.removeEventListener("abort", stopAll);
      };
      options.signal?.addEventListener("abort", stopAll);
      if (options.signal?.aborted === true) stopAll();
      for (const [k, worker] of workers.entries()) {
        const lane = lanes[k]!;
        const w = watch[k]!;
        worker.on("message", (message: EngineMessage) => {
          if (message.type === "ready") {
            w.ready = true;
            w.lastChange = performance.now();
          } else if (message.type === "status") {
            lane.features = message.features;
            lane.imported = message.imported;
            // The first worker speaks for the campaign, with the counts of all.
            if (k === 0) {
              options.onStatus?.({
                ...message,
                execs: before.execs + total(0),
                features: mostFeatures(),
                imported: imported(),
                seconds: elapsed(),
              });
            }
          } else if (message.type === "replayed") {
            lane.features = message.features;
            // Every job replays the same inputs: the first to be through speaks for all.
            if (result.replayed === undefined) {
              features = Math.max(features, message.features);
              result.replayed = { inputs: message.inputs, fromState: fromState.length, features: message.features };
              options.onReplayed?.(result.replayed);
            }
          } else if (message.type === "input") {
            lane.features = message.features;
            features = mostFeatures();
            const name = contentName(message.input);
            if (named.has(name)) return;
            named.add(name);
            corpusNames.push(name);
            pending.corpus.set(name, message.input);
            for (const [j, inbox] of (inboxes ?? []).entries()) if (j !== k) inbox.port1.postMessage(message.input);
          } else if (message.type === "finding") found(message);
          else {
            lane.features = message.features;
            lane.corpus = message.corpus;
            lane.imported = message.imported;
            w.done = true;
            // A target that leaves a handle open (a listener) must not keep the worker alive.
            setTimeout(() => void worker.terminate(), 5000).unref();
          }
        });
        worker.on("error", (error: Error & { code?: string }) => {
          // Before the first execution it is the target's setup that failed, not an input.
          if (!w.ready) {
            finish();
            stopAll();
            reject(error);
            return;
          }
          const memory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
          failed = true;
          found({
            kind: memory ? "memory" : "uncaught",
            detail: memory ? `heap over ${options.heapMb ?? 512} MiB` : `${error.name}: ${error.message}`,
            input: current(lane),
          });
          // The segment ends with it: the state resumes it once the finding is fixed.
          stopAll();
        });
        worker.on("exit", () => {
          w.exited = true;
          if (watch.every((x) => x.exited)) {
            finish();
            for (const inbox of inboxes ?? []) inbox.port1.close();
            resolve();
          }
        });
      }
    });
    if (lanes.every((lane) => lane.corpus !== undefined)) {
      corpus =
        jobs === 1 ? lanes[0]!.corpus : save ? await minimiseUnion() : distinct(lanes.flatMap((lane) => lane.corpus!));
    }
  } catch (error) {
    abandon();
    throw error;
  } finally {
    rmSync(file, { force: true });
  }

  /**
   * The minimised corpus of several workers: what they kept is in the state (a checkpoint writes the
   * last of it), so one more engine replays the seeds, corpus, regressions and the state's corpus
   * without mutating, and minimises, as one worker does at its end. Undefined when that pass fails.
   */
  async function minimiseUnion(): Promise<Uint8Array[] | undefined> {
    checkpoint();
    const shared = new SharedArrayBuffer(SHARED_HEADER + 1024 * 1024);
    const worker = startEngine({
      ...engineOptions(0),
      inputs: [join(home, "corpus", target), regressions, ...stateFiles(home, target, "corpus", corpusNames)],
      runs: 0,
      minimize: true,
      shared,
    });
    return await new Promise((resolve) => {
      let kept: Uint8Array[] | undefined;
      worker.on("message", (message: EngineMessage) => {
        if (message.type === "done") {
          kept = message.corpus;
          void worker.terminate();
        }
      });
      worker.on("error", () => undefined);
      worker.on("exit", () => resolve(kept));
    });
  }

  result.seconds = elapsed();
  result.execs = before.execs + total(0);
  result.features = Math.max(features, mostFeatures());
  result.imported = imported();
  result.corpus = corpus?.length ?? 0;
  result.finished = corpus !== undefined;

  if (save) {
    if (corpus === undefined) {
      // Stopped, or a hang, memory or uncaught finding ended a worker: the state is what resumes it.
      checkpoint(true);
      result.state = stateDir(home, target);
    } else {
      for (const finding of findings) {
        mkdirSync(regressions, { recursive: true });
        finding.file = join(regressions, `${finding.kind}-${contentName(finding.input)}`);
        writeAtomic(finding.file, finding.input);
      }
      const dir = join(home, "corpus", target);
      mkdirSync(dir, { recursive: true });
      for (const name of readdirSync(dir)) rmSync(join(dir, name));
      for (const input of corpus) writeFileSync(join(dir, contentName(input)), input);
      removeState(home, target);
    }
  }
  return result;
}
