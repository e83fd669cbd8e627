// One way to turn a .wasm file into an ES module whose default export is its bytes, as esbuild's
// "binary" loader does for the bundles. Used by the Node loader hook below and by vitest.config.ts.
import { readFileSync } from "node:fs";

/** ES module source exporting the bytes of the .wasm file at `path`. */
export function wasmModuleSource(path) {
  const base64 = readFileSync(path).toString("base64");
  return `export default Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));`;
}

/** Node module loader hook (registered by wasm-register.mjs) for scripts run with tsx. */
export async function load(url, context, nextLoad) {
  if (!url.endsWith(".wasm")) return nextLoad(url, context);
  return { format: "module", shortCircuit: true, source: wasmModuleSource(new URL(url)) };
}
