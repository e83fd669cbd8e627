// Builds the Outlook add-in into addin-outlook/dist with vite (the bundler of the design card):
//   read.html, compose.html, support.html and their scripts; engine-worker.js (the engine's Worker)
//   commands.js   the send handler and the compose toggles as ONE classic ES2016 script with no
//                 import or export, no WebAssembly: classic Outlook on Windows runs it in a
//                 JavaScript-only runtime (commands.html loads it in browser runtimes)
//   manifest.xml, manifest.json and the icons they name (manifest/), served from
//                 MAILSEAL_OUTLOOK_BASE_URL (https; https://localhost:3000 when unset)
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "vite";
import { wasmModuleSource } from "../../core-wasm/scripts/wasm-module.mjs";
import { emitManifests } from "../manifest/emit.js";
import { addinSource, DEFAULT_BASE_URL } from "../manifest/source.js";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * commands.js: one IIFE, ES2016 (what the JavaScript-only runtime is promised to run), with the URL
 * of config.json under `baseUrl` written in (the send handler reads the service from it).
 */
export async function buildCommands(out: string, baseUrl: string = DEFAULT_BASE_URL): Promise<void> {
  await build({
    configFile: false,
    root: pkg,
    logLevel: "warn",
    define: { __MAILSEAL_CONFIG_URL__: JSON.stringify(`${baseUrl.replace(/\/+$/, "")}/config.json`) },
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

/**
 * The pages (read.html, compose.html, support.html) as ES2022 modules, and the engine's Web Worker
 * (engine-worker.js: the engine's browser build, shared's S/MIME code and both WebAssembly builds in
 * it; `npm run build -w @mailseal/engine` makes it) beside them: the read pane starts it by URL.
 */
export async function buildPages(out: string): Promise<void> {
  // The pages import the engine's client, whose module graph reaches the indexes of the core and of
  // shared (CoreService with the core's .wasm files, OPAQUE's WebAssembly): a page needs only their
  // error classes, the crypto runs in the worker. So only the add-in's and the engine's own modules
  // count as doing something on import (the engine registers its error classes); everything else
  // is kept only when used, which leaves WebAssembly out of the pages (test/read-pane.test.ts checks).
  // The .wasm files are still parsed: loaded as bytes, as vitest does.
  const wasmBytes: Plugin = {
    name: "wasm-bytes",
    enforce: "pre",
    load: (id) => (id.endsWith(".wasm") ? wasmModuleSource(id) : null),
  };
  await build({
    configFile: false,
    plugins: [wasmBytes],
    root: join(pkg, "src"),
    base: "./",
    logLevel: "warn",
    build: {
      outDir: out,
      emptyOutDir: false,
      target: "es2022",
      sourcemap: true,
      rollupOptions: {
        treeshake: { moduleSideEffects: (id: string) => /\/(engine|addin-outlook)\/src\//.test(id) },
        input: {
          read: join(pkg, "src/read.html"),
          compose: join(pkg, "src/compose.html"),
          support: join(pkg, "src/support.html"),
        },
      },
    },
  });
  const worker = join(pkg, "../engine/build/engine.browser.js");
  if (!existsSync(worker)) throw new Error(`${worker} is missing: run npm run build -w @mailseal/engine first`);
  copyFileSync(worker, join(out, "engine-worker.js"));
}

/** The service `npm start` runs, used when MAILSEAL_OUTLOOK_SERVICE is unset. */
export const DEFAULT_SERVICE = "http://127.0.0.1:7400";

/**
 * config.json, the deployment's settings of the panes (src/setup/config.ts): the service, the
 * add-in's client id at Entra ID for nested app authentication (none: setup by the challenge mail,
 * and no Microsoft Graph access), the Graph root when it is not the global one, and whether the
 * organisation requires every message to be encrypted (the send gate's policy).
 */
export function writeSetupConfig(
  out: string,
  service: string,
  clientId: string | undefined,
  graph: string | undefined = undefined,
  requireEncryption = false,
): void {
  const config = {
    service,
    ...(clientId === undefined || clientId === "" ? {} : { naa: { clientId } }),
    ...(graph === undefined || graph === "" ? {} : { graph }),
    ...(requireEncryption ? { requireEncryption: true } : {}),
  };
  writeFileSync(join(out, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
}

export async function buildAddin(out: string, baseUrl: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  await buildPages(out);
  await buildCommands(out, baseUrl);
  emitManifests(addinSource(baseUrl), out);
  writeSetupConfig(
    out,
    process.env.MAILSEAL_OUTLOOK_SERVICE ?? DEFAULT_SERVICE,
    process.env.MAILSEAL_OUTLOOK_CLIENT_ID,
    process.env.MAILSEAL_OUTLOOK_GRAPH,
    process.env.MAILSEAL_OUTLOOK_REQUIRE_ENCRYPTION === "1",
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAddin(join(pkg, "dist"), process.env.MAILSEAL_OUTLOOK_BASE_URL ?? DEFAULT_BASE_URL);
}
