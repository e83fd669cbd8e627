// Runs the built command (bin/mailseal.mjs and its bundle) as a child process, the way users run it.
// The bundle is rebuilt first when a source is newer than it.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(cli, "..");
export const BIN = join(cli, "bin", "mailseal.mjs");
const BUNDLE = join(cli, "dist", "mailseal.mjs");

function newest(folder: string): number {
  let time = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) time = Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return time;
}

/** Builds the bundle when it is missing or older than the command's, the library's or the core's sources. */
export function ensureBundle(): void {
  const wasm = join(root, "core-wasm", "build");
  if (!existsSync(join(wasm, "core.simd.wasm"))) {
    execFileSync("npm", ["run", "build", "-w", "@mailseal/core-wasm"], { cwd: root, stdio: "ignore" });
  }
  const sources = Math.max(
    newest(join(cli, "src")),
    newest(join(root, "shared", "src")),
    newest(join(root, "engine", "src")),
    newest(join(root, "server", "src")),
    newest(join(root, "core-wasm", "src")),
    newest(wasm),
  );
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < sources) {
    execFileSync(process.execPath, [join(cli, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
  }
}

export interface Result {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** `mailseal ...args` with `stdin` as its standard input; resolves when it exits. */
export function mailseal(
  args: readonly string[],
  stdin?: Uint8Array | string,
  env: NodeJS.ProcessEnv = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, MAILSEAL_DEBUG: "", ...env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (status) =>
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") }),
    );
    child.stdin.on("error", () => undefined); // the command may exit before reading everything
    child.stdin.end(stdin === undefined ? undefined : Buffer.from(stdin));
  });
}
