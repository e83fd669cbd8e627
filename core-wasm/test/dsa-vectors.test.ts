// Every Wycheproof DSA file through the DSA vector handler, on both builds: 0 failures allowed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBuilds } from "./support/builds.js";
import { dsaVectorFiles, handlers } from "./vectors/dsa.js";

const vectorDir = join(import.meta.dirname, "vectors", "wycheproof");
const builds = await loadBuilds();
const handler = handlers[0]!;

describe.each(builds)("Wycheproof DSA on the $name build", ({ core }) => {
  it.each(dsaVectorFiles)("%s", async (file) => {
    const json: unknown = JSON.parse(readFileSync(join(vectorDir, file), "utf8"));
    const tally = await handler.run(file, json, core);
    expect(tally.failed > 0 ? tally.notes.join("\n") : "").toBe("");
    expect(tally.passed).toBe((json as { numberOfTests: number }).numberOfTests);
  });
});
