#!/usr/bin/env node
// The `mailseal` command: runs the bundle that `npm run build` (and so `npm ci`, through the root
// `prepare` script) writes to dist/. The offline commands run from dist/offline.cjs with a V8 code
// cache: compiling the bundle's JavaScript is the largest part of their start-up, and Node 20 keeps
// no compiled code between runs of an ES module (module.enableCompileCache is Node 22).
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

// Node 20 marks WebCrypto's X448 and Ed448 as experimental and prints a warning on their first use;
// mailseal uses them for RFC 8418/8419 mail and tests them (npm run vectors): that one notice is kept
// off the command's stderr, every other warning is printed as usual.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (/^The (X448|Ed448) Web Crypto API algorithm is an experimental feature/.test(String(warning))) return;
  return emitWarning.call(process, warning, ...rest);
};

const OFFLINE = new Set(["encrypt", "decrypt", "sign", "verify"]);
const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const bundle = join(dist, "mailseal.mjs");
const offline = join(dist, "offline.cjs");

/**
 * Runs the CommonJS script `file` the way Node's loader would (same wrapper and arguments), with the
 * code cache of `command` when there is a valid one; otherwise, after a successful run, writes one
 * (including every function compiled by then). V8 checks a cache against the source only by its
 * length, so its name carries the script's size and modification time: a rebuilt script never meets
 * the cache of another build.
 */
function runWithCodeCache(file, command) {
  const source = readFileSync(file, "utf8");
  const { size, mtimeMs } = statSync(file);
  const cacheFile = join(dist, "cache", `${command}-${size}-${Math.trunc(mtimeMs)}.v8`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", (status) => {
      if (status !== 0) return; // a failed run compiled too little of the command to be worth keeping
      try {
        // Writable by its owner only, whatever the umask: V8 runs what the cache holds.
        mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o755 });
        const temporary = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o644 });
        renameSync(temporary, cacheFile);
      } catch {
        // A read-only installation: the command runs as well without a cache, only slower to start.
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
}

if (!existsSync(bundle)) {
  process.stderr.write(
    `error INTERNAL: the mailseal bundle ${bundle} is missing: run \`npm run build\` in the repository root\n`,
  );
  process.exit(2);
}
const command = process.argv[2];
if (command !== undefined && OFFLINE.has(command) && existsSync(offline)) runWithCodeCache(offline, command);
else await import(new URL("../dist/mailseal.mjs", import.meta.url).href);
