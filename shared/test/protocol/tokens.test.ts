import { describe, expect, it } from "vitest";
import {
  decodeJws,
  encodeBase64url,
  signJws,
  signToken,
  verifyToken,
  type AccessTokenClaims,
  type ReleaseTicketClaims,
  type ServiceTokenClaims,
} from "../../src/index.js";
import { agreementPair, rejectsWith, signingPair } from "./support.js";

const now = new Date("2030-06-01T12:00:00Z");
const t = Math.floor(now.getTime() / 1000);

const access: AccessTokenClaims = {
  iss: "https://api.example.org",
  aud: "mailseal-api",
  sub: "alice@example.org",
  dev: "dev-1",
  cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" },
  iat: t,
  exp: t + 600,
};

async function ticketClaims(): Promise<ReleaseTicketClaims> {
  const { publicKey } = await agreementPair();
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", publicKey);
  return {
    iss: "https://api.example.org",
    aud: "share-b",
    sub: "alice@example.org",
    kid: "key-1",
    idx: 1,
    dev: "dev-1",
    cnf: { jkt: access.cnf.jkt },
    epk: { kty: kty as "EC", crv: crv as "P-256", x: x!, y: y! },
    iat: t,
    exp: t + 60,
    jti: "ticket-1",
  };
}

const service: ServiceTokenClaims = {
  iss: "https://api.example.org",
  aud: "share-a",
  scope: "shares",
  iat: t,
  exp: t + 60,
  jti: "s-1",
};

describe("signed tokens", () => {
  it("round-trips each kind with its typ", async () => {
    const key = await signingPair();
    const at = await signToken(key.privateKey, "mailseal-at+jwt", access);
    expect(decodeJws(at).header).toEqual({ typ: "mailseal-at+jwt", alg: "ES256" });
    expect(await verifyToken(at, key.publicKey, { typ: "mailseal-at+jwt", aud: "mailseal-api", now })).toEqual(access);
    const ticket = await ticketClaims();
    const signedTicket = await signToken(key.privateKey, "mailseal-ticket+jwt", ticket);
    expect(await verifyToken(signedTicket, key.publicKey, { typ: "mailseal-ticket+jwt", aud: "share-b", now })).toEqual(
      ticket,
    );
    const st = await signToken(key.privateKey, "mailseal-service+jwt", service);
    expect(await verifyToken(st, key.publicKey, { typ: "mailseal-service+jwt", aud: "share-a", now })).toEqual(service);
  });

  it("refuses a token of another type under the same key (WRONG_TYPE)", async () => {
    const key = await signingPair();
    const st = await signToken(key.privateKey, "mailseal-service+jwt", service);
    await rejectsWith(
      () => verifyToken(st, key.publicKey, { typ: "mailseal-ticket+jwt", aud: "share-a", now }),
      "WRONG_TYPE",
    );
    const at = await signToken(key.privateKey, "mailseal-at+jwt", access);
    await rejectsWith(
      () => verifyToken(at, key.publicKey, { typ: "mailseal-service+jwt", aud: "mailseal-api", now }),
      "WRONG_TYPE",
    );
  });

  it("refuses another audience (WRONG_AUDIENCE)", async () => {
    const key = await signingPair();
    const ticket = await signToken(key.privateKey, "mailseal-ticket+jwt", await ticketClaims());
    await rejectsWith(
      () => verifyToken(ticket, key.publicKey, { typ: "mailseal-ticket+jwt", aud: "share-a", now }),
      "WRONG_AUDIENCE",
    );
  });

  it("refuses at and after exp, honours leeway, refuses iat and nbf in the future", async () => {
    const key = await signingPair();
    const at = await signToken(key.privateKey, "mailseal-at+jwt", access);
    const options = { typ: "mailseal-at+jwt", aud: "mailseal-api" } as const;
    const after = (s: number) => new Date(now.getTime() + s * 1000);
    await verifyToken(at, key.publicKey, { ...options, now: after(599.999) });
    await rejectsWith(() => verifyToken(at, key.publicKey, { ...options, now: after(600) }), "EXPIRED");
    await verifyToken(at, key.publicKey, { ...options, now: after(604), leewaySeconds: 5 });
    await rejectsWith(() => verifyToken(at, key.publicKey, { ...options, now: after(-1) }), "NOT_YET_VALID");
    await verifyToken(at, key.publicKey, { ...options, now: after(-1), leewaySeconds: 5 });
    const withNbf = await signToken(key.privateKey, "mailseal-at+jwt", {
      ...access,
      nbf: t + 100,
    } as AccessTokenClaims);
    await rejectsWith(() => verifyToken(withNbf, key.publicKey, { ...options, now: after(50) }), "NOT_YET_VALID");
    await verifyToken(withNbf, key.publicKey, { ...options, now: after(100) });
  });

  it("refuses another signing key and malformed claims", async () => {
    const key = await signingPair();
    const other = await signingPair();
    const at = await signToken(key.privateKey, "mailseal-at+jwt", access);
    await rejectsWith(
      () => verifyToken(at, other.publicKey, { typ: "mailseal-at+jwt", aud: "mailseal-api", now }),
      "BAD_SIGNATURE",
    );
    const raw = (claims: object) => signJws({ alg: "ES256", typ: "mailseal-at+jwt" }, claims, key.privateKey);
    const check = async (claims: object) =>
      rejectsWith(
        async () => verifyToken(await raw(claims), key.publicKey, { typ: "mailseal-at+jwt", aud: "mailseal-api", now }),
        "MALFORMED_JWS",
      );
    await check({ ...access, cnf: undefined });
    await check({ ...access, cnf: { jkt: 5 } });
    await check({ ...access, exp: "soon" });
    await check({ ...access, exp: t });
    await check({ ...access, sub: "" });
    await check({ ...access, aud: "share-a" });
    const ticket = await ticketClaims();
    const badTicket = async (claims: object) =>
      rejectsWith(
        async () =>
          verifyToken(
            await signJws({ alg: "ES256", typ: "mailseal-ticket+jwt" }, claims, key.privateKey),
            key.publicKey,
            {
              typ: "mailseal-ticket+jwt",
              aud: "share-b",
              now,
            },
          ),
        "MALFORMED_JWS",
      );
    await badTicket({ ...ticket, idx: 2 });
    await badTicket({ ...ticket, jti: undefined });
    await rejectsWith(
      async () =>
        verifyToken(
          await signJws(
            { alg: "ES256", typ: "mailseal-ticket+jwt" },
            { ...ticket, epk: { ...ticket.epk, d: encodeBase64url(new Uint8Array(32)) } },
            key.privateKey,
          ),
          key.publicKey,
          { typ: "mailseal-ticket+jwt", aud: "share-b", now },
        ),
      "MALFORMED_KEY",
    );
    // signToken refuses to issue what no verifier would accept.
    await rejectsWith(
      () => signToken(key.privateKey, "mailseal-service+jwt", { ...service, scope: "all" as "shares" }),
      "MALFORMED_JWS",
    );
  });
});
