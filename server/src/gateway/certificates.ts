// Certificates the organisation gateway learned from verified signed mail (gateway_certificates,
// migration 0010), kept in the api's database beside the gateway's policy: every gateway node behind
// the organisation's relays reads the same rows (a node's home is its own), and one conditional
// upsert is atomic on SQLite and PostgreSQL alike, so two nodes learning at once keep the newer.
import { policySubject } from "./policy.js";
import type { Kysely } from "kysely";
import type { ApiSchema } from "../db/schema.js";

export interface LearnedCertificate {
  address: string;
  /** DER of the certificate to encrypt to. */
  certificate: Uint8Array;
  /** DER of the certificates the message carried (intermediates for its path). */
  chain: Uint8Array[];
  /** SMIMECapabilities OIDs. */
  capabilities: string[];
  notBefore: Date;
  notAfter: Date;
}

const b64 = (der: Uint8Array) => Buffer.from(der).toString("base64url");

/**
 * Keeps `learned` for its address unless a newer one (by notBefore: the later issued) is kept
 * already. The caller has checked it (signature, path to a trusted root, encryption usage, address).
 */
export async function rememberCertificate(
  db: Kysely<ApiSchema>,
  learned: LearnedCertificate,
  now: Date,
): Promise<void> {
  const row = {
    address: policySubject(learned.address),
    certificate: b64(learned.certificate),
    chain: JSON.stringify(learned.chain.map(b64)),
    capabilities: JSON.stringify(learned.capabilities),
    not_before: learned.notBefore.toISOString(),
    not_after: learned.notAfter.toISOString(),
    learned_at: now.toISOString(),
  };
  await db
    .insertInto("gateway_certificates")
    .values(row)
    .onConflict((c) =>
      c
        .column("address")
        .doUpdateSet({
          certificate: row.certificate,
          chain: row.chain,
          capabilities: row.capabilities,
          not_before: row.not_before,
          not_after: row.not_after,
          learned_at: row.learned_at,
        })
        // The same certificate again, or an older one (a message that waited), changes nothing.
        .where("gateway_certificates.not_before", "<", row.not_before),
    )
    .execute();
}

/** The learned certificates of `addresses` (each address's one row). */
export async function learnedCertificates(
  db: Kysely<ApiSchema>,
  addresses: readonly string[],
): Promise<Map<string, LearnedCertificate>> {
  const wanted = new Map(addresses.map((a) => [policySubject(a), a]));
  const found = new Map<string, LearnedCertificate>();
  if (wanted.size === 0) return found;
  const rows = await db
    .selectFrom("gateway_certificates")
    .selectAll()
    .where("address", "in", [...wanted.keys()])
    .execute();
  for (const row of rows) {
    found.set(wanted.get(row.address) ?? row.address, {
      address: row.address,
      certificate: Buffer.from(row.certificate, "base64url"),
      chain: (JSON.parse(row.chain) as string[]).map((c) => Buffer.from(c, "base64url")),
      capabilities: JSON.parse(row.capabilities) as string[],
      notBefore: new Date(row.not_before),
      notAfter: new Date(row.not_after),
    });
  }
  return found;
}
