// Which process made a pending key (docs/services.md, "Data"). A key row is `pending` while one api
// process makes it; a crash leaves the row behind. Another live node must not roll back a row that
// is still being worked on, so rows of unknown fate wait out a staleness threshold (--pending-stale).
// But a process that restarts after a crash (SIGKILL, OOM, power) should not wait two minutes to
// finish the rotation its predecessor was killed in: the row records host, pid and a random boot id,
// and a row from this host whose process is gone (or whose pid is ours under another boot id: a
// container restarted with the same pid) is dead at once. Rows of other hosts keep the threshold:
// liveness cannot be checked from here. This assumes api nodes have distinct host names.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

export interface ProcessInstance {
  host: string;
  pid: number;
  /** Random per process start: tells this process from an earlier one with the same pid. */
  boot: string;
}

export function currentInstance(): ProcessInstance {
  return { host: hostname(), pid: process.pid, boot: randomBytes(12).toString("base64url") };
}

export function formatOwner(instance: ProcessInstance): string {
  return JSON.stringify({ host: instance.host, pid: instance.pid, boot: instance.boot });
}

export function parseOwner(owner: string | null): ProcessInstance | undefined {
  if (owner === null) return undefined;
  try {
    const value = JSON.parse(owner) as Partial<ProcessInstance>;
    if (typeof value.host !== "string" || typeof value.pid !== "number" || typeof value.boot !== "string") {
      return undefined;
    }
    return { host: value.host, pid: value.pid, boot: value.boot };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists on this host (signal 0 checks without sending). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the process that wrote `owner` is certainly gone, as seen by `self`: same host, and either
 * the same pid under another boot id (that pid is this process now) or a pid no process has.
 * Unknown owners (null, malformed, another host) are not known to be dead.
 */
export function ownerIsDead(owner: string | null, self: ProcessInstance, alive = pidAlive): boolean {
  const made = parseOwner(owner);
  if (made === undefined || made.host !== self.host) return false;
  if (made.boot === self.boot) return false;
  if (made.pid === self.pid) return true;
  return !alive(made.pid);
}
