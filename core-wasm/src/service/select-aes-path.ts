// Chooses who carries bulk AES. WebCrypto is used only where it exists and measures faster than the
// constant-time WASM AES on this machine (hardware AES); both give the same bytes.
import { AesCtr, type AesCore } from "../aes/index.js";
import type { AesPath } from "./api.js";
import { WebCryptoCtr } from "./aes-webcrypto.js";

const SAMPLE_BYTES = 256 * 1024;
const TRIES = 5;
/**
 * WASM is chosen only when it is clearly faster: where WebCrypto has hardware AES it is about ten
 * times faster, and one slow call (a busy thread pool) must not send a whole run to the slow path.
 */
const WASM_MARGIN = 1.5;

async function bestTime(run: () => Promise<unknown> | unknown): Promise<number> {
  await run(); // warm-up: the first WebCrypto call starts the thread pool, the first WASM call compiles
  let best = Infinity;
  for (let i = 0; i < TRIES; i++) {
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
  const platform = await WebCryptoCtr.create(subtle, key, counter);
  const webcrypto = await bestTime(() => platform.update(data));
  const ctr = new AesCtr(core, key, counter);
  const wasm = await bestTime(() => ctr.update(data)).finally(() => ctr.dispose());
  return wasm * WASM_MARGIN < webcrypto ? "wasm" : "webcrypto";
}
