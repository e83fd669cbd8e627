// `npm run bench:core`: throughput of each core primitive per build and AES path, and RSA latencies.
// In process (no worker hop), warm, best of several runs. Prints a Markdown table and writes
// bench/core/results/<date>-<host>.json. Numbers are recorded in bench/README.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyPairSync } from "node:crypto";
import { CoreService } from "../../core-wasm/src/service/core-service.js";
import type { CipherName } from "../../core-wasm/src/service/api.js";
import type { RsaPrivateKey } from "../../core-wasm/src/rsa/index.js";

const MiB = 1024 * 1024;
const quick = process.argv.includes("--quick");
const total = quick ? 8 * MiB : 64 * MiB;
const chunk = MiB;
const data = new Uint8Array(chunk).map((_, i) => i * 31);

interface Row {
  primitive: string;
  build: string;
  path: string;
  value: number;
  unit: "MB/s" | "ms/op";
}
const rows: Row[] = [];

async function best(runs: number, run: () => Promise<void>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

async function throughput(run: () => Promise<void>): Promise<number> {
  const ms = await best(quick ? 1 : 3, run);
  return total / 1e6 / (ms / 1000);
}

async function streamThrough(stream: { update(d: Uint8Array): Promise<unknown> }): Promise<void> {
  for (let done = 0; done < total; done += chunk) await stream.update(data);
}

function rsaKey(bits: number): RsaPrivateKey {
  const jwk = generateKeyPairSync("rsa", { modulusLength: bits }).privateKey.export({ format: "jwk" });
  const part = (name: keyof typeof jwk): Uint8Array => Buffer.from(String(jwk[name]), "base64url");
  return {
    n: part("n"),
    e: part("e"),
    d: part("d"),
    p: part("p"),
    q: part("q"),
    dp: part("dp"),
    dq: part("dq"),
    qi: part("qi"),
  };
}

for (const build of ["simd", "baseline"] as const) {
  for (const aes of ["wasm", "webcrypto"] as const) {
    const core = await CoreService.open({ build, aes });
    for (const cipher of ["aes-256-cbc", "aes-256-ctr", "aes-256-gcm"] as CipherName[]) {
      const iv = new Uint8Array(cipher.endsWith("gcm") ? 12 : 16);
      const key = new Uint8Array(32).fill(7);
      const encrypt = await throughput(async () => {
        const s = await core.createEncryptor({ cipher, key, iv });
        await streamThrough(s);
        await s.final();
      });
      rows.push({ primitive: `${cipher} encrypt`, build, path: aes, value: encrypt, unit: "MB/s" });
      if (!cipher.endsWith("ctr")) {
        const decrypt = await throughput(async () => {
          const s = await core.createDecryptor({ cipher, key, iv });
          await streamThrough(s);
          s.dispose();
        });
        rows.push({ primitive: `${cipher} decrypt`, build, path: aes, value: decrypt, unit: "MB/s" });
      }
      console.error(`${build}/${aes} ${cipher} done`);
    }
    if (aes === "webcrypto") continue;
    for (const alg of ["SHA-1", "SHA-256", "SHA-512"] as const) {
      const value = await throughput(async () => {
        const h = await core.createHash(alg);
        await streamThrough(h);
        await h.digest();
      });
      rows.push({ primitive: alg, build, path: "wasm", value, unit: "MB/s" });
    }
    const b64 = await throughput(async () => {
      const e = await core.createBase64Encoder({ lineLength: 76 });
      await streamThrough(e);
      await e.final();
    });
    rows.push({ primitive: "base64 encode + wrap 76", build, path: "wasm", value: b64, unit: "MB/s" });
    for (const bits of [2048, 3072, 4096]) {
      const key = await core.loadRsaPrivateKey(rsaKey(bits));
      const input = new Uint8Array(bits / 8).fill(1, 1); // modulus length, below n
      const runs = quick ? 3 : 20;
      await key.privateOp(input);
      const ms =
        (await best(1, async () => {
          for (let i = 0; i < runs; i++) await key.privateOp(input);
        })) / runs;
      rows.push({ primitive: `RSA-${bits} private op`, build, path: "wasm", value: ms, unit: "ms/op" });
      key.dispose();
    }
  }
}

const table = [
  "| primitive | build | path | result |",
  "| --- | --- | --- | --- |",
  ...rows.map(
    (r) => `| ${r.primitive} | ${r.build} | ${r.path} | ${r.value.toFixed(r.unit === "MB/s" ? 0 : 2)} ${r.unit} |`,
  ),
].join("\n");
console.log(table);
if (!quick) {
  const folder = join(dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(folder, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  writeFileSync(
    join(folder, `${date}-${hostname()}.json`),
    JSON.stringify({ date, host: hostname(), node: process.version, rows }, null, 2),
  );
}
