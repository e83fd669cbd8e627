import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import {
  createProof,
  decodeJws,
  encodeBase64url,
  jwkThumbprint,
  proofUrl,
  signJws,
  verifyProof,
  type ProofPayload,
} from "../../src/index.js";
import { rejectsWith, signingPair } from "./support.js";

const now = new Date("2030-01-02T03:04:05.678Z");
const iat = Math.floor(now.getTime() / 1000);
const request = { htm: "POST", htu: "https://api.example.org/v1/keys/k1/release", now };

describe("device proof (after RFC 9449)", () => {
  it("makes a proof with the documented header and payload that verifies", async () => {
    const pair = await signingPair();
    const proof = await createProof(pair, { ...request, htu: `${request.htu}?x=1#frag` });
    const { header, payload } = decodeJws(proof);
    expect(header).toMatchObject({ typ: "mailseal-proof+jwt", alg: "ES256" });
    expect(Object.keys(header.jwk as object).sort()).toEqual(["crv", "kty", "x", "y"]);
    expect(payload).toEqual({ htm: "POST", htu: request.htu, iat, jti: expect.stringMatching(/^[\w-]{22}$/) });

    const verified = await verifyProof(proof, request);
    expect(verified.jkt).toBe(await jwkThumbprint(await crypto.subtle.exportKey("jwk", pair.publicKey)));
    expect(verified).toMatchObject({ jti: payload.jti, iat, jwk: header.jwk });
    expect((await createProof(pair, request)) !== proof).toBe(true); // fresh jti each time
  });

  it("imports a device key once for all its proofs, and still checks each proof's signature", async () => {
    const pair = await signingPair();
    const importKey = vi.spyOn(globalThis.crypto.subtle, "importKey");
    try {
      const first = await verifyProof(await createProof(pair, request), request);
      const imports = importKey.mock.calls.length;
      expect(imports).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) {
        expect((await verifyProof(await createProof(pair, request), request)).jkt).toBe(first.jkt);
      }
      expect(importKey.mock.calls.length).toBe(imports);
      // The cached key verifies, it does not vouch: a proof of the same key with a broken signature fails.
      const [h, p, s] = (await createProof(pair, request)).split(".") as [string, string, string];
      const flipped = Buffer.from(s, "base64url");
      flipped[5] = flipped[5]! ^ 0x01;
      await rejectsWith(() => verifyProof(`${h}.${p}.${flipped.toString("base64url")}`, request), "BAD_SIGNATURE");
      // Another device key is imported for itself and gets its own thumbprint.
      const other = await verifyProof(await createProof(await signingPair(), request), request);
      expect(other.jkt).not.toBe(first.jkt);
      expect(importKey.mock.calls.length).toBeGreaterThan(imports);
    } finally {
      importKey.mockRestore();
    }
  });

  it("carries ath = base64url(SHA-256(token)) and requires it exactly when a token is sent", async () => {
    const pair = await signingPair();
    const token = "eyJ.token.value";
    const proof = await createProof(pair, { ...request, token });
    expect(decodeJws(proof).payload.ath).toBe(createHash("sha256").update(token).digest("base64url"));
    await verifyProof(proof, { ...request, token });
    await rejectsWith(() => verifyProof(proof, { ...request, token: "another.token" }), "PROOF_MISMATCH");
    await rejectsWith(() => verifyProof(proof, request), "PROOF_MISMATCH"); // ath without a token
    const bare = await createProof(pair, request);
    await rejectsWith(() => verifyProof(bare, { ...request, token }), "PROOF_MISMATCH"); // token without ath
  });

  it("refuses another method or URL; compares scheme and host without case, path with it", async () => {
    const pair = await signingPair();
    const proof = await createProof(pair, request);
    await rejectsWith(() => verifyProof(proof, { ...request, htm: "GET" }), "PROOF_MISMATCH");
    await rejectsWith(() => verifyProof(proof, { ...request, htm: "post" }), "PROOF_MISMATCH");
    await rejectsWith(
      () => verifyProof(proof, { ...request, htu: "https://api.example.org/v1/keys/k2/release" }),
      "PROOF_MISMATCH",
    );
    await rejectsWith(
      () => verifyProof(proof, { ...request, htu: "https://api.example.org/V1/keys/k1/release" }),
      "PROOF_MISMATCH",
    );
    await rejectsWith(
      () => verifyProof(proof, { ...request, htu: "http://api.example.org/v1/keys/k1/release" }),
      "PROOF_MISMATCH",
    );
    await rejectsWith(
      () => verifyProof(proof, { ...request, htu: "https://evil.example/v1/keys/k1/release" }),
      "PROOF_MISMATCH",
    );
    await rejectsWith(
      () => verifyProof(proof, { ...request, htu: "https://api.example.org:8443/v1/keys/k1/release" }),
      "PROOF_MISMATCH",
    );
    await verifyProof(proof, { ...request, htu: "HTTPS://API.Example.ORG:443/v1/keys/k1/release?q=2#f" });
    expect(proofUrl("HTTP://Host.Example:80/a/b?c#d")).toBe("http://host.example/a/b");
    await rejectsWith(() => proofUrl("ftp://host/x"), "PROOF_MISMATCH");
    await rejectsWith(() => proofUrl("not a url"), "PROOF_MISMATCH");
  });

  it("accepts iat within the skew and refuses a stale or future one", async () => {
    const pair = await signingPair();
    const proof = await createProof(pair, request);
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    await verifyProof(proof, { ...request, now: at(60) });
    await verifyProof(proof, { ...request, now: at(-59) });
    await rejectsWith(() => verifyProof(proof, { ...request, now: at(61) }), "EXPIRED");
    await rejectsWith(() => verifyProof(proof, { ...request, now: at(-61) }), "NOT_YET_VALID");
    await rejectsWith(() => verifyProof(proof, { ...request, now: at(11), maxSkewSeconds: 10 }), "EXPIRED");
  });

  it("refuses a tampered proof, a wrong typ, a private or missing jwk, and a bad payload", async () => {
    const pair = await signingPair();
    const proof = await createProof(pair, request);
    const [h, p, s] = proof.split(".") as [string, string, string];
    const altered = encodeBase64url(
      new TextEncoder().encode(JSON.stringify({ ...decodeJws(proof).payload, htm: "GET" })),
    );
    await rejectsWith(() => verifyProof(`${h}.${altered}.${s}`, { ...request, htm: "GET" }), "BAD_SIGNATURE");
    const flipped = Buffer.from(s, "base64url");
    flipped[10] = flipped[10]! ^ 0x40;
    await rejectsWith(() => verifyProof(`${h}.${p}.${flipped.toString("base64url")}`, request), "BAD_SIGNATURE");

    const jwk = decodeJws(proof).header.jwk;
    const payload: ProofPayload = { htm: "POST", htu: request.htu, iat, jti: "j1" };
    const signed = (header: object, body: object = payload) =>
      signJws({ alg: "ES256", ...header }, body, pair.privateKey);
    await rejectsWith(async () => verifyProof(await signed({ typ: "dpop+jwt", jwk }), request), "WRONG_TYPE");
    await rejectsWith(async () => verifyProof(await signed({ typ: "mailseal-at+jwt", jwk }), request), "WRONG_TYPE");
    await rejectsWith(async () => verifyProof(await signed({ typ: "mailseal-proof+jwt" }), request), "MALFORMED_KEY");
    const privateJwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
    await rejectsWith(
      async () => verifyProof(await signed({ typ: "mailseal-proof+jwt", jwk: privateJwk }), request),
      "MALFORMED_KEY",
    );
    // A proof whose header names another key than the one that signed it.
    const other = await signingPair();
    const otherJwk = await crypto.subtle.exportKey("jwk", other.publicKey);
    await rejectsWith(
      async () => verifyProof(await signed({ typ: "mailseal-proof+jwt", jwk: otherJwk }), request),
      "BAD_SIGNATURE",
    );
    const typ = { typ: "mailseal-proof+jwt", jwk };
    await rejectsWith(async () => verifyProof(await signed(typ, { ...payload, iat: "now" }), request), "MALFORMED_JWS");
    await rejectsWith(
      async () => verifyProof(await signed(typ, { ...payload, iat: iat + 0.5 }), request),
      "MALFORMED_JWS",
    );
    await rejectsWith(async () => verifyProof(await signed(typ, { ...payload, jti: "" }), request), "MALFORMED_JWS");
    await rejectsWith(
      async () => verifyProof(await signed(typ, { htm: "POST", htu: request.htu, iat }), request),
      "MALFORMED_JWS",
    );
  });

  it("binds to a token's key: a proof by another device key is KEY_MISMATCH", async () => {
    const device = await signingPair();
    const thief = await signingPair();
    const jkt = await jwkThumbprint(await crypto.subtle.exportKey("jwk", device.publicKey));
    const token = "access.token.bound-to-device";
    await verifyProof(await createProof(device, { ...request, token }), { ...request, token, jkt });
    await rejectsWith(
      async () => verifyProof(await createProof(thief, { ...request, token }), { ...request, token, jkt }),
      "KEY_MISMATCH",
    );
  });

  it("keeps a caller's jti and leaves replay detection to the caller", async () => {
    const pair = await signingPair();
    const proof = await createProof(pair, { ...request, jti: "fixed-id" });
    expect((await verifyProof(proof, request)).jti).toBe("fixed-id");
    expect((await verifyProof(proof, request)).jti).toBe("fixed-id"); // stateless: the server's table refuses it
  });
});
