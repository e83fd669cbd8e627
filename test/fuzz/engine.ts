// The fuzzing loop, run in a worker thread inside a target's instrumented bundle (campaign.ts builds
// and starts it): replay the inputs given, then mutate corpus entries, keep each mutant that reaches
// new coverage, and report every input that breaks the property (property.ts). The main thread
// watches the shared execution counter for hangs and the worker's heap limit for memory growth.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { COVERAGE_MAP_SIZE } from "./instrument.js";
import { violation } from "./property.js";

export interface FuzzTarget {
  /** Real samples from the repository (root given), the start of the corpus. */
  seeds(root: string): Uint8Array[] | Promise<Uint8Array[]>;
  /** Tokens the mutator inserts: keywords and encodings the parser looks for. */
  dictionary?: readonly (string | readonly number[])[];
  /** Inputs longer than this are cut (default 64 KiB). */
  maxLength?: number;
  /** Called once before the first input (open the core, start the app). */
  setup?(root: string): Promise<void>;
  /** Called once after the last input (close what setup opened). */
  teardown?(): Promise<void>;
  /** Parses one input; throws only coded errors (property.ts). */
  run(data: Uint8Array): void | Promise<void>;
}

export interface EngineOptions {
  root: string;
  /** Directories (and files) of inputs replayed first and kept as the corpus. */
  inputs: string[];
  /** Mutated executions after the replay (undefined: until `seconds`). */
  runs?: number;
  seconds?: number;
  seed: number;
  /** An execution over this many ms is a finding (a hang is caught by the main thread). */
  slowMs: number;
  /** Minimise the corpus at the end and send it back (else it is sent back whole). */
  minimize: boolean;
  shared: SharedArrayBuffer;
  /**
   * With parallel jobs: the inputs the other workers kept arrive here (campaign.ts relays them), to
   * be run and kept when they reach something new in this worker too, as libFuzzer's jobs share
   * their corpus folder.
   */
  inbox?: MessagePort;
}

/**
 * Layout of the shared buffer: [0] executions, [1] length of the current input, [2] mutated executions,
 * then the current input's bytes. The main thread reads the counts for its checkpoints, which must not
 * wait on a worker that may be deep in one execution.
 */
export const SHARED_SLOTS = 3;
export const SHARED_HEADER = 4 * SHARED_SLOTS;

export type EngineMessage =
  | { type: "ready" }
  | { type: "status"; execs: number; features: number; corpus: number; seconds: number; imported: number }
  /** The given inputs are replayed: how many, and the coverage they reach. */
  | { type: "replayed"; inputs: number; features: number; corpus: number }
  /** A mutant kept for new coverage, and the features so far (the main thread's checkpoints keep both). */
  | { type: "input"; input: Uint8Array; features: number }
  | { type: "finding"; kind: "violation" | "slow"; detail: string; input: Uint8Array }
  /** `imported`: inputs of other workers run here (see `EngineOptions.inbox`). */
  | { type: "done"; execs: number; features: number; corpus: Uint8Array[]; seconds: number; imported: number };

const COUNTERS = "__mailsealFuzzCounters";

/** libFuzzer's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+. */
const BUCKET = new Uint8Array(256).map((_, n) =>
  n === 0 ? 0 : n === 1 ? 1 : n === 2 ? 2 : n === 3 ? 4 : n < 8 ? 8 : n < 16 ? 16 : n < 32 ? 32 : n < 128 ? 64 : 128,
);

/** What tells two failures apart: numbers and offsets vary between inputs that hit the same bug. */
export function signature(detail: string): string {
  return detail.replace(/\d+/g, "N").slice(0, 160);
}

/** xorshift32: reproducible runs from a seed. */
class Random {
  constructor(private state: number) {
    if (this.state === 0) this.state = 0x2545f491;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
}

const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff, 0x0d, 0x0a, 0x20, 0x2d, 0x3d];

function readInputs(paths: readonly string[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue; // a target without regressions yet
    }
    const files = stat.isDirectory()
      ? readdirSync(path)
          .filter((name) => !name.startsWith(".") && name !== "README.md")
          .sort()
          .map((name) => join(path, name))
      : [path];
    for (const file of files) out.push(new Uint8Array(readFileSync(file)));
  }
  return out;
}

export class Mutator {
  private readonly tokens: Uint8Array[];
  constructor(
    private readonly random: Random,
    dictionary: readonly (string | readonly number[])[],
    private readonly maxLength: number,
  ) {
    this.tokens = dictionary.map((token) =>
      typeof token === "string" ? new TextEncoder().encode(token) : Uint8Array.from(token),
    );
  }

