import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBuilds } from "./support/builds.js";
import { handlers } from "./vectors/aes.js";

const vectorDir = join(import.meta.dirname, "vectors", "wycheproof");
const builds = await loadBuilds();

describe.each(builds)("Wycheproof AES vectors, $name build", ({ core }) => {
  for (const handler of handlers) {
    for (const file of handler.files) {
      it(file, async () => {
        const json = JSON.parse(readFileSync(join(vectorDir, file), "utf8")) as { numberOfTests: number };
        const tally = await handler.run(file, json, core);
        expect(tally.notes.filter((n) => !n.includes(": acceptable,"))).toEqual([]);
        expect(tally.failed).toBe(0);
        expect(tally.passed + tally.skipped).toBe(json.numberOfTests);
        expect(tally.skipped).toBe(0);
      });
    }
  }
});
