// The key-protection password over OPAQUE (docs/services.md, "Enhanced protection"): registration,
// login with the right and a wrong password, protection sessions bound to the device, a protected
// key's release and share upload requiring one, a change of password, and turning protection off.
import * as opaque from "@serenity-kit/opaque";
import {
  keyCommitment,
  protectKey,
  PROTECTION_SESSION_HEADER,
  seal,
  shareAad,
  splitSecret,
  unprotectKey,
} from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.js";
import { enrolDevice, startKms, type Json, type KmsFixture, type TestDevice } from "./fixtures/kms-server.js";
import { matchesCertificate, releaseKey } from "./fixtures/kms-client.js";

const ADDRESS = "erin@example.org";

async function register(device: TestDevice, api: string, password: string, headers: Record<string, string> = {}) {
  const start = opaque.client.startRegistration({ password });
  const answer = await device.fetch(`${api}/v1/protection/registration/start`, {
    body: { registrationRequest: start.registrationRequest },
    headers,
  });
  if (answer.status !== 200) return { ...answer, exportKey: undefined };
  const finish = opaque.client.finishRegistration({
    clientRegistrationState: start.clientRegistrationState,
    registrationResponse: answer.body.registrationResponse,
    password,
  });
  const stored = await device.fetch(`${api}/v1/protection/registration/finish`, {
    body: { registrationRecord: finish.registrationRecord },
    headers,
  });
  return { ...stored, exportKey: finish.exportKey };
}

async function login(device: TestDevice, api: string, password: string) {
  const start = opaque.client.startLogin({ password });
  const answer = await device.fetch(`${api}/v1/protection/login/start`, {
    body: { startLoginRequest: start.startLoginRequest },
  });
  if (answer.status !== 200) return { ...answer, exportKey: undefined, session: undefined };
  const finish = opaque.client.finishLogin({
    clientLoginState: start.clientLoginState,
    loginResponse: answer.body.loginResponse,
    password,
  });
  // A wrong password: the client finds out itself and has no finish message to send (RFC 9807 6.4.4).
  if (finish === undefined) return { status: 0, body: undefined, exportKey: undefined, session: undefined, answer };
  const done = await device.fetch(`${api}/v1/protection/login/finish`, {
    body: { loginId: answer.body.loginId, finishLoginRequest: finish.finishLoginRequest },
  });
  return { ...done, exportKey: finish.exportKey, session: done.body?.protectionSession as string | undefined, answer };
}

