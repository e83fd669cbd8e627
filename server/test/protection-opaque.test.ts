// The key-protection password over OPAQUE (docs/services.md, "Enhanced protection"): a first
// password only after a fresh address proof, registration, login with the right and a wrong
// password, protection sessions bound to the device, every release of a protected account's keys
// and share upload requiring one (from the registration on, and for a key a rotation made), a change
// of password, turning protection off, and failed logins counted per device. On SQLite and PostgreSQL.
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
import {
  enrolDevice,
  proveAddress,
  startKms,
  type Json,
  type KmsFixture,
  type KmsOptions,
  type TestDevice,
} from "./fixtures/kms-server.js";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.js";
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

/** Wraps `key` (its PKCS#8 in hand) under the login's export key and uploads the new shares. */
async function wrapAndUpload(
  kms: KmsFixture,
  device: TestDevice,
  key: Json,
  pkcs8: Uint8Array,
  session: { session?: string | undefined; exportKey?: string | undefined },
) {
  const exportKey = new Uint8Array(Buffer.from(session.exportKey!, "base64url"));
  const blob = await protectKey(pkcs8, exportKey, device.address, key.keyId);
  const [s0, s1] = splitSecret(blob);
  const ingest = async (store: "share-a" | "share-b") =>
    (await device.fetch(`${kms.urls()[store]}/v1/ingest-key`, { auth: false })).body.key;
  return device.fetch(`${kms.urls().api}/v1/keys/${key.keyId}/shares`, {
    method: "PUT",
    headers: { [PROTECTION_SESSION_HEADER]: session.session! },
    body: {
      protection: "opaque",
      commitment: await keyCommitment(blob),
      shares: [
        await seal(await ingest("share-a"), s0, shareAad(device.address, key.keyId, 0)),
        await seal(await ingest("share-b"), s1, shareAad(device.address, key.keyId, 1)),
      ],
    },
  });
}

/** Each suite runs on real SQLite and on a real throwaway PostgreSQL (started once for the file). */
const DATABASES = ["SQLite", "PostgreSQL"] as const;
let postgres: TestPostgres | undefined;
afterAll(() => postgres?.stop());

async function onDatabase(database: (typeof DATABASES)[number], name: string): Promise<KmsOptions> {
  if (database === "SQLite") return {};
  postgres ??= await startPostgres();
  return { db: postgres.url.replace(/\/postgres$/, `/${name}`) };
}

