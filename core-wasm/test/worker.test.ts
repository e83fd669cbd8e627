// The portable cases through a real worker_threads worker (the bundled build/worker.node.mjs) for both
// builds and both AES paths, and in process. The same cases run in Chromium (browser.test.ts).
import { transfer } from "comlink";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aesPathFromEnvironment, startNodeCoreWorker, type CoreWorker } from "../src/client/node.js";
import { CryptoError } from "../src/errors.js";
import { CoreService } from "../src/service/core-service.js";
import { portableCases } from "./portable/cases.js";

const variants = [
  { build: "simd", aes: "wasm" },
  { build: "simd", aes: "webcrypto" },
  { build: "baseline", aes: "wasm" },
  { build: "baseline", aes: "webcrypto" },
] as const;

describe.each(variants)("core in a worker_threads worker, $build build, $aes AES", ({ build, aes }) => {
  let worker: CoreWorker;
  beforeAll(async () => {
    worker = await startNodeCoreWorker({ build, aes });
  });
  afterAll(() => worker.close());

  it("runs the requested build and path", async () => {
    expect(await worker.core.info()).toMatchObject({ build, aes });
  });

  it.each(portableCases.map((c) => [c.name, c] as const))("%s", async (_name, testCase) => {
    await testCase.run(worker.core);
  });
});

describe("core in process", () => {
  it.each(portableCases.map((c) => [c.name, c] as const))("%s", async (_name, testCase) => {
    await testCase.run(await CoreService.open({ build: "auto", aes: "auto" }));
  });
});

describe("errors across the worker boundary", () => {
  it("arrive as CryptoError instances with their code", async () => {
    const worker = await startNodeCoreWorker({ aes: "wasm" });
    try {
      const error = await worker.core
        .createEncryptor({ cipher: "aes-256-gcm", key: new Uint8Array(5), iv: new Uint8Array(12) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CryptoError);
      expect(error).toMatchObject({ code: "INVALID_KEY", message: expect.stringContaining("32 bytes") });
    } finally {
      await worker.close();
    }
  });
});

describe("chunks cross the worker as transferables", () => {
  it("an input chunk passed with comlink's transfer() is moved, not copied, and still processed", async () => {
    const worker = await startNodeCoreWorker({ aes: "wasm" });
    try {
      const hash = await worker.core.createHash("SHA-256");
      const chunk = new Uint8Array(1 << 20).fill(0x61);
      const expected = createHash("sha256").update(chunk).digest();
      await hash.update(transfer(chunk, [chunk.buffer]));
      expect(chunk.byteLength).toBe(0); // detached: the worker owns the buffer now
      expect(Buffer.from(await hash.digest())).toEqual(expected);
    } finally {
      await worker.close();
    }
  });
});

describe("MAILSEAL_CRYPTO", () => {
  it("accepts wasm, webcrypto, auto and rejects anything else", () => {
    expect(aesPathFromEnvironment("wasm")).toBe("wasm");
    expect(aesPathFromEnvironment("webcrypto")).toBe("webcrypto");
    expect(aesPathFromEnvironment("")).toBeUndefined();
    expect(() => aesPathFromEnvironment("fast")).toThrow(/wasm, webcrypto or auto/);
  });
});
