// Part of `npm test`: every input a campaign found breaking the property (regressions/TARGET) replayed
// straight through the parser, then a short coverage-guided pass of every target (its corpus, its
// regressions and a few hundred mutations in the instrumented bundle, README.md).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FUZZ_DIR, ROOT, runCampaign, TARGETS } from "./campaign.js";
import type { FuzzTarget } from "./engine.js";
import { violation } from "./property.js";

/** Short-pass mutations per target: the whole pass stays well under a minute on two cores. */
const SHORT_RUNS = 300;

describe("fuzzing regressions", () => {
  for (const name of TARGETS) {
    const dir = join(FUZZ_DIR, "regressions", name);
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((file) => !file.startsWith("."))
          .sort()
      : [];
    if (files.length === 0) continue;
    it(`${name}: each saved input fails with a stable code or parses`, async () => {
      const target = ((await import(`./targets/${name}.ts`)) as { default: FuzzTarget }).default;
      await target.setup?.(ROOT);
      try {
        for (const file of files) {
          const started = performance.now();
          const outcome = await Promise.resolve()
            .then(() => target.run(new Uint8Array(readFileSync(join(dir, file)))))
            .then(
              () => undefined,
              (error: unknown) => violation(error),
            );
          expect(outcome, file).toBeUndefined();
          expect(performance.now() - started, `${file} is quick`).toBeLessThan(5000);
        }
      } finally {
        await target.teardown?.();
      }
    });
  }
});

describe("fuzzing short pass", () => {
  for (const name of TARGETS) {
    it(`${name}: corpus, regressions and ${SHORT_RUNS} mutations break nothing`, async () => {
      const result = await runCampaign({ target: name, runs: SHORT_RUNS, seed: 12 });
      expect(result.findings.map((f) => `${f.kind}: ${f.detail}`)).toEqual([]);
      expect(result.execs).toBeGreaterThan(SHORT_RUNS);
      expect(result.features, "the instrumentation counts coverage").toBeGreaterThan(0);
    });
  }
});
