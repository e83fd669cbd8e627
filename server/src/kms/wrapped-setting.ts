// Secrets a role keeps in its own database's `settings` table, encrypted under that role's KEK in the
// HSM backend (docs/services.md, "Data"): a store's ingest key, the api's token and ticket keys and
// its OPAQUE server setup. This is the one format for them all. The
// first start makes the value; concurrent first starts (two processes on one database) both insert
// if absent and then read back the one that won, so every process ends up with the same secret.
import { decodeBase64url, encodeBase64url } from "@mailseal/shared";
import type { Kysely } from "kysely";
import type { ApiSchema, SettingsTable, ShareSchema } from "../db/schema.js";
import type { HsmBackend } from "../hsm/backend.js";

interface Stored {
  v: 1;
  iv: string;
  ct: string;
}

/** Associated data of a wrapped setting: its name, so that one value cannot be moved to another. */
function settingAad(name: string): Uint8Array {
  return new TextEncoder().encode(`mailseal-setting-v1\n${name}`);
}

async function unwrap(hsm: HsmBackend, kek: string, name: string, text: string): Promise<Uint8Array> {
  const stored = JSON.parse(text) as Stored;
  if (stored.v !== 1) throw new Error(`setting ${name}: unknown format ${String(stored.v)}`);
  return hsm.aesGcmDecrypt(kek, decodeBase64url(stored.iv), decodeBase64url(stored.ct), settingAad(name));
}

/** The settings value of `secret` wrapped under `kek` (a handle of hsm.aesKey) as the setting `name`. */
export async function wrapSetting(hsm: HsmBackend, kek: string, name: string, secret: Uint8Array): Promise<string> {
  const { iv, ciphertext } = await hsm.aesGcmEncrypt(kek, secret, settingAad(name));
  const value: Stored = { v: 1, iv: encodeBase64url(iv), ct: encodeBase64url(ciphertext) };
  return JSON.stringify(value);
}

/**
 * The secret `name` from `settings`, decrypted under the KEK labelled `kekLabel`; made with `create`
 * and stored (wrapped) when absent. The returned bytes are the caller's to zero.
 */
export async function wrappedSetting(
  database: Kysely<ApiSchema> | Kysely<ShareSchema>,
  hsm: HsmBackend,
  kekLabel: string,
  name: string,
  create: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  // Both schemas have the same settings table; Kysely's types do not see through the union.
  const db = database as unknown as Kysely<{ settings: SettingsTable }>;
  const kek = await hsm.aesKey(kekLabel);
  const read = () => db.selectFrom("settings").select("value").where("name", "=", name).executeTakeFirst();
  const existing = await read();
  if (existing !== undefined) return unwrap(hsm, kek, name, existing.value);
  const fresh = await create();
  let value: string;
  try {
    value = await wrapSetting(hsm, kek, name, fresh);
  } finally {
    fresh.fill(0);
  }
  await db
    .insertInto("settings")
    .values({ name, value })
    .onConflict((conflict) => conflict.column("name").doNothing())
    .execute();
  const winner = await read();
  if (winner === undefined) throw new Error(`setting ${name} vanished after it was written`);
  return unwrap(hsm, kek, name, winner.value);
}

/** The KEK label of a role (docs/services.md: `mailseal-kek-share-a`, `-share-b`, `mailseal-kek-api`). */
export function kekLabel(role: "api" | "share-a" | "share-b"): string {
  return `mailseal-kek-${role}`;
}
