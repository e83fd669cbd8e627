// Enrolment, sessions and the authentication of api requests, through real HTTP against
// `mailseal server`'s hooks over SQLite, with the challenge read from the outbox as a client does.
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { createProof, decodeJws, manualClock, parseChallengeMail } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientNetwork } from "../src/http/client-network.js";
import { challengeMails, enroll, lastChallenge, startTestApi, TestDevice, type TestApi } from "./fixtures/api.js";

const clock = manualClock(new Date());
let test: TestApi;
let db: SqliteDatabase.Database;

beforeAll(async () => {
  test = await startTestApi({ clock });
  db = new SqliteDatabase(join(test.dir, "api", "api.sqlite"), { readonly: true });
});
afterAll(async () => {
  db?.close();
  await test?.close();
});

async function ask(device: TestDevice, address: string) {
  return device.request("POST", "/v1/enrollments", { body: { address, deviceName: "phone" }, token: null });
}

async function answer(device: TestDevice, challengeId: string, body: object) {
  return device.request("POST", `/v1/enrollments/${challengeId}/answer`, { body, token: null });
}

describe("enrolment", () => {
  it("mails a challenge whose token, answered with the same device key, activates the device", async () => {
    const device = await TestDevice.create(test.api, clock);
    const asked = await ask(device, "Alice@Example.ORG");
    expect(asked.status).toBe(202);
    expect(asked.body.challengeId).toMatch(/^[0-9a-f]{32}$/); // 128 bits, hex: never a leading "-"
    expect(Date.parse(asked.body.expiresAt) - clock.now().getTime()).toBe(24 * 3600 * 1000);

    // The domain is normalised, the local part kept.
    const mail = await lastChallenge(test.outbox, "Alice@example.org");
    expect(mail.raw).toMatch(/^Auto-Submitted: auto-generated; type=mailseal-challenge\r$/m);
    expect(mail).toMatchObject({ id: asked.body.challengeId, api: test.api });
    // The code is in the body only (a subject shows in notifications and logs); the body names the
    // device and where it asked from.
    expect(mail.raw).toMatch(/^Subject: Confirm a new mailseal device\r$/m);
    expect(mail.raw.slice(0, mail.raw.indexOf("\r\n\r\n"))).not.toContain(mail.code);
    expect(mail.raw).toContain('  Device:     "phone"\r\n');
    expect(mail.raw).toContain("  Asked from: 127.0.0.1\r\n");

    // Only hashes are stored.
    const row = db.prepare("SELECT * FROM challenges WHERE challenge_id = ?").get(asked.body.challengeId) as Record<
      string,
      unknown
    >;
    expect(row.address).toBe("Alice@example.org");
    expect(JSON.stringify(row)).not.toContain(mail.token);
    expect(JSON.stringify(row)).not.toContain(mail.code.replace("-", ""));
    const pending = db.prepare("SELECT status FROM devices WHERE device_id = ?").get(row.device_id) as {
      status: string;
    };
    expect(pending.status).toBe("pending");

    const answered = await answer(device, asked.body.challengeId, { token: mail.token });
    expect(answered.status).toBe(200);
    expect(answered.body.deviceId).toBe(row.device_id);
    const { header, payload } = decodeJws(answered.body.accessToken);
    expect(header.typ).toBe("mailseal-at+jwt");
    expect(payload).toMatchObject({ aud: "mailseal-api", sub: "Alice@example.org", dev: row.device_id, iss: test.api });
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
    expect(Date.parse(answered.body.expiresAt)).toBe((payload.exp as number) * 1000);

    device.token = answered.body.accessToken;
    const devices = await device.request("GET", "/v1/devices");
    expect(devices.status).toBe(200);
    expect(devices.body.devices).toEqual([
      expect.objectContaining({ deviceId: row.device_id, name: "phone", status: "active", current: true }),
    ]);
    const account = db.prepare("SELECT verified_at FROM accounts WHERE address = ?").get("Alice@example.org") as {
      verified_at: string | null;
    };
    expect(account.verified_at).toBe(clock.now().toISOString());
    // The key manager was asked for the address's first key.
    expect(db.prepare("SELECT status FROM keys WHERE address = ?").all("Alice@example.org")).toEqual([
      { status: "current" },
    ]);
  });

  it("accepts the code as a person types it", async () => {
    const device = await TestDevice.create(test.api, clock);
    const asked = await ask(device, "bob@example.org");
    const { code } = await lastChallenge(test.outbox, "bob@example.org");
    const typed = ` ${code.toLowerCase().replace("-", " - ")} `.replaceAll("0", "o");
    const answered = await answer(device, asked.body.challengeId, { code: typed });
    expect(answered.status).toBe(200);
  });

  it("refuses a wrong token, and then still takes the right one", async () => {
    const device = await TestDevice.create(test.api, clock);
    const asked = await ask(device, "carol@example.org");
    const mail = await lastChallenge(test.outbox, "carol@example.org");
    const wrong = await answer(device, asked.body.challengeId, { token: `${mail.token.slice(0, -2)}AA` });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe("CHALLENGE_INVALID");
    expect((await answer(device, asked.body.challengeId, { token: mail.token })).status).toBe(200);
  });

  it("kills the challenge after 5 wrong codes", async () => {
    const device = await TestDevice.create(test.api, clock);
    const asked = await ask(device, "dave@example.org");
    const { code } = await lastChallenge(test.outbox, "dave@example.org");
    const wrongCode = code.startsWith("0") ? `1${code.slice(1)}` : `0${code.slice(1)}`;
    // A malformed code is a typing slip, not a guess: it uses no try.
    const slip = await answer(device, asked.body.challengeId, { code: "ABC" });
    expect(slip.body.error.code).toBe("CHALLENGE_INVALID");
    for (let i = 0; i < 5; i++) {
      const wrong = await answer(device, asked.body.challengeId, { code: wrongCode });
      expect(wrong.body.error.code).toBe("CHALLENGE_INVALID");
    }
    const dead = await answer(device, asked.body.challengeId, { code });
    expect(dead.status).toBe(410);
    expect(dead.body.error).toEqual({ code: "CHALLENGE_EXPIRED", message: expect.stringContaining("dead") });
  });

  it("refuses a challenge answered twice, by another device key, or after 24 hours", async () => {
    const device = await TestDevice.create(test.api, clock);
    const other = await TestDevice.create(test.api, clock);

    const first = await ask(device, "erin@example.org");
    const firstMail = await lastChallenge(test.outbox, "erin@example.org");
    const thief = await answer(other, first.body.challengeId, { token: firstMail.token });
    expect(thief.status).toBe(400);
    expect(thief.body.error.code).toBe("CHALLENGE_INVALID");
    expect((await answer(device, first.body.challengeId, { token: firstMail.token })).status).toBe(200);
    const again = await answer(device, first.body.challengeId, { token: firstMail.token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CHALLENGE_USED");

    const late = await ask(device, "erin@example.org");
    const lateMail = await lastChallenge(test.outbox, "erin@example.org");
    clock.advance(24 * 3600 * 1000);
    const expired = await answer(device, late.body.challengeId, { token: lateMail.token });
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe("CHALLENGE_EXPIRED");
  });

  it("keeps at most 3 live challenges per device key, which do not stop another key", async () => {
    const device = await TestDevice.create(test.api, clock);
    for (let i = 0; i < 3; i++) expect((await ask(device, "frank@example.org")).status).toBe(202);
    const fourth = await ask(device, "frank@example.org");
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe("TOO_MANY_CHALLENGES");
    expect(await challengeMails(test.outbox, "frank@example.org")).toHaveLength(3);
    // Another device key still may ask: the first key's waiting challenges are its own.
    const other = await TestDevice.create(test.api, clock);
    const asked = await ask(other, "frank@example.org");
    expect(asked.status).toBe(202);
    const mails = await challengeMails(test.outbox, "frank@example.org");
    expect(mails).toHaveLength(4);
    // Answering one frees a place.
    const own = mails.find((mail) => mail.id !== asked.body.challengeId)!;
    expect((await answer(device, own.id, { token: own.token })).status).toBe(200);
    expect((await ask(device, "frank@example.org")).status).toBe(202);
  });

  it("refuses what is not an address, and a device key enrolled for another address", async () => {
    const device = await TestDevice.create(test.api, clock);
    for (const address of ["nobody", "a@b", "x@[127.0.0.1]", '"q"@example.org']) {
      const asked = await ask(device, address);
      expect(asked.status, address).toBe(400);
      expect(asked.body.error.code).toBe("BAD_REQUEST");
    }
    await enroll(test, device, "gina@example.org");
    const second = await ask(device, "gina@example.com");
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("CONFLICT");
  });

  it("parses the mail it sends with the shared client parser, CRLF line ends", async () => {
    const [mail] = await challengeMails(test.outbox, "bob@example.org");
    expect(
      mail!.raw
        .split("\n")
        .slice(0, -1)
        .every((line) => line.endsWith("\r")),
    ).toBe(true);
    expect(await parseChallengeMail(new TextEncoder().encode(mail!.raw))).toMatchObject({ id: mail!.id });
  });
});

describe("clientNetwork", () => {
  it("is an IPv4 address itself, an IPv6 address its /64, a mapped IPv4 address the IPv4 one", () => {
    expect(clientNetwork("198.51.100.7")).toBe("198.51.100.7");
    expect(clientNetwork("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(clientNetwork("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:0DB8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientNetwork("::1")).toBe("0:0:0:0::/64");
    expect(clientNetwork("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientNetwork("1:2:3:4:5:6:7.8.9.10")).toBe("1:2:3:4::/64");
    expect(clientNetwork("not an address")).toBe("not an address");
  });
});

describe("enrolment while other device keys keep asking for the address (review finding 6)", () => {
  // Behind a trusted proxy the api sees each client's forwarded address, so that the attacker and
  // the owner can ask from networks of their own here.
  let proxied: TestApi;
  beforeAll(async () => {
    proxied = await startTestApi({ clock, args: ["--trust-proxy", "true"] });
  });
  afterAll(() => proxied?.close());

  const askFrom = (device: TestDevice, ip: string, deviceName = "x", userAgent = "attack/1.0") =>
    device.request("POST", "/v1/enrollments", {
      body: { address: "owner@example.org", deviceName },
      token: null,
      headers: { "x-forwarded-for": ip, "user-agent": userAgent },
    });

  it("lets the owner enrol, and keeps the mails within 5 an hour from each network", async () => {
    const perHour = proxied.config.rateLimits.enrollmentsPerAddressPerHour;
    // The attacker: fresh device keys, each asking 3 times, from one IPv4 address and from many
    // addresses of one IPv6 /64.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const attacker = await TestDevice.create(proxied.api, clock);
      for (let j = 0; j < 3; j++) statuses.push((await askFrom(attacker, "198.51.100.7")).status);
      const v6 = await TestDevice.create(proxied.api, clock);
      for (let j = 0; j < 3; j++) statuses.push((await askFrom(v6, `2001:db8:1:2::${i}:${j}`)).status);
    }

    // The owner, from a network of its own, asks and answers.
    const owner = await TestDevice.create(proxied.api, clock);
    const asked = await askFrom(owner, "203.0.113.9", "Owner's laptop", "Thunderbird/128.0");
    expect(asked.body).toEqual({ challengeId: expect.any(String), expiresAt: expect.any(String) });
    const mails = await challengeMails(proxied.outbox, "owner@example.org");
    const mail = mails.find((m) => m.id === asked.body.challengeId)!;
    const answered = await answer(owner, asked.body.challengeId, { token: mail.token });
    expect(answered.status).toBe(200);

    // The attacker got perHour mails out of each of its two networks, the rest was refused.
    expect(perHour).toBe(5);
    expect(statuses.filter((status) => status === 202)).toHaveLength(2 * perHour);
    expect(new Set(statuses.filter((status) => status !== 202))).toEqual(new Set([429]));
    expect(mails).toHaveLength(2 * perHour + 1);

    // The mails name who asked, and from where, as the api saw it through the proxy.
    expect(mail.raw).toContain(`  Device:     "Owner's laptop"\r\n`);
    expect(mail.raw).toContain("  Asked from: 203.0.113.9\r\n");
    expect(mail.raw).toContain("  Program:    Thunderbird/128.0\r\n");
    expect(mails.filter((m) => m.raw.includes("  Asked from: 198.51.100.7\r\n"))).toHaveLength(perHour);

    // An hour later the attacker's network has its 5 again, and no more.
    clock.advance(3600 * 1000 + 1);
    const later: number[] = [];
    for (let i = 0; i < 6; i++)
      later.push((await askFrom(await TestDevice.create(proxied.api, clock), "198.51.100.7")).status);
    expect(later).toEqual([202, 202, 202, 202, 202, 429]);
  });
});

describe("device proofs and access tokens", () => {
  let device: TestDevice;
  beforeAll(async () => {
    device = await TestDevice.create(test.api, clock);
    await enroll(test, device, "henry@example.org");
  });

  it("refuses a request without a proof, with a proof for another URL or method, or a stale one", async () => {
    const none = await fetch(`${test.api}/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ deviceId: device.deviceId }),
    });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");

    const body = { deviceId: device.deviceId };
    const otherUrl = await device.request("POST", "/v1/sessions", {
      body,
      token: null,
      proof: await device.proof("POST", "/v1/enrollments"),
    });
    expect(otherUrl.body.error.code).toBe("BAD_PROOF");
    const otherMethod = await device.request("POST", "/v1/sessions", {
      body,
      token: null,
      proof: await device.proof("GET", "/v1/sessions"),
    });
    expect(otherMethod.body.error.code).toBe("BAD_PROOF");
    const stale = await createProof(device.keyPair, {
      htm: "POST",
      htu: `${test.api}/v1/sessions`,
      now: new Date(clock.now().getTime() - 61_000),
    });
    const refused = await device.request("POST", "/v1/sessions", { body, token: null, proof: stale });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("BAD_PROOF");
    const future = await createProof(device.keyPair, {
      htm: "POST",
      htu: `${test.api}/v1/sessions`,
      now: new Date(clock.now().getTime() + 61_000),
    });
    expect((await device.request("POST", "/v1/sessions", { body, token: null, proof: future })).body.error.code).toBe(
      "BAD_PROOF",
    );
    const garbage = await device.request("POST", "/v1/sessions", { body, token: null, proof: "a.b.c" });
    expect(garbage.body.error.code).toBe("BAD_PROOF");
  });

  it("refuses a proof used twice, and forgets proofs once they are stale anyway", async () => {
    const proof = await device.proof("POST", "/v1/sessions");
    const body = { deviceId: device.deviceId };
    const first = await device.request("POST", "/v1/sessions", { body, token: null, proof });
    expect(first.status).toBe(200);
    const replay = await device.request("POST", "/v1/sessions", { body, token: null, proof });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("PROOF_REPLAYED");

    const count = () => (db.prepare("SELECT count(*) AS n FROM seen_jti").get() as { n: number }).n;
    expect(count()).toBeGreaterThan(0);
    clock.advance(3 * 60_000);
    expect((await device.request("POST", "/v1/sessions", { body, token: null })).status).toBe(200);
    expect(count()).toBe(1); // the one just made
  });

  it("renews a token through /v1/sessions and refuses an expired one", async () => {
    const renewed = await device.request("POST", "/v1/sessions", { body: { deviceId: device.deviceId }, token: null });
    expect(renewed.status).toBe(200);
    device.token = renewed.body.accessToken;
    expect((await device.request("GET", "/v1/devices")).status).toBe(200);
    clock.advance(600_000);
    const expired = await device.request("GET", "/v1/devices");
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe("TOKEN_EXPIRED");
    const again = await device.request("POST", "/v1/sessions", { body: { deviceId: device.deviceId }, token: null });
    device.token = again.body.accessToken;
    expect((await device.request("GET", "/v1/devices")).status).toBe(200);
  });

  it("refuses a stolen token used with another device key, and a token without its ath", async () => {
    const thief = await TestDevice.create(test.api, clock);
    const stolen = await thief.request("GET", "/v1/devices", { token: device.token! });
    expect(stolen.status).toBe(401);
    expect(stolen.body.error.code).toBe("TOKEN_KEY_MISMATCH");
    // The thief's key cannot get a token for the device either.
    const session = await thief.request("POST", "/v1/sessions", { body: { deviceId: device.deviceId }, token: null });
    expect(session.body.error.code).toBe("TOKEN_KEY_MISMATCH");
    // The device's own proof, but made without the token's hash.
    const noAth = await device.request("GET", "/v1/devices", { proof: await device.proof("GET", "/v1/devices") });
    expect(noAth.body.error.code).toBe("BAD_PROOF");
    const forged = await device.request("GET", "/v1/devices", { token: `${device.token!.slice(0, -4)}AAAA` });
    expect(forged.body.error.code).toBe("TOKEN_INVALID");
    const missing = await device.request("GET", "/v1/devices", { token: null });
    expect(missing.body.error.code).toBe("UNAUTHENTICATED");
  });

  it("gives no session to a device that is pending or unknown", async () => {
    const pending = await TestDevice.create(test.api, clock);
    await ask(pending, "ivan@example.org");
    const row = db.prepare("SELECT device_id FROM devices WHERE address = ?").get("ivan@example.org") as {
      device_id: string;
    };
    const refused = await pending.request("POST", "/v1/sessions", { body: { deviceId: row.device_id }, token: null });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("DEVICE_NOT_ACTIVE");
    const unknown = await pending.request("POST", "/v1/sessions", { body: { deviceId: "nope" }, token: null });
    expect(unknown.body.error.code).toBe("DEVICE_NOT_ACTIVE");
  });
});
