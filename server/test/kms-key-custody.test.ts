// Issue 12, finding 4: an encryption key made by the kms is held nowhere but in its two shares, not
// even for the moment between generation and the split. Every call the key manager makes to the HSM
// backend is followed by a snapshot of every file under the data folder (and the SoftHSM2 token's
// folder) and a listing of the token's objects; once the key is released to a device, no snapshot may
// hold it in any form, and no token object may ever have been the key stored on the token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HsmBackend } from "../src/hsm/backend.js";
import { startSoftHsm, type SoftHsmToken } from "../../test/support/softhsm.js";
import { findKeyMaterial, snapshotFiles, tokenObjects, type TokenObject } from "./fixtures/key-custody.js";
import { matchesCertificate, releaseKey } from "./fixtures/kms-client.js";
import { enrolDevice, startKms, type KmsFixture } from "./fixtures/kms-server.js";

const ADDRESS = "carol@example.org";

/** The backend with `after(method)` run once each of its calls has finished, before the caller goes on. */
function observed(hsm: HsmBackend, after: (method: string, result: unknown) => void): HsmBackend {
  return new Proxy(hsm, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        after(String(property), result);
        return result;
      };
    },
  });
}

describe.each(["soft", "pkcs11"] as const)("%s backend: enrolment leaves no private key behind", (kind) => {
  let token: SoftHsmToken | undefined;
  let kms: KmsFixture;
  const dirs: string[] = [];
  const files: Map<string, Buffer>[] = [];
  const objects: { after: string; objects: TokenObject[] }[] = [];
  const exported: Uint8Array[] = [];

  beforeAll(async () => {
    if (kind === "pkcs11") token = await startSoftHsm();
    kms = await startKms({
      ...(token === undefined ? {} : { hsm: token.spec }),
      observeHsm: (hsm) =>
        observed(hsm, (method, result) => {
          if (method === "generateExportableRsaKey") exported.push((result as { pkcs8: Uint8Array }).pkcs8);
          files.push(snapshotFiles(dirs));
          if (token !== undefined) objects.push({ after: method, objects: tokenObjects(token) });
        }),
    });
    dirs.push(kms.config.dataDir, ...(token === undefined ? [] : [token.dir]));
  });
  afterAll(async () => {
    await kms?.close();
    await token?.stop();
  });

  it("no file and no token object holds the key, at any step of its making", async () => {
    const device = await enrolDevice(kms, ADDRESS);
    await kms.keyManager().ensureCurrentKey(ADDRESS);
    const listed = await device.fetch(`${kms.urls().api}/v1/keys`);
    expect(listed.status).toBe(200);
    const key = listed.body.keys[0];
    const pkcs8 = await releaseKey(device, kms.urls().api, key);
    expect(matchesCertificate(pkcs8, key.certificate)).toBe(true);
    // The snapshots were taken: the key manager went through the observed backend.
    expect(files.length).toBeGreaterThan(0);

    expect(await findKeyMaterial(pkcs8, dirs, files)).toEqual([]);
    // The key manager wiped the PKCS#8 the HSM handed it once the shares were out.
    expect(exported).toHaveLength(1);
    expect(exported[0]!.every((byte) => byte === 0)).toBe(true);
    if (token !== undefined) {
      expect(objects.length).toBe(files.length);
      const stored = objects.flatMap(({ after, objects: listing }) =>
        listing.filter((o) => o.label.startsWith("mailseal-enc-") && o.token).map((o) => ({ after, ...o })),
      );
      expect(stored).toEqual([]);
      // Nothing of it is left either: no object of an encryption key, stored or not.
      expect(tokenObjects(token).filter((o) => o.label.startsWith("mailseal-enc-"))).toEqual([]);
    }
  });
});
