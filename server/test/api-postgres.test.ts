// Enrolment on a real PostgreSQL with the keys in SoftHSM2: the same routes and stores as on SQLite,
// and a second api node on the same database loads the same CA and token key.
import { encodeBase64url, newSigningKey } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.js";
import { startSoftHsm, type SoftHsmToken } from "../../test/support/softhsm.js";
import { enroll, lastChallenge, startTestApi, TestDevice, type TestApi } from "./fixtures/api.js";

describe("api on PostgreSQL with SoftHSM2", () => {
  let postgres: TestPostgres;
  let token: SoftHsmToken;
  let test: TestApi;
  let db: string;

  beforeAll(async () => {
    postgres = await startPostgres();
    token = await startSoftHsm();
    db = postgres.url.replace(/\/postgres$/, "/mailseal");
    test = await startTestApi({ args: ["--db", db, "--hsm", token.spec] });
  });
  afterAll(async () => {
    await test?.close();
    await token?.stop();
    await postgres?.stop();
  });

  it("enrols with the mailed token and the typed code, refuses a replayed proof", async () => {
    const device = await TestDevice.create(test.api);
    await enroll(test, device, "pat@example.com");
    expect((await device.request("GET", "/v1/devices")).body.devices).toHaveLength(1);

    const second = await TestDevice.create(test.api);
    const asked = await second.request("POST", "/v1/enrollments", {
      body: { address: "pat@example.com", deviceName: "desk" },
      token: null,
    });
    const { code } = await lastChallenge(test.outbox, "pat@example.com");
    const proof = await second.proof("POST", `/v1/enrollments/${asked.body.challengeId}/answer`);
    const answered = await second.request("POST", `/v1/enrollments/${asked.body.challengeId}/answer`, {
      body: { code },
      token: null,
      proof,
    });
    expect(answered.status).toBe(200);
    const replay = await second.request("POST", `/v1/enrollments/${asked.body.challengeId}/answer`, {
      body: { code },
      token: null,
      proof,
    });
    expect(replay.body.error.code).toBe("PROOF_REPLAYED");

    const found = await fetch(`${test.api}/v1/certs/pat%40example.com`);
    expect(found.status).toBe(200);
  });

  it("serves the same CA and accepts the same tokens from a second api node on the database", async () => {
    const device = await TestDevice.create(test.api);
    await enroll(test, device, "quinn@example.com");
    const first = await (await fetch(`${test.api}/v1/ca/certificates`)).json();
    const node = await startTestApi({ args: ["--db", db, "--hsm", token.spec] });
    try {
      expect(await (await fetch(`${node.api}/v1/ca/certificates`)).json()).toEqual(first);
      const elsewhere = await TestDevice.create(node.api);
      Object.assign(elsewhere, { keyPair: device.keyPair, token: device.token });
      const listed = await elsewhere.request("GET", "/v1/devices");
      expect(listed.status).toBe(200);

      // One CRL for both nodes, kept in the database: the second serves the first's bytes.
      const crl = async (api: string) => Buffer.from(await (await fetch(`${api}/v1/ca/crl`)).arrayBuffer());
      const signedOnce = await crl(test.api);
      expect((await crl(node.api)).equals(signedOnce)).toBe(true);
      // A second device with a signing certificate, removed through the other node: its revocation
      // makes the next CRL, whichever node is asked. (This api's stand-in key manager cannot rotate:
      // the removal stands all the same, and the rotation stays due for maintenance.)
      const phone = await TestDevice.create(test.api);
      await enroll(test, phone, "quinn@example.com");
      const { csr } = await newSigningKey("quinn@example.com");
      const issued = await phone.request("POST", "/v1/signing-certificates", { body: { csr: encodeBase64url(csr) } });
      expect(issued.status).toBe(200);
      const removed = await elsewhere.request("DELETE", `/v1/devices/${phone.deviceId!}`);
      expect(removed.status).toBe(204);
      const revoked = await crl(test.api);
      expect(revoked.equals(signedOnce)).toBe(false);
      expect((await crl(node.api)).equals(revoked)).toBe(true);
    } finally {
      await node.close();
    }
  });

  it("counts an address's hourly challenges under a lock: parallel asks from one network get 5, no more", async () => {
    const devices = await Promise.all(Array.from({ length: 12 }, () => TestDevice.create(test.api)));
    const answers = await Promise.all(
      devices.map((device) =>
        device.request("POST", "/v1/enrollments", {
          body: { address: "rush@example.com", deviceName: "x" },
          token: null,
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([...Array<number>(5).fill(202), ...Array<number>(7).fill(429)]);
  });
});
