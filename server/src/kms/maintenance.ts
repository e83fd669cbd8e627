// The key manager's maintenance loop: once at start (a pending key left by a crash is rolled back,
// due rotations run) and then every few minutes. Passes never overlap; stop() waits for a running one.
// A pass that could not make a key for some address (a share store unreachable, say, while a
// deployment starts its processes in some order) is tried again soon, with growing pauses, rather
// than a whole interval later: a rotation due now should not wait five minutes for a store that was
// back after five seconds.
import type { FastifyBaseLogger } from "fastify";
import type { KeyManager } from "./key-manager.js";

export const MAINTENANCE_INTERVAL_MS = 5 * 60_000;
/** Pauses before the passes that follow a pass with failures; then the interval again. */
export const MAINTENANCE_RETRY_MS = [5_000, 15_000, 45_000, 120_000] as const;

export interface Maintenance {
  /** Resolves once the first pass (started at once) has finished. */
  readonly firstPass: Promise<void>;
  /** Clears the timers and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function startMaintenance(
  keyManager: KeyManager,
  logger: FastifyBaseLogger,
  intervalMs = MAINTENANCE_INTERVAL_MS,
  retryMs: readonly number[] = MAINTENANCE_RETRY_MS,
): Maintenance {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  /** How many passes in a row had failures (picks the next retry pause). */
  let failing = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const pass = (): Promise<void> => {
    running = running.then(async () => {
      if (stopped) return;
      let failed = false;
      try {
        const report = await keyManager.maintain();
        failed = report.failed.length > 0;
        if (report.rolledBack.length > 0 || report.created.length > 0 || failed) {
          logger.info(report, "key maintenance");
        }
      } catch (error) {
        failed = true;
        logger.error({ err: error }, "key maintenance failed");
      }
      failing = failed ? failing + 1 : 0;
      const pause = failing > 0 ? retryMs[failing - 1] : undefined;
      if (pause !== undefined && !stopped && retry === undefined) {
        retry = setTimeout(() => {
          retry = undefined;
          void pass();
        }, pause);
        retry.unref();
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
      if (retry !== undefined) clearTimeout(retry);
      await running;
    },
  };
}
