// The state of a campaign under way, so that one stopped mid-way (a restart, Ctrl-C, a kill) is
// continued rather than lost, as a libFuzzer campaign is continued from its corpus folder. One folder
// per target, `.campaigns/TARGET` (kept by git, so that a campaign can go on in another clone):
// `campaign.json` (the parameters and the counts so far), `corpus/` (what mutation found so far,
// content-named, not minimised) and `findings/`.
// `campaign.json` is the commit point: it is written last, by rename, and names the files that belong
// to the state, so a crash in the middle of a checkpoint leaves the previous state whole.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

export interface StateFinding {
  kind: "violation" | "slow" | "hang" | "memory" | "uncaught";
  detail: string;
  /** Its file under findings/, named as in regressions/ (KIND-HASH). */
  file: string;
}

export interface CampaignState {
  version: 1;
  target: string;
  /** The campaign's seed; segment k > 1 runs on `segmentSeed(seed, k)`. */
  seed: number;
  /** The goal: mutated executions over all segments (`--runs`) ... */
  runs?: number;
  /** ... or wall seconds over all segments (`--time`). */
  time?: number;
  /** Executions so far over all segments (replays included, as a campaign counts them). */
  execs: number;
  /** Mutated executions so far: what counts towards `runs`. */
  mutations: number;
  /** Wall seconds so far over all segments. */
  seconds: number;
  features: number;
  /** Segments started so far, the one under way included. */
  segments: number;
  /** Files of corpus/, in the order they were found (the order the replay keeps them in). */
  corpus: string[];
  findings: StateFinding[];
  /** The process of the segment under way and the boot it runs in (none once a segment ended). */
  pid?: number;
  boot?: string;
  updated: string;
}

export const STATE_FILE = "campaign.json";

export function stateDir(home: string, target: string): string {
  return join(home, ".campaigns", target);
}

/** The state of `target`'s unfinished campaign, undefined when there is none. */
export function readState(home: string, target: string): CampaignState | undefined {
  const file = join(stateDir(home, target), STATE_FILE);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, "utf8")) as CampaignState;
  if (state.version !== 1 || state.target !== target) {
    throw new Error(`${file} is not the state of a ${target} campaign this harness reads`);
  }
  return state;
}

/**
 * The seed of segment `segment` (1-based): the first runs on the campaign's seed, so that a campaign
 * never interrupted repeats exactly as before; each later one on its own seed derived from both, so a
 * resumed campaign does not replay the mutations of the segment before it.
 */
export function segmentSeed(seed: number, segment: number): number {
  if (segment <= 1) return seed >>> 0;
  // splitmix32's finaliser over the pair: every bit of both moves the result.
  let x = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(segment, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** The boot this process runs in (Linux): a process id of another boot names no live process. */
export function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

/** True when the process that wrote `state` still runs (another campaign is using the state). */
export function stateInUse(state: CampaignState): boolean {
  if (state.pid === undefined || state.pid === process.pid) return false;
  const boot = bootId();
  if (state.boot !== undefined && boot !== undefined && state.boot !== boot) return false;
  return processAlive(state.pid);
}

/** True when a process of this id runs (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Writes `data` to `path` through a synced temporary file renamed over it. The temporary name starts
 * with a dot: the engine reads no such file of a corpus or regressions folder.
 */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temporary, "w");
  try {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** Makes the names in a folder durable (after renames into it). */
function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * One checkpoint: first the files `state` names that are not on disk yet (`pending`: corpus/NAME and
 * findings/NAME by name), then campaign.json, which makes them part of the state.
 */
export function writeState(
  home: string,
  state: CampaignState,
  pending: { corpus: ReadonlyMap<string, Uint8Array>; findings: ReadonlyMap<string, Uint8Array> },
): void {
  const dir = stateDir(home, state.target);
  for (const [folder, files] of [
    ["corpus", pending.corpus],
    ["findings", pending.findings],
  ] as const) {
    const path = join(dir, folder);
    mkdirSync(path, { recursive: true });
    for (const [name, data] of files) if (!existsSync(join(path, name))) writeAtomic(join(path, name), data);
    if (files.size > 0) syncDir(path);
  }
  writeAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  syncDir(dir);
}

/** The inputs of a state's folder (`corpus` or `findings`), by the names the state lists. */
export function stateFiles(
  home: string,
  target: string,
  folder: "corpus" | "findings",
  names: readonly string[],
): string[] {
  return names.map((name) => join(stateDir(home, target), folder, name));
}

/** Removes a state: campaign.json first, so that a stop half-way leaves no state that looks whole. */
export function removeState(home: string, target: string): void {
  const dir = stateDir(home, target);
  rmSync(join(dir, STATE_FILE), { force: true });
  rmSync(dir, { recursive: true, force: true });
}
