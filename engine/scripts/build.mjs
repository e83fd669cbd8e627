// Bundles the engine's worker entries with shared, the core and both WebAssembly builds inside:
// build/engine.node.mjs (worker_threads) and build/engine.browser.js (a module Web Worker). Run after
// core-wasm's build (the .wasm files come from core-wasm/build/).
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(pkg, "build"), { recursive: true });
const common = { bundle: true, format: "esm", loader: { ".wasm": "binary" }, logLevel: "warning", sourcemap: true };
await build({
  ...common,
  entryPoints: [join(pkg, "src/worker/node-entry.ts")],
  outfile: join(pkg, "build/engine.node.mjs"),
  platform: "node",
  target: "node20",
  // Bundled ESM in Node: the CommonJS parts of the dependencies need require.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
});
await build({
  ...common,
  entryPoints: [join(pkg, "src/worker/browser-entry.ts")],
  outfile: join(pkg, "build/engine.browser.js"),
  platform: "browser",
  target: "es2022",
});
