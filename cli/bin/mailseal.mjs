#!/usr/bin/env node
// The `mailseal` command: runs the bundle that `npm run build` (and so `npm ci`, through the root
// `prepare` script) writes to dist/.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = new URL("../dist/mailseal.mjs", import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write(
    `error INTERNAL: the mailseal bundle ${fileURLToPath(bundle)} is missing: run \`npm run build\` in the repository root\n`,
  );
  process.exit(2);
}
await import(bundle.href);