  /** One to eight stacked mutations of `input`, `other` for crossover. */
  mutate(input: Uint8Array, other: Uint8Array): Uint8Array {
    let data = input;
    const count = 1 + this.random.below(8);
    for (let i = 0; i < count; i++) data = this.once(data, other);
    return data.length > this.maxLength ? data.subarray(0, this.maxLength) : data;
  }

  private once(data: Uint8Array, other: Uint8Array): Uint8Array {
    const r = this.random;
    const at = r.below(data.length + 1);
    switch (r.below(11)) {
      case 0: {
        if (data.length === 0) return data;
        const out = data.slice();
        out[r.below(out.length)]! ^= 1 << r.below(8);
        return out;
      }
      case 1: {
        if (data.length === 0) return data;
        const out = data.slice();
        out[r.below(out.length)] = INTERESTING[r.below(INTERESTING.length)]!;
        return out;
      }
      case 2: {
        if (data.length === 0) return data;
        const out = data.slice();
        const i = r.below(out.length);
        out[i] = (out[i]! + (r.below(2) === 0 ? 1 : 255)) & 0xff;
        return out;
      }
      case 3: {
        const length = 1 + r.below(Math.min(64, data.length + 1));
        return splice(data, at, 0, randomBytes(r, length));
      }
      case 4: {
        const length = 1 + r.below(Math.max(1, Math.min(data.length - at, 1 << r.below(12))));
        return splice(data, at, length, new Uint8Array(0));
      }
      case 5: {
        // Duplicate a range: repeated structures (nested elements, boundaries, header lines).
        if (data.length === 0) return data;
        const from = r.below(data.length);
        const length = 1 + r.below(Math.min(data.length - from, 256));
        return splice(data, at, 0, data.slice(from, from + length));
      }
      case 6: {
        if (other.length === 0) return data;
        const from = r.below(other.length);
        const length = 1 + r.below(Math.min(other.length - from, 1024));
        return splice(
          data,
          at,
          r.below(2) === 0 ? 0 : Math.min(length, data.length - at),
          other.slice(from, from + length),
        );
      }
      case 7:
      case 8: {
        if (this.tokens.length === 0) return data;
        const token = this.tokens[r.below(this.tokens.length)]!;
        return splice(data, at, r.below(2) === 0 ? 0 : Math.min(token.length, data.length - at), token);
      }
      case 9:
        return data.subarray(0, at);
      default: {
        // A big-endian length or count: overwrite 1..4 bytes with an edge value.
        if (data.length === 0) return data;
        const width = 1 + r.below(4);
        const i = r.below(data.length);
        const out = data.slice();
        const edge = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0xffffffff, 0x10000][r.below(8)]!;
        for (let k = 0; k < width && i + k < out.length; k++) out[i + k] = (edge >>> (8 * (width - 1 - k))) & 0xff;
        return out;
      }
    }
  }
}

function randomBytes(r: Random, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = r.next() & 0xff;
  return out;
}

function splice(data: Uint8Array, at: number, removing: number, insert: Uint8Array): Uint8Array {
  const remove = Math.min(removing, data.length - at);
  const out = new Uint8Array(data.length - remove + insert.length);
  out.set(data.subarray(0, at), 0);
  out.set(insert, at);
  out.set(data.subarray(at + remove), at + insert.length);
  return out;
}

/** The features seen so far: per counter, the buckets its hit count has fallen into. */
class Coverage {
  private readonly seen = new Uint8Array(COVERAGE_MAP_SIZE);
  features = 0;
  constructor(private readonly counters: Uint8Array) {}

  /** Merges the last execution's counters; true when they show something new. */
  merge(): boolean {
    const counters = this.counters;
    const seen = this.seen;
    let fresh = false;
    for (let i = 0; i < COVERAGE_MAP_SIZE; i++) {
      const hits = counters[i]!;
      if (hits === 0) continue;
      const bucket = BUCKET[hits]!;
      if ((seen[i]! & bucket) === 0) {
        seen[i]! |= bucket;
        this.features++;
        fresh = true;
      }
    }
    return fresh;
  }
}

