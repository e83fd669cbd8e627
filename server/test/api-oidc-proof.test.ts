// The proof of an address by an OpenID Connect token at enrolment (docs/services.md, "Address proof
// by token"), through real HTTP against `mailseal server`'s hooks over SQLite, with real tokens of
// a real OpenID provider on loopback (`oidc-provider`, test/support/oidc-provider.ts): a good token
// enrols with no challenge mail; every token that must not is refused with its code.
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { generateKeyPair, SignJWT } from "jose";
import { manualClock } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdentityProvider, type TestIdentityProvider } from "../../test/support/oidc-provider.js";
import { challengeMails, startTestApi, TestDevice, type TestApi } from "./fixtures/api.js";

const AUDIENCE = "api://mailseal-test";
const clock = manualClock(new Date());
let idp: TestIdentityProvider;
let stranger: TestIdentityProvider;
let test: TestApi;
let db: SqliteDatabase.Database;

beforeAll(async () => {
  const accounts = {
    alice: { email: "Alice@Example.ORG", email_verified: true },
    // Entra ID's shape: no email claim, the user principal name in preferred_username.
    bob: { preferred_username: "bob@example.org" },
    dave: { email: "dave@example.org", email_verified: false },
    erin: { email: "erin@example.org" },
  };
  idp = await startIdentityProvider(accounts);
  stranger = await startIdentityProvider(accounts);
  test = await startTestApi({ clock, args: ["--oidc-issuer", `${idp.issuer} audience=${AUDIENCE},api://second`] });
  db = new SqliteDatabase(join(test.dir, "api", "api.sqlite"), { readonly: true });
});
afterAll(async () => {
  db?.close();
  await test?.close();
  await idp?.close();
  await stranger?.close();
});

async function enrolWith(device: TestDevice, address: string, idToken: string) {
  return device.request("POST", "/v1/enrollments/token", {
    body: { address, deviceName: "outlook", idToken },
    token: null,
  });
}

function deviceRows(address: string): number {
  return (db.prepare("SELECT count(*) AS n FROM devices WHERE address = ?").get(address) as { n: number }).n;
}

describe("address proof by an OpenID Connect token", () => {
  it("enrols and activates the device with a good token, without a challenge mail", async () => {
    const device = await TestDevice.create(test.api, clock);
    // The email claim's case differs from the address asked for: compared case-insensitively.
    const answered = await enrolWith(device, "alice@example.org", await idp.token("alice", AUDIENCE));
    expect(answered.status).toBe(200);
    expect(answered.body.deviceId).toMatch(/^[0-9a-f]{32}$/);
    device.token = answered.body.accessToken;
    const devices = await device.request("GET", "/v1/devices");
    expect(devices.body.devices).toEqual([
      expect.objectContaining({ deviceId: answered.body.deviceId, name: "outlook", status: "active", current: true }),
    ]);
    // The first key was made and is in CerDB; no mail went out.
    const keys = await device.request("GET", "/v1/keys");
    expect(keys.body.keys).toHaveLength(1);
    expect((await device.request("GET", "/v1/certs/alice@example.org", { token: null })).status).toBe(200);
    expect(await challengeMails(test.outbox, "alice@example.org")).toEqual([]);
    // Recorded as a proof answered now (a first key-protection password takes it) for no network.
    const proof = db
      .prepare("SELECT used_at, network FROM challenges WHERE device_id = ?")
      .get(answered.body.deviceId) as { used_at: string; network: string | null };
    expect(proof).toEqual({ used_at: clock.now().toISOString(), network: null });
  });

  it("takes preferred_username when there is no email, and a second configured audience", async () => {
    const device = await TestDevice.create(test.api, clock);
    const answered = await enrolWith(device, "bob@example.org", await idp.token("bob", "api://second"));
    expect(answered.status).toBe(200);
  });

  it("refuses a token for another audience", async () => {
    const device = await TestDevice.create(test.api, clock);
    const refused = await enrolWith(device, "erin@example.org", await idp.token("erin", "api://someone-else"));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("PROOF_TOKEN_INVALID");
    expect(refused.body.error.message).toContain("aud");
    expect(deviceRows("erin@example.org")).toBe(0);
  });

  it("refuses a token of an issuer that is not configured", async () => {
    const device = await TestDevice.create(test.api, clock);
    const refused = await enrolWith(device, "erin@example.org", await stranger.token("erin", AUDIENCE));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("PROOF_TOKEN_ISSUER");
    expect(deviceRows("erin@example.org")).toBe(0);
  });

  it("refuses a look-alike token signed with another key, and an unsigned one", async () => {
    const device = await TestDevice.create(test.api, clock);
    const { privateKey } = await generateKeyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    const claims = { email: "erin@example.org", iss: idp.issuer, aud: AUDIENCE, iat: now, exp: now + 300 };
    // The provider's own kid: the api finds its key and the signature does not verify.
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: idp.publicJwk.kid! })
      .sign(privateKey);
    const refused = await enrolWith(device, "erin@example.org", forged);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("PROOF_TOKEN_INVALID");
    expect(refused.body.error.message).toContain("signature");

    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const unsigned = `${b64({ alg: "none" })}.${b64(claims)}.`;
    const refusedUnsigned = await enrolWith(device, "erin@example.org", unsigned);
    expect(refusedUnsigned.status).toBe(401);
    expect(refusedUnsigned.body.error.code).toBe("PROOF_TOKEN_INVALID");

    const garbage = await enrolWith(device, "erin@example.org", "not-a-token");
    expect(garbage.body.error.code).toBe("PROOF_TOKEN_INVALID");
    expect(deviceRows("erin@example.org")).toBe(0);
  });

  it("refuses a good token for another address", async () => {
    const device = await TestDevice.create(test.api, clock);
    const refused = await enrolWith(device, "carol@example.org", await idp.token("alice", AUDIENCE));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("PROOF_TOKEN_ADDRESS");
    expect(deviceRows("carol@example.org")).toBe(0);
  });

  it("refuses an email the issuer says is not verified", async () => {
    const device = await TestDevice.create(test.api, clock);
    const refused = await enrolWith(device, "dave@example.org", await idp.token("dave", AUDIENCE));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("PROOF_TOKEN_ADDRESS");
    expect(refused.body.error.message).toContain("not verified");
  });

  // Last: it moves the api's clock.
  it("refuses an expired token (past exp and the 60 s leeway by the api's clock)", async () => {
    const device = await TestDevice.create(test.api, clock);
    const token = await idp.token("erin", AUDIENCE, { ttlSeconds: 30 });
    clock.advance(30_000 + 50_000); // within the leeway: still taken
    const early = await TestDevice.create(test.api, clock);
    expect((await enrolWith(early, "erin@example.org", token)).status).toBe(200);
    clock.advance(20_000);
    const refused = await enrolWith(device, "erin@example.org", token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("PROOF_TOKEN_EXPIRED");
  });
});
