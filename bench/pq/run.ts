// `npm run bench:pq`: latency of the post-quantum primitives (shared/src/pki/pq.ts on
// @noble/post-quantum) in this process: ML-KEM key generation, encapsulation and decapsulation,
// ML-DSA signing and verification, per parameter set. Median of N runs after a warm-up (`--quick`:
// fewer runs). Prints a Markdown table; the recorded numbers and what they decided: bench/README.md.
import { hostname } from "node:os";
import {
  generateMlDsaKey,
  generateMlKemKey,
  ML_DSA,
  ML_KEM,
  mlDsaSign,
  mlDsaVerify,
  mlKemDecapsulate,
  mlKemEncapsulate,
} from "../../shared/src/pki/pq.js";

const runs = process.argv.includes("--quick") ? 10 : 100;

function medianMs(run: () => unknown): number {
  for (let i = 0; i < 5; i++) run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const rows: string[] = [];
for (const parameters of ML_KEM) {
  const key = generateMlKemKey(parameters);
  const { ciphertext } = mlKemEncapsulate(parameters, key.encapsulationKey);
  rows.push(
    `| ${parameters.name} | keygen ${medianMs(() => generateMlKemKey(parameters)).toFixed(2)} | encaps ${medianMs(() => mlKemEncapsulate(parameters, key.encapsulationKey)).toFixed(2)} | decaps ${medianMs(() => mlKemDecapsulate(key, ciphertext)).toFixed(2)} |`,
  );
}
const message = new Uint8Array(200).fill(7); // about the size of S/MIME signed attributes
for (const parameters of ML_DSA) {
  const key = generateMlDsaKey(parameters);
  const signature = mlDsaSign(key, message);
  rows.push(
    `| ${parameters.name} | keygen ${medianMs(() => generateMlDsaKey(parameters)).toFixed(2)} | sign ${medianMs(() => mlDsaSign(key, message)).toFixed(2)} | verify ${medianMs(() => mlDsaVerify(parameters, key.publicKey, message, signature)).toFixed(2)} |`,
  );
}
console.log(`Post-quantum primitives, ms (median of ${runs}), ${hostname()}, Node ${process.version}\n`);
console.log("| parameter set | key generation | encaps / sign | decaps / verify |");
console.log("|---|---|---|---|");
for (const row of rows) console.log(row);
