// The engine's worker entry for browsers and add-ins (a module Web Worker). Bundled into
// build/engine.browser.js, or into an add-in's own worker script.
import { expose } from "comlink";
import { installErrorTransfer } from "./coded-errors.js";
import { engineWorker } from "./expose.js";

installErrorTransfer();
expose(engineWorker());
