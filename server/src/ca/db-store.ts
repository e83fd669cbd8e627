// The CA's persistence over the api database (docs/services.md, "Data"): the root and issuing CA in
// `ca` (key handle in the HSM backend + certificate), every issued certificate in `certificates`.
// Serials are stored as lower-case hex (schema.ts) and handed back upper-case, as the CA uses them.
import { decodeBase64url, encodeBase64url } from "@mailseal/shared";
import type { Kysely } from "kysely";
import type { ApiSchema } from "../db/schema.js";
import type { AuthorityName, CaStore, CertificateRecord, SignedCrl, StoredAuthority } from "./authority.js";
import { REVOCATION_REASONS, type RevocationReason } from "./crl.js";
import { MailsealError } from "./errors.js";

const REASON_NAMES = new Map<number, RevocationReason>(
  Object.entries(REVOCATION_REASONS).map(([name, code]) => [code, name as RevocationReason]),
);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export class DbCaStore implements CaStore {
  constructor(private readonly db: Kysely<ApiSchema>) {}

  async loadAuthority(name: AuthorityName): Promise<StoredAuthority | undefined> {
    const row = await this.db
      .selectFrom("ca")
      .select(["key_handle", "certificate"])
      .where("name", "=", name)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return { keyHandle: row.key_handle, certificate: decodeBase64url(row.certificate, `${name} CA certificate`) };
  }

  /**
   * Insert-if-absent: when two api nodes create the CA at the same time, the first row stays. The
   * other node's authority is then refused (CA_STATE_INVALID), so that CertificateAuthority.open
   * destroys its unused key and fails, and the caller opens again, loading the stored one.
   */
  async saveAuthority(name: "root" | "issuing", value: StoredAuthority): Promise<void> {
    const result = await this.db
      .insertInto("ca")
      .values({ name, key_handle: value.keyHandle, certificate: encodeBase64url(value.certificate) })
      .onConflict((conflict) => conflict.column("name").doNothing())
      .executeTakeFirst();
    if (result.numInsertedOrUpdatedRows === 1n) return;
    const stored = await this.loadAuthority(name);
    if (stored?.keyHandle !== value.keyHandle || !sameBytes(stored.certificate, value.certificate)) {
      throw new MailsealError("CA_STATE_INVALID", `another api node created the ${name} CA first: open the CA again`);
    }
  }

  /** A root rollover: the three rows replaced in one transaction (upserts, the name is the key). */
  async replaceAuthorities(values: Record<AuthorityName, StoredAuthority>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const name of ["root", "issuing", "rollover"] as const) {
        const row = { key_handle: values[name].keyHandle, certificate: encodeBase64url(values[name].certificate) };
        await trx
          .insertInto("ca")
          .values({ name, ...row })
          .onConflict((conflict) => conflict.column("name").doUpdateSet(row))
          .execute();
      }
    });
  }

  async recordCertificate(record: CertificateRecord): Promise<void> {
    await this.db
      .insertInto("certificates")
      .values({
        serial: record.serial.toLowerCase(),
        address: record.address,
        device_id: record.deviceId ?? null,
        kind: record.kind,
        der: encodeBase64url(record.der),
        not_before: record.notBefore.toISOString(),
        not_after: record.notAfter.toISOString(),
        revoked_at: null,
        revocation_reason: null,
      })
      .execute();
  }

  async revoke(serial: string, reason: RevocationReason, at: Date): Promise<boolean> {
    const key = serial.toLowerCase();
    // Revoking twice keeps the first time and reason (RFC 5280 5.3.2: the date the CA first revoked it).
    const result = await this.db
      .updateTable("certificates")
      .set({ revoked_at: at.toISOString(), revocation_reason: REVOCATION_REASONS[reason] })
      .where("serial", "=", key)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return true;
    const found = await this.db
      .selectFrom("certificates")
      .select("serial")
      .where("serial", "=", key)
      .executeTakeFirst();
    return found !== undefined;
  }

  async deviceCertificates(deviceId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("certificates")
      .select("serial")
      .where("device_id", "=", deviceId)
      .where("kind", "=", "signing")
      .where("revoked_at", "is", null)
      .execute();
    return rows.map((row) => row.serial.toUpperCase());
  }

  async revoked(): Promise<{ serial: string; at: Date; reason: RevocationReason }[]> {
    const rows = await this.db
      .selectFrom("certificates")
      .select(["serial", "revoked_at", "revocation_reason"])
      .where("revoked_at", "is not", null)
      .orderBy("revoked_at")
      .execute();
    return rows.map((row) => ({
      serial: row.serial.toUpperCase(),
      at: new Date(row.revoked_at!),
      reason: REASON_NAMES.get(row.revocation_reason ?? 0) ?? "unspecified",
    }));
  }

  async revokedCount(): Promise<number> {
    const row = await this.db
      .selectFrom("certificates")
      .select((eb) => eb.fn.countAll<string | number>().as("n"))
      .where("revoked_at", "is not", null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async loadCrl(): Promise<SignedCrl | undefined> {
    const row = await this.db.selectFrom("crls").selectAll().where("issuer", "=", "issuing").executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      der: decodeBase64url(row.der, "stored CRL"),
      thisUpdate: new Date(row.this_update),
      nextUpdate: new Date(row.next_update),
      revoked: Number(row.revoked),
    };
  }

  async saveCrl(crl: SignedCrl): Promise<void> {
    const values = {
      issuer: "issuing",
      der: encodeBase64url(crl.der),
      this_update: crl.thisUpdate.toISOString(),
      next_update: crl.nextUpdate.toISOString(),
      revoked: crl.revoked,
    };
    // Two nodes signing at once: the later thisUpdate stays (equal ones: the one listing more).
    await this.db
      .insertInto("crls")
      .values(values)
      .onConflict((conflict) =>
        conflict
          .column("issuer")
          .doUpdateSet({
            der: (eb) => eb.ref("excluded.der"),
            this_update: (eb) => eb.ref("excluded.this_update"),
            next_update: (eb) => eb.ref("excluded.next_update"),
            revoked: (eb) => eb.ref("excluded.revoked"),
          })
          .where((eb) =>
            eb.or([
              eb("crls.this_update", "<", eb.ref("excluded.this_update")),
              eb.and([
                eb("crls.this_update", "=", eb.ref("excluded.this_update")),
                eb("crls.revoked", "<", eb.ref("excluded.revoked")),
              ]),
            ]),
          ),
      )
      .execute();
  }
}
