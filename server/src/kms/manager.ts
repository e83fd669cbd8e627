// The key manager (docs/services.md, "Keys and who holds what", "Data"): makes each address's
// encryption key in the HSM backend, exports it once, splits it 2-of-2, seals each share to its
// store's ingest key, stores both, certifies the public key, and only then makes it current, in one
// transaction that also retires its predecessor. A key row is `pending` from the first step to the
// last, so that a crash or an unreachable store leaves a row maintain() can roll back (DELETE at both
// stores, then the row): no half-made key is ever listed, and no current key is ever lost.
import {
  MailsealError,
  encodeBase64url,
  keyCommitment,
  mlKemByName,
  mlKemKeyFromSeed,
  ML_KEM_SEED_LENGTH,
  pqPrivateKeyInfo,
  pqSubjectPublicKeyInfo,
  seal,
  shareAad,
  splitSecret,
  type Clock,
} from "@mailseal/shared";
import type { FastifyBaseLogger } from "fastify";
import type { Kysely } from "kysely";
import { randomBytes } from "node:crypto";
import type { CertificateAuthority } from "../ca/index.js";
import { accountProtected } from "../db/accounts.js";
import type { ApiSchema } from "../db/schema.js";
import type { HsmBackend } from "../hsm/backend.js";
import { noticeMail, type Mailer } from "../mail/index.js";
import type { KeyManager, MaintenanceReport } from "./key-manager.js";
import { currentInstance, formatOwner, ownerIsDead, type ProcessInstance } from "./instance.js";
import { isUniqueViolation } from "./unique-violation.js";
import type { StoreClient } from "./store-client.js";

export interface KeyManagerConfig {
  /** RSA modulus size of new keys (--key-bits). */
  keyBits: number;
  /** Keys whose certificate ends within this many days get a successor (default 30). */
  rotationLeadDays?: number;
  /** Age after which another node's pending key is rolled back (--pending-stale; default PENDING_STALE_MS). */
  pendingStaleMs?: number;
}

export interface KeyManagerDeps {
  db: Kysely<ApiSchema>;
  hsm: HsmBackend;
  ca: CertificateAuthority;
  clock: Clock;
  stores: StoreClient;
  config: KeyManagerConfig;
  logger: FastifyBaseLogger;
  /** Tells the owner when a key was renewed. */
  mailer: Mailer;
  /** This process, recorded on the pending rows it makes (default: currentInstance()). */
  instance?: ProcessInstance;
}

export const DEFAULT_ROTATION_LEAD_DAYS = 30;
/**
 * A pending row older than this belongs to a process that died or gave up: making a key (RSA
 * generation, two store calls, a signature) takes seconds, so two minutes leaves a wide margin
 * before another api node rolls it back. Rows whose maker is known to be dead (instance.ts) go at once.
 */
export const PENDING_STALE_MS = 2 * 60_000;
/** How long ensureCurrentKey waits for a key another node is making. */
const WAIT_FOR_OTHER_MS = 60_000;
const DAY_MS = 24 * 3600 * 1000;

const STORES = [
  ["share-a", 0],
  ["share-b", 1],
] as const;

function describe(error: unknown): { code: string; message: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return {
    code: typeof code === "string" ? code : "INTERNAL",
    message: typeof message === "string" ? message : String(error),
  };
}

/** Like Promise.all, but waits for every promise before throwing the first failure. */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result) => result.status === "rejected");
  if (failure !== undefined) throw failure.reason;
}

/**
 * Marks the address's encryption key for replacement (accounts.rotation_due): a current key made
 * before `at` must go. Written in the transaction that removes a device, so that the removal and the
 * rotation it asks for are recorded together; rotateNow() or a later maintain() carries it out.
 */
