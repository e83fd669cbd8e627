// Test helper: both builds of the core, instantiated in this process.
import { baselineWasm, simdWasm } from "../../src/wasm/builds.js";
import { instantiateCore, type BaseExports, type WasmCore } from "../../src/wasm/instance.js";

export interface Build<E extends BaseExports> {
  readonly name: "simd" | "baseline";
  readonly core: WasmCore<E>;
}

/** Instantiates the SIMD and the baseline build. Use with `describe.each`. */
export async function loadBuilds<E extends BaseExports>(): Promise<Build<E>[]> {
  return [
    { name: "simd", core: await instantiateCore<E>(simdWasm, true) },
    { name: "baseline", core: await instantiateCore<E>(baselineWasm, false) },
  ];
}
