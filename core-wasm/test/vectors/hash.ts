// Wycheproof HMAC vectors (MacTest schema) for the hash area.
import { hmac, type HashAlgorithm, type HashCore } from "../../src/hash/index.js";
import type { BaseExports, WasmCore } from "../../src/wasm/instance.js";
import type { VectorFileHandler, VectorTally } from "./types.js";

interface MacTest {
  tcId: number;
  comment: string;
  key: string;
  msg: string;
  tag: string;
  result: "valid" | "invalid" | "acceptable";
}
interface MacTestGroup {
  tagSize: number;
  tests: MacTest[];
}

const fileAlgorithms: Record<string, HashAlgorithm> = {
  "hmac_sha1_test.json": "SHA-1",
  "hmac_sha256_test.json": "SHA-256",
};

const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, "hex"));

/** A tag verifies when it is exactly tagSize bits long and equals that prefix of the full HMAC. */
function tagMatches(full: Uint8Array, tag: Uint8Array, tagBits: number): boolean {
  if (tagBits % 8 !== 0 || tag.length * 8 !== tagBits || tag.length > full.length) return false;
  return tag.every((byte, i) => byte === full[i]);
}

export const handlers: VectorFileHandler[] = [
  {
    files: Object.keys(fileAlgorithms),
    run(file: string, json: unknown, core: WasmCore<BaseExports>): VectorTally {
      const alg = fileAlgorithms[file];
      if (alg === undefined) throw new Error(`hash vectors: no handler for ${file}`);
      const tally: VectorTally = {
        passed: 0,
        failed: 0,
        skipped: 0,
        notes: [],
      };
      for (const group of (json as { testGroups: MacTestGroup[] }).testGroups) {
        for (const test of group.tests) {
          const full = hmac(core as HashCore, alg, fromHex(test.key), fromHex(test.msg));
          const verified = tagMatches(full, fromHex(test.tag), group.tagSize);
          if (test.result === "acceptable") {
            tally.passed++;
            tally.notes.push(`tcId ${test.tcId} (acceptable, ${test.comment}): ${verified ? "verified" : "rejected"}`);
          } else if (verified === (test.result === "valid")) {
            tally.passed++;
          } else {
            tally.failed++;
            tally.notes.push(
              `tcId ${test.tcId} (${test.result}, ${test.comment}): ${verified ? "verified" : "rejected"}`,
            );
          }
        }
      }
      return tally;
    },
  },
];
