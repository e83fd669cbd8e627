// Starts the core in a module Web Worker (browsers, add-ins) and returns its typed remote interface.
import { wrap, type Remote } from "comlink";
import type { CoreOptions } from "../service/api.js";
import type { CoreService } from "../service/core-service.js";
import type { CoreFactory } from "../worker/factory.js";
import { installErrorTransfer } from "../worker/transfer.js";

export interface BrowserCoreWorker {
  readonly core: Remote<CoreService>;
  close(): void;
}

/** `workerUrl` points at the bundled build/worker.browser.js as the add-in or page serves it. */
export async function startBrowserCoreWorker(
  workerUrl: string | URL,
  options: CoreOptions = {},
): Promise<BrowserCoreWorker> {
  installErrorTransfer();
  const worker = new Worker(workerUrl, { type: "module" });
  const factory = wrap<CoreFactory>(worker);
  try {
    const core: Remote<CoreService> = await factory.open(options);
    return { core, close: () => worker.terminate() };
  } catch (error) {
    worker.terminate();
    throw error;
  }
}
