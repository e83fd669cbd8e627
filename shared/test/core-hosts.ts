// The crypto core as shared's S/MIME suites take it: in process (CoreService) and in a worker_threads
// worker through comlink's proxy (startNodeCoreWorker), the way a host's worker reaches it. Both are a
// MailflowCore as they are, with no cast: the layer's interfaces ask only for what the proxy offers
// (every method returns a promise; a stream or a key comes back as a proxy whose methods do too).
import { CoreService } from "@mailseal/core-wasm";
import { startNodeCoreWorker } from "@mailseal/core-wasm/node";
import { afterAll, beforeAll, describe } from "vitest";
import type { MailflowCore } from "../src/mailflow/core.js";

export type TestCore = MailflowCore;

const hosts: [string, () => Promise<{ core: TestCore; close(): Promise<void> }>][] = [
  ["in process", async () => ({ core: await CoreService.open(), close: async () => undefined })],
  ["in a worker_threads worker", () => startNodeCoreWorker()],
];

/** Runs `suite` once for each host of the core; `use` gets the core first (load keys into it there). */
export function forEachCore(use: (core: TestCore) => Promise<void>, suite: () => void): void {
  describe.each(hosts)("with the core %s", (_, start) => {
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const host = await start();
      close = host.close;
      await use(host.core);
    });
    afterAll(async () => {
      await close?.();
    });
    suite();
  });
}
