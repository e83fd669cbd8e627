// The browser side of test/browser.test.ts: runs the portable cases through the real worker bundle
// (build/worker.browser.js) for each build and AES path, and the Wycheproof handlers inside a second
// Web Worker for each build. Leaves everything in window.__testResults.
import { wrap } from "comlink";
import { release } from "../../src/bytes.js";
import { startBrowserCoreWorker } from "../../src/client/browser.js";
import type { AesPath } from "../../src/service/api.js";
import { portableCases } from "../portable/cases.js";
import type { VectorTally } from "../vectors/types.js";
import type { VectorWorkerApi } from "./vector-worker.js";

export interface CaseResult {
  build: string;
  aes: string;
  name: string;
  error?: string;
}
export interface VectorResult extends VectorTally {
  build: string;
  file: string;
}
export interface BrowserResults {
  userAgent: string;
  cases: CaseResult[];
  vectors: VectorResult[];
  /** release() here: with ArrayBuffer.prototype.transfer, and with it hidden (the MessagePort path). */
  release?: { path: string; freed: boolean; length: number; viewLeft: boolean }[];
  fatal?: string;
}

const results: BrowserResults = { userAgent: navigator.userAgent, cases: [], vectors: [] };

async function runCases(): Promise<void> {
  for (const build of ["simd", "baseline"] as const) {
    for (const aes of ["wasm", "webcrypto"] as AesPath[]) {
      const { core, close } = await startBrowserCoreWorker("/build/worker.browser.js", { build, aes });
      try {
        const info = await core.info();
        if (info.build !== build || info.aes !== aes) {
          results.cases.push({
            build,
            aes,
            name: "worker runs the requested build and path",
            error: JSON.stringify(info),
          });
        }
        for (const testCase of portableCases) {
          try {
            await testCase.run(core);
            results.cases.push({ build, aes, name: testCase.name });
          } catch (error) {
            results.cases.push({ build, aes, name: testCase.name, error: String((error as Error).stack ?? error) });
          }
        }
      } finally {
        close();
      }
    }
  }
}

async function runVectors(): Promise<void> {
  const files = (await (await fetch("/vectors/index.json")).json()) as string[];
  const worker = new Worker("/bundle/vector-worker.js", { type: "module" });
  const vectors = wrap<VectorWorkerApi>(worker);
  try {
    for (const build of ["simd", "baseline"] as const) {
      for (const file of files) results.vectors.push({ build, file, ...(await vectors.run(file, build)) });
    }
  } finally {
    worker.terminate();
  }
}

/** Both of release()'s ways of detaching a buffer, and its refusal of a view into a larger one. */
function checkRelease(): NonNullable<BrowserResults["release"]> {
  const prototype = ArrayBuffer.prototype as { transfer?: unknown };
  const transfer = prototype.transfer;
  const out: NonNullable<BrowserResults["release"]> = [];
  for (const path of ["transfer", "MessagePort"]) {
    if (path === "MessagePort") delete prototype.transfer;
    try {
      const bytes = new Uint8Array(1 << 20).fill(1);
      const view = new Uint8Array(64).subarray(8);
      const freed = release(bytes);
      out.push({ path, freed, length: bytes.length, viewLeft: !release(view) && view.length === 56 });
    } finally {
      if (path === "MessagePort") prototype.transfer = transfer;
    }
  }
  return out;
}

try {
  results.release = checkRelease();
  await runCases();
  await runVectors();
} catch (error) {
  results.fatal = String((error as Error).stack ?? error);
}
(window as unknown as { __testResults: BrowserResults }).__testResults = results;
