// Whole-process wall time and peak RSS of one command line (or a pipe of two), and the round-trip
// check. Wall time is taken here around the spawn, so it includes process start-up, as a user sees
// it; peak RSS is GNU time's %M (the kernel's ru_maxrss) of each process in the pipe.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** One process: its argv, and files for stdin and stdout when it reads or writes them. */
export interface Command {
  readonly argv: readonly string[];
  readonly stdin?: string;
  readonly stdout?: string;
}

export interface Timed {
  readonly ms: number;
  /** Sum over the processes of the pipe: they run at the same time, so this bounds their joint peak. */
  readonly rssKiB: number;
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

let sequence = 0;

/** Runs `commands` as a shell pipe (`a | b`) under /usr/bin/time; throws with stderr on failure. */
export async function timePipe(commands: readonly Command[], scratch: string): Promise<Timed> {
  const rssFiles = commands.map(() => join(scratch, `rss-${++sequence}`));
  const line = commands
    .map((command, i) => {
      let words = ["/usr/bin/time", "-f", "%M", "-o", rssFiles[i]!, ...command.argv].map(quote).join(" ");
      if (command.stdin !== undefined) words += ` < ${quote(command.stdin)}`;
      if (command.stdout !== undefined) words += ` > ${quote(command.stdout)}`;
      return words;
    })
    .join(" | ");
  // pipefail is not in POSIX sh: bash, so a failure early in the pipe is not hidden by a later success.
  const start = performance.now();
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", line], { stdio: ["ignore", "ignore", "pipe"] });
    let text = "";
    child.stderr.setEncoding("utf8").on("data", (data: string) => (text += data));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${line}\n${text}`))));
  });
  const ms = performance.now() - start;
  let rssKiB = 0;
  for (const file of rssFiles) {
    // GNU time writes "Command exited with non-zero status" first on failure; success leaves the number.
    const value = Number(readFileSync(file, "utf8").trim().split("\n").at(-1));
    if (!Number.isFinite(value)) throw new Error(`no peak RSS from /usr/bin/time for ${line}\n${stderr}`);
    rssKiB += value;
    rmSync(file);
  }
  return { ms, rssKiB };
}

/** SHA-256 of a file, hex, read as a stream (the 1 GiB inputs are never held whole). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
