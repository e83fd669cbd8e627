// Wycheproof handler for ChaCha20-Poly1305 (RFC 8439 2.8): every test of the file. "valid" must
// decrypt to msg and encrypt to ct || tag; "invalid" (a changed tag, key, nonce, aad or ciphertext,
// or a nonce that is not 96 bits) must be rejected.
import { CryptoError } from "../../src/errors.js";
import { ChaCha20Poly1305Decryptor, ChaCha20Poly1305Encryptor, type ChaChaCore } from "../../src/chacha/index.js";
import type { BaseExports, WasmCore } from "../../src/wasm/instance.js";
import { fromHex, toHex } from "../support/bytes.js";
import type { VectorFileHandler, VectorTally } from "./types.js";

interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: "valid" | "invalid" | "acceptable";
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
}

function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (error instanceof CryptoError) return { ok: false, code: error.code };
    throw error;
  }
}

function runTest(core: ChaChaCore, t: WycheproofTest): { accepted: boolean; detail: string } {
  const key = fromHex(t.key);
  const nonce = fromHex(t.iv);
  const aad = fromHex(t.aad);
  const decrypted = attempt(() => {
    const d = new ChaCha20Poly1305Decryptor(core, key, nonce);
    d.aad(aad);
    const out = d.update(fromHex(t.ct));
    d.final(fromHex(t.tag));
    return out;
  });
  if (!decrypted.ok) return { accepted: false, detail: `decrypt rejected (${decrypted.code})` };
  const e = new ChaCha20Poly1305Encryptor(core, key, nonce);
  e.aad(aad);
  const ct = toHex(e.update(fromHex(t.msg)));
  const tag = toHex(e.final());
  const accepted = toHex(decrypted.value) === t.msg && ct === t.ct && tag === t.tag;
  return { accepted, detail: accepted ? "round trip matches" : "decrypt accepted but bytes differ" };
}

export const handlers: VectorFileHandler[] = [
  {
    files: ["chacha20_poly1305_test.json"],
    run(_file: string, json: unknown, core: WasmCore<BaseExports>): VectorTally {
      const tally: VectorTally = { passed: 0, failed: 0, skipped: 0, notes: [] };
      for (const group of (json as { testGroups: { tests: WycheproofTest[] }[] }).testGroups) {
        for (const t of group.tests) {
          const outcome = runTest(core as ChaChaCore, t);
          if (outcome.accepted === (t.result === "valid")) tally.passed++;
          else {
            tally.failed++;
            tally.notes.push(`tcId ${t.tcId} (${t.result}; ${t.flags.join(",")}; ${t.comment}): ${outcome.detail}`);
          }
        }
      }
      return tally;
    },
  },
];
