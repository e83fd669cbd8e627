// The engine (@mailseal/engine) in a module Web Worker of the extension: decrypting, verifying,
// rendering, writing and sealing every message run there, off the background page's thread, one
// call per message. Started on first use and kept; the keys it loaded stay in it.
import { startBrowserEngine, type BrowserEngineWorker } from "@mailseal/engine/browser";

let worker: Promise<BrowserEngineWorker> | undefined;

export async function engineWorker(): Promise<BrowserEngineWorker["engine"]> {
  worker ??= startBrowserEngine(messenger.runtime.getURL("worker.js")).catch((error: unknown) => {
    worker = undefined;
    throw error;
  });
  return (await worker).engine;
}
