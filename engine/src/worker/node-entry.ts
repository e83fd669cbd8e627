// The engine's worker entry for Node (worker_threads). Bundled into build/engine.node.mjs with the
// WebAssembly inside.
import { expose } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { parentPort } from "node:worker_threads";
import { installErrorTransfer } from "./coded-errors.js";
import { engineWorker } from "./expose.js";

if (!parentPort) throw new Error("engine.node.mjs must run as a worker_threads worker");
installErrorTransfer();
expose(engineWorker(), nodeEndpoint(parentPort));
