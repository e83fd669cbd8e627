// Throughput of streaming SHA-1/SHA-2 and HMAC per core build, through the host binding (including the
// copy into linear memory); best of 5 passes, as other work shares the machine. Run: npx tsx bench/core/hash.ts
import { readFileSync } from "node:fs";
import { Hash, Hmac, type HashAlgorithm, type HashExports } from "../../core-wasm/src/hash/index.js";
import { instantiateCore, type BaseExports } from "../../core-wasm/src/wasm/instance.js";

const PASS = 64 * 1024 * 1024;
const SLICE = 1024 * 1024;

async function main(): Promise<void> {
  const data = new Uint8Array(SLICE).map((_, i) => (i * 131) & 0xff);
  for (const build of ["simd", "baseline"] as const) {
    const bytes = readFileSync(new URL(`../../core-wasm/build/core.${build}.wasm`, import.meta.url));
    const core = await instantiateCore<BaseExports & HashExports>(bytes, build === "simd");
    for (const alg of ["SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"] as HashAlgorithm[]) {
      const results: string[] = [];
      for (const make of [() => new Hash(core, alg), () => new Hmac(core, alg, data.subarray(0, 32))]) {
        let top = 0;
        for (let pass = 0; pass < 5; pass++) {
          const h = make();
          const start = performance.now();
          for (let done = 0; done < PASS; done += SLICE) h.update(data);
          h.digest();
          top = Math.max(top, PASS / 1e3 / (performance.now() - start));
          h.dispose();
        }
        results.push(`${top.toFixed(0).padStart(5)} MB/s`);
      }
      console.log(`${build.padEnd(8)} ${alg.padEnd(7)}  hash ${results[0]}  HMAC ${results[1]}`);
    }
  }
}

await main();
