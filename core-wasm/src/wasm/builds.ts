// The two builds of the core, embedded as bytes by the bundler (esbuild "binary" loader,
// or the wasm-bytes plugin of vitest.config.ts), so every host loads them the same way.
import baselineWasm from "../../build/core.baseline.wasm";
import simdWasm from "../../build/core.simd.wasm";

export { baselineWasm, simdWasm };

// Smallest module that uses a SIMD instruction (v128.const, i32x4.extract_lane): it validates
// only where the engine supports WebAssembly SIMD.
const simdProbe = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 10, 25, 1, 23, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 253, 27, 0, 11,
]);

/** Feature detection: does this engine run WebAssembly SIMD? */
export function engineHasSimd(): boolean {
  return WebAssembly.validate(simdProbe);
}
