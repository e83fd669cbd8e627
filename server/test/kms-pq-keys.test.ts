// Post-quantum keys (issue 15; docs/services.md, "Post-quantum keys"): an account opts in with
// PUT /v1/keys/pq, and from then on each key generation is an RSA key and an ML-KEM-768 key, made,
// split across both stores, certified (ML-KEM certificate: keyUsage keyEncipherment only, signed by
// the issuing CA) and made current together; rotation replaces both, never one; a store down
// mid-rotation rolls both back; CerDB publishes the pair; opting out retires the ML-KEM key.
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBase64url, parseCertificate, pqPrivateKeyFromPkcs8, pqPublicKeyOf } from "@mailseal/shared";
import { enrolDevice, startKms, type Json, type KmsFixture, type TestDevice } from "./fixtures/kms-server.js";
import { matchesCertificate, releaseKey } from "./fixtures/kms-client.js";

const DAY = 24 * 3600 * 1000;

async function keyRows(kms: KmsFixture, address: string) {
  return kms
    .api()
    .db.selectFrom("keys")
    .selectAll()
    .where("address", "=", address)
    .orderBy("created_at")
    .orderBy("algorithm")
    .execute();
}

async function shareIds(kms: KmsFixture, store: "share-a" | "share-b"): Promise<string[]> {
  const rows = await kms.stores()[store].db.selectFrom("shares").select("key_id").execute();
  return rows.map((row) => row.key_id).sort();
}

/** The ML-KEM PKCS#8 released is the private key of its certificate (same encapsulation key). */
function kemMatches(pkcs8: Uint8Array, certificate: string): boolean {
  const key = pqPrivateKeyFromPkcs8(pkcs8);
  const certified = pqPublicKeyOf(parseCertificate(decodeBase64url(certificate)).publicKey);
  return (
    key.kind === "ml-kem" &&
    certified?.kind === "ml-kem" &&
    Buffer.from(key.encapsulationKey).equals(Buffer.from(certified.key))
  );
}