export async function markRotationDue(db: Kysely<ApiSchema>, address: string, at: Date): Promise<void> {
  await db.updateTable("accounts").set({ rotation_due: at.toISOString() }).where("address", "=", address).execute();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The post-quantum key of an opted-in account's generation (issue 15): ML-KEM-768, RFC 9936's default. */
export const PQ_KEY_ALGORITHM = "ml-kem-768" as const;
const PQ_PARAMETERS = mlKemByName("ML-KEM-768");

/**
 * Makes an ML-KEM-768 key in this process (no HSM backend here makes ML-KEM: soft HSM and the
 * PKCS#11 tokens in use have no lattice mechanism) from 64 fresh random bytes, as the PKCS#8 of
 * RFC 9935 6 in the seed form, and its SubjectPublicKeyInfo. Like the RSA key, it exists whole only
 * in these buffers until the split; the caller zeroes the PKCS#8.
 */
function generateKemKey(): { spki: Uint8Array; pkcs8: Uint8Array } {
  const seed = new Uint8Array(randomBytes(ML_KEM_SEED_LENGTH));
  try {
    const key = mlKemKeyFromSeed(PQ_PARAMETERS, seed);
    key.decapsulationKey.fill(0);
    return {
      spki: pqSubjectPublicKeyInfo(PQ_PARAMETERS.oid, key.encapsulationKey),
      pkcs8: pqPrivateKeyInfo(PQ_PARAMETERS.oid, seed),
    };
  } finally {
    seed.fill(0);
  }
}

export function createKeyManager(deps: KeyManagerDeps): KeyManager {
  const { db, hsm, ca, clock, stores, config, logger, mailer } = deps;
  const leadMs = (config.rotationLeadDays ?? DEFAULT_ROTATION_LEAD_DAYS) * DAY_MS;
  const staleMs = config.pendingStaleMs ?? PENDING_STALE_MS;
  const instance = deps.instance ?? currentInstance();
  const owner = formatOwner(instance);
  /** One key making per address at a time in this process (the unique index guards across processes). */
  const inFlight = new Map<string, Promise<string | undefined>>();
  /** Pending rows this process is working on: never rolled back from under it. */
  const working = new Set<string>();
  /** Pending rows this process gave up on and could not roll back at once. */
  const abandoned = new Set<string>();

  const currentKey = (address: string) =>
    db
      .selectFrom("keys")
      .select(["key_id", "not_after"])
      .where("address", "=", address)
      .where("algorithm", "=", "rsa")
      .where("status", "=", "current")
      .executeTakeFirst();

  /** Splits `pkcs8`, seals each share to its store's ingest key and stores both; zeroes the shares. */
  async function storeShares(address: string, keyId: string, pkcs8: Uint8Array): Promise<void> {
    const commitment = await keyCommitment(pkcs8);
    await db.updateTable("keys").set({ commitment }).where("key_id", "=", keyId).execute();
    const shares = splitSecret(pkcs8);
    try {
      // Both calls settle before anything else happens: a rollback's DELETE must not overtake a PUT
      // still on its way to the other store, which would leave that share behind.
      await settleAll(
        STORES.map(async ([store, index]) => {
          const sealed = await seal(await stores.ingestKey(store), shares[index], shareAad(address, keyId, index));
          await stores.putShare(store, keyId, index, address, sealed);
        }),
      );
    } finally {
      shares[0].fill(0);
      shares[1].fill(0);
    }
  }

  async function rollback(keyId: string): Promise<void> {
    // The ML-KEM key of the same generation (issue 15) goes first, the same way: a generation is
    // rolled back whole, never left with one of its two keys.
    const companions = await db
      .selectFrom("keys")
      .select("key_id")
      .where("pair_key_id", "=", keyId)
      .where("status", "=", "pending")
      .execute();
    for (const companion of companions) await rollback(companion.key_id);
    // Keys no longer stay in the HSM between generation and the split (nothing to clean up after a
    // crash), but a pending row of an earlier version may still name the token object it left: destroy it.
    const row = await db.selectFrom("keys").select("hsm_handle").where("key_id", "=", keyId).executeTakeFirst();
    if (row?.hsm_handle != null) await hsm.destroyKey(row.hsm_handle);
    // Both stores forget the shares first: a row removed before its shares would leave them orphaned.
    await settleAll(STORES.map(([store]) => stores.deleteShares(store, keyId)));
    await db.deleteFrom("keys").where("key_id", "=", keyId).where("status", "=", "pending").execute();
    abandoned.delete(keyId);
    logger.info({ keyId }, "pending key rolled back");
  }

  /**
   * Makes a key for `address`; with `predecessor`, it replaces that current key. Returns the new key
   * id, or undefined when another process is making the address's key right now or has made it (or
   * replaced `predecessor`) since the caller looked.
   */
  async function provision(address: string, predecessor: string | undefined): Promise<string | undefined> {
    const keyId = encodeBase64url(randomBytes(16));
    // An opted-in account's generation is two keys (issue 15): the RSA one, named by keyId and by
    // which everything else goes (rotation, the claim, maintenance), and its ML-KEM companion, made,
    // made current and retired in the same steps and transactions, so never one without the other.
    let kemKeyId: string | undefined;
    try {
      // On a protected account the new key's shares hold the PKCS#8 until a device with the
      // password wraps them (the server never has the export key): "pending-wrap", released only
      // with a protection session. A password set while this key is pending marks it too
      // (api/protection.ts), and the release route asks the account anyway.
      const protection = (await accountProtected(db, address)) ? "pending-wrap" : "none";
      const account = await db
        .selectFrom("accounts")
        .select("pq_since")
        .where("address", "=", address)
        .executeTakeFirst();
      if (account?.pq_since != null) kemKeyId = encodeBase64url(randomBytes(16));
      const claimed = await db.transaction().execute(async (trx) => {
        // The key to replace must still be current when the pending row goes in: another node's
        // maintenance pass may have listed it as expiring and replaced it since. The no-op update
        // takes the row's lock (PostgreSQL; SQLite runs one writer at a time), so a rotation that
        // retires it either commits first (nothing updated here: nothing to do) or waits for this
        // transaction and then meets its pending row in keys_one_pending.
        if (predecessor !== undefined) {
          const still = await trx
            .updateTable("keys")
            .set({ status: "current" })
            .where("key_id", "=", predecessor)
            .where("status", "=", "current")
            .executeTakeFirst();
          if (still.numUpdatedRows !== 1n) return false;
        } else {
          const current = await trx
            .selectFrom("keys")
            .select("key_id")
            .where("address", "=", address)
            .where("algorithm", "=", "rsa")
            .where("status", "=", "current")
            .executeTakeFirst();
          if (current !== undefined) return false;
        }
        await trx
          .insertInto("keys")
          .values({
            key_id: keyId,
            address,
            status: "pending",
            bits: config.keyBits,
            certificate: null,
            not_before: null,
            not_after: null,
            protection,
            commitment: "",
            created_at: clock.now().toISOString(),
            owner,
          })
          .execute();
        if (kemKeyId !== undefined) {
          await trx
            .insertInto("keys")
            .values({
              key_id: kemKeyId,
              address,
              status: "pending",
              bits: 0,
              certificate: null,
              not_before: null,
              not_after: null,
              protection,
              commitment: "",
              created_at: clock.now().toISOString(),
              owner,
              algorithm: PQ_KEY_ALGORITHM,
              pair_key_id: keyId,
            })
            .execute();
        }
        return true;
      });
      // Replaced (or made) meanwhile by another process: nothing left to do here.
      if (!claimed) return undefined;
    } catch (error) {
      if (isUniqueViolation(error)) return undefined; // keys_one_pending: someone else is on it
      throw error;
    }
    working.add(keyId);
    if (kemKeyId !== undefined) working.add(kemKeyId);
    try {
      // Made and exported in one HSM call that keeps nothing (hsm/backend.ts): from here the key exists
      // only in this buffer, and after the split only as the two shares.
      const generated = await hsm.generateExportableRsaKey({ bits: config.keyBits, label: `mailseal-enc-${keyId}` });
      const pkcs8 = generated.pkcs8;
      try {
        await storeShares(address, keyId, pkcs8);
      } finally {
        pkcs8.fill(0);
      }
      let kemSpki: Uint8Array | undefined;
      if (kemKeyId !== undefined) {
        const kem = generateKemKey();
        try {
          await storeShares(address, kemKeyId, kem.pkcs8);
        } finally {
          kem.pkcs8.fill(0);
        }
        kemSpki = kem.spki;
      }
      const certificate = await ca.issueEncryptionCertificate({ address, spki: generated.spki });
      const kemCertificate =
        kemSpki === undefined ? undefined : await ca.issueKemEncryptionCertificate({ address, spki: kemSpki });
      await db.transaction().execute(async (trx) => {
        if (predecessor !== undefined) {
          const retired = await trx
            .updateTable("keys")
            .set({ status: "retired" })
            .where("key_id", "=", predecessor)
            .where("status", "=", "current")
            .executeTakeFirst();
          // Cannot happen while the claim above holds; if it did, this key must not become a second successor.
          if (retired.numUpdatedRows !== 1n) {
            throw new MailsealError("CONFLICT", `key ${predecessor} was replaced meanwhile`);
          }
        }
        const made = await trx
          .updateTable("keys")
          .set({
            status: "current",
            certificate: encodeBase64url(certificate.der),
            not_before: certificate.notBefore.toISOString(),
            not_after: certificate.notAfter.toISOString(),
            owner: null,
          })
          .where("key_id", "=", keyId)
          .where("status", "=", "pending")
          .executeTakeFirst();
        // Another node rolled the row back as stale while this one was slow: the shares are gone too.
        if (made.numUpdatedRows !== 1n) throw new MailsealError("CONFLICT", `key ${keyId} was rolled back meanwhile`);
        // The ML-KEM keys go with their generation: whatever ML-KEM key was current is retired in
        // this transaction (also when the new generation has none: the account opted out), and the
        // new one, if any, becomes current with its RSA key.
        await trx
          .updateTable("keys")
          .set({ status: "retired" })
          .where("address", "=", address)
          .where("algorithm", "=", PQ_KEY_ALGORITHM)
          .where("status", "=", "current")
          .execute();
        if (kemKeyId !== undefined && kemCertificate !== undefined) {
          const kemMade = await trx
            .updateTable("keys")
            .set({
              status: "current",
              certificate: encodeBase64url(kemCertificate.der),
              not_before: kemCertificate.notBefore.toISOString(),
              not_after: kemCertificate.notAfter.toISOString(),
              owner: null,
            })
            .where("key_id", "=", kemKeyId)
            .where("status", "=", "pending")
            .executeTakeFirst();
          if (kemMade.numUpdatedRows !== 1n)
            throw new MailsealError("CONFLICT", `key ${kemKeyId} was rolled back meanwhile`);
        }
      });
      logger.info(
        { keyId, kemKeyId, address, predecessor, notAfter: certificate.notAfter.toISOString() },
        "key made current",
      );
      return keyId;
    } catch (error) {
      logger.warn({ keyId, address, err: error }, "making a key failed; rolling it back");
      try {
        await rollback(keyId);
      } catch (rollbackError) {
        // A store is down: the row stays pending and maintain() rolls it back once the store is back.
        abandoned.add(keyId);
        logger.warn({ keyId, err: rollbackError }, "rollback deferred to maintenance");
      }
      throw error;
    } finally {
      working.delete(keyId);
      if (kemKeyId !== undefined) working.delete(kemKeyId);
    }
  }

  /** Runs `task` for `address` unless one runs already, in which case it joins that one. */
  function once(address: string, task: () => Promise<string | undefined>): Promise<string | undefined> {
    let running = inFlight.get(address);
    if (running === undefined) {
      running = task().finally(() => inFlight.delete(address));
      inFlight.set(address, running);
    }
    return running;
  }

  /**
   * Whether a pending row may be rolled back by this process: not one it is working on, and one it
   * gave up on, whose maker is known to be dead, or that is older than the staleness threshold.
   */
  function reclaimable(row: { key_id: string; created_at: string; owner: string | null }, now: Date): boolean {
    if (working.has(row.key_id)) return false;
    if (abandoned.has(row.key_id) || ownerIsDead(row.owner, instance)) return true;
    return row.created_at < new Date(now.getTime() - staleMs).toISOString();
  }

  async function ensureCurrentKey(address: string): Promise<void> {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    for (;;) {
      if ((await currentKey(address)) !== undefined) return;
      const made = await once(address, () => provision(address, undefined));
      if (made !== undefined) return;
      // Another process holds the pending row: wait for it to become current (or to be rolled back).
      // A row left by a process that died (another api node killed while making this address's key)
      // goes now rather than at the next maintenance pass, minutes later: the enrolment goes on.
      const blocking = await db
        .selectFrom("keys")
        .select(["key_id", "created_at", "owner"])
        .where("address", "=", address)
        .where("algorithm", "=", "rsa")
        .where("status", "=", "pending")
        .executeTakeFirst();
      if (blocking !== undefined && reclaimable(blocking, clock.now())) {
        logger.info(
          { keyId: blocking.key_id, address },
          "an enrolment found its address's pending key left behind; rolling it back",
        );
        await rollback(blocking.key_id);
        continue;
      }
      if (Date.now() > deadline) {
        throw new MailsealError("CONFLICT", `the key of ${address} is being made elsewhere; try again later`);
      }
      await sleep(250);
    }
  }

  /**
   * Carries out a rotation marked due: a successor of the current key made through provision()
   * (pending first, then current and retired in one transaction), then the mark cleared, but only
   * the mark that key satisfies (a removal after it set a later one). A key another call was making
   * already may predate the mark: then one more is made. `made` says whether this call made a key.
   */
  async function completeRotation(address: string): Promise<{ keyId: string | undefined; made: boolean }> {
    let made = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      const account = await db
        .selectFrom("accounts")
        .select("rotation_due")
        .where("address", "=", address)
        .executeTakeFirst();
      const current = await db
        .selectFrom("keys")
        .select(["key_id", "created_at"])
        .where("address", "=", address)
        .where("algorithm", "=", "rsa")
        .where("status", "=", "current")
        .executeTakeFirst();
      const due = account?.rotation_due ?? null;
      if (due === null) return { keyId: current?.key_id, made };
      if (current !== undefined && current.created_at >= due) {
        await db
          .updateTable("accounts")
          .set({ rotation_due: null })
          .where("address", "=", address)
          .where("rotation_due", "=", due)
          .execute();
        return { keyId: current.key_id, made };
      }
      const keyId = await once(address, () => provision(address, current?.key_id));
      if (keyId === undefined) {
        // Another process replaced the key meanwhile: the next attempt looks at its successor.
        if ((await currentKey(address))?.key_id !== current?.key_id) continue;
        throw new MailsealError("CONFLICT", `the key of ${address} is being made elsewhere; the rotation is retried`);
      }
      made = true;
    }
    throw new MailsealError("CONFLICT", `the key of ${address} kept changing during its rotation; it is retried`);
  }

  async function rotationNotice(address: string): Promise<void> {
    await mailer
      .send(
        noticeMail(
          address,
          "Your mailseal encryption key was replaced",
          "Your encryption key was replaced at once, because one of your devices was removed or a rotation was asked for.\n" +
            "Your remaining devices pick up the new key on their next refresh and still read mail sent to the old key.\n" +
            "A removed device gets no key any more.\n",
        ),
      )
      .catch((error: unknown) => logger.warn({ address, err: error }, "rotation notice not sent"));
  }

  async function rotateNow(address: string): Promise<string> {
    await markRotationDue(db, address, clock.now());
    const { keyId, made } = await completeRotation(address);
    if (keyId === undefined) throw new MailsealError("NOT_FOUND", `${address} has no encryption key`);
    if (made) await rotationNotice(address);
    logger.info({ address, keyId }, "key rotated at once");
    return keyId;
  }

  async function maintain(): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { rolledBack: [], created: [], failed: [] };
    const now = clock.now();
    const pending = await db
      .selectFrom("keys")
      .select(["key_id", "address", "created_at", "owner", "pair_key_id"])
      .where("status", "=", "pending")
      .execute();
    const pendingIds = new Set(pending.map((row) => row.key_id));
    for (const row of pending) {
      // An ML-KEM key whose RSA key is pending too goes with it (rollback); one left alone, by a
      // crash between the two deletions, goes by itself.
      if (row.pair_key_id !== null && pendingIds.has(row.pair_key_id)) continue;
      if (!reclaimable(row, now)) continue;
      try {
        await rollback(row.key_id);
        report.rolledBack.push(row.key_id);
      } catch (error) {
        abandoned.add(row.key_id);
        report.failed.push({ address: row.address, ...describe(error) });
        logger.warn({ keyId: row.key_id, err: error }, "rolling back a pending key failed; will retry");
      }
    }

    const make = async (address: string, predecessor: string | undefined, notice: boolean) => {
      try {
        const made = await once(address, () => provision(address, predecessor));
        if (made === undefined) return;
        report.created.push(made);
        if (notice) {
          await mailer
            .send(
              noticeMail(
                address,
                "Your mailseal encryption key was renewed",
                "Your encryption key was renewed because its certificate ends soon.\n" +
                  "Your devices pick up the new key on their next refresh; mail sent to the old key stays readable.\n",
              ),
            )
            .catch((error: unknown) => logger.warn({ address, err: error }, "renewal notice not sent"));
        }
      } catch (error) {
        report.failed.push({ address, ...describe(error) });
      }
    };

    // Rotations asked for (a removed device, `mailseal keys rotate`) that a failure left undone.
    const due = await db.selectFrom("accounts").select("address").where("rotation_due", "is not", null).execute();
    for (const account of due) {
      try {
        const { keyId, made } = await completeRotation(account.address);
        if (made && keyId !== undefined) {
          report.created.push(keyId);
          await rotationNotice(account.address);
        }
      } catch (error) {
        report.failed.push({ address: account.address, ...describe(error) });
      }
    }

    // Rotation: a successor for every current key whose certificate ends within the lead time.
    const leadEnd = new Date(now.getTime() + leadMs).toISOString();
    const expiring = await db
      .selectFrom("keys")
      .select(["key_id", "address"])
      .where("algorithm", "=", "rsa")
      .where("status", "=", "current")
      .where("not_after", "<=", leadEnd)
      .execute();
    for (const key of expiring) await make(key.address, key.key_id, true);

    // A verified address without a current key (its first key was rolled back): make one.
    const keyless = await db
      .selectFrom("accounts")
      .select("address")
      .where("verified_at", "is not", null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("keys")
              .select("key_id")
              .whereRef("keys.address", "=", "accounts.address")
              .where("keys.algorithm", "=", "rsa")
              .where("keys.status", "=", "current"),
          ),
        ),
      )
      .execute();
    for (const account of keyless) await make(account.address, undefined, false);
    return report;
  }

  return { ensureCurrentKey, rotateNow, maintain };
}
