// A share store's ingest key (docs/services.md, "Keys and who holds what"): a P-256 ECDH key pair the
// api and devices seal shares to for transport. Made on the store's first start and kept in its
// database, wrapped under the store's KEK, so that every node of the store opens the same boxes.
import { validatePublicJwk, type P256PublicJwk } from "@mailseal/shared";
import type { Kysely } from "kysely";
import type { StoreRole } from "../config.js";
import type { ShareSchema } from "../db/schema.js";
import type { HsmBackend } from "../hsm/backend.js";
import { kekLabel, wrappedSetting } from "../kms/wrapped-setting.js";

export interface IngestKey {
  /** ECDH P-256 private key (non-extractable), for openSealed. */
  privateKey: CryptoKey;
  publicJwk: P256PublicJwk;
}

const SETTING = "ingest-key";

export async function loadIngestKey(db: Kysely<ShareSchema>, hsm: HsmBackend, role: StoreRole): Promise<IngestKey> {
  const subtle = globalThis.crypto.subtle;
  const bytes = await wrappedSetting(db, hsm, kekLabel(role), SETTING, async () => {
    const pair = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    return new TextEncoder().encode(JSON.stringify(await subtle.exportKey("jwk", pair.privateKey)));
  });
  const jwk = JSON.parse(new TextDecoder().decode(bytes)) as JsonWebKey;
  bytes.fill(0);
  const privateKey = await subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const publicJwk = validatePublicJwk({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, "ingest key");
  return { privateKey, publicJwk };
}
