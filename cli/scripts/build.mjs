// Bundles the command into one file, dist/mailseal.mjs: the shared library, pkijs/asn1js and the crypto
// core with both WebAssembly builds embedded as bytes (so it runs without tsx or a build/ folder).
// Needs the core's .wasm builds: run `npm run build -w @mailseal/core-wasm` first (the root build does).
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const result = await build({
  entryPoints: [join(pkg, "src/main.ts")],
  outfile: join(pkg, "dist/mailseal.mjs"),
  write: false,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  loader: { ".wasm": "binary" },
  sourcemap: true,
  logLevel: "warning",
});
// Each file is written beside its final name and renamed, so a run that starts meanwhile (a test
// suite in parallel) sees the old bundle or the new one, never half of one.
mkdirSync(join(pkg, "dist"), { recursive: true });
for (const file of result.outputFiles) {
  writeFileSync(`${file.path}.${process.pid}.tmp`, file.contents);
  renameSync(`${file.path}.${process.pid}.tmp`, file.path);
}
