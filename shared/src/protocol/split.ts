// 2-of-2 secret splitting by XOR: share0 is uniformly random, share1 = secret XOR share0, so each
// share alone is a one-time-pad ciphertext and says nothing of the secret (information-theoretic,
// like Shamir 2-of-2). XOR has no integrity: the commitment lets the device detect a wrong or
// corrupted share after combining (docs/services.md, "Keys and who holds what").
import { decodeBase64url, encodeBase64url } from "./base64url.js";
import { concatBytes, constantTimeEqual, randomBytes, sha256, takeRandom, utf8, type RandomBytes } from "./bytes.js";
import { MailsealError } from "../errors/index.js";

const COMMITMENT_LABEL = utf8("mailseal-key-commitment-v1");

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const result = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) result[i] = a[i]! ^ b[i]!;
  return result;
}

/** Splits `secret` into [share0, share1]; `random` is the source of share0 (WebCrypto by default). */
export function splitSecret(secret: Uint8Array, random: RandomBytes = randomBytes): [Uint8Array, Uint8Array] {
  const share0 = takeRandom(random, secret.length);
  return [share0, xor(secret, share0)];
}

/** The secret back from its two shares. Shares of different lengths cannot be one secret's: SHARE_MISMATCH. */
export function combineShares(share0: Uint8Array, share1: Uint8Array): Uint8Array {
  if (share0.length !== share1.length) {
    throw new MailsealError("SHARE_MISMATCH", `shares of ${share0.length} and ${share1.length} bytes do not combine`);
  }
  return xor(share0, share1);
}

/** `commitment` = base64url(SHA-256("mailseal-key-commitment-v1" || blob)), blob = PKCS#8 or protected blob. */
export async function keyCommitment(blob: Uint8Array): Promise<string> {
  const input = concatBytes([COMMITMENT_LABEL, blob]);
  try {
    return encodeBase64url(await sha256(input));
  } finally {
    // A copy of the key (the kms commits to the PKCS#8): wiped like the caller's own buffers.
    input.fill(0);
  }
}

/** Throws COMMITMENT_MISMATCH unless `blob` is what `commitment` was made from. */
export async function checkCommitment(blob: Uint8Array, commitment: string): Promise<void> {
  let expected: Uint8Array;
  try {
    expected = decodeBase64url(commitment, "commitment");
  } catch (error) {
    throw new MailsealError("COMMITMENT_MISMATCH", (error as Error).message);
  }
  const actual = await sha256(concatBytes([COMMITMENT_LABEL, blob]));
  if (!constantTimeEqual(actual, expected)) {
    throw new MailsealError("COMMITMENT_MISMATCH", "the combined key does not match its commitment: a share is wrong");
  }
}
