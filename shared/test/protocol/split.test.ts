import { createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkCommitment,
  combineShares,
  keyCommitment,
  protectKey,
  protectionAad,
  releaseAad,
  shareAad,
  splitSecret,
  unprotectKey,
} from "../../src/index.js";
import { rejectsWith, text } from "./support.js";

describe("2-of-2 XOR split", () => {
  it("combines back to the secret; share0 is the random source's, share1 the XOR", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (secret) => {
        const [a, b] = splitSecret(secret);
        expect(a).toHaveLength(secret.length);
        expect(combineShares(a, b)).toEqual(new Uint8Array(secret));
        expect(combineShares(b, a)).toEqual(new Uint8Array(secret));
      }),
      { numRuns: 200 },
    );
    const fixed = (n: number) => new Uint8Array(n).fill(0xff);
    const [a, b] = splitSecret(new Uint8Array([0x00, 0x0f, 0xf0]), fixed);
    expect(a).toEqual(new Uint8Array([0xff, 0xff, 0xff]));
    expect(b).toEqual(new Uint8Array([0xff, 0xf0, 0x0f]));
  });

  it("gives different shares for the same secret and refuses a short random source", () => {
    const secret = randomBytes(64);
    expect(splitSecret(secret)[0]).not.toEqual(splitSecret(secret)[0]);
    expect(() => splitSecret(secret, (n) => new Uint8Array(n - 1))).toThrow(RangeError);
  });

  it("refuses shares of different lengths (SHARE_MISMATCH)", async () => {
    await rejectsWith(() => combineShares(new Uint8Array(10), new Uint8Array(11)), "SHARE_MISMATCH");
  });
});

describe("key commitment", () => {
  it("is base64url(SHA-256(label || blob)) and detects any other blob", async () => {
    const blob = randomBytes(1200);
    const expected = createHash("sha256").update("mailseal-key-commitment-v1").update(blob).digest("base64url");
    const commitment = await keyCommitment(blob);
    expect(commitment).toBe(expected);
    await checkCommitment(blob, commitment);
    const [a, b] = splitSecret(blob);
    b[100] = b[100]! ^ 0x01; // one corrupted share
    await rejectsWith(() => checkCommitment(combineShares(a, b), commitment), "COMMITMENT_MISMATCH");
    await rejectsWith(() => checkCommitment(blob.subarray(1), commitment), "COMMITMENT_MISMATCH");
    await rejectsWith(() => checkCommitment(blob, "not base64url!"), "COMMITMENT_MISMATCH");
    await rejectsWith(() => checkCommitment(blob, commitment.slice(0, 20)), "COMMITMENT_MISMATCH");
  });
});

describe("associated data", () => {
  it("joins the fields with newlines as docs/services.md says", () => {
    const s = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    expect(s(shareAad("alice@example.org", "k1", 0))).toBe("mailseal-share-v1\nalice@example.org\nk1\n0");
    expect(s(releaseAad("alice@example.org", "k1", 1, "j1"))).toBe("mailseal-release-v1\nalice@example.org\nk1\n1\nj1");
    expect(s(protectionAad("ålice@example.org", "k1"))).toBe("ålice@example.org\nk1");
    expect(protectionAad("ålice@example.org", "k1")).toEqual(text("ålice@example.org\nk1"));
  });

  it("refuses line breaks, empty fields and other indexes (MALFORMED_FIELD)", async () => {
    await rejectsWith(() => shareAad("a\nb", "k", 0), "MALFORMED_FIELD");
    await rejectsWith(() => shareAad("a", "k\r", 0), "MALFORMED_FIELD");
    await rejectsWith(() => shareAad("", "k", 0), "MALFORMED_FIELD");
    await rejectsWith(() => shareAad("a", "k", 2 as 0), "MALFORMED_FIELD");
    await rejectsWith(() => releaseAad("a", "k", 0, "j\n"), "MALFORMED_FIELD");
    await rejectsWith(() => protectionAad("a", "b\nc"), "MALFORMED_FIELD");
  });
});

describe("enhanced protection", () => {
  const exportKey = randomBytes(64);

  it("wraps and unwraps; the blob is version || iv || ct", async () => {
    const pkcs8 = randomBytes(1793);
    const blob = await protectKey(pkcs8, exportKey, "alice@example.org", "k1");
    expect(blob[0]).toBe(1);
    expect(blob).toHaveLength(1 + 12 + pkcs8.length + 16);
    expect(Buffer.from(await unprotectKey(blob, exportKey, "alice@example.org", "k1"))).toEqual(pkcs8);
    // The documented layout, opened with Node's primitives.
    const key = Buffer.from(hkdfSync("sha256", exportKey, Buffer.alloc(0), "mailseal-protection-v1", 32));
    const decipher = createDecipheriv("aes-256-gcm", key, blob.subarray(1, 13));
    decipher.setAAD(Buffer.from("alice@example.org\nk1"));
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    expect(Buffer.concat([decipher.update(blob.subarray(13, blob.length - 16)), decipher.final()])).toEqual(pkcs8);
    // The split/commit pipeline works on the protected blob like on a plain PKCS#8.
    const [a, b] = splitSecret(blob);
    await checkCommitment(combineShares(a, b), await keyCommitment(blob));
  });

  it("refuses another export key, another address or key id, and altered bytes (PROTECTION_KEY_WRONG)", async () => {
    const blob = await protectKey(text("pkcs8"), exportKey, "alice@example.org", "k1");
    await rejectsWith(() => unprotectKey(blob, randomBytes(64), "alice@example.org", "k1"), "PROTECTION_KEY_WRONG");
    await rejectsWith(() => unprotectKey(blob, exportKey, "bob@example.org", "k1"), "PROTECTION_KEY_WRONG");
    await rejectsWith(() => unprotectKey(blob, exportKey, "alice@example.org", "k2"), "PROTECTION_KEY_WRONG");
    const altered = new Uint8Array(blob);
    altered[20] = altered[20]! ^ 1;
    await rejectsWith(() => unprotectKey(altered, exportKey, "alice@example.org", "k1"), "PROTECTION_KEY_WRONG");
    const version = new Uint8Array(blob);
    version[0] = 2;
    await rejectsWith(() => unprotectKey(version, exportKey, "alice@example.org", "k1"), "UNSUPPORTED_ALGORITHM");
    await rejectsWith(() => unprotectKey(blob.subarray(0, 20), exportKey, "alice@example.org", "k1"), "MALFORMED_KEY");
    await rejectsWith(() => protectKey(text("pkcs8"), randomBytes(16), "alice@example.org", "k1"), "MALFORMED_KEY");
  });
});
