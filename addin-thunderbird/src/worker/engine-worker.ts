// The engine's Web Worker entry inside the extension (bundled to worker.js by scripts/build.mjs):
// the engine's own browser entry, shared's S/MIME code and both WebAssembly builds embedded.
import "@mailseal/engine/worker";
