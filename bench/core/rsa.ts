// RSA latency per core build: key load, private operation (CRT, blinding, fault check), PKCS #1 v1.5
// decryption with implicit rejection, PKCS #1 v1.5 signing and verification.
// Run: node core-wasm/scripts/build.mjs && npx tsx bench/core/rsa.ts
import { generateKeyPairSync, publicEncrypt, constants, randomBytes, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { instantiateCore } from "../../core-wasm/src/wasm/instance.js";
import {
  pkcs1v15Verify,
  RsaPrivateKeyHandle,
  type RsaCore,
  type RsaExports,
  type RsaPrivateKey,
} from "../../core-wasm/src/rsa/index.js";
import type { BaseExports } from "../../core-wasm/src/wasm/instance.js";

const buildDir = join(import.meta.dirname, "..", "..", "core-wasm", "build");
const sizes = [1024, 2048, 3072, 4096];

function timePerOp(fn: () => void, minMs = 400): number {
  fn();
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    iterations++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return elapsed / iterations;
}

const keys = sizes.map((bits) => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const jwk = privateKey.export({ format: "jwk" });
  const part = (name: "n" | "e" | "d" | "p" | "q" | "dp" | "dq" | "qi"): Uint8Array =>
    Uint8Array.from(Buffer.from(jwk[name]!, "base64url"));
  const key: RsaPrivateKey = {
    n: part("n"),
    e: part("e"),
    d: part("d"),
    p: part("p"),
    q: part("q"),
    dp: part("dp"),
    dq: part("dq"),
    qi: part("qi"),
  };
  return { bits, key, publicKey };
});

for (const build of ["simd", "baseline"] as const) {
  const bytes = readFileSync(join(buildDir, `core.${build}.wasm`));
  const core = (await instantiateCore<BaseExports & RsaExports>(bytes, build === "simd")) as RsaCore;
  for (const { bits, key, publicKey } of keys) {
    const load = timePerOp(() => new RsaPrivateKeyHandle(core, key).dispose());
    const handle = new RsaPrivateKeyHandle(core, key);
    const ct = Uint8Array.from(
      publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, randomBytes(32)),
    );
    const digest = Uint8Array.from(createHash("sha256").update("bench").digest());
    const sig = handle.pkcs1v15Sign("SHA-256", digest);
    const priv = timePerOp(() => handle.privateOp(ct));
    const decrypt = timePerOp(() => handle.pkcs1v15Decrypt(ct));
    const sign = timePerOp(() => handle.pkcs1v15Sign("SHA-256", digest));
    const verify = timePerOp(() => pkcs1v15Verify(core, key, "SHA-256", digest, sig));
    handle.dispose();
    console.log(
      `${build.padEnd(8)} RSA-${bits}: load ${load.toFixed(2)} ms, private op ${priv.toFixed(2)} ms, ` +
        `PKCS#1 decrypt ${decrypt.toFixed(2)} ms, sign ${sign.toFixed(2)} ms, verify ${verify.toFixed(3)} ms`,
    );
  }
}
