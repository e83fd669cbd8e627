// A progress bar on stderr for long runs: only when stderr is a terminal (never in pipes or logs)
// and the input is large, redrawn at most a few times a second.

/** Inputs above this get a progress bar (smaller ones finish before a bar would help). */
export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
/** Minimum time between redraws. */
export const PROGRESS_INTERVAL_MS = 200;

export interface ProgressTerminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

const MIB = 1024 * 1024;

/**
 * Counts bytes and draws `[#####.....]  45%  115.2/256.0 MiB  80.1 MiB/s` on one line. With an
 * unknown total (a pipe) it appears once PROGRESS_MIN_BYTES have gone by and shows bytes and rate.
 */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private drawn = false;
  private readonly start: number;

  constructor(
    private readonly terminal: ProgressTerminal,
    private readonly total: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  private get active(): boolean {
    return this.terminal.isTTY === true && (this.total ?? this.done) > PROGRESS_MIN_BYTES;
  }

  add(bytes: number): void {
    this.done += bytes;
    if (!this.active) return;
    const time = this.now();
    if (this.drawn && time - this.lastDraw < PROGRESS_INTERVAL_MS) return;
    this.lastDraw = time;
    this.drawn = true;
    this.terminal.write(`\r${this.line(time)}\x1b[K`);
  }

  /** Removes the bar, so that a result or an error prints on a clean line. */
  clear(): void {
    if (this.drawn) this.terminal.write("\r\x1b[K");
    this.drawn = false;
  }

  private line(time: number): string {
    const seconds = Math.max((time - this.start) / 1000, 0.001);
    const rate = `${(this.done / MIB / seconds).toFixed(1)} MiB/s`;
    if (this.total === undefined) return `${(this.done / MIB).toFixed(1)} MiB  ${rate}`;
    const fraction = Math.min(this.done / this.total, 1);
    const width = Math.max(10, Math.min(40, (this.terminal.columns || 80) - 40));
    const filled = Math.round(fraction * width);
    const percent = `${Math.floor(fraction * 100)}`.padStart(3);
    const amount = `${(this.done / MIB).toFixed(1)}/${(this.total / MIB).toFixed(1)} MiB`;
    return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${percent}%  ${amount}  ${rate}`;
  }
}
