// Starts the engine in a module Web Worker (the add-ins: their own bundled worker script).
import type { EngineOptions } from "../api.js";
import { RemoteEngine } from "./remote.js";

export { IndexedDbStateStore } from "./state-store.js";

export interface BrowserEngineWorker {
  readonly engine: RemoteEngine;
  close(): void;
}

export async function startBrowserEngine(
  workerUrl: string | URL,
  options: EngineOptions = {},
): Promise<BrowserEngineWorker> {
  const worker = new Worker(workerUrl, { type: "module" });
  try {
    const engine = await RemoteEngine.start(worker, options);
    return { engine, close: () => worker.terminate() };
  } catch (error) {
    worker.terminate();
    throw error;
  }
}
