// The maintenance loop's timing: a pass with failures is followed by passes with growing pauses,
// a clean pass goes back to the interval. A key manager stand-in (the loop's only collaborator)
// reports what each pass did; the loop's own behaviour is what is tested here.
import { describe, expect, it } from "vitest";
import type { FastifyBaseLogger } from "fastify";
import type { KeyManager, MaintenanceReport } from "../src/kms/key-manager.js";
import { startMaintenance } from "../src/kms/maintenance.js";

const silent = { info: () => undefined, error: () => undefined } as unknown as FastifyBaseLogger;
const failedPass: MaintenanceReport = {
  rolledBack: [],
  created: [],
  failed: [{ address: "a@example.org", code: "STORE_UNAVAILABLE", message: "share-a unreachable" }],
};
const cleanPass: MaintenanceReport = { rolledBack: [], created: ["k"], failed: [] };

function keyManagerReporting(reports: MaintenanceReport[]): { manager: KeyManager; times: number[] } {
  const times: number[] = [];
  const manager = {
    maintain: () => {
      times.push(Date.now());
      return Promise.resolve(reports.shift() ?? { rolledBack: [], created: [], failed: [] });
    },
  } as unknown as KeyManager;
  return { manager, times };
}

describe("key maintenance loop", () => {
  it("tries again soon after a pass with failures, with growing pauses, and stops retrying after a clean pass", async () => {
    const { manager, times } = keyManagerReporting([failedPass, failedPass, cleanPass]);
    // An interval far longer than the test: every pass seen here comes from the retries.
    const loop = startMaintenance(manager, silent, 3_600_000, [50, 150, 400]);
    await loop.firstPass;
    await new Promise((resolve) => setTimeout(resolve, 700));
    await loop.stop();
    expect(times).toHaveLength(3); // the first pass, then after 50 ms, then after 150 ms; clean: none after
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(140);
  });

  it("does not retry after clean passes, and stop() clears a pending retry", async () => {
    const clean = keyManagerReporting([cleanPass]);
    const quiet = startMaintenance(clean.manager, silent, 3_600_000, [20]);
    await quiet.firstPass;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await quiet.stop();
    expect(clean.times).toHaveLength(1);

    const failing = keyManagerReporting([failedPass, failedPass]);
    const stopping = startMaintenance(failing.manager, silent, 3_600_000, [200]);
    await stopping.firstPass;
    await stopping.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(failing.times).toHaveLength(1);
  });
});
