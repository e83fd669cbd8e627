// Every process the Thunderbird harness starts is registered here by PID and ends by PID: in the
// harness's own stop() calls, and as a last resort in killAll() (afterAll, and on process exit), so
// a failing test never leaves a Thunderbird or a Dovecot behind.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

const running = new Set<ChildProcess>();

export interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Output kept for error messages (last 64 KiB). */
  output(): string;
}

export function start(command: string, args: readonly string[], options: SpawnOptions = {}): Started {
  // Its own process group: Thunderbird forks content processes, which must go with it.
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...options });
  let output = "";
  const keep = (chunk: Buffer): void => {
    // Headless GTK complains about icon themes on every window: noise that would hide the real lines.
    const lines = chunk
      .toString("utf8")
      .split("\n")
      .filter((line) => line.trim() !== "" && !/gtk_icon_theme|Gtk-CRITICAL|GDK_IS_SCREEN/.test(line));
    if (lines.length > 0) output = (output + lines.join("\n") + "\n").slice(-65536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  running.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once("error", (error) => {
      running.delete(child);
      output += `\n${String(error)}`;
      resolve(null);
    });
  });
  return { child, exited, output: () => output };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the leader has exited. */
export async function stop(started: Started, graceMs = 3000): Promise<void> {
  const { child, exited } = started;
  if (child.exitCode === null && child.signalCode === null) {
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
  // Children of the group (content processes) may outlive the leader for a moment.
  killGroup(child, "SIGKILL");
}

export function killAll(): void {
  for (const child of running) killGroup(child, "SIGKILL");
}

process.once("exit", killAll);
