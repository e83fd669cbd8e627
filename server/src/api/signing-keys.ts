// The api's two ES256 key pairs (docs/services.md, "Wire formats"): the token key signs access tokens,
// the ticket key signs release tickets and service tokens. They are made on the first start, kept in
// the api `settings` table with the private half wrapped (AES-256-GCM) under the api KEK, a
// non-extractable AES key in the HSM backend, and loaded as non-extractable WebCrypto keys: no code
// path can export them again. Every api node of a deployment shares the database, so every node
// loads the same pair; when two nodes start together, both insert-if-absent and both then load the
// row that won, so one key pair results.
import { decodeBase64url, encodeBase64url, exportPublicJwk, type P256PublicJwk } from "@mailseal/shared";
import type { Kysely } from "kysely";
import type { ApiSchema } from "../db/schema.js";
import type { HsmBackend } from "../hsm/backend.js";

/** Label of the api's key-encryption key in the HSM backend. */
export const API_KEK_LABEL = "mailseal-kek-api";

export type SigningKeyName = "token-key" | "ticket-key";

export interface ApiSigningKeys {
  /** Signs access tokens (`mailseal-at+jwt`). */
  tokenKey: CryptoKeyPair;
  /** Signs release tickets and service tokens. */
  ticketKey: CryptoKeyPair;
  /** The ticket key's public JWK: the share stores verify tickets and service tokens with it. */
  ticketPublicJwk: JsonWebKey;
}

/** The settings row: `{ v, publicJwk, iv, ct }`, the PKCS#8 of the private key under the KEK. */
interface StoredSigningKey {
  v: 1;
  publicJwk: P256PublicJwk;
  iv: string;
  ct: string;
}

const ES256 = { name: "ECDSA", namedCurve: "P-256" } as const;

/** Associated data of a wrapped setting: its name, so that one row cannot be swapped for another. */
function settingAad(name: SigningKeyName): Uint8Array {
  return new TextEncoder().encode(`mailseal-api-setting-v1\n${name}`);
}

async function makeStoredKey(hsm: HsmBackend, kek: string, name: SigningKeyName): Promise<StoredSigningKey> {
  const pair = await globalThis.crypto.subtle.generateKey(ES256, true, ["sign", "verify"]);
  const pkcs8 = new Uint8Array(await globalThis.crypto.subtle.exportKey("pkcs8", pair.privateKey));
  try {
    const { iv, ciphertext } = await hsm.aesGcmEncrypt(kek, pkcs8, settingAad(name));
    return {
      v: 1,
      publicJwk: await exportPublicJwk(pair.publicKey),
      iv: encodeBase64url(iv),
      ct: encodeBase64url(ciphertext),
    };
  } finally {
    pkcs8.fill(0);
  }
}

async function openStoredKey(
  hsm: HsmBackend,
  kek: string,
  name: SigningKeyName,
  value: string,
): Promise<{ pair: CryptoKeyPair; publicJwk: P256PublicJwk }> {
  const stored = JSON.parse(value) as StoredSigningKey;
  if (stored.v !== 1) throw new Error(`the api setting ${name} has an unknown version`);
  const pkcs8 = await hsm.aesGcmDecrypt(
    kek,
    decodeBase64url(stored.iv, `${name} iv`),
    decodeBase64url(stored.ct, `${name} ct`),
    settingAad(name),
  );
  try {
    const privateKey = await globalThis.crypto.subtle.importKey("pkcs8", new Uint8Array(pkcs8), ES256, false, ["sign"]);
    const publicKey = await globalThis.crypto.subtle.importKey("jwk", { ...stored.publicJwk }, ES256, true, ["verify"]);
    return { pair: { privateKey, publicKey }, publicJwk: stored.publicJwk };
  } finally {
    pkcs8.fill(0);
  }
}

async function loadOrCreate(
  db: Kysely<ApiSchema>,
  hsm: HsmBackend,
  kek: string,
  name: SigningKeyName,
): Promise<{ pair: CryptoKeyPair; publicJwk: P256PublicJwk }> {
  const existing = await db.selectFrom("settings").select("value").where("name", "=", name).executeTakeFirst();
  if (existing === undefined) {
    const value = JSON.stringify(await makeStoredKey(hsm, kek, name));
    // Insert-if-absent: of two nodes starting together, the first insert wins and the other's key is
    // dropped unused; both then read the winning row below.
    await db
      .insertInto("settings")
      .values({ name, value })
      .onConflict((conflict) => conflict.column("name").doNothing())
      .execute();
  }
  const row = await db.selectFrom("settings").select("value").where("name", "=", name).executeTakeFirstOrThrow();
  return openStoredKey(hsm, kek, name, row.value);
}

/** Loads (making them on the first start) the api's token and ticket key pairs. */
export async function loadApiSigningKeys(db: Kysely<ApiSchema>, hsm: HsmBackend): Promise<ApiSigningKeys> {
  const kek = await hsm.aesKey(API_KEK_LABEL);
  const token = await loadOrCreate(db, hsm, kek, "token-key");
  const ticket = await loadOrCreate(db, hsm, kek, "ticket-key");
  return { tokenKey: token.pair, ticketKey: ticket.pair, ticketPublicJwk: { ...ticket.publicJwk } };
}
