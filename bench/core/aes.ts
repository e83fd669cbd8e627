// Throughput of the constant-time AES core per build: `npx tsx bench/core/aes.ts [--quick]`.
// In process, warm, best of several runs, 1 MiB updates; prints a Markdown table (MB/s = 10^6 B/s)
// by wall clock and by CPU time.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AesCbcDecryptor,
  AesCbcEncryptor,
  AesCtr,
  AesGcmDecryptor,
  AesGcmEncryptor,
  Ghash,
  type AesCore,
  type AesExports,
} from "../../core-wasm/src/aes/index.js";
import { instantiateCore, type BaseExports } from "../../core-wasm/src/wasm/instance.js";

const MiB = 1024 * 1024;
const quick = process.argv.includes("--quick");
const total = quick ? 4 * MiB : 32 * MiB;
const data = new Uint8Array(MiB).map((_, i) => i * 31);
const buildDir = join(dirname(fileURLToPath(import.meta.url)), "../../core-wasm/build");

interface Stream {
  update(d: Uint8Array): unknown;
  dispose(): void;
}

/**
 * Best of several runs, in wall-clock and in CPU time of this process (the second is steadier
 * when other work shares the machine's cores).
 */
function mbPerSecond(open: () => Stream): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  for (let run = 0; run < (quick ? 3 : 5); run++) {
    const stream = open();
    const start = performance.now();
    const startCpu = process.cpuUsage();
    for (let done = 0; done < total; done += data.length) stream.update(data);
    const usedCpu = process.cpuUsage(startCpu);
    wall = Math.min(wall, performance.now() - start);
    cpu = Math.min(cpu, (usedCpu.user + usedCpu.system) / 1000);
    stream.dispose();
  }
  return { wall: total / 1e6 / (wall / 1000), cpu: total / 1e6 / (cpu / 1000) };
}

const rows: string[] = [];
for (const build of ["simd", "baseline"] as const) {
  const bytes = readFileSync(join(buildDir, `core.${build}.wasm`));
  const core: AesCore = await instantiateCore<BaseExports & AesExports>(bytes, build === "simd");
  const iv = new Uint8Array(16).fill(3);
  const iv12 = iv.subarray(0, 12);
  for (const keyBytes of [16, 32]) {
    const key = new Uint8Array(keyBytes).fill(7);
    const bits = keyBytes * 8;
    const cases: [string, () => Stream][] = [
      [`AES-${bits}-CTR`, () => new AesCtr(core, key, iv)],
      [`AES-${bits}-CBC encrypt`, () => new AesCbcEncryptor(core, key, iv)],
      [`AES-${bits}-CBC decrypt`, () => new AesCbcDecryptor(core, key, iv)],
      [`AES-${bits}-GCM encrypt`, () => new AesGcmEncryptor(core, key, iv12)],
      [`AES-${bits}-GCM decrypt`, () => new AesGcmDecryptor(core, key, iv12)],
    ];
    if (keyBytes === 32) cases.push(["GHASH", () => new Ghash(core, iv)]);
    for (const [name, open] of cases) {
      const { wall, cpu } = mbPerSecond(open);
      rows.push(`| ${name} | ${build} | ${wall.toFixed(0)} MB/s | ${cpu.toFixed(0)} MB/s |`);
      console.error(rows.at(-1));
    }
  }
}
console.log(["| primitive | build | wall clock | CPU time |", "| --- | --- | --- | --- |", ...rows].join("\n"));
