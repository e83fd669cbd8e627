// The split key end to end over HTTP (SQLite, soft HSM): a key is made, split and certified; no
// database holds it; a device gets it back through release tickets; tickets are single use, for one
// store, one device and one minute; every release is recorded by both stores and mailed.
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { combineShares, decodeBase64url, encodeBase64url, shareAad } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kekLabel } from "../src/kms/index.js";
import { enrolDevice, startKms, type Json, type KmsFixture, type TestDevice } from "./fixtures/kms-server.js";
import {
  ephemeralKey,
  matchesCertificate,
  openShare,
  presentTicket,
  releaseKey,
  requestTickets,
} from "./fixtures/kms-client.js";

const ADDRESS = "alice@example.org";

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}

describe("split key release", () => {
  let kms: KmsFixture;
  let laptop: TestDevice;
  let phone: TestDevice;
  let api: string;
  let key: { keyId: string; certificate: string; commitment: string; notBefore: string; notAfter: string };

  beforeAll(async () => {
    kms = await startKms({ start: new Date("2026-03-01T10:00:00Z") });
    laptop = await enrolDevice(kms, ADDRESS, "laptop");
    phone = await enrolDevice(kms, ADDRESS, "phone");
    api = kms.urls().api;
    await kms.keyManager().ensureCurrentKey(ADDRESS);
    const listed = await laptop.fetch(`${api}/v1/keys`);
    expect(listed.status).toBe(200);
    expect(listed.body.keys).toHaveLength(1);
    key = listed.body.keys[0];
  });
  afterAll(() => kms?.close());

  it("makes one current key with a three-year encryption certificate for the address", async () => {
    expect(key).toMatchObject({ status: "current", protection: "none" });
    const cert = new X509Certificate(decodeBase64url(key.certificate));
    expect(cert.subjectAltName).toBe(`email:${ADDRESS}`);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(new Date(cert.validFrom).toISOString()).toBe(key.notBefore);
    expect(new Date(key.notAfter).getUTCFullYear() - new Date(key.notBefore).getUTCFullYear()).toBe(3);
    // A second call (and two at once) keeps the one key.
    await Promise.all([kms.keyManager().ensureCurrentKey(ADDRESS), kms.keyManager().ensureCurrentKey(ADDRESS)]);
    const rows = await kms.api().db.selectFrom("keys").selectAll().where("address", "=", ADDRESS).execute();
    expect(rows.map((row) => row.status)).toEqual(["current"]);
  });

  it("gives the key back to a device: both shares combine to the certificate's private key", async () => {
    const mailsBefore = kms.mails.length;
    const pkcs8 = await releaseKey(laptop, api, key);
    expect(matchesCertificate(pkcs8, key.certificate)).toBe(true);
    const mail = kms.mails.slice(mailsBefore);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      to: ADDRESS,
      subject: "[mailseal] Your mailseal key was released to device laptop",
    });
  });

  it("keeps the key in no single database: each store's share alone is not it, both only under both KEKs", async () => {
    const pkcs8 = await releaseKey(laptop, api, key);
    const stores = kms.stores();
    const row = async (store: "share-a" | "share-b") =>
      stores[store].db.selectFrom("shares").selectAll().where("key_id", "=", key.keyId).executeTakeFirstOrThrow();
    const a = await row("share-a");
    const b = await row("share-b");
    expect([a.idx, b.idx]).toEqual([0, 1]);
    const open = async (store: "share-a" | "share-b", share: typeof a) =>
      (await kms.hsmOf(store)).aesGcmDecrypt(
        await (await kms.hsmOf(store)).aesKey(kekLabel(store)),
        decodeBase64url(share.iv),
        decodeBase64url(share.ct),
        shareAad(ADDRESS, key.keyId, share.idx as 0 | 1),
      );
    const share0 = await open("share-a", a);
    const share1 = await open("share-b", b);
    expect(Buffer.from(combineShares(share0, share1)).equals(Buffer.from(pkcs8))).toBe(true);
    expect(Buffer.from(share0).equals(Buffer.from(pkcs8))).toBe(false);
    expect(Buffer.from(share1).equals(Buffer.from(pkcs8))).toBe(false);
    // A share is sealed under its own store's KEK only: the other store's KEK does not open it.
    await expect(open("share-b", a)).rejects.toMatchObject({ code: "HSM_DECRYPT_FAILED" });
    // No database file holds the key or a share in the clear, raw or as base64url text.
    const secrets = [pkcs8, share0, share1, pkcs8.subarray(0, 64), share0.subarray(0, 64), share1.subarray(0, 64)];
    for (const file of Object.values(kms.config.databases)) {
      const path = file.slice("sqlite:".length);
      const bytes = new Uint8Array([...readFileSync(path), ...readFileSync(`${path}-wal`, { flag: "a+" })]);
      // The files are the right ones: each holds the key id.
      expect(contains(bytes, new TextEncoder().encode(key.keyId))).toBe(true);
      for (const secret of secrets) {
        expect(contains(bytes, secret)).toBe(false);
        expect(contains(bytes, new TextEncoder().encode(encodeBase64url(secret).slice(0, 80)))).toBe(false);
      }
    }
  });

  it("refuses a replayed ticket (TICKET_USED)", async () => {
    const ephemeral = await ephemeralKey();
    const { tickets } = await requestTickets(laptop, api, key.keyId, ephemeral);
    const first = await presentTicket(laptop, tickets[0]!);
    expect(first.status).toBe(200);
    expect((await openShare(ephemeral, laptop, tickets[0]!, first.body)).length).toBeGreaterThan(1000);
    const again = await presentTicket(laptop, tickets[0]!);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("TICKET_USED");
  });

  it("refuses a ticket at the other store, with another device's proof, or after a minute", async () => {
    const { tickets } = await requestTickets(laptop, api, key.keyId, await ephemeralKey());
    const [forA, forB] = tickets as [(typeof tickets)[0], (typeof tickets)[0]];
    const wrongStore = await presentTicket(laptop, { ...forA, url: forB.url });
    expect(wrongStore.status).toBe(401);
    expect(wrongStore.body.error.code).toBe("TICKET_INVALID");
    expect(wrongStore.body.error.message).toMatch(/share-a/);

    const stolen = await presentTicket(phone, forA);
    expect(stolen.status).toBe(401);
    expect(stolen.body.error.code).toBe("TOKEN_KEY_MISMATCH");

    kms.clock.advance(61_000);
    const late = await presentTicket(laptop, forB);
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe("TICKET_EXPIRED");
    // The refused tickets were not spent: the one for share-a still works for its own device.
    kms.clock.advance(-61_000);
    expect((await presentTicket(laptop, forA)).status).toBe(200);
  });

  it("refuses a ticket not signed by the api and a request without a proof", async () => {
    const { tickets } = await requestTickets(laptop, api, key.keyId, await ephemeralKey());
    const ticket = tickets[0]!;
    const [header, payload, signature] = ticket.ticket.split(".") as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(decodeBase64url(payload)));
    const forged = `${header}.${encodeBase64url(new TextEncoder().encode(JSON.stringify({ ...claims, sub: "mallory@example.org" })))}.${signature}`;
    const answer = await presentTicket(laptop, { ...ticket, ticket: forged });
    expect(answer.body.error.code).toBe("TICKET_INVALID");
    const bare = await fetch(`${ticket.url}/v1/releases`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ticket: ticket.ticket }),
    });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as Json).error.code).toBe("BAD_PROOF");
  });

  it("releases only the caller's own keys", async () => {
    const mallory = await enrolDevice(kms, "mallory@example.org", "evil");
    const answer = await requestTickets(mallory, api, key.keyId, await ephemeralKey());
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe("NOT_FOUND");
    const bad = await laptop.fetch(`${api}/v1/keys/${key.keyId}/release`, { body: { ephemeralKey: { kty: "EC" } } });
    expect(bad.status).toBe(400);
  });

  it("lists every release as both stores recorded it (GET /v1/audit)", async () => {
    const before = (await laptop.fetch(`${api}/v1/audit`)).body.releases.length;
    await releaseKey(phone, api, key);
    const audit = await laptop.fetch(`${api}/v1/audit`);
    expect(audit.status).toBe(200);
    const releases = audit.body.releases as Json[];
    expect(releases.length).toBe(before + 2);
    const last = releases.filter((release) => release.deviceId === phone.deviceId);
    expect(last.map((release) => [release.store, release.index, release.deviceName])).toEqual([
      ["share-a", 0, "phone"],
      ["share-b", 1, "phone"],
    ]);
    const sorted = [...releases].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    expect(releases.map((r) => r.at)).toEqual(sorted.map((r) => r.at));
    // The stores' own tables agree.
    const storeA = kms.stores()["share-a"];
    const atA = await storeA.db.selectFrom("releases").selectAll().where("address", "=", ADDRESS).execute();
    expect(atA.length).toBe(releases.filter((r) => r.store === "share-a").length);
  });
});
