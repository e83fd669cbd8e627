// Wycheproof ML-KEM (MLKEMTest) and ML-DSA (MlDsaVerify) vectors. The crypto core has no lattice
// code: these run the library's post-quantum primitives (shared/src/pki/pq.ts, @noble/post-quantum),
// so the `core` each handler receives is not used. ML-KEM: the key pair from the 64-byte seed, the
// encapsulation key compared when given, then decapsulation; an invalid test (seed or ciphertext of
// the wrong length) must be refused with a stable code. ML-DSA: pure verification with the context.
import { MailsealError } from "../../../shared/src/errors/index.js";
import {
  ML_DSA,
  ML_KEM,
  mlDsaVerify,
  mlKemDecapsulate,
  mlKemKeyFromSeed,
  type MlDsaParameters,
  type MlKemParameters,
} from "../../../shared/src/pki/pq.js";
import { equalBytes, fromHex } from "../support/bytes.js";
import type { VectorFileHandler, VectorTally } from "./types.js";

interface KemTest {
  tcId: number;
  comment?: string;
  seed: string;
  ek?: string;
  c: string;
  K: string;
  result: "valid" | "invalid" | "acceptable";
}
interface KemGroup {
  type: string;
  parameterSet: string;
  tests: KemTest[];
}
interface DsaTest {
  tcId: number;
  comment: string;
  msg: string;
  ctx?: string;
  sig: string;
  result: "valid" | "invalid" | "acceptable";
}
interface DsaGroup {
  type: string;
  publicKey: string;
  tests: DsaTest[];
}

export const mlKemVectorFiles = ["mlkem_512_test.json", "mlkem_768_test.json", "mlkem_1024_test.json"] as const;
export const mlDsaVectorFiles = [
  "mldsa_44_verify_test.json",
  "mldsa_65_verify_test.json",
  "mldsa_87_verify_test.json",
] as const;

function tallyOne(
  tally: VectorTally,
  test: { tcId: number; comment?: string; result: string },
  accepted: boolean,
  detail: string,
): void {
  if (test.result === "acceptable") {
    tally.passed++;
    tally.notes.push(`tcId ${test.tcId} (acceptable, ${test.comment ?? ""}): ${accepted ? "accepted" : "rejected"}`);
  } else if (accepted === (test.result === "valid")) {
    tally.passed++;
  } else {
    tally.failed++;
    tally.notes.push(
      `tcId ${test.tcId} (${test.result}, ${test.comment ?? ""}): ${accepted ? "accepted" : "rejected"}${detail}`,
    );
  }
}

/** One ML-KEM test: true when the key pair and the shared secret come out as the vector says. */
function runKem(parameters: MlKemParameters, test: KemTest): { accepted: boolean; detail: string } {
  try {
    const key = mlKemKeyFromSeed(parameters, fromHex(test.seed));
    if (test.ek !== undefined && !equalBytes(key.encapsulationKey, fromHex(test.ek)))
      return { accepted: false, detail: " (encapsulation key differs)" };
    const secret = mlKemDecapsulate(key, fromHex(test.c));
    if (!equalBytes(secret, fromHex(test.K))) return { accepted: false, detail: " (shared secret differs)" };
    return { accepted: true, detail: "" };
  } catch (error) {
    // Only a stable code counts as a refusal: anything else is a crash of the primitive.
    if (!(error instanceof MailsealError)) throw error;
    return { accepted: false, detail: ` (${error.code})` };
  }
}

function parametersNamed<T extends { name: string }>(table: readonly T[], name: string): T {
  const found = table.find((p) => p.name === name);
  if (found === undefined) throw new Error(`unexpected parameter set ${name}`);
  return found;
}

export const handlers: VectorFileHandler[] = [
  {
    files: mlKemVectorFiles,
    run(_file, json): VectorTally {
      const tally: VectorTally = { passed: 0, failed: 0, skipped: 0, notes: [] };
      for (const group of (json as { testGroups: KemGroup[] }).testGroups) {
        if (group.type !== "MLKEMTest") throw new Error(`unexpected group type ${group.type}`);
        const parameters = parametersNamed(ML_KEM, group.parameterSet);
        for (const test of group.tests) {
          const { accepted, detail } = runKem(parameters, test);
          tallyOne(tally, test, accepted, detail);
        }
      }
      return tally;
    },
  },
  {
    files: mlDsaVectorFiles,
    run(_file, json): VectorTally {
      const tally: VectorTally = { passed: 0, failed: 0, skipped: 0, notes: [] };
      const parameters: MlDsaParameters = parametersNamed(ML_DSA, (json as { algorithm: string }).algorithm);
      for (const group of (json as { testGroups: DsaGroup[] }).testGroups) {
        if (group.type !== "MlDsaVerify") throw new Error(`unexpected group type ${group.type}`);
        const publicKey = fromHex(group.publicKey);
        for (const test of group.tests) {
          const context = test.ctx === undefined ? undefined : fromHex(test.ctx);
          const failure = mlDsaVerify(parameters, publicKey, fromHex(test.msg), fromHex(test.sig), context);
          tallyOne(tally, test, failure === null, failure === null ? "" : ` (${failure})`);
        }
      }
      return tally;
    },
  },
];
