// Every Wycheproof ML-KEM and ML-DSA verify file through the post-quantum handlers: 0 failures
// allowed. They run the library's primitives (shared/src/pki/pq.ts), not a core build, so once.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBuilds } from "./support/builds.js";
import { handlers, mlDsaVectorFiles, mlKemVectorFiles } from "./vectors/pq.js";

const vectorDir = join(import.meta.dirname, "vectors", "wycheproof");
const [build] = await loadBuilds();

describe("Wycheproof ML-KEM and ML-DSA (FIPS 203, FIPS 204)", () => {
  it.each([...mlKemVectorFiles, ...mlDsaVectorFiles])(
    "%s",
    async (file) => {
      const handler = handlers.find((h) => h.files.includes(file))!;
      const json: unknown = JSON.parse(readFileSync(join(vectorDir, file), "utf8"));
      const tally = await handler.run(file, json, build!.core);
      expect(tally.failed > 0 ? tally.notes.join("\n") : "").toBe("");
      expect(tally.passed).toBe((json as { numberOfTests: number }).numberOfTests);
    },
    60_000,
  );
});
