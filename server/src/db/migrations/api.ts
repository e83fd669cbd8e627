// Migrations of the api database. Only portable column types (text, integer) so that each runs on
// SQLite and PostgreSQL alike. Never edit a released migration: add the next one.
import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const apiMigrations: Record<string, Migration> = {
  "0001-api-initial": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("accounts")
        .addColumn("address", "text", (c) => c.primaryKey())
        .addColumn("verified_at", "text")
        .addColumn("protection", "text", (c) => c.notNull().defaultTo("none"))
        .addColumn("opaque_record", "text")
        .execute();
      await db.schema
        .createTable("devices")
        .addColumn("device_id", "text", (c) => c.primaryKey())
        .addColumn("address", "text", (c) => c.notNull().references("accounts.address"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("jkt", "text", (c) => c.notNull().unique())
        .addColumn("public_jwk", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("removed_at", "text")
        .execute();
      await db.schema.createIndex("devices_address").on("devices").column("address").execute();
      await db.schema
        .createTable("challenges")
        .addColumn("challenge_id", "text", (c) => c.primaryKey())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("device_id", "text", (c) => c.notNull().references("devices.device_id"))
        .addColumn("token_hash", "text", (c) => c.notNull())
        .addColumn("code_hash", "text", (c) => c.notNull())
        .addColumn("tries", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("used_at", "text")
        .execute();
      await db.schema.createIndex("challenges_address").on("challenges").column("address").execute();
      await db.schema
        .createTable("keys")
        .addColumn("key_id", "text", (c) => c.primaryKey())
        .addColumn("address", "text", (c) => c.notNull().references("accounts.address"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("bits", "integer", (c) => c.notNull())
        .addColumn("certificate", "text")
        .addColumn("not_before", "text")
        .addColumn("not_after", "text")
        .addColumn("protection", "text", (c) => c.notNull().defaultTo("none"))
        .addColumn("commitment", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("keys_address").on("keys").columns(["address", "status"]).execute();
      await db.schema
        .createTable("certificates")
        .addColumn("serial", "text", (c) => c.primaryKey())
        .addColumn("address", "text")
        .addColumn("device_id", "text")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("der", "text", (c) => c.notNull())
        .addColumn("not_before", "text", (c) => c.notNull())
        .addColumn("not_after", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .addColumn("revocation_reason", "integer")
        .execute();
      await db.schema.createIndex("certificates_address").on("certificates").column("address").execute();
      await db.schema.createIndex("certificates_device").on("certificates").column("device_id").execute();
      await db.schema
        .createTable("ca")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("key_handle", "text", (c) => c.notNull())
        .addColumn("certificate", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("seen_jti")
        .addColumn("jti", "text", (c) => c.primaryKey())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("seen_jti_expires").on("seen_jti").column("expires_at").execute();
      await db.schema
        .createTable("release_requests")
        .addColumn("request_id", "text", (c) => c.primaryKey())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull().references("keys.key_id"))
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("release_requests_address").on("release_requests").column("address").execute();
      await db.schema
        .createTable("settings")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();
    },
  },
  "0002-api-kms": {
    // The key manager's guards and the OPAQUE state (docs/services.md, "Data").
    async up(db: Kysely<unknown>) {
      // At most one pending and one current key per address: two api nodes (or two requests) racing to
      // make a key collide here instead of both succeeding (partial unique indexes, SQLite 3.8 and PostgreSQL).
      await db.schema
        .createIndex("keys_one_pending")
        .on("keys")
        .column("address")
        .unique()
        .where(sql.ref("status"), "=", "pending")
        .execute();
      await db.schema
        .createIndex("keys_one_current")
        .on("keys")
        .column("address")
        .unique()
        .where(sql.ref("status"), "=", "current")
        .execute();
      await db.schema
        .createTable("opaque_logins")
        .addColumn("login_id", "text", (c) => c.primaryKey())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("outcome", "text")
        .execute();
      await db.schema
        .createIndex("opaque_logins_address")
        .on("opaque_logins")
        .columns(["address", "created_at"])
        .execute();
      await db.schema
        .createTable("protection_sessions")
        .addColumn("session_hash", "text", (c) => c.primaryKey())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("protection_sessions_address").on("protection_sessions").column("address").execute();
    },
  },
  "0003-api-key-owner": {
    // The process that made a pending key (docs/services.md, "Data"): lets a restarted node roll back
    // its predecessor's leftover rows at once instead of waiting for the staleness threshold; and
    // the HSM handle of a pending key's pair, so that a rollback after a crash destroys it.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("keys").addColumn("owner", "text").execute();
      await db.schema.alterTable("keys").addColumn("hsm_handle", "text").execute();
    },
  },
  "0004-api-release-notices": {
    // The outbox of release notices (docs/services.md, "Data"): a notice is written in the release
    // request's transaction, so no ticket leaves without one on record, and deleted once mailed.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("release_notices")
        .addColumn("notice_id", "text", (c) => c.primaryKey())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("claimed_until", "text")
        .execute();
      await db.schema
        .createIndex("release_notices_address")
        .on("release_notices")
        .columns(["address", "created_at"])
        .execute();
      await db.schema.createIndex("release_notices_created").on("release_notices").column("created_at").execute();
    },
  },
  "0005-api-pending-wrap": {
    // Keys of a protected account whose shares still hold the PKCS#8 (made by a rotation, or there
    // before the password was set) are "pending-wrap" (docs/services.md, "Enhanced protection"):
    // released only with a protection session until a device wraps them. Rows written before this
    // state existed say "none"; the account tells them apart.
    async up(db: Kysely<unknown>) {
      await sql`UPDATE keys SET protection = 'pending-wrap' WHERE protection = 'none' AND address IN (SELECT address FROM accounts WHERE protection = 'opaque' OR opaque_record IS NOT NULL)`.execute(
        db,
      );
      // Failed protection logins are counted per device (api/protection.ts).
      await db.schema
        .createIndex("opaque_logins_device")
        .on("opaque_logins")
        .columns(["device_id", "created_at"])
        .execute();
    },
  },
  "0006-api-challenge-network": {
    // The network a challenge was asked from (docs/services.md, "HTTP API", limits): the hourly
    // challenges of an address are counted per network, so that one network cannot use up the
    // owner's. Rows made before this migration have none and count for no network.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("challenges").addColumn("network", "text").execute();
    },
  },
  "0007-api-rotation-due-and-crl": {
    // accounts.rotation_due: a removed device (or an explicit rotation) asks for a new encryption key,
    // kept on record so that maintenance finishes a rotation a store outage stopped; crls: the CRL
    // signed once and served from here by every api node until it is stale or a revocation came
    // (docs/services.md, "Data").
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("accounts").addColumn("rotation_due", "text").execute();
      await db.schema
        .createTable("crls")
        .addColumn("issuer", "text", (c) => c.primaryKey())
        .addColumn("der", "text", (c) => c.notNull())
        .addColumn("this_update", "text", (c) => c.notNull())
        .addColumn("next_update", "text", (c) => c.notNull())
        .addColumn("revoked", "integer", (c) => c.notNull())
        .execute();
    },
  },
  "0008-api-gateway-policies": {
    // The organisation gateway's encryption policy (docs/services.md, "Organisation gateway"): one row
    // per domain or address, "never" | "possible" | "always"; an address's row overrides its domain's,
    // no row at all means "possible".
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("gateway_policies")
        .addColumn("subject", "text", (c) => c.primaryKey())
        .addColumn("encrypt", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
    },
  },
  "0009-api-pq-keys": {
    // Issue 15, the post-quantum hybrid (docs/services.md, "Post-quantum keys"): an account may opt in
    // (accounts.pq_since), and then each key generation is an RSA key and an ML-KEM-768 key made and
    // rotated together. keys.algorithm tells them apart ("rsa" for every existing row), an ML-KEM row
    // names the RSA key of its generation (pair_key_id). The one-pending and one-current guards now
    // hold per algorithm, so a generation's two rows can be pending, then current, together.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("accounts").addColumn("pq_since", "text").execute();
      await db.schema
        .alterTable("keys")
        .addColumn("algorithm", "text", (c) => c.notNull().defaultTo("rsa"))
        .execute();
      await db.schema.alterTable("keys").addColumn("pair_key_id", "text").execute();
      await db.schema.dropIndex("keys_one_pending").execute();
      await db.schema.dropIndex("keys_one_current").execute();
      await db.schema
        .createIndex("keys_one_pending")
        .on("keys")
        .columns(["address", "algorithm"])
        .unique()
        .where(sql.ref("status"), "=", "pending")
        .execute();
      await db.schema
        .createIndex("keys_one_current")
        .on("keys")
        .columns(["address", "algorithm"])
        .unique()
        .where(sql.ref("status"), "=", "current")
        .execute();
      await db.schema.createIndex("keys_pair").on("keys").column("pair_key_id").execute();
    },
  },
  "0010-api-gateway-certificates": {
    // Certificates the organisation gateway learned from verified signed mail (docs/services.md,
    // "Organisation gateway"): one row per address, the newest valid one; nothing else changes.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("gateway_certificates")
        .addColumn("address", "text", (c) => c.primaryKey())
        .addColumn("certificate", "text", (c) => c.notNull())
        .addColumn("chain", "text", (c) => c.notNull())
        .addColumn("capabilities", "text", (c) => c.notNull())
        .addColumn("not_before", "text", (c) => c.notNull())
        .addColumn("not_after", "text", (c) => c.notNull())
        .addColumn("learned_at", "text", (c) => c.notNull())
        .execute();
    },
  },
};
