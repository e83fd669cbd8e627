// Wycheproof handlers for X25519 and X448 (RFC 7748) and Ed25519 and Ed448 (RFC 8032): not the core's
// code but the platform's WebCrypto, through the very functions the S/MIME code uses for them
// (shared's key-agreement.ts for RFC 8418 key agreement, signature.ts for RFC 8410/8419 signatures),
// so that these files check what mail goes through. The core is not used: each file runs once per
// build all the same, like every other file.
//
// XDH: "valid" must give the shared secret; "invalid" (a public key of the wrong length) must be
// refused. "acceptable" vectors whose secret is all zeros (flags ZeroSharedSecret, LowOrderPublic)
// must be refused too, as RFC 7748 6.1 lets and RFC 8418 asks; the other "acceptable" ones (twist
// points, non-canonical u) must give the listed secret, as RFC 7748 5 computes it.
// EdDSA: "valid" must verify, "invalid" must not.
import { importXdhPublicKey, sharedSecret } from "../../../shared/src/cms/key-agreement.js";
import { rfc8410PrivateKeyFromPkcs8, type XdhPrivateKey } from "../../../shared/src/pki/private-key.js";
import { verifyEdDsaSignature } from "../../../shared/src/pki/signature.js";
import { fromHex, toHex } from "../support/bytes.js";
import type { VectorFileHandler, VectorTally } from "./types.js";

type Result = "valid" | "invalid" | "acceptable";

interface XdhTest {
  tcId: number;
  comment: string;
  flags: string[];
  public: string;
  private: string;
  shared: string;
  result: Result;
}

interface EddsaTest {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: Result;
}

/** PrivateKeyInfo (RFC 8410 7) around a raw private key: version 0, the algorithm, CurvePrivateKey. */
const PKCS8_PREFIX = {
  X25519: "302e020100300506032b656e04220420",
  X448: "3046020100300506032b656f043a0438",
} as const;

/** Whether WebCrypto here has `name` (Chromium has X25519 and Ed25519 but not X448 or Ed448). */
async function platformHas(name: string): Promise<boolean> {
  const usages: KeyUsage[] = name.startsWith("X") ? ["deriveBits"] : ["sign", "verify"];
  return globalThis.crypto.subtle.generateKey({ name }, false, usages).then(
    () => true,
    () => false,
  );
}

function skippedAll(count: number, name: string): VectorTally {
  return { passed: 0, failed: 0, skipped: count, notes: [`skipped: this platform has no ${name} in WebCrypto`] };
}

async function runXdh(curve: "X25519" | "X448", json: unknown): Promise<VectorTally> {
  const tests = (json as { testGroups: { tests: XdhTest[] }[] }).testGroups.flatMap((g) => g.tests);
  if (!(await platformHas(curve))) return skippedAll(tests.length, curve);
  const tally: VectorTally = { passed: 0, failed: 0, skipped: 0, notes: [] };
  for (const t of tests) {
    const zero = t.flags.includes("ZeroSharedSecret") || /^(00)+$/.test(t.shared);
    const mustRefuse = t.result === "invalid" || zero;
    let outcome: string;
    let ok: boolean;
    try {
      const key = (await rfc8410PrivateKeyFromPkcs8(fromHex(PKCS8_PREFIX[curve] + t.private))) as XdhPrivateKey;
      const publicKey = await importXdhPublicKey(curve, fromHex(t.public));
      const secret = toHex(await sharedSecret(key.key, publicKey, curve));
      outcome = `secret ${secret === t.shared ? "matches" : `differs (${secret})`}`;
      ok = !mustRefuse && secret === t.shared;
    } catch (error) {
      outcome = `refused (${(error as { code?: string; name?: string }).code ?? (error as Error).name})`;
      ok = mustRefuse;
    }
    if (ok) tally.passed++;
    else {
      tally.failed++;
      tally.notes.push(`tcId ${t.tcId} (${t.result}; ${t.flags.join(",")}; ${t.comment}): ${outcome}`);
    }
    if (t.result === "acceptable" && ok)
      tally.notes.push(`tcId ${t.tcId} acceptable (${t.flags.join(",")}): ${outcome}`);
  }
  return tally;
}

async function runEddsa(kind: "ed25519" | "ed448", json: unknown): Promise<VectorTally> {
  const groups = (json as { testGroups: { publicKeyDer: string; tests: EddsaTest[] }[] }).testGroups;
  const name = kind === "ed25519" ? "Ed25519" : "Ed448";
  if (!(await platformHas(name)))
    return skippedAll(
      groups.reduce((n, g) => n + g.tests.length, 0),
      name,
    );
  const tally: VectorTally = { passed: 0, failed: 0, skipped: 0, notes: [] };
  for (const group of groups) {
    const publicKey = { kind, spki: fromHex(group.publicKeyDer) } as const;
    for (const t of group.tests) {
      const check = await verifyEdDsaSignature(publicKey, fromHex(t.msg), fromHex(t.sig));
      if (check.ok === (t.result === "valid")) tally.passed++;
      else {
        tally.failed++;
        const outcome = check.ok ? "verified" : `refused (${check.reason})`;
        tally.notes.push(`tcId ${t.tcId} (${t.result}; ${t.flags.join(",")}; ${t.comment}): ${outcome}`);
      }
    }
  }
  return tally;
}

export const handlers: VectorFileHandler[] = [
  { files: ["x25519_test.json"], run: (_file, json) => runXdh("X25519", json) },
  { files: ["x448_test.json"], run: (_file, json) => runXdh("X448", json) },
  { files: ["ed25519_test.json"], run: (_file, json) => runEddsa("ed25519", json) },
  { files: ["ed448_test.json"], run: (_file, json) => runEddsa("ed448", json) },
];
