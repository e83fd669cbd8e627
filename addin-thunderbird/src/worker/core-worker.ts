// The crypto core's Web Worker entry inside the extension (bundled to worker.js by scripts/build.mjs):
// core-wasm's own browser entry, both WebAssembly builds embedded.
import "@mailseal/core-wasm/worker";