describe("key protection (OPAQUE)", () => {
  let kms: KmsFixture;
  let laptop: TestDevice;
  let phone: TestDevice;
  let api: string;
  let key: Json;

  beforeAll(async () => {
    await opaque.ready;
    kms = await startKms();
    laptop = await enrolDevice(kms, ADDRESS, "laptop");
    phone = await enrolDevice(kms, ADDRESS, "phone");
    api = kms.urls().api;
    await kms.keyManager().ensureCurrentKey(ADDRESS);
    key = (await laptop.fetch(`${api}/v1/keys`)).body.keys[0];
  });
  afterAll(() => kms?.close());

  it("has no password at first: login is PROTECTION_NOT_SET", async () => {
    const answer = await login(laptop, api, "anything");
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe("PROTECTION_NOT_SET");
  });

  it("registers a password, logs in with it (same export key) and refuses a wrong one", async () => {
    const registered = await register(laptop, api, "correct horse");
    expect(registered.status).toBe(204);
    const account = await kms
      .api()
      .db.selectFrom("accounts")
      .selectAll()
      .where("address", "=", ADDRESS)
      .executeTakeFirstOrThrow();
    expect(account.protection).toBe("opaque");
    expect(account.opaque_record).toHaveLength(256);
    expect(account.opaque_record).not.toContain("correct");

    const good = await login(laptop, api, "correct horse");
    expect(good.status).toBe(200);
    expect(good.exportKey).toBe(registered.exportKey);
    expect(good.body.expiresAt).toBe(new Date(kms.clock.now().getTime() + 5 * 60_000).toISOString());

    const wrong = await login(laptop, api, "wrong horse");
    expect(wrong.status).toBe(0); // the client's finishLogin failed
    // A client that sends a finish message anyway (here: the good login's) is refused.
    const start = opaque.client.startLogin({ password: "wrong horse" });
    const started = await laptop.fetch(`${api}/v1/protection/login/start`, {
      body: { startLoginRequest: start.startLoginRequest },
    });
    const forged = opaque.client.startLogin({ password: "correct horse" });
    const refused = await laptop.fetch(`${api}/v1/protection/login/finish`, {
      body: { loginId: started.body.loginId, finishLoginRequest: forged.startLoginRequest + "AAAA" },
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("PROTECTION_LOGIN_FAILED");
    // The login is spent either way.
    const again = await laptop.fetch(`${api}/v1/protection/login/finish`, {
      body: { loginId: started.body.loginId, finishLoginRequest: forged.startLoginRequest },
    });
    expect(again.body.error.code).toBe("PROTECTION_LOGIN_FAILED");
  });

  it("wraps a key under the export key: its release then needs a protection session of the device", async () => {
    const session = await login(laptop, api, "correct horse");
    const headers = { [PROTECTION_SESSION_HEADER]: session.session! };
    const pkcs8 = await releaseKey(laptop, api, key);
    const exportKey = new Uint8Array(Buffer.from(session.exportKey!, "base64url"));
    const blob = await protectKey(pkcs8, exportKey, ADDRESS, key.keyId);
    const commitment = await keyCommitment(blob);
    const [s0, s1] = splitSecret(blob);
    const ingest = async (store: "share-a" | "share-b") =>
      (await laptop.fetch(`${kms.urls()[store]}/v1/ingest-key`, { auth: false })).body.key;
    const shares = [
      await seal(await ingest("share-a"), s0, shareAad(ADDRESS, key.keyId, 0)),
      await seal(await ingest("share-b"), s1, shareAad(ADDRESS, key.keyId, 1)),
    ];
    const body = { protection: "opaque", commitment, shares };
    const without = await laptop.fetch(`${api}/v1/keys/${key.keyId}/shares`, { method: "PUT", body });
    expect(without.body.error.code).toBe("PROTECTION_REQUIRED");
    // Shares swapped between the stores do not open there: nothing changes.
    const swapped = await laptop.fetch(`${api}/v1/keys/${key.keyId}/shares`, {
      method: "PUT",
      body: { ...body, shares: [shares[1], shares[0]] },
      headers,
    });
    expect(swapped.status).toBe(400);
    expect((await laptop.fetch(`${api}/v1/keys`)).body.keys[0].protection).toBe("none");

    const put = await laptop.fetch(`${api}/v1/keys/${key.keyId}/shares`, { method: "PUT", body, headers });
    expect(put.status).toBe(204);
    const listed = (await laptop.fetch(`${api}/v1/keys`)).body.keys[0];
    expect(listed).toMatchObject({ protection: "opaque", commitment });

    // Release: refused without a session, and with another device's session.
    const refused = await laptop.fetch(`${api}/v1/keys/${key.keyId}/release`, {
      body: { ephemeralKey: (await phone.fetch(`${kms.urls()["share-a"]}/v1/ingest-key`, { auth: false })).body.key },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("PROTECTION_REQUIRED");
    await expect(releaseKey(phone, api, listed, headers)).rejects.toThrow(/PROTECTION_REQUIRED/);
    // With the session: the protected blob, which only the export key opens, back to the key.
    const released = await releaseKey(laptop, api, listed, headers);
    const unwrapped = await unprotectKey(released, exportKey, ADDRESS, key.keyId);
    expect(matchesCertificate(unwrapped, key.certificate)).toBe(true);

    // Sessions end after 5 minutes.
    kms.clock.advance(5 * 60_000 + 1000);
    await expect(releaseKey(laptop, api, listed, headers)).rejects.toThrow(/PROTECTION_REQUIRED/);
  });

  it("changes the password only under a session, and turns protection off only once no key is protected", async () => {
    const change = await register(phone, api, "new password");
    expect(change.status).toBe(403);
    expect(change.body.error.code).toBe("PROTECTION_REQUIRED");
    const session = await login(phone, api, "correct horse");
    const headers = { [PROTECTION_SESSION_HEADER]: session.session! };
    const off = await phone.fetch(`${api}/v1/protection`, { method: "DELETE", headers });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe("CONFLICT");

    // Upload unprotected shares, then turn it off.
    const listed = (await phone.fetch(`${api}/v1/keys`)).body.keys[0];
    const blob = await releaseKey(phone, api, listed, headers);
    const pkcs8 = await unprotectKey(
      blob,
      new Uint8Array(Buffer.from(session.exportKey!, "base64url")),
      ADDRESS,
      key.keyId,
    );
    const [s0, s1] = splitSecret(pkcs8);
    const ingest = async (store: "share-a" | "share-b") =>
      (await phone.fetch(`${kms.urls()[store]}/v1/ingest-key`, { auth: false })).body.key;
    const put = await phone.fetch(`${api}/v1/keys/${key.keyId}/shares`, {
      method: "PUT",
      headers,
      body: {
        protection: "none",
        commitment: await keyCommitment(pkcs8),
        shares: [
          await seal(await ingest("share-a"), s0, shareAad(ADDRESS, key.keyId, 0)),
          await seal(await ingest("share-b"), s1, shareAad(ADDRESS, key.keyId, 1)),
        ],
      },
    });
    expect(put.status).toBe(204);
    expect((await phone.fetch(`${api}/v1/protection`, { method: "DELETE", headers })).status).toBe(204);
    const account = await kms
      .api()
      .db.selectFrom("accounts")
      .selectAll()
      .where("address", "=", ADDRESS)
      .executeTakeFirstOrThrow();
    expect(account).toMatchObject({ protection: "none", opaque_record: null });
    expect(
      matchesCertificate(
        await releaseKey(phone, api, (await phone.fetch(`${api}/v1/keys`)).body.keys[0]),
        key.certificate,
      ),
    ).toBe(true);
  });

  it("limits unsuccessful logins per address", async () => {
    expect((await register(laptop, api, "pw")).status).toBe(204);
    let limited: Json;
    for (let attempt = 0; attempt < 12 && limited === undefined; attempt++) {
      const answer = await login(laptop, api, "guess");
      if (answer.status === 429) limited = answer.body;
    }
    expect(limited?.error.code).toBe("RATE_LIMITED");
  });

  it("holds the unsuccessful-login limit against parallel login starts", () => parallelStarts(kms));
});

describe("key protection (OPAQUE) on PostgreSQL", () => {
  let pg: TestPostgres;
  let kms: KmsFixture;
  beforeAll(async () => {
    await opaque.ready;
    pg = await startPostgres();
    kms = await startKms({ db: pg.url.replace(/\/postgres$/, "/mailseal") });
  });
  afterAll(async () => {
    await kms?.close();
    await pg?.stop();
  });

  // A pool of connections: the starts' queries really run side by side, as on two api nodes.
  it("holds the unsuccessful-login limit against parallel login starts", () => parallelStarts(kms));
});

/**
 * Counted and recorded as one step (db/account-lock.ts): 16 login starts at once, none finished, get
 * exactly the 10 the limit allows, not every start that counted before another's insert.
 */
async function parallelStarts(kms: KmsFixture): Promise<void> {
  const api = kms.urls().api;
  const gail = await enrolDevice(kms, "gail@example.org", "laptop");
  expect((await register(gail, api, "pw")).status).toBe(204);
  const answers = await Promise.all(
    Array.from({ length: 16 }, () =>
      gail.fetch(`${api}/v1/protection/login/start`, {
        body: { startLoginRequest: opaque.client.startLogin({ password: "guess" }).startLoginRequest },
      }),
    ),
  );
  expect(answers.filter((answer) => answer.status === 200)).toHaveLength(10);
  expect(new Set(answers.filter((answer) => answer.status !== 200).map((answer) => answer.body.error.code))).toEqual(
    new Set(["RATE_LIMITED"]),
  );
}
