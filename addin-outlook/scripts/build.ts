// Builds the Outlook add-in into addin-outlook/dist with vite (the bundler of the design card):
//   commands.js   the send handler and the compose toggles as ONE classic ES2016 script with no
//                 import or export, no WebAssembly: classic Outlook on Windows runs it in a
//                 JavaScript-only runtime (commands.html loads it in browser runtimes)
//   manifest.xml, manifest.json and the icons they name (manifest/), served from
//                 MAILSEAL_OUTLOOK_BASE_URL (https; https://localhost:3000 when unset)
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { emitManifests } from "../manifest/emit.js";
import { addinSource, DEFAULT_BASE_URL } from "../manifest/source.js";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");

/** commands.js: one IIFE, ES2016 (what the JavaScript-only runtime is promised to run). */
export async function buildCommands(out: string): Promise<void> {
  await build({
    configFile: false,
    root: pkg,
    logLevel: "warn",
    build: {
      outDir: out,
      emptyOutDir: false,
      target: "es2016",
      minify: false,
      sourcemap: false,
      lib: {
        entry: join(pkg, "src/commands/commands.ts"),
        formats: ["iife"],
        name: "mailsealCommands",
        fileName: () => "commands.js",
      },
    },
  });
  copyFileSync(join(pkg, "src/commands/commands.html"), join(out, "commands.html"));
}

export async function buildAddin(out: string, baseUrl: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  await buildCommands(out);
  emitManifests(addinSource(baseUrl), out);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAddin(join(pkg, "dist"), process.env.MAILSEAL_OUTLOOK_BASE_URL ?? DEFAULT_BASE_URL);
}
