// Chooses who carries bulk AES. WebCrypto is used only where it exists and measures faster than the
// constant-time WASM AES on this machine (hardware AES); both give the same bytes.
import { AesCtr, type AesCore } from "../aes/index.js";
import type { AesPath } from "./api.js";
import { WebCryptoCtr } from "./aes-webcrypto.js";

const SAMPLE_BYTES = 256 * 1024;

async function timeIt(run: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

export async function chooseAesPath(
  wanted: AesPath | "auto",
  core: AesCore,
  subtle: SubtleCrypto | undefined,
): Promise<AesPath> {
  if (wanted === "wasm") return "wasm";
  if (subtle === undefined) {
    if (wanted === "webcrypto") throw new Error("MAILSEAL_CRYPTO=webcrypto, but this platform has no WebCrypto");
    return "wasm";
  }
  if (wanted === "webcrypto") return "webcrypto";
  const key = new Uint8Array(32);
  const counter = new Uint8Array(16);
  const data = new Uint8Array(SAMPLE_BYTES);
  const webcrypto = await timeIt(async () => (await WebCryptoCtr.create(subtle, key, counter)).update(data));
  const wasm = await timeIt(async () => {
    const ctr = new AesCtr(core, key, counter);
    ctr.update(data);
    ctr.dispose();
  });
  return webcrypto < wasm ? "webcrypto" : "wasm";
}
