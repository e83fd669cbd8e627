// Every Wycheproof RSA file through the RSA vector handler, on both builds: 0 failures allowed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBuilds } from "./support/builds.js";
import { handlers, rsaVectorFiles } from "./vectors/rsa.js";

const vectorDir = join(import.meta.dirname, "vectors", "wycheproof");
const builds = await loadBuilds();
const handler = handlers[0]!;

describe.each(builds)("Wycheproof RSA on the $name build", ({ core }) => {
  it.each(rsaVectorFiles)("%s", async (file) => {
    const json: unknown = JSON.parse(readFileSync(join(vectorDir, file), "utf8"));
    const tally = await handler.run(file, json, core);
    const failures = tally.failed > 0 ? tally.notes.join("\n") : "";
    expect(failures).toBe("");
    expect(tally.failed).toBe(0);
    // Every vector runs, the SHA-224 groups included.
    expect(tally.passed).toBe((json as { numberOfTests: number }).numberOfTests);
  });
});
