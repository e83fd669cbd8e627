// Contract between the vector runner (run.ts) and the per-area vector handlers.
import type { BaseExports, WasmCore } from "../../src/wasm/instance.js";

/** Tally for one vector file. */
export interface VectorTally {
  passed: number;
  failed: number;
  skipped: number;
  /** One line per failure (tcId and why), per skip reason, and per "acceptable" vector and its outcome. */
  notes: string[];
}

/** A handler runs every test of the Wycheproof files it claims, against one core build. */
export interface VectorFileHandler {
  /** File names (as in wycheproof/) this handler runs. */
  readonly files: readonly string[];
  /** `core` is a full build; a handler narrows it to the exports of its own area. */
  run(file: string, json: unknown, core: WasmCore<BaseExports>): VectorTally | Promise<VectorTally>;
}
