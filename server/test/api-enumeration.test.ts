// Enumeration and bursts through real HTTP (docs/services.md, "HTTP API"): CerDB answers unknown,
// unverified and malformed addresses with byte-identical 404s reached by the same database work (the
// server's own query log at level trace: same SQL, same count); an enrolment burst from one IP, and
// one aimed at one address from many device keys, gets 429 RATE_LIMITED with Retry-After; an access
// token minted before its device was removed is refused everywhere, key release included.
import { Writable } from "node:stream";
import { createProof, PROOF_HEADER } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/http/logger.js";
import { enroll, startTestApi, TestDevice, type TestApi } from "./fixtures/api.js";
import { ephemeralKey } from "./fixtures/kms-client.js";
import { enrolDevice, startKms, type KmsFixture } from "./fixtures/kms-server.js";

describe("CerDB misses", () => {
  let test: TestApi;
  const queries: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
          const entry = JSON.parse(line) as { msg?: string; sql?: string };
          if (entry.msg === "query" && entry.sql !== undefined) queries.push(entry.sql);
        }
        done();
      },
    });
    test = await startTestApi({ logger: createLogger("trace", stream) });
    const verified = await TestDevice.create(test.api);
    await enroll(test, verified, "vera@example.net");
    // Asked, never answered: an unverified address.
    const asking = await TestDevice.create(test.api);
    const asked = await asking.request("POST", "/v1/enrollments", {
      body: { address: "una@example.net", deviceName: "x" },
      token: null,
    });
    expect(asked.status).toBe(202);
  });
  afterAll(() => test?.close());

  /** GET /v1/certs/{address}: the raw answer and the SQL the server ran for it. */
  async function miss(address: string) {
    queries.length = 0;
    const response = await fetch(`${test.api}/v1/certs/${encodeURIComponent(address)}`);
    const body = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: body.toString("hex"),
      sql: [...queries],
    };
  }

  it("answers byte-identical 404s after the same query for unknown, unverified and malformed", async () => {
    const answers = {
      unknown: await miss("nobody@example.net"),
      unverified: await miss("una@example.net"),
      malformed: await miss("not an address"),
      long: await miss(`${"x".repeat(300)}@`),
    };
    const [first, ...rest] = Object.values(answers);
    expect(first!.status).toBe(404);
    expect(first!.sql).toHaveLength(1);
    expect(first!.sql[0]).toMatch(/from "keys" inner join "accounts"/);
    for (const answer of rest) expect(answer).toEqual(first);
    expect(Buffer.from(first!.body, "hex").toString("utf8")).toBe(
      '{"error":{"code":"NOT_FOUND","message":"no certificate for this address"}}',
    );
    // A hit runs that same query.
    const hit = await miss("vera@example.net");
    expect(hit.status).toBe(200);
    expect(hit.sql).toEqual(first!.sql);
  });
});

describe("enrolment bursts", () => {
  let test: TestApi;
  beforeAll(async () => {
    test = await startTestApi({ rateLimits: { enrollmentsPerIpPerHour: 6, enrollmentsPerAddressPerHour: 2 } });
  });
  afterAll(() => test?.close());

  const ask = (device: TestDevice, address: string) =>
    device.request("POST", "/v1/enrollments", { body: { address, deviceName: "x" }, token: null });

  it("limits one address to its hourly challenges, whichever device keys ask", async () => {
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 3; i++) {
      const answer = await ask(await TestDevice.create(test.api), "target@example.net");
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(statuses).toEqual([202, 202, 429]);
    expect(limited!.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited!.headers.get("retry-after"))).toBe(3600);
  });

  it("limits one IP's enrolments, across addresses, with 429 and Retry-After", async () => {
    // The IP has asked 3 times above; 3 more fit in its 6 per hour. (A device key serves one address.)
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 4; i++) {
      const answer = await ask(await TestDevice.create(test.api), `burst${i}@example.net`);
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect(limited!.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("a token after its device was removed", () => {
  let kms: KmsFixture;
  beforeAll(async () => {
    kms = await startKms();
  });
  afterAll(() => kms?.close());

  it("is refused by the api, for key release too, though it has not expired", async () => {
    const laptop = await enrolDevice(kms, "rita@example.org", "laptop");
    const phone = await enrolDevice(kms, "rita@example.org", "phone");
    await kms.keyManager().ensureCurrentKey(laptop.address);
    const api = kms.urls().api;
    const keys = await phone.fetch(`${api}/v1/keys`);
    expect(keys.status).toBe(200);
    const keyId = keys.body.keys[0].keyId as string;
    const token = phone.token; // minted just now: 10 minutes to live

    expect((await laptop.fetch(`${api}/v1/devices/${phone.deviceId}`, { method: "DELETE" })).status).toBe(204);
    const send = async (method: string, path: string, body?: unknown) => {
      const url = `${api}${path}`;
      const proof = await createProof(phone.keyPair, { htm: method, htu: url, token, now: kms.clock.now() });
      const headers: Record<string, string> = { [PROOF_HEADER]: proof, authorization: `MailSeal ${token}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    };
    const ephemeral = await ephemeralKey();
    for (const [method, path, body] of [
      ["GET", "/v1/keys", undefined],
      ["POST", `/v1/keys/${keyId}/release`, { ephemeralKey: ephemeral.jwk }],
      ["GET", "/v1/audit", undefined],
      ["GET", "/v1/devices", undefined],
    ] as const) {
      const answer = await send(method, path, body);
      expect(answer.status, path).toBe(403);
      expect(answer.body.error.code, path).toBe("DEVICE_NOT_ACTIVE");
    }
    // No release was requested for the removed device.
    const requests = await kms
      .api()
      .db.selectFrom("release_requests")
      .select("device_id")
      .where("device_id", "=", phone.deviceId)
      .execute();
    expect(requests).toEqual([]);
  });
});
