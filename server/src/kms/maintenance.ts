// The key manager's maintenance loop: once at start (a pending key left by a crash is rolled back,
// due rotations run) and then every few minutes. Passes never overlap; stop() waits for a running one.
import type { FastifyBaseLogger } from "fastify";
import type { KeyManager } from "./key-manager.js";

export const MAINTENANCE_INTERVAL_MS = 5 * 60_000;

export interface Maintenance {
  /** Resolves once the first pass (started at once) has finished. */
  readonly firstPass: Promise<void>;
  /** Clears the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function startMaintenance(
  keyManager: KeyManager,
  logger: FastifyBaseLogger,
  intervalMs = MAINTENANCE_INTERVAL_MS,
): Maintenance {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const report = await keyManager.maintain();
        if (report.rolledBack.length > 0 || report.created.length > 0 || report.failed.length > 0) {
          logger.info(report, "key maintenance");
        }
      } catch (error) {
        logger.error({ err: error }, "key maintenance failed");
      }
    });
    return running;
  };
  const firstPass = pass();
  const timer = setInterval(() => void pass(), intervalMs);
  timer.unref();
  return {
    firstPass,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
