// The browser side of ../browser.test.ts. Runs shared's S/MIME cases twice on the fixtures Node made:
// inside a module Web Worker with the core there too (suite-worker.ts, as the engine runs in the
// add-ins), and on this page with the core in its own Web Worker reached through comlink
// (build/worker.browser.js, startBrowserCoreWorker), the way forEachCore's worker_threads host runs
// them in Node. Leaves the outcome of each case by name in window.__testResults (JSON text).
import { startBrowserCoreWorker } from "@mailseal/core-wasm/browser";
import { fromJson, toJson } from "../json.js";
import type { SmimeFixtures } from "../smime-cases.js";
import {
  IN_WORKER,
  runSmimeCases,
  THROUGH_PROXY,
  type SmimeBrowserResults,
  type SmimeCaseResult,
} from "./run-cases.js";

const results: SmimeBrowserResults = { userAgent: navigator.userAgent, hosts: {} };

async function inWorker(fixturesJson: string): Promise<SmimeCaseResult[]> {
  const worker = new Worker("/suite-worker.js", { type: "module" });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<string>) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(`the suite worker failed: ${event.message}`));
      worker.postMessage(fixturesJson);
    });
    const { cases, fatal } = fromJson<{ cases?: SmimeCaseResult[]; fatal?: string }>(answer);
    if (fatal !== undefined) throw new Error(`in the suite worker: ${fatal}`);
    return cases!;
  } finally {
    worker.terminate();
  }
}

async function throughProxy(fixtures: SmimeFixtures): Promise<SmimeCaseResult[]> {
  const { core, close } = await startBrowserCoreWorker("/core/worker.browser.js");
  try {
    return await runSmimeCases(core, fixtures);
  } finally {
    close();
  }
}

try {
  const fixturesJson = await (await fetch("/fixtures.json")).text();
  results.hosts[IN_WORKER] = await inWorker(fixturesJson);
  results.hosts[THROUGH_PROXY] = await throughProxy(fromJson<SmimeFixtures>(fixturesJson));
} catch (error) {
  results.fatal = String((error as Error).stack ?? error);
}
(window as unknown as { __testResults: string }).__testResults = toJson(results);
