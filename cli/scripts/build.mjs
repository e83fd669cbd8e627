// Bundles the command into one file, dist/mailseal.mjs: the shared library, pkijs/asn1js and the crypto
// core with both WebAssembly builds embedded as bytes (so it runs without tsx or a build/ folder).
// Needs the core's .wasm builds: run `npm run build -w @mailseal/core-wasm` first (the root build does).
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [join(pkg, "src/main.ts")],
  outfile: join(pkg, "dist/mailseal.mjs"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  loader: { ".wasm": "binary" },
  // Some bundled CommonJS code calls require(); ESM output needs it defined.
  banner: {
    js: "import { createRequire as __mailsealRequire } from 'node:module'; const require = __mailsealRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: "warning",
});
