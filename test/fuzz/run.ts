// `npm run fuzz -- TARGET [--runs N | --time S] [--seed N] [--fresh] [--jobs N]`: a campaign on one target (or
// `all`, one after the other); `npm run fuzz -- TARGET --resume` continues one that was stopped (its
// state is checkpointed in .campaigns/TARGET while it runs, state.ts). At its goal it writes the
// minimised corpus back to corpus/TARGET and each finding to regressions/TARGET, and prints what the
// README's table records. It lowers its own priority first: campaigns share the machine.
import { setPriority } from "node:os";
import { parseArgs } from "node:util";
import { campaignStart, FUZZ_DIR, runCampaign, TARGETS, type TargetName } from "./campaign.js";
import { readState } from "./state.js";

const USAGE =
  "usage: npm run fuzz -- TARGET [--runs N | --time SECONDS] [--seed N] [--fresh] [--jobs N] [--checkpoint SECONDS] [--dir DIR]\n" +
  "       npm run fuzz -- TARGET --resume [--jobs N] [--checkpoint SECONDS] [--dir DIR]";

function refuse(message: string): never {
  console.error(message);
  process.exit(1);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: "string" },
      time: { type: "string" },
      seed: { type: "string" },
      resume: { type: "boolean" },
      fresh: { type: "boolean" },
      checkpoint: { type: "string" },
      jobs: { type: "string" },
      dir: { type: "string" },
    },
  });
} catch (error) {
  refuse(`${(error as Error).message}\n${USAGE}`);
}
const { values, positionals } = parsed;
const [name] = positionals;
if (name === undefined || (name !== "all" && !(TARGETS as readonly string[]).includes(name))) {
  refuse(`${USAGE}\ntargets: ${TARGETS.join(", ")}, all`);
}

/** A number option: undefined when not given, refused when not a number >= 0. */
function number(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) refuse(`--${option} ${value}: not a number >= 0\n${USAGE}`);
  return n;
}
const runs = number("runs", values.runs);
const time = number("time", values.time);
const seed = number("seed", values.seed);
const checkpointSeconds = number("checkpoint", values.checkpoint);
if (checkpointSeconds === 0) refuse("--checkpoint 0: the interval must be over 0 s");
const jobs = number("jobs", values.jobs);
if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1))
  refuse(`--jobs ${values.jobs}: a whole number of workers, at least 1\n${USAGE}`);
const home = values.dir ?? FUZZ_DIR;
const resume = values.resume === true;

// Every target is checked before the first starts: a refusal should not come after hours of others.
const targets =
  name !== "all"
    ? [name as TargetName]
    : resume
      ? TARGETS.filter((target) => readState(home, target) !== undefined)
      : TARGETS;
if (targets.length === 0) refuse(`all: no campaign to resume (no state in ${home}/.campaigns)`);
for (const target of targets) {
  try {
    campaignStart(target, { home, resume, fresh: values.fresh === true, runs, seconds: time, seed });
  } catch (error) {
    refuse((error as Error).message);
  }
}

// SIGINT (Ctrl-C) and SIGTERM (a shutdown) stop the campaign after a checkpoint of its state; a second
// one exits at once.
const stop = new AbortController();
let exitCode = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (stop.signal.aborted) process.exit(code);
    exitCode = code;
    console.log(`${signal}: checkpointing the campaign's state, then stopping`);
    stop.abort();
  });
}

setPriority(19);
const seconds = time === undefined && runs === undefined && !resume ? 60 : time;
let failed = false;
for (const target of targets) {
  if (stop.signal.aborted) break;
  const result = await runCampaign({
    target,
    ...(runs === undefined ? {} : { runs }),
    ...(seconds === undefined ? {} : { seconds }),
    ...(seed === undefined && resume ? {} : { seed: seed ?? Date.now() >>> 0 }),
    save: true,
    home,
    resume,
    fresh: values.fresh === true,
    ...(jobs === undefined ? {} : { jobs }),
    ...(checkpointSeconds === undefined ? {} : { checkpointSeconds }),
    signal: stop.signal,
    onReplayed: (r) =>
      console.log(
        `${target}: replayed ${r.inputs} inputs (${r.fromState} from the campaign's state): ${r.features} features`,
      ),
    onStatus: (s) =>
      console.log(
        `${target}: ${s.execs} execs in ${s.seconds.toFixed(0)} s (${Math.round(s.execs / s.seconds)}/s), ${s.features} features, corpus ${s.corpus}`,
      ),
  });
  const totals =
    `${result.execs} execs in ${result.seconds.toFixed(1)} s over ${result.segments} segment${result.segments === 1 ? "" : "s"} ` +
    `(${Math.round(result.execs / result.seconds)}/s), ${result.features} features` +
    (result.jobs === 1
      ? ""
      : `; ${result.jobs} jobs, ${result.imported} inputs run by a job other than the one that kept them`);
  if (result.finished) {
    console.log(`${target} done: ${totals}, minimised corpus ${result.corpus}, ${result.findings.length} findings`);
  } else {
    console.log(
      `${target} stopped: ${totals} so far, state kept in ${result.state}; continue with npm run fuzz -- ${target} --resume${values.dir === undefined ? "" : ` --dir ${values.dir}`}`,
    );
  }
  for (const finding of result.findings) {
    failed = true;
    console.log(`  ${finding.kind}: ${finding.detail}\n    saved as ${finding.file}`);
  }
}
process.exit(exitCode !== 0 ? exitCode : failed ? 1 : 0);
