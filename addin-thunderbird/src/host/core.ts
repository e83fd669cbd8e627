// The crypto core in a module Web Worker of the extension (core-wasm's startBrowserCoreWorker,
// comlink): AES, RSA and base64 of every message run off the background page's thread. Started on
// first use and kept.
import { startBrowserCoreWorker, type BrowserCoreWorker } from "@mailseal/core-wasm/browser";

let worker: Promise<BrowserCoreWorker> | undefined;

export function coreWorker(): Promise<BrowserCoreWorker> {
  worker ??= startBrowserCoreWorker(messenger.runtime.getURL("worker.js")).catch((error: unknown) => {
    worker = undefined;
    throw error;
  });
  return worker;
}
