// Contract between the vector runner (run.ts) and the per-area vector handlers.

/** Tally for one vector file. `acceptable` counts the "acceptable" vectors, whichever way they went. */
export interface VectorTally {
  passed: number;
  failed: number;
  skipped: number;
  /** Human-readable notes: each failure (tcId and why), each skip reason, each "acceptable" outcome. */
  notes: string[];
}

/** A handler runs every test of the Wycheproof files it claims, against one core build. */
export interface VectorFileHandler {
  /** File names (as in wycheproof/) this handler runs. */
  files: readonly string[];
  run(file: string, json: unknown, core: import("../../src/wasm/instance.js").WasmCore<never>): VectorTally | Promise<VectorTally>;
}
