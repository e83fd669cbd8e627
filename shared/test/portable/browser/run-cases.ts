// Runs every portable S/MIME case against one core and records each outcome by name: the one loop of
// the Web Worker (suite-worker.ts) and of the page (page.ts).
import type { MailflowCore } from "../../../src/mailflow/core.js";
import { smimeCases, type SmimeFixtures } from "../smime-cases.js";

export interface SmimeCaseResult {
  name: string;
  error?: string;
}

/** The two ways page.ts runs the cases, as the results name them. */
export const IN_WORKER = "inside a Web Worker, the core in process there";
export const THROUGH_PROXY = "on the page, the core in a Web Worker through comlink";

export interface SmimeBrowserResults {
  userAgent: string;
  hosts: Record<string, SmimeCaseResult[]>;
  fatal?: string;
}

export async function runSmimeCases(core: MailflowCore, fixtures: SmimeFixtures): Promise<SmimeCaseResult[]> {
  const results: SmimeCaseResult[] = [];
  for (const testCase of smimeCases) {
    try {
      await testCase.run(core, fixtures);
      results.push({ name: testCase.name });
    } catch (error) {
      results.push({ name: testCase.name, error: String((error as Error).stack ?? error) });
    }
  }
  return results;
}
