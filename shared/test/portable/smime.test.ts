// Shared's portable S/MIME suite (smime-cases.ts) in Node: with the core in process and through
// comlink in a worker_threads worker. browser.test.ts runs the same cases in headless Chromium.
import { afterAll, beforeAll, it } from "vitest";
import { forEachCore, type TestCore } from "../core-hosts.js";
import { releaseAll } from "../../../test/interop/peers/run.js";
import { TestCa } from "../pki/test-ca.js";
import { makeSmimeFixtures } from "./fixtures.js";
import { smimeCases, type SmimeFixtures } from "./smime-cases.js";

const ca = new TestCa();
let fixtures: SmimeFixtures;
let core: TestCore;

beforeAll(async () => {
  fixtures = await makeSmimeFixtures(ca);
});
afterAll(() => {
  ca.dispose();
  releaseAll();
});

forEachCore(
  async (opened) => {
    core = opened;
  },
  () => {
    it.each(smimeCases.map((c) => [c.name, c] as const))("%s", async (_, testCase) => {
      await testCase.run(core, fixtures);
    });
  },
);
