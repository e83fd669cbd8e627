// Worker entry for browsers and add-ins (a module Web Worker). Bundled into build/worker.browser.js.
import { expose } from "comlink";
import { coreFactory } from "./factory.js";
import { installErrorTransfer } from "./transfer.js";

installErrorTransfer();
expose(coreFactory);