/** Runs the loop for `target` with the options the main thread passed as workerData. */
export async function runEngine(target: FuzzTarget): Promise<void> {
  const options = workerData as EngineOptions;
  const port = parentPort!;
  const counters = ((globalThis as Record<string, unknown>)[COUNTERS] ??= new Uint8Array(
    COVERAGE_MAP_SIZE,
  )) as Uint8Array;
  const shared = new Int32Array(options.shared, 0, SHARED_SLOTS);
  const current = new Uint8Array(options.shared, SHARED_HEADER);
  const maxLength = Math.min(target.maxLength ?? 64 * 1024, current.length);
  const random = new Random(options.seed);
  const mutator = new Mutator(random, target.dictionary ?? [], maxLength);
  const coverage = new Coverage(counters);
  const corpus: Uint8Array[] = [];
  const reported = new Set<string>();
  const started = performance.now();
  let lastStatus = started;
  /** Inputs of other workers run here (see `EngineOptions.inbox`). */
  let imported = 0;

  await target.setup?.(options.root);
  port.postMessage({ type: "ready" } satisfies EngineMessage);

  const execute = async (input: Uint8Array): Promise<boolean> => {
    counters.fill(0);
    current.set(input);
    Atomics.store(shared, 1, input.length);
    const begin = performance.now();
    let problem: string | undefined;
    try {
      await target.run(input);
    } catch (error) {
      problem = violation(error);
    }
    const took = performance.now() - begin;
    Atomics.add(shared, 0, 1);
    if (problem === undefined && took > options.slowMs) problem = `took ${Math.round(took)} ms`;
    if (problem !== undefined) {
      // One report per kind of failure.
      const seen = signature(problem);
      if (!reported.has(seen)) {
        reported.add(seen);
        port.postMessage({
          type: "finding",
          kind: took > options.slowMs ? "slow" : "violation",
          detail: problem,
          input: input.slice(),
        } satisfies EngineMessage);
      }
    }
    return coverage.merge();
  };

  const status = () => {
    const now = performance.now();
    if (now - lastStatus < 2000) return;
    lastStatus = now;
    port.postMessage({
      type: "status",
      execs: Atomics.load(shared, 0),
      features: coverage.features,
      corpus: corpus.length,
      seconds: (now - started) / 1000,
      imported,
    } satisfies EngineMessage);
  };

  // Seeds come from the repository's samples on every run: only what the campaign found is saved.
  const seeds = new Set<Uint8Array>();
  const given = [
    ...(await target.seeds(options.root)).map((input) => ({ input, seed: true })),
    ...readInputs(options.inputs).map((input) => ({ input, seed: false })),
  ];
  for (const { input, seed } of given) {
    const cut = input.length > maxLength ? input.subarray(0, maxLength) : input;
    if (seed) seeds.add(cut);
    if ((await execute(cut)) || corpus.length === 0) corpus.push(cut);
  }
  if (corpus.length === 0) corpus.push(new Uint8Array(0));
  port.postMessage({
    type: "replayed",
    inputs: given.length,
    features: coverage.features,
    corpus: corpus.length,
  } satisfies EngineMessage);

  // The inbox is read without waiting: a target's run may never yield to the event loop.
  const importInputs = async () => {
    for (let message; options.inbox !== undefined && (message = receiveMessageOnPort(options.inbox));) {
      const input = message.message as Uint8Array;
      const cut = input.length > maxLength ? input.subarray(0, maxLength) : input;
      imported++;
      if (await execute(cut)) corpus.push(cut);
    }
  };

  const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
  for (let i = 0; options.runs === undefined || i < options.runs; i++) {
    if ((i & 63) === 0) {
      if (performance.now() > deadline) break;
      await importInputs();
      status();
    }
    const parent = corpus[random.below(corpus.length)]!;
    const other = corpus[random.below(corpus.length)]!;
    const mutant = mutator.mutate(parent, other);
    if (await execute(mutant)) {
      corpus.push(mutant);
      port.postMessage({ type: "input", input: mutant.slice(), features: coverage.features } satisfies EngineMessage);
    }
    Atomics.store(shared, 2, i + 1);
  }

  let kept = corpus;
  if (options.minimize) {
    // Greedy: smallest first, keep an input only if it still adds coverage to those kept before it.
    const fresh = new Coverage(counters);
    kept = [];
    for (const input of [...corpus].sort((a, b) => a.length - b.length)) {
      counters.fill(0);
      try {
        await target.run(input);
      } catch {
        // judged already
      }
      if (fresh.merge() && !seeds.has(input)) kept.push(input);
    }
  }
  await target.teardown?.();
  port.postMessage({
    type: "done",
    execs: Atomics.load(shared, 0),
    features: coverage.features,
    corpus: kept,
    seconds: (performance.now() - started) / 1000,
    imported,
  } satisfies EngineMessage);
}
