// Per-address limits that hold across api nodes (docs/services.md, "HTTP API"): a limit counted in
// the database (challenges per address, live challenges, unsuccessful OPAQUE logins) is only a limit
// if counting and recording are one step. Two nodes (or two requests on one node) that each count
// "9 of 10" and then each insert make 11. So the writer takes the address's `accounts` row first,
// inside the transaction that counts and inserts: on PostgreSQL the upsert's row lock makes the
// second writer wait until the first commits, and under READ COMMITTED its later statements see
// what the first committed (PostgreSQL 15 docs, 13.2.1); on SQLite the write takes the database's
// write lock, which serialises the same way.
import type { Transaction } from "kysely";
import type { ApiSchema } from "./schema.js";

/**
 * Makes sure `address` has an account row (unverified, unprotected when new) and holds it until the
 * transaction ends: counts made after this in `trx` cannot be overtaken by another writer's insert.
 */
export async function lockAccount(trx: Transaction<ApiSchema>, address: string): Promise<void> {
  await trx
    .insertInto("accounts")
    .values({ address, verified_at: null, protection: "none", opaque_record: null })
    // DO UPDATE (with no change) rather than DO NOTHING: only an update locks the existing row. It
    // sets a column no foreign key refers to, so rows that reference the account are not held up.
    .onConflict((conflict) =>
      conflict.column("address").doUpdateSet((eb) => ({ protection: eb.ref("accounts.protection") })),
    )
    .execute();
}
