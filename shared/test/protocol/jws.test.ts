import { createHash, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  MAX_JWS_LENGTH,
  decodeJws,
  encodeBase64url,
  exportPublicJwk,
  importPublicJwk,
  jwkThumbprint,
  signJws,
  validatePublicJwk,
  verifyJws,
} from "../../src/index.js";
import { rejectsWith, signingPair } from "./support.js";

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

// RFC 7515 Appendix A.3: the ES256 example (key A.3.1, signing input and signature A.3.1/A.3.2).
const A3 = {
  jwk: {
    kty: "EC",
    crv: "P-256",
    x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
  },
  d: "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI",
  token:
    "eyJhbGciOiJFUzI1NiJ9" +
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
};

// RFC 9449 4.1 (figure 3) and 6.1: the DPoP example key, its thumbprint, and the proof it signed.
const RFC9449 = {
  jwk: {
    kty: "EC",
    x: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
    y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
    crv: "P-256",
  },
  jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
  proof:
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19" +
    ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ" +
    ".2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg",
};

describe("JWS ES256 (RFC 7515, RFC 7518 3.4)", () => {
  it("verifies the RFC 7515 Appendix A.3 example and refuses it altered", async () => {
    const key = await importPublicJwk(A3.jwk, "ECDSA");
    const { header, payload } = await verifyJws(A3.token, key);
    expect(header).toEqual({ alg: "ES256" });
    expect(payload).toEqual({ iss: "joe", exp: 1300819380, "http://example.com/is_root": true });
    const [h, p] = A3.token.split(".");
    const other = b64({ iss: "eve", exp: 1300819380, "http://example.com/is_root": true });
    await rejectsWith(() => verifyJws(`${h}.${other}.${A3.token.split(".")[2]}`, key), "BAD_SIGNATURE");
    await rejectsWith(() => verifyJws(`${h}.${p}.${encodeBase64url(new Uint8Array(64))}`, key), "BAD_SIGNATURE");
  });

  it("verifies the RFC 9449 example proof with the key of its own header", async () => {
    const { header, payload } = await verifyJws(RFC9449.proof, await importPublicJwk(RFC9449.jwk, "ECDSA"));
    expect(header.typ).toBe("dpop+jwt");
    expect(payload).toMatchObject({ htm: "POST", htu: "https://server.example.com/token", iat: 1562262616 });
  });

  it("signs what Node's crypto.verify accepts (ieee-p1363), and verifies what Node signs", async () => {
    const pair = await signingPair();
    const token = await signJws({ alg: "ES256", typ: "test+jwt" }, { hello: "wörld" }, pair.privateKey);
    const [h, p, s] = token.split(".") as [string, string, string];
    const nodeKey = createPublicKey({
      key: (await crypto.subtle.exportKey("jwk", pair.publicKey)) as never,
      format: "jwk",
    });
    expect(
      nodeVerify(
        "sha256",
        Buffer.from(`${h}.${p}`),
        { key: nodeKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(s, "base64url"),
      ),
    ).toBe(true);
    expect(decodeJws(token).payload).toEqual({ hello: "wörld" });

    const node = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const input = `${b64({ alg: "ES256", kid: "n" })}.${b64({ sub: "node" })}`;
    const signature = nodeSign("sha256", Buffer.from(input), { key: node.privateKey, dsaEncoding: "ieee-p1363" });
    const ours = await importPublicJwk(node.publicKey.export({ format: "jwk" }), "ECDSA");
    const { payload } = await verifyJws(`${input}.${signature.toString("base64url")}`, ours);
    expect(payload).toEqual({ sub: "node" });

    // Node's default DER signature (ECDSA-Sig-Value) is not the JWS form: refused with a clear message.
    const der = nodeSign("sha256", Buffer.from(input), node.privateKey);
    const error = await rejectsWith(() => verifyJws(`${input}.${der.toString("base64url")}`, ours), "BAD_SIGNATURE");
    expect(error.message).toMatch(/64 bytes/);
  });

  it("refuses alg none, HS256, RS256, a missing alg and crit with their codes", async () => {
    const key = await importPublicJwk(A3.jwk, "ECDSA");
    const body = b64({ sub: "x" });
    const sig = encodeBase64url(new Uint8Array(64));
    await rejectsWith(() => verifyJws(`${b64({ alg: "none" })}.${body}.`, key), "UNSUPPORTED_ALGORITHM");
    await rejectsWith(() => decodeJws(`${b64({ alg: "none" })}.${body}.${sig}`), "UNSUPPORTED_ALGORITHM");
    await rejectsWith(() => decodeJws(`${b64({ alg: "HS256" })}.${body}.${sig}`), "UNSUPPORTED_ALGORITHM");
    await rejectsWith(() => decodeJws(`${b64({ alg: "RS256" })}.${body}.${sig}`), "UNSUPPORTED_ALGORITHM");
    await rejectsWith(() => decodeJws(`${b64({ alg: "es256" })}.${body}.${sig}`), "UNSUPPORTED_ALGORITHM");
    await rejectsWith(() => decodeJws(`${b64({ typ: "JWT" })}.${body}.${sig}`), "MALFORMED_JWS");
    await rejectsWith(
      () => decodeJws(`${b64({ alg: "ES256", crit: ["b64"], b64: false })}.${body}.${sig}`),
      "MALFORMED_JWS",
    );
    // HS256 with the public key as HMAC secret (the classic confusion) never reaches a MAC check.
    await rejectsWith(() => verifyJws(`${b64({ alg: "HS256" })}.${body}.${sig}`, key), "UNSUPPORTED_ALGORITHM");
  });

  it("refuses extra or missing segments, bad base64url, non-JSON, non-objects and huge input", async () => {
    const header = b64({ alg: "ES256" });
    const body = b64({ sub: "x" });
    const sig = encodeBase64url(new Uint8Array(64));
    for (const token of [
      `${header}.${body}.${sig}.`,
      `${header}.${body}.${sig}.${sig}`,
      `${header}.${body}`,
      `${header}..${sig}`,
      `${header}.${body}.${sig}=`,
      `${header}=.${body}.${sig}`,
      `${header}.${b64("not json")}.${sig}`,
      `${header}.${b64("[1,2]")}.${sig}`,
      `${header}.${b64("null")}.${sig}`,
      `${b64('"ES256"')}.${body}.${sig}`,
      `${header}.${encodeBase64url(new Uint8Array([0x7b, 0xff, 0x7d]))}.${sig}`, // not UTF-8
      `${header}.${b64({ pad: "x".repeat(MAX_JWS_LENGTH) })}.${sig}`,
      "",
      "...",
    ]) {
      await rejectsWith(() => decodeJws(token), "MALFORMED_JWS");
    }
    await rejectsWith(() => decodeJws(`${header}.${body}.${encodeBase64url(new Uint8Array(63))}`), "BAD_SIGNATURE");
    await rejectsWith(() => decodeJws(42 as unknown as string), "MALFORMED_JWS");
  });

  it("refuses keys of the wrong kind for signing and verifying", async () => {
    const ecdh = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    const p384 = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, ["sign", "verify"]);
    await rejectsWith(() => signJws({ alg: "ES256" }, {}, ecdh.privateKey), "MALFORMED_KEY");
    await rejectsWith(() => signJws({ alg: "ES256" }, {}, p384.privateKey), "MALFORMED_KEY");
    await rejectsWith(() => verifyJws(A3.token, p384.publicKey), "MALFORMED_KEY");
    await rejectsWith(() => signJws({ alg: "HS256" } as never, {}, p384.privateKey), "UNSUPPORTED_ALGORITHM");
  });
});

