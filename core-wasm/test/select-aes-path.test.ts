// Who carries bulk AES: the choice must follow the overrides, and a slow first call (the thread pool
// starting) or one slow call must not send a whole run to the slower path.
import { describe, expect, it } from "vitest";
import { AesCtr, type AesExports } from "../src/aes/index.js";
import { chooseAesPath } from "../src/service/select-aes-path.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

const core = (await loadBuilds<BaseExports & AesExports>())[0]!.core;
/** Busy for `ms` milliseconds (timers are too coarse for sub-millisecond delays). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/**
 * The WASM path's best time over 256 KiB of AES-CTR, as chooseAesPath measures it, but over more
 * runs: the delays below are multiples of it, so it must be the machine's real best, not a moment's
 * (on a loaded machine a best of six could be twice it, and then a "0.9 times slower" WebCrypto would
 * really be 1.8 times slower).
 */
function wasmTime(): number {
  const ctr = new AesCtr(core, new Uint8Array(32), new Uint8Array(16));
  const data = new Uint8Array(256 * 1024);
  let best = Infinity;
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    ctr.update(data);
    best = Math.min(best, performance.now() - start);
  }
  ctr.dispose();
  return best;
}

/** The platform's SubtleCrypto with `delay(callNumber)` milliseconds added to each encrypt. */
function delayedSubtle(delay: (call: number) => number): SubtleCrypto {
  const real = globalThis.crypto.subtle;
  let calls = 0;
  return {
    importKey: real.importKey.bind(real),
    encrypt: async (...args: Parameters<SubtleCrypto["encrypt"]>) => {
      spin(delay(calls++));
      return real.encrypt(...args);
    },
  } as SubtleCrypto;
}

/** The choice when every WebCrypto call is delayed by `factor` times the WASM path's own time. */
function choiceWithWebCryptoSlowerBy(factor: number): Promise<string> {
  const wasm = wasmTime();
  return chooseAesPath(
    "auto",
    core,
    delayedSubtle(() => wasm * factor),
  );
}

describe("chooseAesPath", () => {
  it("follows an explicit choice, and takes WASM where there is no WebCrypto", async () => {
    expect(await chooseAesPath("wasm", core, globalThis.crypto.subtle)).toBe("wasm");
    expect(await chooseAesPath("webcrypto", core, globalThis.crypto.subtle)).toBe("webcrypto");
    expect(await chooseAesPath("auto", core, undefined)).toBe("wasm");
    await expect(chooseAesPath("webcrypto", core, undefined)).rejects.toThrow(/no WebCrypto/);
  });

  it("is not swayed by a slow first WebCrypto call, one slow call, or WebCrypto a little slower", async () => {
    const slowStart = delayedSubtle((call) => (call === 0 ? 20 : 0));
    expect(await chooseAesPath("auto", core, slowStart)).toBe("webcrypto");
    const oneHiccup = delayedSubtle((call) => (call === 2 ? 20 : 0));
    expect(await chooseAesPath("auto", core, oneHiccup)).toBe("webcrypto");
    // A busy thread pool can make WebCrypto look slightly slower than WASM for a moment; where it has
    // hardware AES it is several times faster on real work, so a small difference keeps WebCrypto.
    expect(await choiceWithWebCryptoSlowerBy(0.9)).toBe("webcrypto");
  });

  it("takes WASM when WebCrypto is clearly slower on every call", async () => {
    expect(await choiceWithWebCryptoSlowerBy(3)).toBe("wasm");
  });
});
