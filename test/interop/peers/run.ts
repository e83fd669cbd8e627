// Runs the peer tools (openssl, cmsutil, gpgsm, ...) and owns everything they leave behind: temporary
// folders and gpg-agents are registered here and released by `releaseAll()` (called from each suite's
// afterAll) or, as a last resort, when the worker process exits.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A peer tool call that failed; the message carries the command line and the tool's stderr. */
export class PeerError extends Error {
  constructor(
    readonly tool: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    detail?: string,
  ) {
    super(`${tool} ${args.join(" ")}: ${detail ?? `exit ${exitCode}`}\n${stderr.trim()}`);
    this.name = "PeerError";
  }
}

export interface RunOptions {
  /** Bytes written to the tool's standard input (closed at once when absent: a prompt never hangs). */
  readonly stdin?: Uint8Array | string;
  /** Bytes offered on file descriptor 3 (gpgsm `--passphrase-fd 3`). */
  readonly fd3?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that count as success (default: only 0). */
  readonly okCodes?: readonly number[];
}

export interface RunResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

/** No single peer call in these suites takes more than a second; this bounds a wedged tool. */
export const TOOL_TIMEOUT_MS = 30_000;

/** Runs `tool args`, resolves with its output, rejects with a PeerError on a bad exit or timeout. */
export function run(tool: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      stdio: ["pipe", "pipe", "pipe", ...(options.fd3 === undefined ? [] : ["pipe" as const])],
      env: { ...process.env, LC_ALL: "C", ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), TOOL_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new PeerError(tool, args, null, "", e.message));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      const exitCode = code ?? -1;
      if (signal !== null || !(options.okCodes ?? [0]).includes(exitCode)) {
        const detail = signal === null ? `exit ${exitCode}` : `killed by ${signal}`;
        reject(new PeerError(tool, args, code, stderr, detail));
        return;
      }
      resolve({ stdout: Buffer.concat(out), stderr, exitCode });
    });
    // A tool that exits before reading its input closes the pipe: that is its answer, not ours.
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(options.stdin === undefined ? undefined : Buffer.from(options.stdin));
    if (options.fd3 !== undefined) {
      const fd3 = child.stdio[3] as NodeJS.WritableStream & { on(e: "error", f: () => void): void };
      fd3.on("error", () => undefined);
      fd3.end(`${options.fd3}\n`);
    }
  });
}

const releasers: (() => void)[] = [];

/** Registers a synchronous release step (kill an agent, remove a folder); run newest first. */
export function onRelease(release: () => void): void {
  releasers.push(release);
}

/** Runs every registered release step; each runs once even if another one throws. */
export function releaseAll(): void {
  const errors: unknown[] = [];
  while (releasers.length > 0) {
    try {
      releasers.pop()!();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, "releasing interop resources failed");
}

process.once("exit", () => {
  try {
    releaseAll();
  } catch {
    // The process is ending; nothing is left to report to.
  }
});

/** A fresh private folder under the system temp dir, removed by `releaseAll()`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mailseal-${prefix}-`));
  onRelease(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Synchronous variant for release steps (process exit handlers cannot await). */
export function runSync(tool: string, args: readonly string[], env?: Readonly<Record<string, string>>): void {
  spawnSync(tool, args, { stdio: "ignore", env: { ...process.env, ...env }, timeout: TOOL_TIMEOUT_MS });
}

/**
 * A lazily made scratch folder: each call gives a fresh path inside it. The folder is made again after
 * `releaseAll()`, so module-level scratch areas survive from one suite to the next.
 */
export function scratch(prefix: string): (name: string) => string {
  let dir: string | undefined;
  let count = 0;
  return (name) => {
    if (dir === undefined) {
      const made = mkdtempSync(join(tmpdir(), `mailseal-${prefix}-`));
      dir = made;
      onRelease(() => {
        rmSync(made, { recursive: true, force: true });
        dir = undefined;
      });
    }
    return join(dir, `${count++}-${name}`);
  };
}
