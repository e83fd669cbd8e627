// The server's clock: the system time shifted by MAILSEAL_CLOCK_OFFSET (docs/services.md, "Processes
// and roles"), which exists for tests and drills and is logged at start.
import { systemClock, type Clock } from "@mailseal/shared";
import { MailsealError } from "./errors.js";

/** A century either way: far beyond any drill, and far inside what a Date can hold. */
const MAX_OFFSET_MS = 100 * 366 * 24 * 3600 * 1000;

/** MAILSEAL_CLOCK_OFFSET in milliseconds (0 when unset or empty); a USAGE error when malformed. */
export function clockOffsetFromEnv(env: Record<string, string | undefined>): number {
  const raw = env["MAILSEAL_CLOCK_OFFSET"]?.trim();
  if (raw === undefined || raw === "") return 0;
  if (!/^[+-]?\d{1,13}$/.test(raw)) {
    throw new MailsealError("USAGE", `MAILSEAL_CLOCK_OFFSET ${raw} is not a whole number of milliseconds`);
  }
  const offset = Number(raw);
  if (Math.abs(offset) > MAX_OFFSET_MS) {
    throw new MailsealError("USAGE", `MAILSEAL_CLOCK_OFFSET ${raw} is more than a hundred years`);
  }
  return offset === 0 ? 0 : offset; // no -0
}

export function clockFromEnv(env: Record<string, string | undefined>): Clock {
  return systemClock(clockOffsetFromEnv(env));
}
