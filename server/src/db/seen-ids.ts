// The replay table (`seen_jti`) of the api and of each share store: an id that must be used once
// (a device proof's jti, a service token's jti) is recorded until the thing it names would be refused
// anyway for its age, so the table holds minutes of ids. Shared by every node through the database.
import type { Clock } from "@mailseal/shared";
import type { FastifyBaseLogger } from "fastify";
import type { Kysely } from "kysely";
import type { ApiSchema, SeenJtiTable, ShareSchema } from "./schema.js";

/** How often expired ids are deleted (at most once a minute per process, not on every request). */
const PURGE_INTERVAL_MS = 60_000;

type ReplayTable = { seen_jti: SeenJtiTable };

export class SeenIds {
  #lastPurge = 0;
  readonly #db: Kysely<ReplayTable>;

  /** `db`: the api's or a store's database; both have the table (one migration shape each). */
  constructor(
    db: Kysely<ApiSchema> | Kysely<ShareSchema>,
    private readonly clock: Clock,
    private readonly logger: FastifyBaseLogger,
  ) {
    // Kysely's database type is invariant; only this one table is touched here.
    this.#db = db as unknown as Kysely<ReplayTable>;
  }

  /** Records `id` until `expiresAt`; false when it was recorded before (a replay). */
  async firstUse(id: string, expiresAt: Date): Promise<boolean> {
    const result = await this.#db
      .insertInto("seen_jti")
      .values({ jti: id, expires_at: expiresAt.toISOString() })
      .onConflict((conflict) => conflict.column("jti").doNothing())
      .executeTakeFirst();
    await this.#purge();
    return result.numInsertedOrUpdatedRows === 1n;
  }

  async #purge(): Promise<void> {
    const now = this.clock.now();
    // A clock moved back (tests, drills) purges again at once rather than waiting out the interval.
    if (now.getTime() - this.#lastPurge < PURGE_INTERVAL_MS && now.getTime() >= this.#lastPurge) return;
    this.#lastPurge = now.getTime();
    await this.#db
      .deleteFrom("seen_jti")
      .where("expires_at", "<", now.toISOString())
      .execute()
      .catch((error: unknown) => this.logger.warn({ err: error }, "purging seen_jti failed"));
  }
}
