// Builds the Thunderbird add-in with esbuild (the root's bundler; vite is not used), in two flavours:
//
//   dist/mailseal.xpi       the release: what `npm run build` ships and users install. It holds no
//                           test code: no src/testing/, no command channel, no test Experiment, and
//                           no test hooks in the page or the display script (issue 12, finding 8).
//   dist/mailseal-test.xpi  the test flavour the Thunderbird suites install (test/thunderbird): the
//                           same add-in plus the harness's command channel (src/testing/) and the
//                           test Experiment `mailsealTest`, declared only in its manifest.
//
// Each flavour bundles the background page script, the crypto core's Web Worker, the page and the
// message display script (ES modules / a classic script) with MAILSEAL_TEST_FLAVOUR defined false or
// true (src/flavour.d.ts); esbuild then drops the other flavour's branches (minifySyntax) and what
// only they import. The manifest and the Experiment are copied, and each folder is zipped (an .xpi
// is a zip with manifest.json at its root).
//
//   node addin-thunderbird/scripts/build.mjs          (run by `npm run build:thunderbird`)
//
// The core's .wasm builds come from core-wasm/build/: run core-wasm's build first (`npm run build`
// does both, in that order).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeZip } from "./zip.mjs";

const addin = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(addin, "..");
const dist = join(addin, "dist");

for (const wasm of ["core.simd.wasm", "core.baseline.wasm"]) {
  if (!existsSync(join(root, "core-wasm/build", wasm))) {
    console.error(`core-wasm/build/${wasm} is missing: run \`npm run build -w @mailseal/core-wasm\` first`);
    process.exit(1);
  }
}

rmSync(dist, { recursive: true, force: true });

/** The test flavour's own Experiment: declared only in the test flavour's manifest. */
const TEST_EXPERIMENT = {
  schema: "experiments/mailseal-test/schema.json",
  parent: {
    scopes: ["addon_parent"],
    paths: [["mailsealTest"]],
    script: "experiments/mailseal-test/implementation.js",
  },
};

async function buildFlavour(test) {
  const stage = join(dist, test ? "xpi-test" : "xpi");
  mkdirSync(stage, { recursive: true });
  const common = {
    bundle: true,
    platform: "browser",
    // Thunderbird 128 ESR is Gecko 128: ES2022 runs as is.
    target: "firefox128",
    loader: { ".wasm": "binary" },
    logLevel: "warning",
    sourcemap: "linked",
    // The release's maps carry line numbers only: the sources they would embed name the test hooks.
    sourcesContent: test,
    legalComments: "none",
    define: { MAILSEAL_TEST_FLAVOUR: String(test) },
    // Folds `if (MAILSEAL_TEST_FLAVOUR)` and removes the dead branch; names and layout stay readable.
    minifySyntax: true,
  };
  await build({
    ...common,
    format: "esm",
    entryPoints: {
      background: join(addin, "src/background/main.ts"),
      worker: join(addin, "src/worker/engine-worker.ts"),
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

  const manifest = JSON.parse(readFileSync(join(addin, "manifest.json"), "utf8"));
  if (test) manifest.experiment_apis.mailsealTest = TEST_EXPERIMENT;
  writeFileSync(join(stage, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of ["options.html", "options.css"]) cpSync(join(addin, "src/options", file), join(stage, file));
  cpSync(join(addin, "src/display/hide-until-checked.css"), join(stage, "hide-until-checked.css"));
  cpSync(join(addin, "src/experiments"), join(stage, "experiments"), { recursive: true });
  cpSync(join(addin, "src/icons"), join(stage, "icons"), { recursive: true });
  if (test)
    cpSync(join(addin, "src/testing/experiment"), join(stage, "experiments/mailseal-test"), { recursive: true });

  const xpi = join(dist, test ? "mailseal-test.xpi" : "mailseal.xpi");
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
}

await buildFlavour(false);
await buildFlavour(true);
