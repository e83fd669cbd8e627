// The engine's portable cases (test/portable) in real headless Chromium: the bundled engine
// (build/engine.browser.js) in a module Web Worker started by startBrowserEngine from a page, as the
// add-ins run it. The fixtures are made with openssl here and handed to the page as data; what the
// page sealed comes back and openssl decrypts and verifies it here. The harness is the core's
// (core-wasm/test/browser/chromium.ts); one browser start for the whole list.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBundledPage } from "../../core-wasm/test/browser/chromium.js";
import { TestCa } from "../../shared/test/pki/test-ca.js";
import type { EngineBrowserResults } from "./browser/page.js";
import { fromJson, toJson } from "../../shared/test/portable/json.js";
import { engineCases, SEAL_COMPOSED } from "./portable/cases.js";
import { expectOpensslOpens, makeEngineFixtures } from "./portable/fixtures.js";

const here = dirname(fileURLToPath(import.meta.url));
const ca = new TestCa();
const outdir = mkdtempSync(join(tmpdir(), "mailseal-engine-browser-"));
let results: EngineBrowserResults;
let pageConsole: string[] = [];

beforeAll(async () => {
  const bundle = join(here, "..", "build", "engine.browser.js");
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: npm run build -w @mailseal/engine first`);
  writeFileSync(join(outdir, "fixtures.json"), toJson(await makeEngineFixtures(ca)));
  const page = await runBundledPage<string>({
    entryPoints: { page: join(here, "browser/page.ts") },
    page: "page",
    outdir,
    roots: { "/engine/": join(here, "..", "build") },
    timeoutMs: 60_000,
  });
  results = fromJson<EngineBrowserResults>(page.results);
  pageConsole = page.console;
}, 240_000);

afterAll(() => {
  ca.dispose();
  rmSync(outdir, { recursive: true, force: true });
});

describe("the engine in a Web Worker in headless Chromium", () => {
  it("ran without a fatal error", () => {
    expect(results.fatal, pageConsole.join("\n")).toBeUndefined();
    expect(results.userAgent).toMatch(/Chrome\//);
  });

  it.each(engineCases.map((c) => [c.name] as const))("%s", (name) => {
    const result = results.cases.find((c) => c.name === name);
    expect(result, `the page ran "${name}"`).toBeDefined();
    expect(result!.error).toBeUndefined();
    expect(result!.sealed === undefined, "a sealed message kept").toBe(name !== SEAL_COMPOSED);
    if (result!.sealed !== undefined) expectOpensslOpens(ca, result!.sealed);
  });
});
