// The organisation gateway's encryption policy, kept in the api's database (gateway_policies, migration
// 0008): per domain and per address, "never" | "possible" | "always". The gateway reads it for every
// outgoing message; `mailseal gateway policy` writes it.
import { MailsealError } from "@mailseal/shared";
import type { Kysely } from "kysely";
import type { ApiSchema } from "../db/schema.js";

export const ENCRYPT_POLICIES = ["never", "possible", "always"] as const;
export type EncryptPolicy = (typeof ENCRYPT_POLICIES)[number];

/** With no row for the address or its domain: encrypt when every recipient has a certificate. */
export const DEFAULT_ENCRYPT_POLICY: EncryptPolicy = "possible";

/**
 * The subject a row is kept under: a domain lower-cased, an address with its domain lower-cased
 * (RFC 5321 2.4: the local part is the receiving host's to interpret, so it is kept as written).
 */
export function policySubject(subject: string): string {
  const text = subject.trim();
  const at = text.lastIndexOf("@");
  const domain = at < 0 ? text : text.slice(at + 1);
  if (domain === "" || at === 0 || text.indexOf("@") !== at || /\s/.test(text)) {
    throw new MailsealError("USAGE", `${JSON.stringify(subject)} is neither a domain nor an address`);
  }
  return at < 0 ? domain.toLowerCase() : `${text.slice(0, at)}@${domain.toLowerCase()}`;
}

export function isEncryptPolicy(value: string): value is EncryptPolicy {
  return (ENCRYPT_POLICIES as readonly string[]).includes(value);
}

/** The policy for mail from `address`: its own row, else its domain's, else the default. */
export async function encryptPolicyFor(db: Kysely<ApiSchema>, address: string): Promise<EncryptPolicy> {
  const own = policySubject(address);
  const domain = own.slice(own.lastIndexOf("@") + 1);
  const rows = await db
    .selectFrom("gateway_policies")
    .select(["subject", "encrypt"])
    .where("subject", "in", [own, domain])
    .execute();
  const found = rows.find((r) => r.subject === own) ?? rows.find((r) => r.subject === domain);
  return found !== undefined && isEncryptPolicy(found.encrypt) ? found.encrypt : DEFAULT_ENCRYPT_POLICY;
}

/** Sets (or replaces) the policy of a domain or an address; `undefined` removes its row. */
export async function setEncryptPolicy(
  db: Kysely<ApiSchema>,
  subject: string,
  policy: EncryptPolicy | undefined,
  now: Date,
): Promise<void> {
  const key = policySubject(subject);
  if (policy === undefined) {
    await db.deleteFrom("gateway_policies").where("subject", "=", key).execute();
    return;
  }
  await db
    .insertInto("gateway_policies")
    .values({ subject: key, encrypt: policy, updated_at: now.toISOString() })
    .onConflict((c) => c.column("subject").doUpdateSet({ encrypt: policy, updated_at: now.toISOString() }))
    .execute();
}

/** Every row, for `mailseal gateway policy` without arguments. */
export function listEncryptPolicies(db: Kysely<ApiSchema>): Promise<{ subject: string; encrypt: string }[]> {
  return db.selectFrom("gateway_policies").select(["subject", "encrypt"]).orderBy("subject").execute();
}
