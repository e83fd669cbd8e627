import { createCipheriv, createDecipheriv, createECDH, hkdfSync, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openSealed, releaseAad, seal, shareAad, type SealedBox } from "../../src/index.js";
import { agreementPair, rejectsWith, text } from "./support.js";

const raw = (b64: string) => Buffer.from(b64, "base64url");
const point = (jwk: { x?: string; y?: string }) => Buffer.concat([Buffer.from([4]), raw(jwk.x!), raw(jwk.y!)]);

/** The KDF of seal.ts, written again from the note with Node's primitives. */
function nodeKey(z: Buffer, epk: JsonWebKey, recipient: JsonWebKey): Buffer {
  const info = Buffer.concat([
    Buffer.from("mailseal-seal-v1"),
    raw(epk.x!),
    raw(epk.y!),
    raw(recipient.x!),
    raw(recipient.y!),
  ]);
  return Buffer.from(hkdfSync("sha256", z, Buffer.alloc(0), info, 32));
}

async function recipient() {
  const pair = await agreementPair();
  const privateJwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { pair, privateJwk, publicJwk };
}

describe("sealing (ECDH-ES P-256, HKDF-SHA-256, AES-256-GCM)", () => {
  it("round-trips random secrets with their associated data", async () => {
    const r = await recipient();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 100 }), async (secret, aad) => {
        const box = await seal(r.publicJwk, secret, aad);
        expect(await openSealed(r.pair.privateKey, r.publicJwk, box, aad)).toEqual(new Uint8Array(secret));
      }),
      { numRuns: 30 },
    );
  });

  it("makes boxes that Node's crypto opens by the documented KDF", async () => {
    const r = await recipient();
    const secret = randomBytes(1793);
    const aad = shareAad("alice@example.org", "key-1", 0);
    const box = await seal(r.publicJwk, secret, aad);
    expect(Object.keys(box.epk).sort()).toEqual(["crv", "kty", "x", "y"]);
    expect(raw(box.iv)).toHaveLength(12);
    expect(raw(box.ct)).toHaveLength(secret.length + 16);

    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(raw(r.privateJwk.d!));
    const key = nodeKey(ecdh.computeSecret(point(box.epk)), box.epk, r.publicJwk);
    const ct = raw(box.ct);
    const decipher = createDecipheriv("aes-256-gcm", key, raw(box.iv));
    decipher.setAAD(aad);
    decipher.setAuthTag(ct.subarray(ct.length - 16));
    expect(Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()])).toEqual(secret);
  });

  it("opens boxes made with Node's crypto", async () => {
    const r = await recipient();
    const secret = randomBytes(300);
    const aad = releaseAad("alice@example.org", "key-1", 1, "ticket-jti");
    const ephemeral = createECDH("prime256v1");
    ephemeral.generateKeys();
    const pub = ephemeral.getPublicKey();
    const epk = {
      kty: "EC",
      crv: "P-256",
      x: pub.subarray(1, 33).toString("base64url"),
      y: pub.subarray(33).toString("base64url"),
    } as const;
    const key = nodeKey(ephemeral.computeSecret(point(r.publicJwk)), epk, r.publicJwk);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(aad);
    const ct = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
    const box: SealedBox = { epk, iv: iv.toString("base64url"), ct: ct.toString("base64url") };
    expect(Buffer.from(await openSealed(r.pair.privateKey, r.publicJwk, box, aad))).toEqual(secret);
  });

  it("fails with SEAL_OPEN_FAILED on another key, altered bytes, other associated data or a bad shape", async () => {
    const r = await recipient();
    const other = await recipient();
    const aad = shareAad("alice@example.org", "key-1", 0);
    const box = await seal(r.publicJwk, text("the share"), aad);
    const open = (b: SealedBox, a: Uint8Array = aad, key = r.pair.privateKey, jwk = r.publicJwk) =>
      openSealed(key, jwk, b, a);
    await rejectsWith(() => open(box, aad, other.pair.privateKey, other.publicJwk), "SEAL_OPEN_FAILED");
    await rejectsWith(() => open(box, aad, other.pair.privateKey, r.publicJwk), "SEAL_OPEN_FAILED");
    await rejectsWith(() => open(box, aad, r.pair.privateKey, other.publicJwk), "SEAL_OPEN_FAILED"); // bound in the KDF
    await rejectsWith(() => open(box, shareAad("alice@example.org", "key-1", 1)), "SEAL_OPEN_FAILED");
    await rejectsWith(() => open(box, shareAad("mallory@example.org", "key-1", 0)), "SEAL_OPEN_FAILED");
    const ct = raw(box.ct);
    for (const index of [0, ct.length - 17, ct.length - 1]) {
      const altered = Buffer.from(ct);
      altered[index] = altered[index]! ^ 1;
      await rejectsWith(() => open({ ...box, ct: altered.toString("base64url") }), "SEAL_OPEN_FAILED");
    }
    const iv = raw(box.iv);
    iv[0] = iv[0]! ^ 1;
    await rejectsWith(() => open({ ...box, iv: iv.toString("base64url") }), "SEAL_OPEN_FAILED");
    const swapped = await seal(r.publicJwk, text("x"), aad);
    await rejectsWith(() => open({ ...box, epk: swapped.epk }), "SEAL_OPEN_FAILED");
    await rejectsWith(() => open({ ...box, iv: "AAAA" }), "SEAL_OPEN_FAILED");
    await rejectsWith(() => open({ ...box, ct: "AAAA" }), "SEAL_OPEN_FAILED");
    await rejectsWith(() => open({ ...box, ct: `${box.ct}=` }), "SEAL_OPEN_FAILED");
    await rejectsWith(() => open(null as unknown as SealedBox), "SEAL_OPEN_FAILED");
    const offCurve = raw(box.epk.y);
    offCurve[31] = offCurve[31]! ^ 1;
    await rejectsWith(() => open({ ...box, epk: { ...box.epk, y: offCurve.toString("base64url") } }), "MALFORMED_KEY");
  });

  it("refuses a recipient that is not a P-256 public key", async () => {
    const r = await recipient();
    await rejectsWith(() => seal(r.privateJwk, text("x"), new Uint8Array()), "MALFORMED_KEY");
    await rejectsWith(() => seal({ ...r.publicJwk, crv: "P-384" }, text("x"), new Uint8Array()), "MALFORMED_KEY");
    const signing = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    const box = await seal(r.publicJwk, text("x"), new Uint8Array());
    await rejectsWith(() => openSealed(signing.privateKey, r.publicJwk, box, new Uint8Array()), "MALFORMED_KEY");
  });
});