describe("P-256 JWK and RFC 7638 thumbprint", () => {
  it("matches the RFC 9449 example thumbprint", async () => {
    expect(await jwkThumbprint(RFC9449.jwk)).toBe(RFC9449.jkt);
  });

  it("equals SHA-256 of the RFC 7638 3.1 canonical JSON computed by Node, whatever else the JWK holds", async () => {
    const pair = await signingPair();
    const exported = await crypto.subtle.exportKey("jwk", pair.publicKey);
    // RFC 7638 3.1 step by step: required members only, sorted, no whitespace, then SHA-256.
    const canonical = `{"crv":"${exported.crv}","kty":"${exported.kty}","x":"${exported.x}","y":"${exported.y}"}`;
    const expected = createHash("sha256").update(canonical, "utf8").digest("base64url");
    expect(await jwkThumbprint(exported)).toBe(expected); // exported carries key_ops and ext too
    expect(await jwkThumbprint({ y: exported.y, x: exported.x, kid: "k", kty: "EC", crv: "P-256" })).toBe(expected);
    expect(await jwkThumbprint(await exportPublicJwk(pair.publicKey))).toBe(expected);
  });

  it("keeps only kty, crv, x, y and refuses private, non-P-256 and malformed keys", async () => {
    const pair = await signingPair();
    const full = await crypto.subtle.exportKey("jwk", pair.privateKey);
    const publicPart = { ...full };
    delete publicPart.d;
    expect(Object.keys(validatePublicJwk(publicPart)).sort()).toEqual(["crv", "kty", "x", "y"]);
    await rejectsWith(() => validatePublicJwk(full), "MALFORMED_KEY");
    await rejectsWith(() => validatePublicJwk({ ...publicPart, crv: "P-384" }), "MALFORMED_KEY");
    await rejectsWith(() => validatePublicJwk({ ...publicPart, kty: "RSA" }), "MALFORMED_KEY");
    await rejectsWith(() => validatePublicJwk({ ...publicPart, x: publicPart.x!.slice(1) }), "MALFORMED_KEY");
    await rejectsWith(() => validatePublicJwk({ ...publicPart, y: `${publicPart.y!}AA` }), "MALFORMED_KEY");
    await rejectsWith(() => validatePublicJwk({ ...publicPart, x: undefined }), "MALFORMED_KEY");
    await rejectsWith(() => validatePublicJwk(null), "MALFORMED_KEY");
    await rejectsWith(() => validatePublicJwk("key"), "MALFORMED_KEY");
    // (x, y+1) is not on the curve: refused on import.
    const y = Buffer.from(publicPart.y!, "base64url");
    y[31] = y[31]! ^ 1;
    await rejectsWith(() => importPublicJwk({ ...publicPart, y: y.toString("base64url") }, "ECDH"), "MALFORMED_KEY");
    await rejectsWith(() => exportPublicJwk(pair.privateKey), "MALFORMED_KEY");
  });
});
