// Every Wycheproof ECDSA file (P-256, P-384, P-521) through the ECDSA vector handler, that is through
// the verification SignedData uses: 0 failures allowed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBuilds } from "./support/builds.js";
import { ecdsaVectorFiles, handlers } from "./vectors/ecdsa.js";

const vectorDir = join(import.meta.dirname, "vectors", "wycheproof");
const [build] = await loadBuilds();
const handler = handlers[0]!;

describe("Wycheproof ECDSA through shared's verifyEcdsaSignature", () => {
  it.each(ecdsaVectorFiles)("%s", async (file) => {
    const json: unknown = JSON.parse(readFileSync(join(vectorDir, file), "utf8"));
    const tally = await handler.run(file, json, build!.core);
    expect(tally.failed > 0 ? tally.notes.join("\n") : "").toBe("");
    expect(tally.passed).toBe((json as { numberOfTests: number }).numberOfTests);
  });
});
