// The engine's one interface, run the same in this thread (MailEngine) and through a worker_threads
// worker (the bundled build/engine.node.mjs, comlink): the portable cases (test/portable), which also
// run in headless Chromium with the engine in a Web Worker (browser.test.ts). Sealing that openssl
// decrypts and verifies, opening what openssl made, keys loaded only when a message names them,
// errors with their class and code across the boundary, paths and CRLs checked inside.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeEngine } from "../src/client/node.js";
import { MailEngine, type Engine } from "../src/index.js";
import { TestCa } from "../../shared/test/pki/test-ca.js";
import { engineCases, SEAL_COMPOSED, type EngineFixtures } from "./portable/cases.js";
import { expectOpensslOpens, makeEngineFixtures } from "./portable/fixtures.js";

const ca = new TestCa();
let fixtures: EngineFixtures;

beforeAll(async () => {
  fixtures = await makeEngineFixtures(ca);
}, 180_000);

afterAll(() => ca.dispose());

const hosts: [string, () => Promise<{ engine: Engine; close(): Promise<void> | void }>][] = [
  [
    "in this thread",
    async () => {
      const engine = await MailEngine.open();
      return { engine, close: () => engine.close() };
    },
  ],
  ["through a Node worker", () => startNodeEngine()],
];

describe.each(hosts)("the engine %s", (_, start) => {
  let engine: Engine;
  let close: () => Promise<void> | void;

  beforeAll(async () => {
    ({ engine, close } = await start());
  });
  afterAll(async () => {
    await close();
  });

  it.each(engineCases.map((c) => [c.name, c] as const))("%s", async (name, testCase) => {
    const sealed: Uint8Array[] = [];
    await testCase.run(engine, fixtures, (bytes) => void sealed.push(bytes));
    expect(sealed).toHaveLength(name === SEAL_COMPOSED ? 1 : 0);
    for (const bytes of sealed) expectOpensslOpens(ca, bytes);
  });
});
