// The split key on PostgreSQL (api and both store databases) with SoftHSM2 holding the KEKs and
// generating the keys: made, split, certified, released, rotated, and no database holds the key.
import { combineShares, decodeBase64url, shareAad } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.js";
import { startSoftHsm, type SoftHsmToken } from "../../test/support/softhsm.js";
import { kekLabel } from "../src/kms/index.js";
import { enrolDevice, startKms, type Json, type KmsFixture } from "./fixtures/kms-server.js";
import { matchesCertificate, releaseKey } from "./fixtures/kms-client.js";

const DAY = 24 * 3600 * 1000;

describe("split key on PostgreSQL with SoftHSM2", () => {
  let pg: TestPostgres;
  let token: SoftHsmToken;
  let kms: KmsFixture;

  beforeAll(async () => {
    pg = await startPostgres();
    token = await startSoftHsm("mailseal-kms");
    kms = await startKms({ db: pg.url.replace(/\/postgres$/, "/mailseal"), hsm: token.spec, split: true });
  });
  afterAll(async () => {
    await kms?.close();
    await token?.stop();
    await pg?.stop();
  });

  it("makes, releases and rotates a key; the stores' shares combine only under both KEKs", async () => {
    const device = await enrolDevice(kms, "frank@example.org");
    const api = kms.urls().api;
    await Promise.all([1, 2, 3].map(() => kms.keyManager().ensureCurrentKey(device.address)));
    const [key] = (await device.fetch(`${api}/v1/keys`)).body.keys as Json[];
    const pkcs8 = await releaseKey(device, api, key);
    expect(matchesCertificate(pkcs8, key.certificate)).toBe(true);

    const shares = await Promise.all(
      (["share-a", "share-b"] as const).map(async (store, index) => {
        const row = await kms.stores()[store].db.selectFrom("shares").selectAll().executeTakeFirstOrThrow();
        expect(row.ct).not.toContain(Buffer.from(pkcs8).toString("base64url").slice(0, 40));
        return (await kms.hsmOf(store)).aesGcmDecrypt(
          await (await kms.hsmOf(store)).aesKey(kekLabel(store)),
          decodeBase64url(row.iv),
          decodeBase64url(row.ct),
          shareAad(device.address, key.keyId, index as 0 | 1),
        );
      }),
    );
    expect(Buffer.from(combineShares(shares[0]!, shares[1]!)).equals(Buffer.from(pkcs8))).toBe(true);

    kms.clock.set(new Date(new Date(key.notAfter).getTime() - 29 * DAY));
    const report = await kms.keyManager().maintain();
    expect(report.failed).toEqual([]);
    expect(report.created).toHaveLength(1);
    const keys = (await device.fetch(`${api}/v1/keys`)).body.keys as Json[];
    expect(keys.map((k) => k.status)).toEqual(["retired", "current"]);
    for (const k of keys) expect(matchesCertificate(await releaseKey(device, api, k), k.certificate)).toBe(true);
  });
});
