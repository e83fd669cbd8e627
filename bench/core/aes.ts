// Throughput of the constant-time AES core per build: `npx tsx bench/core/aes.ts [--quick]`.
// In process, warm, best of several runs, 1 MiB updates; prints a Markdown table (MB/s = 10^6 B/s).
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

function mbPerSecond(open: () => Stream): number {
  let fastest = Infinity;
  for (let run = 0; run < (quick ? 2 : 4); run++) {
    const stream = open();
    const start = performance.now();
    for (let done = 0; done < total; done += data.length) stream.update(data);
    fastest = Math.min(fastest, performance.now() - start);
    stream.dispose();
  }
  return total / 1e6 / (fastest / 1000);
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
      rows.push(`| ${name} | ${build} | ${mbPerSecond(open).toFixed(0)} MB/s |`);
      console.error(rows.at(-1));
    }
  }
}
console.log(["| primitive | build | throughput |", "| --- | --- | --- |", ...rows].join("\n"));
