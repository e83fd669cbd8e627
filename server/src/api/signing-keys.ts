// The api's two ES256 key pairs (docs/services.md, "Wire formats"): the token key signs access tokens,
// the ticket key signs release tickets and service tokens. They are made on the first start and kept
// in the api `settings` table as wrapped settings (kms/wrapped-setting.ts: the private JWK under the
// api KEK, associated data `mailseal-setting-v1\nname`), and loaded as non-extractable WebCrypto
// keys: no code path can export them again. Every api node shares the database, so every node loads
// the same pair (wrappedSetting's insert-if-absent settles two nodes starting together).
//
// Rows written before the one wrapped-setting format ({ v, publicJwk, iv, ct }: the PKCS#8 under the
// associated data `mailseal-api-setting-v1\nname`) are rewritten to it on the first start that finds
// them, with a compare-and-set so that two nodes migrating at once agree on one row.
import { decodeBase64url, validatePublicJwk, type P256PublicJwk } from "@mailseal/shared";
import type { Kysely } from "kysely";
import type { ApiSchema } from "../db/schema.js";
import type { HsmBackend } from "../hsm/backend.js";
import { kekLabel, wrapSetting, wrappedSetting } from "../kms/wrapped-setting.js";

/** Label of the api's key-encryption key in the HSM backend. */
export const API_KEK_LABEL = kekLabel("api");

export type SigningKeyName = "token-key" | "ticket-key";

export interface ApiSigningKeys {
  /** Signs access tokens (`mailseal-at+jwt`). */
  tokenKey: CryptoKeyPair;
  /** Signs release tickets and service tokens. */
  ticketKey: CryptoKeyPair;
  /** The ticket key's public JWK: the share stores verify tickets and service tokens with it. */
  ticketPublicJwk: JsonWebKey;
}

const ES256 = { name: "ECDSA", namedCurve: "P-256" } as const;

/** The earlier row format of the signing keys, read only to migrate it. */
interface LegacySigningKey {
  v: 1;
  publicJwk: P256PublicJwk;
  iv: string;
  ct: string;
}

function isLegacy(value: unknown): value is LegacySigningKey {
  return typeof value === "object" && value !== null && "publicJwk" in value;
}

/** Rewrites a legacy row of `name`, if there is one, as a wrapped setting of the private JWK. */
async function migrateLegacy(db: Kysely<ApiSchema>, hsm: HsmBackend, name: SigningKeyName): Promise<void> {
  const row = await db.selectFrom("settings").select("value").where("name", "=", name).executeTakeFirst();
  if (row === undefined) return;
  const stored: unknown = JSON.parse(row.value);
  if (!isLegacy(stored)) return;
  const kek = await hsm.aesKey(API_KEK_LABEL);
  const pkcs8 = await hsm.aesGcmDecrypt(
    kek,
    decodeBase64url(stored.iv, `${name} iv`),
    decodeBase64url(stored.ct, `${name} ct`),
    new TextEncoder().encode(`mailseal-api-setting-v1\n${name}`),
  );
  let jwk: Uint8Array;
  try {
    const key = await globalThis.crypto.subtle.importKey("pkcs8", new Uint8Array(pkcs8), ES256, true, ["sign"]);
    jwk = new TextEncoder().encode(JSON.stringify(await globalThis.crypto.subtle.exportKey("jwk", key)));
  } finally {
    pkcs8.fill(0);
  }
  const value = await wrapSetting(hsm, kek, name, jwk);
  jwk.fill(0);
  // Compare-and-set: a node that migrated first wins; this one then reads its row.
  await db.updateTable("settings").set({ value }).where("name", "=", name).where("value", "=", row.value).execute();
}

async function loadOrCreate(
  db: Kysely<ApiSchema>,
  hsm: HsmBackend,
  name: SigningKeyName,
): Promise<{ pair: CryptoKeyPair; publicJwk: P256PublicJwk }> {
  await migrateLegacy(db, hsm, name);
  const subtle = globalThis.crypto.subtle;
  const bytes = await wrappedSetting(db, hsm, API_KEK_LABEL, name, async () => {
    const pair = await subtle.generateKey(ES256, true, ["sign", "verify"]);
    return new TextEncoder().encode(JSON.stringify(await subtle.exportKey("jwk", pair.privateKey)));
  });
  const jwk = JSON.parse(new TextDecoder().decode(bytes)) as JsonWebKey;
  bytes.fill(0);
  const publicJwk = validatePublicJwk({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, name);
  const privateKey = await subtle.importKey("jwk", jwk, ES256, false, ["sign"]);
  const publicKey = await subtle.importKey("jwk", { ...publicJwk }, ES256, true, ["verify"]);
  return { pair: { privateKey, publicKey }, publicJwk };
}

/** Loads (making them on the first start) the api's token and ticket key pairs. */
export async function loadApiSigningKeys(db: Kysely<ApiSchema>, hsm: HsmBackend): Promise<ApiSigningKeys> {
  const token = await loadOrCreate(db, hsm, "token-key");
  const ticket = await loadOrCreate(db, hsm, "ticket-key");
  return { tokenKey: token.pair, ticketKey: ticket.pair, ticketPublicJwk: { ...ticket.publicJwk } };
}
