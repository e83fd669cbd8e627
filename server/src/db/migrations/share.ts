// Migrations of a share store's database (share-a and share-b alike). Portable column types only.
// Never edit a released migration: add the next one.
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const shareMigrations: Record<string, Migration> = {
  "0001-share-initial": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("shares")
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("idx", "integer", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("iv", "text", (c) => c.notNull())
        .addColumn("ct", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("shares_pk", ["key_id", "idx"])
        .execute();
      await db.schema
        .createTable("releases")
        .addColumn("ticket_jti", "text", (c) => c.primaryKey())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("idx", "integer", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("releases_address").on("releases").column("address").execute();
      await db.schema
        .createTable("settings")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();
    },
  },
  "0002-share-seen-jti": {
    // Service tokens are single use (docs/services.md, "Wire formats"): their ids until they expire.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("seen_jti")
        .addColumn("jti", "text", (c) => c.primaryKey())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("seen_jti_expires").on("seen_jti").column("expires_at").execute();
    },
  },
  "0003-share-staged": {
    // Replacement shares (PUT /v1/keys/{keyId}/shares, docs/services.md "Data"): kept beside the live
    // share, one per commitment, until the api's commitment names one (promotion).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("staged_shares")
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("idx", "integer", (c) => c.notNull())
        .addColumn("commitment", "text", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("iv", "text", (c) => c.notNull())
        .addColumn("ct", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("staged_shares_pk", ["key_id", "idx", "commitment"])
        .execute();
    },
  },
};
