// Throughput of streaming base64 per core build: through the host binding (including the copies into
// and out of linear memory), and of the core exports alone on data already in linear memory.
// MB/s counts binary bytes (encoder input, decoder output); best of 5 passes, as other work shares the
// machine. Run: npx tsx bench/core/base64.ts
import { readFileSync } from "node:fs";
import { Base64Decoder, Base64Encoder, type Base64Exports } from "../../core-wasm/src/base64/index.js";
import { instantiateCore, type BaseExports } from "../../core-wasm/src/wasm/instance.js";

const PASS = 64 * 1024 * 1024;
const SLICE = 1024 * 1024;
const CORE_SLICE = 45 * 1024;

/** Best MB/s over 5 passes of `run`, which processes about PASS bytes and returns how many. */
function best(run: () => number): string {
  let top = 0;
  for (let pass = 0; pass < 5; pass++) {
    const start = performance.now();
    const bytes = run();
    top = Math.max(top, bytes / 1e3 / (performance.now() - start));
  }
  return `${top.toFixed(0).padStart(5)} MB/s`;
}

async function main(): Promise<void> {
  const data = new Uint8Array(SLICE).map((_, i) => (i * 131 + (i >> 7)) & 0xff);
  for (const build of ["simd", "baseline"] as const) {
    const bytes = readFileSync(new URL(`../../core-wasm/build/core.${build}.wasm`, import.meta.url));
    const core = await instantiateCore<BaseExports & Base64Exports>(bytes, build === "simd");
    const ex = core.exports;

    for (const lineLength of [76, 0] as const) {
      const label = lineLength ? "encode+wrap" : "encode     ";
      const encoder = new Base64Encoder(core, { lineLength });
      const viaHost = best(() => {
        for (let done = 0; done < PASS; done += SLICE) encoder.update(data);
        return PASS;
      });
      encoder.final();

      // Core only: one slice already in linear memory, encoded again and again.
      const ctx = core.alloc(ex.b64_enc_ctx_size());
      ex.b64_enc_init(ctx, lineLength);
      core.write(core.inPtr, data.subarray(0, CORE_SLICE));
      const coreOnly = best(() => {
        let done = 0;
        for (; done < PASS; done += CORE_SLICE) ex.b64_enc_update(ctx, core.inPtr, CORE_SLICE, core.outPtr);
        return done;
      });
      core.free(ctx, ex.b64_enc_ctx_size());
      console.log(`${build.padEnd(8)} ${label}  host API ${viaHost}  core ${coreOnly}`);
    }

    const mime = new Base64Encoder(core, { lineLength: 76 }).update(data);
    const decoder = new Base64Decoder(core);
    const viaHost = best(() => {
      let out = 0;
      for (let done = 0; done < PASS; done += SLICE) out += decoder.update(mime).length;
      return out;
    });
    console.log(`${build.padEnd(8)} decode MIME  host API ${viaHost}`);
  }
}

await main();
