// Wycheproof ECDSA vectors (EcdsaVerify, P-256/SHA-256, P-384/SHA-384, P-521/SHA-512): not the core's
// code but the platform's WebCrypto, through the function SignedData uses for ECDSA SignerInfos
// (shared's verifyEcdsaSignature, RFC 5753 2.1.1). Wycheproof's signatures are DER Ecdsa-Sig-Value
// (RFC 3279 2.2.3), WebCrypto takes r || s (IEEE P1363): that conversion, with its refusals of
// BER, negative or oversized integers and trailing bytes, is part of what these files check.
// "valid" must verify, "invalid" must not; "acceptable" ones are counted as passed with their outcome.
import type { EcCurve } from "../../../shared/src/pki/certificate.js";
import { verifyEcdsaSignature } from "../../../shared/src/pki/signature.js";
import { fromHex } from "../support/bytes.js";
import type { VectorFileHandler, VectorTally } from "./types.js";

interface Test {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: "valid" | "invalid" | "acceptable";
}
interface Group {
  type: string;
  publicKey: { curve: string };
  publicKeyDer: string;
  sha: "SHA-256" | "SHA-384" | "SHA-512";
  tests: Test[];
}

const CURVES: Record<string, EcCurve> = { secp256r1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

export const ecdsaVectorFiles = [
  "ecdsa_secp256r1_sha256_test.json",
  "ecdsa_secp384r1_sha384_test.json",
  "ecdsa_secp521r1_sha512_test.json",
] as const;

async function runEcdsa(json: unknown): Promise<VectorTally> {
  const tally: VectorTally = { passed: 0, failed: 0, skipped: 0, notes: [] };
  for (const group of (json as { testGroups: Group[] }).testGroups) {
    if (group.type !== "EcdsaVerify") throw new Error(`unexpected group type ${group.type}`);
    const curve = CURVES[group.publicKey.curve];
    if (curve === undefined) throw new Error(`unexpected curve ${group.publicKey.curve}`);
    const publicKey = { kind: "ec", curve, spki: fromHex(group.publicKeyDer) } as const;
    for (const t of group.tests) {
      const check = await verifyEcdsaSignature(publicKey, group.sha, fromHex(t.msg), fromHex(t.sig));
      const outcome = check.ok ? "verified" : `refused (${check.reason})`;
      if (t.result === "acceptable") {
        tally.passed++;
        tally.notes.push(`tcId ${t.tcId} (acceptable, ${t.flags.join(",")}; ${t.comment}): ${outcome}`);
      } else if (check.ok === (t.result === "valid")) {
        tally.passed++;
      } else {
        tally.failed++;
        tally.notes.push(`tcId ${t.tcId} (${t.result}; ${t.flags.join(",")}; ${t.comment}): ${outcome}`);
      }
    }
  }
  return tally;
}

export const handlers: VectorFileHandler[] = [{ files: ecdsaVectorFiles, run: (_file, json) => runEcdsa(json) }];
