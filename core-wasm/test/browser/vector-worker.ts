// A Web Worker that runs the Wycheproof handlers against a core build instantiated in the worker.
import { expose } from "comlink";
import { baselineWasm, simdWasm } from "../../src/wasm/builds.js";
import { instantiateCore } from "../../src/wasm/instance.js";
import { vectorHandlers } from "../vectors/handlers.js";
import type { VectorTally } from "../vectors/types.js";

const api = {
  async run(file: string, build: "simd" | "baseline"): Promise<VectorTally> {
    const handler = vectorHandlers.find((h) => h.files.includes(file));
    if (!handler) return { passed: 0, failed: 1, skipped: 0, notes: [`no handler for ${file}`] };
    const json: unknown = await (await fetch(`/vectors/${file}`)).json();
    const core = await instantiateCore(build === "simd" ? simdWasm : baselineWasm, build === "simd");
    return handler.run(file, json, core);
  },
};
export type VectorWorkerApi = typeof api;
expose(api);
