// The outbox of release notices (docs/services.md, "HTTP API" and "Data"). The owner hears of every
// release, because a device they do not know is the sign of a stolen account. The notice is written
// to `release_notices` in the same transaction as the release request, so no ticket leaves without
// one on record; it is mailed right after the transaction, without holding the tickets back for the
// mail's rendering and the outbox's fsync, and deleted once sent. What a send fails to deliver (mail
// down, a crash between commit and send) the sweep sends later, on this node or any other: delivery
// is at least once. While a notice of an address stays undelivered past NOTICE_OVERDUE_MS, that
// address gets no new tickets, so an outage of the mail cannot hide releases for long.
import { randomBytes } from "node:crypto";
import { MailsealError, encodeBase64url } from "@mailseal/shared";
import type { Kysely, Transaction } from "kysely";
import type { ApiSchema } from "../db/schema.js";
import { noticeMail } from "../mail/index.js";
import type { ApiContext } from "../main.js";

/** How long a node sending a notice holds it before another may take it over. */
export const NOTICE_CLAIM_MS = 2 * 60_000;
/** How often each api node looks for notices that nobody is sending. */
export const NOTICE_SWEEP_INTERVAL_MS = 30_000;
/** An address with a notice undelivered this long gets no new release tickets (503). */
export const NOTICE_OVERDUE_MS = 5 * 60_000;
/** Notices taken per sweep (the rest wait for the next one). */
const SWEEP_BATCH = 100;

export interface ReleaseNotice {
  noticeId: string;
  address: string;
  subject: string;
  body: string;
}

export interface ReleaseNoticeDetails {
  address: string;
  keyId: string;
  deviceId: string;
  deviceName: string;
  at: Date;
}

/** The notice's words: which key, which device (name and id), when; and what to do if it was not you. */
export function releaseNoticeText(details: ReleaseNoticeDetails): { subject: string; body: string } {
  const { keyId, deviceId, deviceName, at } = details;
  return {
    subject: `Your mailseal key was released to device ${deviceName}`,
    body:
      `Your encryption key ${keyId} was released to device "${deviceName}" (${deviceId}) ` +
      `at ${at.toISOString()}.\n\n` +
      "If you did not set up this device, remove it (mailseal devices) and check your mail account.\n",
  };
}

export interface ReleaseNotices {
  /**
   * Inside the release request's transaction: refuses (503) when the address has a notice
   * undelivered for NOTICE_OVERDUE_MS, else records the notice, held by this node for sending.
   */
  record(trx: Transaction<ApiSchema>, details: ReleaseNoticeDetails): Promise<ReleaseNotice>;
  /** After the commit: mails a recorded notice and deletes it; a failure leaves it to the sweep. Never rejects. */
  deliver(notice: ReleaseNotice): Promise<void>;
  /** Mails the notices nobody holds (undelivered, or left by a crashed node); resolves to how many went out. */
  sweep(): Promise<number>;
  /** Sweeps now and every NOTICE_SWEEP_INTERVAL_MS (or `intervalMs`) until stop(). */
  start(intervalMs?: number): void;
  /** Stops the sweeps and waits for the sends in flight. */
  stop(): Promise<void>;
}

export function createReleaseNotices(ctx: ApiContext): ReleaseNotices {
  const db: Kysely<ApiSchema> = ctx.db;
  const inFlight = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;

  const iso = (ms: number) => new Date(ms).toISOString();
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  };

  async function send(notice: ReleaseNotice): Promise<boolean> {
    try {
      // Marked as the service's at sending, so notices recorded before the marks came go out marked too.
      await ctx.mailer.send(noticeMail(notice.address, notice.subject, notice.body));
    } catch (error) {
      ctx.logger.warn({ err: error, noticeId: notice.noticeId }, "release notice not sent; the sweep retries it");
      // Released at once, so that the next sweep (any node) takes it.
      await db
        .updateTable("release_notices")
        .set((eb) => ({ attempts: eb("attempts", "+", 1), claimed_until: null }))
        .where("notice_id", "=", notice.noticeId)
        .execute()
        .catch((err: unknown) => ctx.logger.warn({ err, noticeId: notice.noticeId }, "release notice not updated"));
      return false;
    }
    await db
      .deleteFrom("release_notices")
      .where("notice_id", "=", notice.noticeId)
      .execute()
      // Sent but not deleted: the sweep sends it once more after the claim runs out (at least once).
      .catch((err: unknown) => ctx.logger.warn({ err, noticeId: notice.noticeId }, "sent release notice not deleted"));
    return true;
  }

  async function sweepOnce(): Promise<number> {
    const now = ctx.clock.now().getTime();
    const rows = await db
      .selectFrom("release_notices")
      .select(["notice_id", "address", "subject", "body"])
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", iso(now))]))
      .orderBy("created_at")
      .limit(SWEEP_BATCH)
      .execute();
    let sent = 0;
    for (const row of rows) {
      // Claimed only if still free: two nodes sweeping at once send each notice once.
      const claimed = await db
        .updateTable("release_notices")
        .set({ claimed_until: iso(now + NOTICE_CLAIM_MS) })
        .where("notice_id", "=", row.notice_id)
        .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", iso(now))]))
        .executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) continue;
      const notice = { noticeId: row.notice_id, address: row.address, subject: row.subject, body: row.body };
      if (await track(send(notice))) sent++;
    }
    return sent;
  }

  return {
    async record(trx, details) {
      const now = details.at.getTime();
      const overdue = await trx
        .selectFrom("release_notices")
        .select("notice_id")
        .where("address", "=", details.address)
        .where("created_at", "<", iso(now - NOTICE_OVERDUE_MS))
        .executeTakeFirst();
      if (overdue !== undefined) {
        throw new MailsealError(
          "INTERNAL",
          "release notices to this address could not be mailed: no release until the mail works again",
          { details: { status: 503 } },
        );
      }
      const notice = {
        noticeId: encodeBase64url(randomBytes(16)),
        address: details.address,
        ...releaseNoticeText(details),
      };
      await trx
        .insertInto("release_notices")
        .values({
          notice_id: notice.noticeId,
          address: notice.address,
          subject: notice.subject,
          body: notice.body,
          created_at: iso(now),
          attempts: 0,
          claimed_until: iso(now + NOTICE_CLAIM_MS),
        })
        .execute();
      return notice;
    },

    deliver(notice) {
      return track(send(notice)).then(() => undefined);
    },

    sweep() {
      // One sweep at a time per node; a caller during one gets its result.
      sweeping ??= sweepOnce().finally(() => (sweeping = undefined));
      return sweeping;
    },

    start(intervalMs = NOTICE_SWEEP_INTERVAL_MS) {
      if (timer !== undefined) return;
      const run = () =>
        void this.sweep().catch((error: unknown) => ctx.logger.warn({ err: error }, "release notice sweep failed"));
      timer = setInterval(run, intervalMs);
      timer.unref();
      run();
    },

    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await sweeping?.catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
  };
}
