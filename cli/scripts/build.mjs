// Bundles the command into dist/mailseal.mjs (and chunks): the shared library, pkijs/asn1js and the crypto
// core with both WebAssembly builds embedded as bytes (so it runs without tsx or a build/ folder).
// The server's runtime packages (below) are not bundled: they load from node_modules. And the offline
// commands alone into dist/offline.cjs, one CommonJS script that bin/mailseal.mjs compiles with a V8
// code cache (dist/cache/, written by the first successful run of each command; emptied here).
// Needs the core's .wasm builds: run `npm run build -w @mailseal/core-wasm` first (the root build does).
import { build } from "esbuild";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_EXTERNALS } from "./externals.mjs";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const result = await build({
  entryPoints: { mailseal: join(pkg, "src/main.ts") },
  outdir: join(pkg, "dist"),
  // `mailseal server` imports the server lazily: with splitting it lives in a chunk (dist/chunks/),
  // so the offline commands do not load the server's packages at start.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  write: false,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  loader: { ".wasm": "binary" },
  external: BUNDLE_EXTERNALS,
  sourcemap: true,
  logLevel: "warning",
});
const offline = await build({
  entryPoints: { offline: join(pkg, "src/offline.ts") },
  outdir: join(pkg, "dist"),
  outExtension: { ".js": ".cjs" },
  write: false,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  loader: { ".wasm": "binary" },
  external: BUNDLE_EXTERNALS,
  sourcemap: true,
  logLevel: "warning",
});
// bin/mailseal.mjs runs offline.cjs through vm.Script without a dynamic import hook: an import()
// left in it (an external package loaded lazily) would fail only when reached, so refuse it here.
for (const file of offline.outputFiles) {
  if (file.path.endsWith(".cjs") && /\bimport\(/.test(file.text)) {
    throw new Error(`${file.path} has a dynamic import(): keep what offline.ts reaches free of lazy imports`);
  }
}
// Each file is written beside its final name and renamed, so a run that starts meanwhile (a test
// suite in parallel) sees the old bundle or the new one, never half of one.
// Chunks first, the entry last: a new entry never points at a chunk not yet written.
const isChunk = (file) => Number(file.path.includes("/chunks/"));
const outputs = [...offline.outputFiles, ...[...result.outputFiles].sort((a, b) => isChunk(b) - isChunk(a))];
for (const file of outputs) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(`${file.path}.${process.pid}.tmp`, file.contents);
  renameSync(`${file.path}.${process.pid}.tmp`, file.path);
}
// Caches of the previous build: their names (command, size and time of offline.cjs) no longer match.
rmSync(join(pkg, "dist", "cache"), { recursive: true, force: true });
