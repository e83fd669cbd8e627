// `npm run vectors`: every applicable Wycheproof file, against both builds of the core.
// Prints `FILE [build]: N passed, N failed, N skipped` per file and build, then the total on its own
// line. With --verbose, each file's notes (failures, skips, outcomes of "acceptable" vectors) follow it.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBuilds } from "../support/builds.js";
import { vectorHandlers } from "./handlers.js";

const folder = join(dirname(fileURLToPath(import.meta.url)), "wycheproof");
const verbose = process.argv.includes("--verbose");

const files = readdirSync(folder).filter((f) => f.endsWith(".json"));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const build of await loadBuilds()) {
  for (const file of files) {
    const handler = vectorHandlers.find((h) => h.files.includes(file));
    if (!handler) {
      console.log(`${file} [${build.name}]: no handler`);
      failed++;
      continue;
    }
    const tally = await handler.run(file, JSON.parse(readFileSync(join(folder, file), "utf8")), build.core);
    passed += tally.passed;
    failed += tally.failed;
    skipped += tally.skipped;
    console.log(`${file} [${build.name}]: ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
    if (verbose || tally.failed > 0) for (const note of tally.notes) console.log(`  ${note}`);
  }
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed === 0 ? 0 : 1;
