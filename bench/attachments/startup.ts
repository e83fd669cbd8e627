// `npm run bench -- --startup`: the whole-process time of `mailseal encrypt` and `decrypt` on a
// 4 KiB message, where start-up is nearly all of it, beside a bare `node -e 0`. Runs interleaved
// (bare, encrypt, decrypt, again), each output checked; the median is what bench/README.md records.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { sha256File, timePipe, type Command } from "./measure.js";
import type { Pki } from "./setup.js";
import { makeInput } from "./setup.js";

export interface StartupSummary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

export interface Startup {
  readonly messageBytes: number;
  readonly bareNode: StartupSummary;
  readonly encrypt: StartupSummary;
  readonly decrypt: StartupSummary;
}

function summarize(runs: number[]): StartupSummary {
  const sorted = [...runs].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)!, runs };
}

export async function measureStartup(pki: Pki, work: string, mailsealBin: string, runs: number): Promise<Startup> {
  const input = await makeInput(work, 4096);
  const sealed = join(work, "startup-sealed.eml");
  const opened = join(work, "startup-opened.eml");
  const node = process.execPath;
  const bare: Command = { argv: [node, "-e", "0"] };
  const encrypt: Command = {
    argv: [node, mailsealBin, "encrypt", "--recipient", pki.bobCert, "--in", input.path, "--out", sealed],
  };
  const decrypt: Command = {
    argv: [node, mailsealBin, "decrypt", "--key", pki.bobKey, "--cert", pki.bobCert, "--in", sealed, "--out", opened],
  };
  // Not counted: the first run of each command after a build writes its code cache (bin/mailseal.mjs).
  await timePipe([encrypt], work);
  await timePipe([decrypt], work);
  const times = { bare: [] as number[], encrypt: [] as number[], decrypt: [] as number[] };
  for (let run = 0; run < runs; run++) {
    times.bare.push((await timePipe([bare], work)).ms);
    times.encrypt.push((await timePipe([encrypt], work)).ms);
    times.decrypt.push((await timePipe([decrypt], work)).ms);
    if ((await sha256File(opened)) !== input.entitySha256) throw new Error("startup: the 4 KiB round trip differs");
    rmSync(opened);
  }
  rmSync(input.path);
  return {
    messageBytes: input.bytes,
    bareNode: summarize(times.bare),
    encrypt: summarize(times.encrypt),
    decrypt: summarize(times.decrypt),
  };
}
