// Everything that depends on time reads a Clock (docs/services.md, "Processes and roles"), so that
// tests and drills can shift it ("three years later") without touching the system time.

export interface Clock {
  now(): Date;
}

/** The system time shifted by `offsetMs` milliseconds (negative: the past). */
export function systemClock(offsetMs = 0): Clock {
  if (!Number.isSafeInteger(offsetMs)) throw new RangeError(`clock offset ${offsetMs} is not a whole number of ms`);
  return { now: () => new Date(Date.now() + offsetMs) };
}

/** A clock that stands still until moved: for tests of expiry and rotation. */
export interface ManualClock extends Clock {
  set(time: Date): void;
  advance(ms: number): void;
}

export function manualClock(start: Date): ManualClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set: (time) => {
      current = time.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
