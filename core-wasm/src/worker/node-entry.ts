// Worker entry for Node (worker_threads). Bundled into build/worker.node.mjs with the WASM inside.
import { expose } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { parentPort } from "node:worker_threads";
import { coreFactory } from "./factory.js";
import { installErrorTransfer } from "./transfer.js";

if (!parentPort) throw new Error("worker.node.mjs must run as a worker_threads worker");
installErrorTransfer();
expose(coreFactory, nodeEndpoint(parentPort));
