// Builds the Thunderbird add-in into dist/mailseal.xpi with esbuild (the root's bundler; vite is not
// used): the background page script, the crypto core's Web Worker and the message display script
// are bundled as ES modules / a classic script, the manifest and the Experiment are copied, and the
// folder is zipped (an .xpi is a zip with manifest.json at its root).
//
//   node addin-thunderbird/scripts/build.mjs          (run by `npm run build:thunderbird`)
//
// The core's .wasm builds come from core-wasm/build/: run core-wasm's build first (`npm run build`
// does both, in that order).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeZip } from "./zip.mjs";

const addin = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(addin, "..");
const dist = join(addin, "dist");
const stage = join(dist, "xpi");

for (const wasm of ["core.simd.wasm", "core.baseline.wasm"]) {
  if (!existsSync(join(root, "core-wasm/build", wasm))) {
    console.error(`core-wasm/build/${wasm} is missing: run \`npm run build -w @mailseal/core-wasm\` first`);
    process.exit(1);
  }
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

const common = {
  bundle: true,
  platform: "browser",
  // Thunderbird 128 ESR is Gecko 128: ES2022 runs as is.
  target: "firefox128",
  loader: { ".wasm": "binary" },
  logLevel: "warning",
  sourcemap: "linked",
  legalComments: "none",
};
await build({
  ...common,
  format: "esm",
  entryPoints: {
    background: join(addin, "src/background/main.ts"),
    worker: join(addin, "src/worker/core-worker.ts"),
    options: join(addin, "src/options/options.ts"),
  },
  outdir: stage,
});
// Message display scripts are classic scripts injected into the message pane (no import).
await build({
  ...common,
  format: "iife",
  entryPoints: { display: join(addin, "src/display/display.ts") },
  outdir: stage,
});

cpSync(join(addin, "manifest.json"), join(stage, "manifest.json"));
for (const file of ["options.html", "options.css"]) cpSync(join(addin, "src/options", file), join(stage, file));
cpSync(join(addin, "src/experiments"), join(stage, "experiments"), { recursive: true });

const xpi = join(dist, "mailseal.xpi");
let zipped = false;
try {
  // `zip -X` leaves out extra file attributes; -D no directory entries (Gecko needs none).
  execFileSync("zip", ["-q", "-r", "-X", "-D", xpi, "."], { cwd: stage, stdio: ["ignore", "ignore", "pipe"] });
  zipped = true;
} catch (error) {
  if (error.code !== "ENOENT") throw error;
}
if (!zipped) writeZip(stage, xpi);
console.log(`addin-thunderbird: ${xpi} (${statSync(xpi).size} bytes${zipped ? "" : ", written without zip(1)"})`);
