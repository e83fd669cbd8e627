// Starts the core in a worker_threads worker and returns its typed remote interface.
import { wrap, type Remote } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { Worker } from "node:worker_threads";
import type { AesPath, CoreOptions } from "../service/api.js";
import type { CoreService } from "../service/core-service.js";
import type { CoreFactory } from "../worker/factory.js";
import { installErrorTransfer } from "../worker/transfer.js";

export interface CoreWorker {
  readonly core: Remote<CoreService>;
  close(): Promise<void>;
}

/** `MAILSEAL_CRYPTO=wasm|webcrypto|auto` overrides the AES path for the whole process. */
export function aesPathFromEnvironment(value = process.env["MAILSEAL_CRYPTO"]): AesPath | "auto" | undefined {
  if (value === undefined || value === "") return undefined;
  if (value === "wasm" || value === "webcrypto" || value === "auto") return value;
  throw new Error(`MAILSEAL_CRYPTO must be wasm, webcrypto or auto, not ${JSON.stringify(value)}`);
}

const defaultWorkerUrl = new URL("../../build/worker.node.mjs", import.meta.url);

export async function startNodeCoreWorker(
  options: CoreOptions = {},
  workerUrl = defaultWorkerUrl,
): Promise<CoreWorker> {
  installErrorTransfer();
  const aes = aesPathFromEnvironment();
  const worker = new Worker(workerUrl);
  const factory = wrap<CoreFactory>(nodeEndpoint(worker));
  try {
    const core: Remote<CoreService> = await factory.open(aes === undefined ? options : { ...options, aes });
    return { core, close: async () => void (await worker.terminate()) };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}
