// What the LDAP door shows of CerDB: one entry per address that has a published encryption
// certificate, under the configured base DN, as the inetOrgPerson object class (RFC 2798) that mail
// clients search: mail, cn, sn and userCertificate;binary (RFC 4523 2.1; the ";binary" transfer
// option is required for certificates, RFC 4522). The certificate is the one CerDB's HTTP lookup
// gives (the same query and cache, api/certs.ts); beside it, the address's valid signing
// certificates, so that a client can also check mail signed on any of the person's devices.
import { decodeBase64url, type Clock } from "@mailseal/shared";
import type { Kysely } from "kysely";

import type { CertLookup } from "../api/certs.js";
import type { ApiSchema } from "../db/index.js";

export interface DirectoryEntry {
  /** The address in CerDB's normal form. */
  address: string;
  /** DER: the current encryption certificate first, then the signing certificates, newest first. */
  certificates: Uint8Array[];
}

export interface CertificateDirectory {
  /** The entries of the addresses found (unknown ones omitted), each address once. */
  entries(addresses: readonly string[]): Promise<DirectoryEntry[]>;
}

export function createCertificateDirectory(
  db: Kysely<ApiSchema>,
  lookup: CertLookup,
  clock: Clock,
): CertificateDirectory {
  return {
    async entries(addresses) {
      const found = await lookup.lookup(addresses);
      if (found.length === 0) return [];
      const now = clock.now().toISOString();
      const signing = await db
        .selectFrom("certificates")
        .select(["address", "der", "not_before"])
        .where("kind", "=", "signing")
        .where(
          "address",
          "in",
          found.map((entry) => entry.address),
        )
        .where("revoked_at", "is", null)
        .where("not_before", "<=", now)
        .where("not_after", ">", now)
        .orderBy("not_before", "desc")
        .execute();
      // The ML-KEM certificate of an opted-in address (entry.kemCertificate, issue 15) is not served
      // here: a client that reads userCertificate;binary picks an encryption certificate by its
      // keyUsage (keyEncipherment, which the ML-KEM one carries too) and validity, and could pick one
      // it cannot encrypt to; and no client on this door writes a KEMRecipientInfo anyway.
      return found.map((entry) => ({
        address: entry.address,
        certificates: [
          decodeBase64url(entry.certificate),
          ...signing.filter((row) => row.address === entry.address).map((row) => decodeBase64url(row.der)),
        ],
      }));
    },
  };
}
