// Wycheproof handlers for the AES area: CBC with PKCS#5/7 padding, GCM, key wrap (RFC 3394) and
// key wrap with padding (RFC 5649). Every test of each file runs: "valid" must round-trip to the
// expected bytes, "invalid" must be rejected, "acceptable" is recorded with its outcome.
import { CryptoError } from "../../src/errors.js";
import {
  AesCbcDecryptor,
  AesCbcEncryptor,
  AesGcmDecryptor,
  AesGcmEncryptor,
  aesKeyUnwrap,
  aesKeyUnwrapPad,
  aesKeyWrap,
  aesKeyWrapPad,
  type AesCore,
} from "../../src/aes/index.js";
import type { BaseExports, WasmCore } from "../../src/wasm/instance.js";
import type { VectorFileHandler, VectorTally } from "./types.js";
import { concatBytes, fromHex, toHex } from "../support/bytes.js";

interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: "valid" | "invalid" | "acceptable";
  key: string;
  iv?: string;
  aad?: string;
  msg: string;
  ct: string;
  tag?: string;
}

interface WycheproofFile {
  testGroups: { tests: WycheproofTest[] }[];
}

const hex = fromHex;

/** Runs fn; returns its value, or the CryptoError code it threw (other exceptions propagate). */
function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (error instanceof CryptoError) return { ok: false, code: error.code };
    throw error;
  }
}

/** Outcome of one test: `accepted` means the implementation took the input as valid and matched. */
interface Outcome {
  accepted: boolean;
  detail: string;
}

function cbcTest(core: AesCore, t: WycheproofTest): Outcome {
  const key = hex(t.key),
    iv = hex(t.iv ?? ""),
    msg = hex(t.msg),
    ct = hex(t.ct);
  const decrypted = attempt(() => {
    const d = new AesCbcDecryptor(core, key, iv);
    return concatBytes([d.update(ct), d.final()]);
  });
  if (!decrypted.ok) return { accepted: false, detail: `decrypt rejected (${decrypted.code})` };
  const e = new AesCbcEncryptor(core, key, iv);
  const encrypted = concatBytes([e.update(msg), e.final()]);
  const accepted = toHex(decrypted.value) === t.msg && toHex(encrypted) === t.ct;
  return { accepted, detail: accepted ? "round trip matches" : "decrypt accepted but bytes differ" };
}

function gcmTest(core: AesCore, t: WycheproofTest): Outcome {
  const key = hex(t.key),
    iv = hex(t.iv ?? ""),
    aad = hex(t.aad ?? ""),
    msg = hex(t.msg),
    ct = hex(t.ct);
  const tag = hex(t.tag ?? "");
  const decrypted = attempt(() => {
    const d = new AesGcmDecryptor(core, key, iv);
    d.aad(aad);
    const plain = d.update(ct);
    d.final(tag);
    return plain;
  });
  if (!decrypted.ok) return { accepted: false, detail: `decrypt rejected (${decrypted.code})` };
  const e = new AesGcmEncryptor(core, key, iv, tag.length);
  e.aad(aad);
  const encrypted = e.update(msg);
  const encTag = e.final();
  const accepted = toHex(decrypted.value) === t.msg && toHex(encrypted) === t.ct && toHex(encTag) === t.tag;
  return { accepted, detail: accepted ? "round trip matches" : "decrypt accepted but bytes differ" };
}

type Wrap = (core: AesCore, kek: Uint8Array, data: Uint8Array) => Uint8Array;

function wrapTest(wrap: Wrap, unwrap: Wrap) {
  return (core: AesCore, t: WycheproofTest): Outcome => {
    const key = hex(t.key),
      msg = hex(t.msg),
      ct = hex(t.ct);
    const unwrapped = attempt(() => unwrap(core, key, ct));
    const wrapped = attempt(() => wrap(core, key, msg));
    if (!unwrapped.ok) {
      const wrapNote = wrapped.ok ? (toHex(wrapped.value) === t.ct ? "; but wrap produced ct" : "") : "";
      return { accepted: wrapNote !== "", detail: `unwrap rejected (${unwrapped.code})${wrapNote}` };
    }
    const accepted = toHex(unwrapped.value) === t.msg && wrapped.ok && toHex(wrapped.value) === t.ct;
    return { accepted, detail: accepted ? "round trip matches" : "unwrap accepted but bytes differ" };
  };
}

function runFile(json: unknown, core: AesCore, test: (core: AesCore, t: WycheproofTest) => Outcome): VectorTally {
  const tally: VectorTally = { passed: 0, failed: 0, skipped: 0, notes: [] };
  for (const group of (json as WycheproofFile).testGroups) {
    for (const t of group.tests) {
      const outcome = test(core, t);
      const label = `tcId ${t.tcId} (${t.result}; ${t.flags.join(",")}${t.comment ? `; ${t.comment}` : ""})`;
      if (t.result === "acceptable") {
        tally.passed++;
        tally.notes.push(`${label}: acceptable, ${outcome.accepted ? "accepted" : "rejected"}: ${outcome.detail}`);
      } else if (outcome.accepted === (t.result === "valid")) {
        tally.passed++;
      } else {
        tally.failed++;
        tally.notes.push(`${label}: ${outcome.detail}`);
      }
    }
  }
  return tally;
}

const testsByFile: Record<string, (core: AesCore, t: WycheproofTest) => Outcome> = {
  "aes_cbc_pkcs5_test.json": cbcTest,
  "aes_gcm_test.json": gcmTest,
  "aes_wrap_test.json": wrapTest(aesKeyWrap, aesKeyUnwrap),
  "aes_kwp_test.json": wrapTest(aesKeyWrapPad, aesKeyUnwrapPad),
};

export const handlers: VectorFileHandler[] = [
  {
    files: Object.keys(testsByFile),
    run(file: string, json: unknown, core: WasmCore<BaseExports>): VectorTally {
      const test = testsByFile[file];
      if (test === undefined) throw new Error(`AES vector handler: no handler for ${file}`);
      return runFile(json, core as AesCore, test);
    },
  },
];
