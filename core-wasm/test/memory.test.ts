// Bounded memory: streaming a large input through every streaming primitive leaves the core's linear
// memory at its initial size (no growth with input size, no allocation per chunk).
import { describe, expect, it } from "vitest";
import type { CipherName } from "../src/service/api.js";
import { CoreService } from "../src/service/core-service.js";

const MiB = 1024 * 1024;
const TOTAL = 64 * MiB;
const chunk = new Uint8Array(MiB).map((_, i) => i);

describe.each(["simd", "baseline"] as const)("linear memory stays bounded (%s build)", (build) => {
  it(`after streaming ${TOTAL / MiB} MiB through each cipher, hash and base64`, async () => {
    const core = await CoreService.open({ build, aes: "wasm" });
    const before = (await core.info()).memoryBytes;
    expect(before).toBeLessThanOrEqual(8 * MiB);
    const pass = async (stream: { update(d: Uint8Array): Promise<unknown> }): Promise<void> => {
      for (let done = 0; done < TOTAL; done += chunk.length) await stream.update(chunk);
    };
    for (const cipher of ["aes-256-cbc", "aes-256-gcm"] as CipherName[]) {
      const iv = new Uint8Array(cipher.endsWith("gcm") ? 12 : 16);
      const encryptor = await core.createEncryptor({ cipher, key: new Uint8Array(32), iv });
      await pass(encryptor);
      await encryptor.final();
      const decryptor = await core.createDecryptor({ cipher, key: new Uint8Array(32), iv });
      await pass(decryptor);
      decryptor.dispose();
    }
    for (const alg of ["SHA-256", "SHAKE256"] as const) {
      const hash = await core.createHash(alg);
      await pass(hash);
      await hash.digest();
    }
    const encoder = await core.createBase64Encoder({ lineLength: 76 });
    await pass(encoder);
    await encoder.final();
    expect((await core.info()).memoryBytes).toBe(before);
  }, 120_000);
});
