// `npm run bench:core`: throughput of each core primitive per build and AES path, and RSA latencies.
// In process through CoreService (the worker adds one message per chunk), warm, best of 3 runs
// (`--quick`: 1 run, less data). Prints a Markdown table; a full run also writes
// bench/core/results/<date>-<host>.json. The recorded numbers and the targets: bench/README.md.
import { generateKeyPairSync, privateEncrypt } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreService, rsaPrivateKeyFromJwk, type CipherName, type HashAlgorithm } from "@mailseal/core-wasm";

const MiB = 1024 * 1024;
const quick = process.argv.includes("--quick");
const total = quick ? 8 * MiB : 64 * MiB;
const chunk = new Uint8Array(MiB).map((_, i) => (i * 31) & 0xff);

interface Row {
  primitive: string;
  build: string;
  path: string;
  value: number;
  unit: "MB/s" | "ms";
}
const rows: Row[] = [];

async function bestMs(runs: number, run: () => Promise<void>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

/** MB/s (10^6 bytes per second) of `total` bytes pushed through a fresh stream per run. */
async function throughput(
  open: () => Promise<{ update(d: Uint8Array): Promise<unknown> }>,
  finish: (s: never) => Promise<unknown>,
): Promise<number> {
  const ms = await bestMs(quick ? 1 : 3, async () => {
    const stream = await open();
    for (let done = 0; done < total; done += chunk.length) await stream.update(chunk);
    await finish(stream as never);
  });
  return total / 1e6 / (ms / 1000);
}

function record(primitive: string, build: string, path: string, value: number, unit: Row["unit"]): void {
  rows.push({ primitive, build, path, value, unit });
  console.error(`${build}/${path} ${primitive}: ${value.toFixed(unit === "MB/s" ? 0 : 2)} ${unit}`);
}

const rsaKeys = [2048, 3072, 4096].map((bits) => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const digest = new Uint8Array(32).fill(9);
  // A PKCS#1 v1.5 signature by node:crypto over that SHA-256 digest, for the verify timing.
  const digestInfo = Buffer.concat([Buffer.from("3031300d060960864801650304020105000420", "hex"), digest]);
  const signature = privateEncrypt(privateKey, digestInfo); // EMSA-PKCS1-v1_5 block type 1
  return { bits, key: rsaPrivateKeyFromJwk(privateKey.export({ format: "jwk" })), digest, signature };
});

for (const build of ["simd", "baseline"] as const) {
  for (const aes of ["wasm", "webcrypto"] as const) {
    const core = await CoreService.open({ build, aes });
    const ciphers: CipherName[] = ["aes-128-ctr", "aes-256-ctr", "aes-256-cbc", "aes-128-gcm", "aes-256-gcm"];
    for (const cipher of ciphers) {
      const key = new Uint8Array(Number(cipher.slice(4, 7)) / 8).fill(7);
      const iv = new Uint8Array(cipher.endsWith("gcm") ? 12 : 16);
      const encrypt = await throughput(
        () => core.createEncryptor({ cipher, key, iv }),
        (s: { final(): Promise<unknown> }) => s.final(),
      );
      record(`${cipher} encrypt`, build, aes, encrypt, "MB/s");
      if (cipher.endsWith("ctr")) continue;
      // Decrypting garbage: the stream is disposed instead of finished, so no padding or tag check runs.
      const decrypt = await throughput(
        () => core.createDecryptor({ cipher, key, iv }),
        async (s: { dispose(): void }) => s.dispose(),
      );
      record(`${cipher} decrypt`, build, aes, decrypt, "MB/s");
    }
    if (aes === "webcrypto") continue;

    // Triple-DES is always WASM. CBC encryption is sequential (a whole bitsliced pass per block), so
    // only decryption is measured: reading old S/MIME is what it is for.
    const desKey = new Uint8Array(24).fill(7);
    const desDecrypt = await throughput(
      () => core.createDecryptor({ cipher: "des-ede3-cbc", key: desKey, iv: new Uint8Array(8) }),
      async (s: { dispose(): void }) => s.dispose(),
    );
    record("des-ede3-cbc decrypt", build, "wasm", desDecrypt, "MB/s");

    for (const alg of ["SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"] as HashAlgorithm[]) {
      record(
        alg,
        build,
        "wasm",
        await throughput(
          () => core.createHash(alg),
          (s: { digest(): Promise<unknown> }) => s.digest(),
        ),
        "MB/s",
      );
    }
    const hmac = await throughput(
      () => core.createHmac("SHA-256", new Uint8Array(32)),
      (s: { digest(): Promise<unknown> }) => s.digest(),
    );
    record("HMAC-SHA-256", build, "wasm", hmac, "MB/s");
    for (const lineLength of [76, 0] as const) {
      const encode = await throughput(
        () => core.createBase64Encoder({ lineLength }),
        (s: { final(): Promise<unknown> }) => s.final(),
      );
      record(lineLength ? "base64 encode + wrap 76" : "base64 encode", build, "wasm", encode, "MB/s");
    }
    const wrapped = await (async () => {
      const encoder = await core.createBase64Encoder({ lineLength: 76 });
      // A whole number of 3-byte groups, so the encoded chunks concatenate without inner padding.
      const head = await encoder.update(chunk.subarray(0, chunk.length - (chunk.length % 3)));
      return Buffer.concat([head, await encoder.final()]);
    })();
    const decodeMs = await bestMs(quick ? 1 : 3, async () => {
      const decoder = await core.createBase64Decoder();
      for (let done = 0; done < total; done += chunk.length) await decoder.update(wrapped);
      await decoder.final();
    });
    record("base64 decode (wrapped input)", build, "wasm", total / 1e6 / (decodeMs / 1000), "MB/s");

    for (const { bits, key, digest, signature } of rsaKeys) {
      const runs = quick ? 3 : 20;
      const loadMs =
        (await bestMs(1, async () => {
          for (let i = 0; i < runs; i++) (await core.loadRsaPrivateKey(key)).dispose();
        })) / runs;
      record(`RSA-${bits} key load`, build, "wasm", loadMs, "ms");
      const loaded = await core.loadRsaPrivateKey(key);
      const input = new Uint8Array(bits / 8).fill(1, 1); // modulus length, below n
      await loaded.privateOp(input);
      const privateMs =
        (await bestMs(1, async () => {
          for (let i = 0; i < runs; i++) await loaded.privateOp(input);
        })) / runs;
      loaded.dispose();
      record(`RSA-${bits} private op`, build, "wasm", privateMs, "ms");
      const verifyMs =
        (await bestMs(1, async () => {
          for (let i = 0; i < runs; i++) {
            if (!(await core.rsaPkcs1v15Verify(key, "SHA-256", digest, signature))) throw new Error("verify failed");
          }
        })) / runs;
      record(`RSA-${bits} PKCS#1 v1.5 verify`, build, "wasm", verifyMs, "ms");
    }
  }
}

const table = [
  "| primitive | build | path | result |",
  "| --- | --- | --- | ---: |",
  ...rows.map(
    (r) => `| ${r.primitive} | ${r.build} | ${r.path} | ${r.value.toFixed(r.unit === "MB/s" ? 0 : 2)} ${r.unit} |`,
  ),
].join("\n");
console.log(table);
if (!quick) {
  const folder = join(dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(folder, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const file = join(folder, `${date}-${hostname()}.json`);
  writeFileSync(file, `${JSON.stringify({ date, host: hostname(), node: process.version, rows }, null, 2)}\n`);
  console.error(`wrote ${file}`);
}
