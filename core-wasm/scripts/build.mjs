// Builds both WebAssembly targets (SIMD and baseline) from assembly/, then the worker bundles
// (build/worker.node.mjs, build/worker.browser.js) with both builds embedded.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(pkg, "..");
mkdirSync(join(pkg, "build"), { recursive: true });
const asc = join(root, "node_modules", ".bin", "asc");
for (const target of ["simd", "baseline"]) {
  execFileSync(asc, ["--config", "asconfig.json", "--target", target], { cwd: root, stdio: "inherit" });
}

const common = { bundle: true, format: "esm", loader: { ".wasm": "binary" }, logLevel: "warning", sourcemap: true };
await build({
  ...common,
  entryPoints: [join(pkg, "src/worker/node-entry.ts")],
  outfile: join(pkg, "build/worker.node.mjs"),
  platform: "node",
  target: "node20",
});
await build({
  ...common,
  entryPoints: [join(pkg, "src/worker/browser-entry.ts")],
  outfile: join(pkg, "build/worker.browser.js"),
  platform: "browser",
  target: "es2022",
});
