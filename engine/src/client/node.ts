// Starts the engine in a worker_threads worker (build/engine.node.mjs).
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { Worker } from "node:worker_threads";
import { aesPathFromEnvironment } from "@mailseal/core-wasm/node";
import type { EngineOptions } from "../api.js";
import { RemoteEngine } from "./remote.js";

export interface NodeEngineWorker {
  readonly engine: RemoteEngine;
  close(): Promise<void>;
}

const defaultWorkerUrl = new URL("../../build/engine.node.mjs", import.meta.url);

export async function startNodeEngine(
  options: EngineOptions = {},
  workerUrl: URL = defaultWorkerUrl,
): Promise<NodeEngineWorker> {
  const aes = aesPathFromEnvironment();
  const worker = new Worker(workerUrl);
  try {
    const engine = await RemoteEngine.start(nodeEndpoint(worker), aes === undefined ? options : { ...options, aes });
    return { engine, close: async () => void (await worker.terminate()) };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}
