// Wycheproof DSA vectors (DsaVerify) for the DSA area: the signature DER as given, the digest
// from the core's own SHA, the key's p, q, g, y.
import { dsaVerify, type DsaCore } from "../../src/dsa/index.js";
import { CryptoError } from "../../src/errors.js";
import { hash as coreHash, type HashAlgorithm, type HashCore } from "../../src/hash/index.js";
import { fromHex } from "../support/bytes.js";
import type { VectorFileHandler, VectorTally } from "./types.js";

interface Test {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: "valid" | "invalid" | "acceptable";
}
interface Group {
  type: string;
  sha: string;
  publicKey: { p: string; q: string; g: string; y: string };
  tests: Test[];
}

export const dsaVectorFiles = [
  "dsa_2048_224_sha224_test.json",
  "dsa_2048_256_sha256_test.json",
  "dsa_3072_256_sha256_test.json",
] as const;

export const handlers: VectorFileHandler[] = [
  {
    files: dsaVectorFiles,
    run(_file, json, core): VectorTally {
      const dsa = core as unknown as DsaCore;
      const tally: VectorTally = { passed: 0, failed: 0, skipped: 0, notes: [] };
      for (const group of (json as { testGroups: Group[] }).testGroups) {
        if (group.type !== "DsaVerify") throw new Error(`unexpected group type ${group.type}`);
        const key = {
          p: fromHex(group.publicKey.p),
          q: fromHex(group.publicKey.q),
          g: fromHex(group.publicKey.g),
          y: fromHex(group.publicKey.y),
        };
        for (const test of group.tests) {
          const digest = coreHash(core as unknown as HashCore, group.sha as HashAlgorithm, fromHex(test.msg));
          let accepted: boolean;
          let detail = "";
          try {
            accepted = dsaVerify(dsa, key, digest, fromHex(test.sig));
          } catch (error) {
            if (!(error instanceof CryptoError)) throw error;
            accepted = false;
            detail = ` (${error.code})`;
          }
          if (test.result === "acceptable") {
            tally.passed++;
            tally.notes.push(`tcId ${test.tcId} (acceptable, ${test.comment}): ${accepted ? "accepted" : "rejected"}`);
          } else if (accepted === (test.result === "valid")) {
            tally.passed++;
          } else {
            tally.failed++;
            tally.notes.push(
              `tcId ${test.tcId} (${test.result}, ${test.comment}): ${accepted ? "accepted" : "rejected"}${detail}`,
            );
          }
        }
      }
      return tally;
    },
  },
];