describe.each(DATABASES)("key protection (OPAQUE) on %s", (database) => {
  let kms: KmsFixture;
  let laptop: TestDevice;
  let phone: TestDevice;
  let api: string;
  let key: Json;

  beforeAll(async () => {
    await opaque.ready;
    kms = await startKms(await onDatabase(database, "mailseal_protection"));
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

  it("sets a first password only with a challenge this device answered in the last 10 minutes", async () => {
    // Started while the enrolment's proof is fresh, finished once it is not: refused at the finish too.
    const start = opaque.client.startRegistration({ password: "correct horse" });
    const answer = await laptop.fetch(`${api}/v1/protection/registration/start`, {
      body: { registrationRequest: start.registrationRequest },
    });
    expect(answer.status).toBe(200);
    kms.clock.advance(10 * 60_000 + 1000);
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState: start.clientRegistrationState,
      registrationResponse: answer.body.registrationResponse,
      password: "correct horse",
    });
    const late = await laptop.fetch(`${api}/v1/protection/registration/finish`, { body: { registrationRecord } });
    expect(late.status).toBe(403);
    expect(late.body.error.code).toBe("ADDRESS_PROOF_REQUIRED");
    const stale = await register(laptop, api, "correct horse");
    expect(stale.body.error.code).toBe("ADDRESS_PROOF_REQUIRED");
    expect(
      (await kms.api().db.selectFrom("accounts").selectAll().where("address", "=", ADDRESS).executeTakeFirstOrThrow())
        .opaque_record,
    ).toBeNull();

    // A new challenge round with the same device key (the enrolment routes): mailed, answered, fresh.
    const enrolled = await laptop.fetch(`${api}/v1/enrollments`, {
      auth: false,
      body: { address: ADDRESS, deviceName: "laptop" },
    });
    expect(enrolled.status).toBe(202);
    const mail = kms.mails.filter((m) => m.to === ADDRESS && m.headers?.["Mailseal-Challenge"] !== undefined).at(-1);
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail!.headers!["Mailseal-Challenge"]!)![1];
    const answered = await laptop.fetch(`${api}/v1/enrollments/${enrolled.body.challengeId}/answer`, {
      auth: false,
      body: { token },
    });
    expect(answered.status).toBe(200);
    expect(answered.body.deviceId).toBe(laptop.deviceId);
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

  it("needs a session for every release from the registration on: the keys wait for the wrap", async () => {
    const listed = (await laptop.fetch(`${api}/v1/keys`)).body.keys[0];
    expect(listed).toMatchObject({ keyId: key.keyId, protection: "pending-wrap", commitment: key.commitment });
    // The shares still hold the PKCS#8, yet no device gets them without the password.
    for (const device of [laptop, phone]) {
      await expect(releaseKey(device, api, listed)).rejects.toThrow(/PROTECTION_REQUIRED/);
    }
    const session = await login(phone, api, "correct horse");
    const pkcs8 = await releaseKey(phone, api, listed, { [PROTECTION_SESSION_HEADER]: session.session! });
    expect(matchesCertificate(pkcs8, key.certificate)).toBe(true);
  });

  it("wraps a key under the export key: its release then needs a protection session of the device", async () => {
    const session = await login(laptop, api, "correct horse");
    const headers = { [PROTECTION_SESSION_HEADER]: session.session! };
    const pkcs8 = await releaseKey(laptop, api, key, headers);
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
    expect((await laptop.fetch(`${api}/v1/keys`)).body.keys[0].protection).toBe("pending-wrap");

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
    // Plain shares, but the account is still protected: released only with the session until it is off.
    const plain = (await phone.fetch(`${api}/v1/keys`)).body.keys[0];
    expect(plain.protection).toBe("pending-wrap");
    await expect(releaseKey(laptop, api, plain)).rejects.toThrow(/PROTECTION_REQUIRED/);
    expect((await phone.fetch(`${api}/v1/protection`, { method: "DELETE", headers })).status).toBe(204);
    expect((await phone.fetch(`${api}/v1/keys`)).body.keys[0].protection).toBe("none");
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

  it("counts unsuccessful logins per device: a device guessing does not lock the others out", async () => {
    await proveAddress(kms, laptop);
    expect((await register(laptop, api, "pw")).status).toBe(204);
    let limited: Json;
    for (let attempt = 0; attempt < 12 && limited === undefined; attempt++) {
      const answer = await login(phone, api, "guess");
      if (answer.status === 429) limited = answer.body;
    }
    expect(limited?.error.code).toBe("RATE_LIMITED");
    // The laptop has failed nothing: it still logs in, while the phone stays refused.
    expect((await login(laptop, api, "pw")).status).toBe(200);
    expect((await login(phone, api, "pw")).status).toBe(429);

    // The bound per address (100 in the window, here 90 rows of other devices' failed logins and the
    // phone's 10): a device that failed once is refused too, one with no failure still logs in.
    const now = kms.clock.now();
    await kms
      .api()
      .db.insertInto("opaque_logins")
      .values(
        Array.from({ length: 90 }, (_, i) => ({
          login_id: `other-${i}`,
          address: ADDRESS,
          device_id: `other-device-${i % 9}`,
          state: "",
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + 120_000).toISOString(),
          outcome: "failed" as const,
        })),
      )
      .execute();
    const tablet = await enrolDevice(kms, ADDRESS, "tablet");
    expect((await login(tablet, api, "pw")).status).toBe(200);
    expect((await login(tablet, api, "typo")).status).toBe(0); // the tablet's one failure
    expect((await login(tablet, api, "pw")).status).toBe(429);
    const desktop = await enrolDevice(kms, ADDRESS, "desktop");
    expect((await login(desktop, api, "pw")).status).toBe(200);
    // A quarter of an hour later the window is clear again.
    kms.clock.advance(15 * 60_000 + 1000);
    expect((await login(phone, api, "pw")).status).toBe(200);
  });
});

describe.each(DATABASES)("a key made by a rotation on a protected account, on %s", (database) => {
  const DAY = 24 * 3600 * 1000;
  let kms: KmsFixture;
  let laptop: TestDevice;
  let phone: TestDevice;
  let api: string;

  beforeAll(async () => {
    await opaque.ready;
    kms = await startKms({
      ...(await onDatabase(database, "mailseal_rotation")),
      start: new Date("2026-01-10T08:00:00Z"),
    });
    laptop = await enrolDevice(kms, "frank@example.org", "laptop");
    phone = await enrolDevice(kms, "frank@example.org", "phone");
    api = kms.urls().api;
    await protectFirstKey(laptop);
  });
  afterAll(() => kms?.close());

  /**
   * Protection on for `device`'s account (password "pw"), its first key released with the password
   * and uploaded wrapped by the device: an opaque key, which a rotation replaces by a pending-wrap one.
   */
  async function protectFirstKey(device: TestDevice): Promise<Json> {
    await kms.keyManager().ensureCurrentKey(device.address);
    expect((await register(device, api, "pw")).status).toBe(204);
    const session = await login(device, api, "pw");
    const [first] = (await device.fetch(`${api}/v1/keys`)).body.keys;
    const pkcs8 = await releaseKey(device, api, first, { [PROTECTION_SESSION_HEADER]: session.session! });
    expect((await wrapAndUpload(kms, device, first, pkcs8, session)).status).toBe(204);
    return first;
  }

  it("waits for a wrap: no device without the password gets it, CerDB keeps the wrapped key until then", async () => {
    const [first] = (await laptop.fetch(`${api}/v1/keys`)).body.keys;
    expect(first.protection).toBe("opaque");
    kms.clock.set(new Date(new Date(first.notAfter).getTime() - 29 * DAY));
    const report = await kms.keyManager().maintain();
    expect(report.failed).toEqual([]);
    expect(report.created).toHaveLength(1);
    const listed = (await phone.fetch(`${api}/v1/keys`)).body.keys as Json[];
    expect(listed.map((k) => [k.keyId === first.keyId, k.status, k.protection])).toEqual([
      [true, "retired", "opaque"],
      [false, "current", "pending-wrap"],
    ]);
    const rotated = listed[1];
    // A device without the password: refused, whatever it asks.
    await expect(releaseKey(phone, api, rotated)).rejects.toThrow(/PROTECTION_REQUIRED/);
    // Senders still get the wrapped key's certificate (valid for 29 more days).
    const published = await fetch(`${api}/v1/certs/${laptop.address}`);
    expect(((await published.json()) as Json).certificate).toBe(first.certificate);

    // With the password: the plain PKCS#8 of the new key, which the device wraps and uploads.
    const session = await login(phone, api, "pw");
    const pkcs8 = await releaseKey(phone, api, rotated, { [PROTECTION_SESSION_HEADER]: session.session! });
    expect(matchesCertificate(pkcs8, rotated.certificate)).toBe(true);
    expect((await wrapAndUpload(kms, phone, rotated, pkcs8, session)).status).toBe(204);
    const after = (await laptop.fetch(`${api}/v1/keys`)).body.keys as Json[];
    expect(after.map((k) => k.protection)).toEqual(["opaque", "opaque"]);
    const blob = await releaseKey(laptop, api, after[1], {
      [PROTECTION_SESSION_HEADER]: (await login(laptop, api, "pw")).session!,
    });
    const unwrapped = await unprotectKey(
      blob,
      new Uint8Array(Buffer.from(session.exportKey!, "base64url")),
      laptop.address,
      rotated.keyId,
    );
    expect(matchesCertificate(unwrapped, rotated.certificate)).toBe(true);
    // Now wrapped, it is the one published.
    const now = await fetch(`${api}/v1/certs/${laptop.address}`);
    expect(((await now.json()) as Json).certificate).toBe(rotated.certificate);
  });

  it("is published while waiting once no wrapped certificate is valid any more", async () => {
    const george = await enrolDevice(kms, "george@example.org");
    const first = await protectFirstKey(george);
    kms.clock.set(new Date(new Date(first.notAfter).getTime() - 29 * DAY));
    expect((await kms.keyManager().maintain()).failed).toEqual([]);
    // Past the end of the wrapped certificate, nobody having wrapped the new key yet: better the
    // waiting key (both stores together could combine it) than no certificate and mail in the clear.
    kms.clock.set(new Date(new Date(first.notAfter).getTime() + DAY));
    const listed = (await george.fetch(`${api}/v1/keys`)).body.keys as Json[];
    expect(listed[1].protection).toBe("pending-wrap");
    const published = await fetch(`${api}/v1/certs/${george.address}`);
    expect(((await published.json()) as Json).certificate).toBe(listed[1].certificate);
  });

  it("never publishes again a wrapped key retired early (a device removal rotates at once)", async () => {
    const hana = await enrolDevice(kms, "hana@example.org");
    const first = await protectFirstKey(hana);
    kms.clock.set(new Date(new Date(first.notAfter).getTime() - 29 * DAY));
    expect((await kms.keyManager().maintain()).failed).toEqual([]);
    // The rows as a rotation at a device removal leaves them: the old certificate had years left.
    const early = new Date(new Date(first.notAfter).getTime() + 2 * 365 * DAY).toISOString();
    await kms.api().db.updateTable("keys").set({ not_after: early }).where("key_id", "=", first.keyId).execute();
    const listed = (await hana.fetch(`${api}/v1/keys`)).body.keys as Json[];
    expect(listed.map((k) => [k.status, k.protection])).toEqual([
      ["retired", "opaque"],
      ["current", "pending-wrap"],
    ]);
    const published = await fetch(`${api}/v1/certs/${hana.address}`);
    expect(((await published.json()) as Json).certificate).toBe(listed[1].certificate);
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
