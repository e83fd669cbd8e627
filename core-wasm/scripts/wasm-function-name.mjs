#!/usr/bin/env node
// Names the functions a V8 profile shows as `wasm-function[N]` (the builds carry no name section, to
// stay small): N is the function index, imports first, so it is the N-th function declared in the
// text form that `npm run build` writes beside each build (build/core.<build>.wat).
// Usage: node core-wasm/scripts/wasm-function-name.mjs N [N ...] [--build simd|baseline]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { build: { type: "string", default: "simd" } },
});
const wat = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), "..", "build", `core.${values.build}.wat`),
  "utf8",
);
// Imported functions take the first indices, then the module's own functions in order.
const names = [
  ...wat.matchAll(/^ \(import "[^"]*" "[^"]*" \(func (\$\S+)/gm),
  ...wat.matchAll(/^ \(func (\$\S+)/gm),
].map((match) => match[1]);
for (const index of positionals) {
  const name = names[Number(index)];
  console.log(`wasm-function[${index}] ${name ?? "(no such function)"}`);
}