describe("post-quantum keys", () => {
  let kms: KmsFixture;
  let alice: TestDevice;
  let api: string;

  beforeAll(async () => {
    kms = await startKms({ start: new Date("2026-01-10T08:00:00Z") });
    alice = await enrolDevice(kms, "alice@example.org");
    api = kms.urls().api;
    await kms.keyManager().ensureCurrentKey(alice.address);
  });
  afterAll(() => kms?.close());

  it("lists no ML-KEM key and publishes none before the opt-in", async () => {
    const listed = (await alice.fetch(`${api}/v1/keys`)).body;
    expect(listed.kemKeys).toEqual([]);
    expect(listed.pq).toBe(false);
    const entry = (await alice.fetch(`${api}/v1/certs/${alice.address}`, { auth: false })).body;
    expect(entry.kemCertificate).toBeUndefined();
  });

  it("opts in: a new generation of an RSA and an ML-KEM-768 key, both certified, released and published", async () => {
    const [first] = await keyRows(kms, alice.address);
    kms.clock.advance(60_000);
    const answer = await alice.fetch(`${api}/v1/keys/pq`, { method: "PUT", body: { enabled: true } });
    expect(answer.status).toBe(200);
    const { keyId, kemKeyId } = answer.body as { keyId: string; kemKeyId: string };
    expect(keyId).not.toBe(first!.key_id);
    expect(typeof kemKeyId).toBe("string");
    const rows = await keyRows(kms, alice.address);
    expect(rows.map((row) => [row.key_id, row.algorithm, row.status, row.pair_key_id])).toEqual([
      [first!.key_id, "rsa", "retired", null],
      [kemKeyId, "ml-kem-768", "current", keyId],
      [keyId, "rsa", "current", null],
    ]);

    const listed = (await alice.fetch(`${api}/v1/keys`)).body;
    expect(listed.pq).toBe(true);
    // RSA keys stay where clients that know only RSA look; the ML-KEM key is apart.
    expect((listed.keys as Json[]).map((key) => key.keyId)).toEqual([first!.key_id, keyId]);
    const [kem] = listed.kemKeys as Json[];
    expect(kem).toMatchObject({ keyId: kemKeyId, status: "current", algorithm: "ml-kem-768", pairKeyId: keyId });

    // The certificate: the ML-KEM-768 key, keyUsage keyEncipherment only (RFC 9935 5), for the
    // address, signed by the issuing CA with its usual algorithm.
    const certificate = parseCertificate(decodeBase64url(kem.certificate));
    expect(pqPublicKeyOf(certificate.publicKey)).toMatchObject({ kind: "ml-kem", parameters: { name: "ML-KEM-768" } });
    expect(certificate.keyUsage).toEqual({
      digitalSignature: false,
      nonRepudiation: false,
      keyEncipherment: true,
      dataEncipherment: false,
      keyAgreement: false,
      keyCertSign: false,
      cRLSign: false,
      encipherOnly: false,
      decipherOnly: false,
    });
    expect(certificate.emailAddresses).toEqual([alice.address]);
    const { issuing } = (await alice.fetch(`${api}/v1/ca/certificates`, { auth: false })).body as { issuing: string };
    const issuer = new X509Certificate(decodeBase64url(issuing));
    const leaf = new X509Certificate(decodeBase64url(kem.certificate));
    expect(leaf.checkIssued(issuer)).toBe(true);
    expect(leaf.verify(issuer.publicKey)).toBe(true);

    // Released through the same path as an RSA key: the PKCS#8 is the certificate's ML-KEM key.
    expect(kemMatches(await releaseKey(alice, api, kem), kem.certificate)).toBe(true);
    const rsa = (listed.keys as Json[])[1];
    expect(matchesCertificate(await releaseKey(alice, api, rsa), rsa.certificate)).toBe(true);

    // CerDB: the RSA certificate as before, and the ML-KEM one of the same generation beside it.
    const entry = (await alice.fetch(`${api}/v1/certs/${alice.address}`, { auth: false })).body;
    expect(entry.certificate).toBe(rsa.certificate);
    expect(entry.kemCertificate).toBe(kem.certificate);
    const batch = (await alice.fetch(`${api}/v1/certs/lookup`, { body: { addresses: [alice.address] }, auth: false }))
      .body;
    expect(batch.certificates[0].kemCertificate).toBe(kem.certificate);

    // Asking again changes nothing.
    const again = await alice.fetch(`${api}/v1/keys/pq`, { method: "PUT", body: { enabled: true } });
    expect(again.body).toEqual({ keyId, kemKeyId });
    expect(await keyRows(kms, alice.address)).toHaveLength(3);
  });

  it("a device removal replaces both keys at once; the removed device releases neither", async () => {
    kms.clock.advance(60_000);
    const phone = await enrolDevice(kms, alice.address, "phone");
    const before = (await keyRows(kms, alice.address)).filter((row) => row.status === "current");
    const removed = await alice.fetch(`${api}/v1/devices/${phone.deviceId}`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    const rows = await keyRows(kms, alice.address);
    for (const row of before) expect(rows.find((r) => r.key_id === row.key_id)!.status).toBe("retired");
    const now = rows.filter((row) => row.status === "current");
    expect(now.map((row) => row.algorithm).sort()).toEqual(["ml-kem-768", "rsa"]);
    expect(now.find((row) => row.algorithm !== "rsa")!.pair_key_id).toBe(
      now.find((r) => r.algorithm === "rsa")!.key_id,
    );
    const kem = now.find((row) => row.algorithm !== "rsa")!;
    await expect(releaseKey(phone, api, { keyId: kem.key_id, commitment: kem.commitment })).rejects.toThrow(
      /DEVICE_NOT_ACTIVE/,
    );
    const entry = (await alice.fetch(`${api}/v1/certs/${alice.address}`, { auth: false })).body;
    expect(entry.kemCertificate).toBe(kem.certificate);
  });

  it("opts out: the next generation has no ML-KEM key, CerDB publishes none", async () => {
    kms.clock.advance(60_000);
    const answer = await alice.fetch(`${api}/v1/keys/pq`, { method: "PUT", body: { enabled: false } });
    expect(answer.status).toBe(200);
    expect(answer.body.kemKeyId).toBeUndefined();
    const rows = await keyRows(kms, alice.address);
    expect(rows.filter((row) => row.status === "current").map((row) => row.algorithm)).toEqual(["rsa"]);
    const entry = (await alice.fetch(`${api}/v1/certs/${alice.address}`, { auth: false })).body;
    expect(entry.kemCertificate).toBeUndefined();
    expect((await alice.fetch(`${api}/v1/keys`)).body.pq).toBe(false);
  });
});

describe("post-quantum keys: rotation with the stores apart", () => {
  let kms: KmsFixture;
  let alice: TestDevice;
  let api: string;

  beforeAll(async () => {
    kms = await startKms({ split: true, start: new Date("2026-01-10T08:00:00Z") });
    alice = await enrolDevice(kms, "alice@example.org");
    api = kms.urls().api;
    await kms.keyManager().ensureCurrentKey(alice.address);
    // The opt-in as PUT /v1/keys/pq records it (that route is tested above, in the composed server).
    await kms.api().db.updateTable("accounts").set({ pq_since: kms.clock.now().toISOString() }).execute();
    kms.clock.advance(60_000);
    await kms.keyManager().rotateNow(alice.address);
  });
  afterAll(() => kms?.close());

  it("rotates both keys together, and rolls both back when a store is down mid-rotation", async () => {
    const before = await keyRows(kms, alice.address);
    const current = before.filter((row) => row.status === "current");
    await kms.stopStore("share-b");
    kms.clock.set(new Date(new Date(current[0]!.not_after!).getTime() - 10 * DAY));
    const failed = await kms.keyManager().maintain();
    expect(failed.failed.map((entry) => entry.code)).toEqual(["STORE_UNAVAILABLE"]);
    // Both pending rows stay for the rollback; the current pair is untouched.
    const during = await keyRows(kms, alice.address);
    expect(
      during
        .filter((row) => row.status === "pending")
        .map((row) => row.algorithm)
        .sort(),
    ).toEqual(["ml-kem-768", "rsa"]);
    expect(during.filter((row) => row.status === "current").map((row) => row.key_id)).toEqual(
      current.map((row) => row.key_id),
    );

    await kms.startStore("share-b");
    const recovered = await kms.keyManager().maintain();
    expect(recovered.failed).toEqual([]);
    expect(recovered.rolledBack).toHaveLength(1);
    expect(recovered.created).toHaveLength(1);
    const after = await keyRows(kms, alice.address);
    const nowCurrent = after.filter((row) => row.status === "current");
    expect(nowCurrent.map((row) => row.algorithm).sort()).toEqual(["ml-kem-768", "rsa"]);
    const newRsa = nowCurrent.find((row) => row.algorithm === "rsa")!;
    expect(nowCurrent.find((row) => row.algorithm !== "rsa")!.pair_key_id).toBe(newRsa.key_id);
    // The previous pair is retired together; nothing pending, no share orphaned at either store.
    for (const row of current) expect(after.find((r) => r.key_id === row.key_id)!.status).toBe("retired");
    expect(after.filter((row) => row.status === "pending")).toEqual([]);
    const live = (await kms.api().db.selectFrom("keys").select("key_id").execute()).map((row) => row.key_id).sort();
    expect(await shareIds(kms, "share-a")).toEqual(live);
    expect(await shareIds(kms, "share-b")).toEqual(live);
    const listed = (await alice.fetch(`${api}/v1/keys`)).body;
    for (const key of listed.kemKeys as Json[])
      expect(kemMatches(await releaseKey(alice, api, key), key.certificate)).toBe(true);
  });

  it("on a protected account makes both keys pending-wrap: neither is released without a protection session", async () => {
    await kms.api().db.updateTable("accounts").set({ protection: "opaque" }).execute();
    kms.clock.advance(60_000);
    await kms.keyManager().rotateNow(alice.address);
    const made = (await keyRows(kms, alice.address)).filter((row) => row.status === "current");
    expect(made.map((row) => [row.algorithm, row.protection]).sort()).toEqual([
      ["ml-kem-768", "pending-wrap"],
      ["rsa", "pending-wrap"],
    ]);
    const kem = made.find((row) => row.algorithm !== "rsa")!;
    await expect(releaseKey(alice, api, { keyId: kem.key_id, commitment: kem.commitment })).rejects.toThrow(
      /PROTECTION_REQUIRED/,
    );
  });
});
