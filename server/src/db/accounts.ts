// Questions about an account that several parts of the api ask (the release route, the key
// manager, the protection routes), answered one way.
import type { Kysely } from "kysely";
import type { ApiSchema } from "./schema.js";

/**
 * Whether the account is under enhanced protection (docs/services.md, "Enhanced protection"). Every
 * release of every key of such an account needs a protection session, whatever the key row says: a
 * key a rotation made, or one there when the password was set, holds the PKCS#8 until a device
 * wraps it ("pending-wrap").
 */
export async function accountProtected(db: Kysely<ApiSchema>, address: string): Promise<boolean> {
  const row = await db
    .selectFrom("accounts")
    .select(["protection", "opaque_record"])
    .where("address", "=", address)
    .executeTakeFirst();
  return row !== undefined && (row.protection !== "none" || row.opaque_record !== null);
}
