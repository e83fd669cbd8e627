// Builds a target's instrumented bundle and runs the engine in a worker thread under watch: a worker
// whose execution counter stops moving is hung, one that runs out of its heap grew memory past the
// bound, one that dies of an uncaught error broke the property; each case saves the input it was on.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { build } from "esbuild";
import { SHARED_HEADER, type EngineMessage, type EngineOptions } from "./engine.js";
import { coverageBanner, coveragePlugin } from "./instrument.js";
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
  /** Write the minimised corpus back to corpus/TARGET and findings to regressions/TARGET. */
  save?: boolean;
  onStatus?: (status: Extract<EngineMessage, { type: "status" }>) => void;
}

export interface Finding {
  kind: "violation" | "slow" | "hang" | "memory" | "uncaught";
  detail: string;
  input: Uint8Array;
  file?: string;
}

export interface CampaignResult {
  target: TargetName;
  execs: number;
  seconds: number;
  features: number;
  corpus: number;
  findings: Finding[];
}

/** Names a file by its content, as libFuzzer does. */
function contentName(input: Uint8Array): string {
  return createHash("sha1").update(input).digest("hex").slice(0, 16);
}

/** The bundle of the engine and one target, the project's code instrumented. */
async function bundle(target: TargetName): Promise<string> {
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

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const { target } = options;
  const file = await bundle(target);
  const shared = new SharedArrayBuffer(SHARED_HEADER + 1024 * 1024);
  const counters = new Int32Array(shared, 0, 2);
  const current = () => new Uint8Array(shared, SHARED_HEADER, Atomics.load(counters, 1)).slice();
  const workerData: EngineOptions = {
    root: ROOT,
    inputs: [join(FUZZ_DIR, "corpus", target), join(FUZZ_DIR, "regressions", target)],
    ...(options.runs === undefined ? {} : { runs: options.runs }),
    ...(options.seconds === undefined ? {} : { seconds: options.seconds }),
    seed: options.seed ?? 1,
    slowMs: options.slowMs ?? 5000,
    minimize: options.save === true,
    shared,
  };
  const worker = new Worker(file, {
    workerData,
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? 512 },
  });
  const findings: Finding[] = [];
  const result: CampaignResult = { target, execs: 0, seconds: 0, features: 0, corpus: 0, findings };
  let corpus: Uint8Array[] | undefined;
  const started = performance.now();

  try {
    await new Promise<void>((resolve, reject) => {
      // The watch starts once the target is set up (starting a server takes its time).
      let ready = false;
      let done = false;
      let hung = false;
      let lastExecs = -1;
      let lastChange = performance.now();
      const hangSeconds = options.hangSeconds ?? 30;
      const watchdog = setInterval(() => {
        const execs = Atomics.load(counters, 0);
        if (!ready || done || hung) return;
        if (execs !== lastExecs) {
          lastExecs = execs;
          lastChange = performance.now();
        } else if (performance.now() - lastChange > hangSeconds * 1000) {
          hung = true;
          findings.push({ kind: "hang", detail: `no execution finished for ${hangSeconds} s`, input: current() });
          void worker.terminate();
        }
      }, 250);
      worker.on("message", (message: EngineMessage) => {
        if (message.type === "ready") {
          ready = true;
          lastChange = performance.now();
        } else if (message.type === "status") options.onStatus?.(message);
        else if (message.type === "finding") findings.push(message);
        else {
          result.execs = message.execs;
          result.features = message.features;
          result.seconds = message.seconds;
          corpus = message.corpus;
          done = true;
          // A target that leaves a handle open (a listener) must not keep the worker alive.
          setTimeout(() => void worker.terminate(), 5000).unref();
        }
      });
      worker.on("error", (error: Error & { code?: string }) => {
        // Before the first execution it is the target's setup that failed, not an input.
        if (!ready) {
          clearInterval(watchdog);
          reject(error);
          return;
        }
        const memory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
        findings.push({
          kind: memory ? "memory" : "uncaught",
          detail: memory ? `heap over ${options.heapMb ?? 512} MiB` : `${error.name}: ${error.message}`,
          input: current(),
        });
      });
      worker.on("exit", () => {
        clearInterval(watchdog);
        resolve();
      });
    });
  } finally {
    rmSync(file, { force: true });
  }
  if (corpus === undefined) {
    result.execs = Atomics.load(counters, 0);
    result.seconds = (performance.now() - started) / 1000;
  }
  result.corpus = corpus?.length ?? 0;

  if (options.save === true) {
    const regressions = join(FUZZ_DIR, "regressions", target);
    for (const finding of findings) {
      mkdirSync(regressions, { recursive: true });
      finding.file = join(regressions, `${finding.kind}-${contentName(finding.input)}`);
      writeFileSync(finding.file, finding.input);
    }
    if (corpus !== undefined) {
      const dir = join(FUZZ_DIR, "corpus", target);
      mkdirSync(dir, { recursive: true });
      for (const name of readdirSync(dir)) rmSync(join(dir, name));
      for (const input of corpus) writeFileSync(join(dir, contentName(input)), input);
    }
  }
  return result;
}
