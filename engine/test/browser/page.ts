// The browser side of test/browser.test.ts: starts the bundled engine (build/engine.browser.js) in a
// module Web Worker with startBrowserEngine, as an add-in does, runs the portable cases on the
// fixtures Node made, and leaves the outcome of each, with what a case sealed, in window.__testResults.
import { startBrowserEngine } from "../../src/client/browser.js";
import { fromJson, toJson } from "../../../shared/test/portable/json.js";
import { engineCases, type EngineFixtures } from "../portable/cases.js";

export interface EngineCaseResult {
  name: string;
  error?: string;
  /** What the case sealed, for openssl in Node. */
  sealed?: Uint8Array;
}
export interface EngineBrowserResults {
  userAgent: string;
  cases: EngineCaseResult[];
  fatal?: string;
}

const results: EngineBrowserResults = { userAgent: navigator.userAgent, cases: [] };

try {
  const fixtures = fromJson<EngineFixtures>(await (await fetch("/fixtures.json")).text());
  const { engine, close } = await startBrowserEngine("/engine/engine.browser.js");
  try {
    for (const testCase of engineCases) {
      try {
        const result: EngineCaseResult = { name: testCase.name };
        await testCase.run(engine, fixtures, (sealed) => (result.sealed = sealed));
        results.cases.push(result);
      } catch (error) {
        results.cases.push({ name: testCase.name, error: String((error as Error).stack ?? error) });
      }
    }
  } finally {
    close();
  }
} catch (error) {
  results.fatal = String((error as Error).stack ?? error);
}
// As JSON text: the bytes a case sealed survive the way back to Node.
(window as unknown as { __testResults: string }).__testResults = toJson(results);
