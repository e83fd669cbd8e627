// Shared's portable S/MIME suite (smime-cases.ts) in real headless Chromium: the cases bundled into a
// module Web Worker that also holds the core (as the engine runs shared's code in the add-ins), and
// on a page with the core in its own Web Worker through comlink (build/worker.browser.js). Node makes
// the fixtures and hands them over as JSON; each case is reported by name for each host, and a case
// missing from the page's results fails as a case that failed would. The harness is the core's
// (core-wasm/test/browser/chromium.ts); one browser start for both runs.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBundledPage } from "../../../core-wasm/test/browser/chromium.js";
import { releaseAll } from "../../../test/interop/peers/run.js";
import { TestCa } from "../pki/test-ca.js";
import { IN_WORKER, THROUGH_PROXY, type SmimeBrowserResults } from "./browser/run-cases.js";
import { makeSmimeFixtures } from "./fixtures.js";
import { fromJson, toJson } from "./json.js";
import { smimeCases } from "./smime-cases.js";

const here = dirname(fileURLToPath(import.meta.url));
const coreBuild = join(here, "..", "..", "..", "core-wasm", "build");
const ca = new TestCa();
const outdir = mkdtempSync(join(tmpdir(), "mailseal-smime-browser-"));
let results: SmimeBrowserResults;
let pageConsole: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(coreBuild, "worker.browser.js"))) {
    throw new Error(`${coreBuild}/worker.browser.js is missing: npm run build -w @mailseal/core-wasm first`);
  }
  writeFileSync(join(outdir, "fixtures.json"), toJson(await makeSmimeFixtures(ca)));
  const page = await runBundledPage<string>({
    entryPoints: { page: join(here, "browser/page.ts"), "suite-worker": join(here, "browser/suite-worker.ts") },
    page: "page",
    outdir,
    roots: { "/core/": coreBuild },
    timeoutMs: 120_000,
  });
  results = fromJson<SmimeBrowserResults>(page.results);
  pageConsole = page.console;
}, 240_000);

afterAll(() => {
  ca.dispose();
  releaseAll();
  rmSync(outdir, { recursive: true, force: true });
});

describe("shared's S/MIME suite in headless Chromium", () => {
  it("ran without a fatal error, every case in both hosts and no other", () => {
    expect(results.fatal, pageConsole.join("\n")).toBeUndefined();
    expect(results.userAgent).toMatch(/Chrome\//);
    for (const host of [IN_WORKER, THROUGH_PROXY]) {
      expect(
        results.hosts[host]?.map((c) => c.name),
        host,
      ).toEqual(smimeCases.map((c) => c.name));
    }
  });

  describe.each([IN_WORKER, THROUGH_PROXY])("%s", (host) => {
    it.each(smimeCases.map((c) => [c.name] as const))("%s", (name) => {
      const result = results.hosts[host]?.find((c) => c.name === name);
      expect(result, `the page ran "${name}"`).toBeDefined();
      expect(result!.error).toBeUndefined();
    });
  });
});
