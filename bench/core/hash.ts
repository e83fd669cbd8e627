// Throughput of streaming SHA-1/SHA-2 and HMAC per core build, through the host binding
// (including the copies into and out of linear memory). Run: npx tsx bench/core/hash.ts
import { readFileSync } from "node:fs";
import { Hash, Hmac, type HashAlgorithm, type HashExports } from "../../core-wasm/src/hash/index.js";
import { instantiateCore, type BaseExports } from "../../core-wasm/src/wasm/instance.js";

const TOTAL = 256 * 1024 * 1024;
const SLICE = 1024 * 1024;

async function main(): Promise<void> {
  const data = new Uint8Array(SLICE).map((_, i) => (i * 131) & 0xff);
  for (const build of ["simd", "baseline"] as const) {
    const bytes = readFileSync(new URL(`../../core-wasm/build/core.${build}.wasm`, import.meta.url));
    const core = await instantiateCore<BaseExports & HashExports>(bytes, build === "simd");
    for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as HashAlgorithm[]) {
      for (const [label, make] of [
        [alg, () => new Hash(core, alg)],
        [`HMAC-${alg}`, () => new Hmac(core, alg, data.subarray(0, 32))],
      ] as const) {
        const warm = make();
        for (let i = 0; i < 16; i++) warm.update(data);
        warm.dispose();
        const h = make();
        const start = performance.now();
        for (let done = 0; done < TOTAL; done += SLICE) h.update(data);
        h.digest();
        const seconds = (performance.now() - start) / 1000;
        h.dispose();
        console.log(`${build.padEnd(8)} ${label.padEnd(13)} ${(TOTAL / 1e6 / seconds).toFixed(0).padStart(5)} MB/s`);
      }
    }
  }
}

await main();
