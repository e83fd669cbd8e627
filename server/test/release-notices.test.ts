// The outbox of release notices (api/release-notices.ts) over HTTP, real SQLite and the soft HSM: a
// release records its notice in the request's transaction and mails it after; a mail outage delays
// the notice but never loses it (the sweep sends it, once, when the mail works again); an address
// whose notice is overdue gets no new tickets; a notice a crashed node left behind goes out on start.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createReleaseNotices, NOTICE_CLAIM_MS, NOTICE_OVERDUE_MS } from "../src/api/release-notices.js";
import type { OutgoingMail } from "../src/mail/index.js";
import { enrolDevice, startKms, type KmsFixture, type TestDevice } from "./fixtures/kms-server.js";
import { ephemeralKey, releaseKey, requestTickets } from "./fixtures/kms-client.js";

const ADDRESS = "carol@example.org";

describe("release notices", () => {
  let kms: KmsFixture;
  let laptop: TestDevice;
  let api: string;
  let key: { keyId: string; commitment: string };
  let realSend: (mail: OutgoingMail) => Promise<void>;

  const notices = () => kms.api().db.selectFrom("release_notices").selectAll().orderBy("created_at").execute();
  const requests = () =>
    kms.api().db.selectFrom("release_requests").selectAll().where("address", "=", ADDRESS).execute();
  /** The mail server is down: every send fails as SMTP's would. */
  const mailDown = () => {
    kms.api().mailer.send = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:25"));
  };
  const mailUp = () => {
    kms.api().mailer.send = realSend;
  };

  beforeAll(async () => {
    kms = await startKms({ start: new Date("2026-03-01T10:00:00Z") });
    laptop = await enrolDevice(kms, ADDRESS, "laptop");
    api = kms.urls().api;
    await kms.keyManager().ensureCurrentKey(ADDRESS);
    key = (await laptop.fetch(`${api}/v1/keys`)).body.keys[0];
    realSend = kms.api().mailer.send;
  });
  afterAll(() => kms?.close());

  it("mails every release once, with the device's name, and empties the outbox", async () => {
    const before = kms.mails.length;
    const requestsBefore = (await requests()).length;
    await releaseKey(laptop, api, key);
    await vi.waitFor(async () => expect(await notices()).toEqual([]));
    expect(kms.mails.slice(before)).toEqual([
      {
        to: ADDRESS,
        // Recognisable as the service's (issue 14, finding 7): subject prefix, RFC 3834 Auto-Submitted.
        subject: "[mailseal] Your mailseal key was released to device laptop",
        headers: { "Auto-Submitted": "auto-generated" },
        text:
          `Your encryption key ${key.keyId} was released to device "laptop" (${laptop.deviceId}) ` +
          `at ${kms.clock.now().toISOString()}.\n\n` +
          "If you did not set up this device, remove it (mailseal devices) and check your mail account.\n",
      },
    ]);
    expect((await requests()).length).toBe(requestsBefore + 1);
  });

  it("keeps the notice through a mail outage, refuses releases once it is overdue, sends it when mail is back", async () => {
    const before = kms.mails.length;
    mailDown();
    try {
      // The release goes through; its notice waits in the outbox, free for the sweep to retry.
      const first = await requestTickets(laptop, api, key.keyId, await ephemeralKey());
      expect(first.status).toBe(200);
      await vi.waitFor(async () => expect((await notices())[0]?.attempts).toBe(1));
      const [pending] = await notices();
      expect(pending).toMatchObject({ address: ADDRESS, claimed_until: null });
      expect(pending!.body).toContain(`was released to device "laptop"`);

      // A sweep while the mail is still down keeps it (attempts counts the failures).
      expect(await createReleaseNotices(kms.api()).sweep()).toBe(0);
      expect((await notices()).map((row) => row.attempts)).toEqual([2]);

      // Just before the notice is overdue the address still gets tickets; just after, not.
      kms.clock.advance(NOTICE_OVERDUE_MS - 1000);
      expect((await requestTickets(laptop, api, key.keyId, await ephemeralKey())).status).toBe(200);
      kms.clock.advance(2000);
      const refused = await requestTickets(laptop, api, key.keyId, await ephemeralKey());
      expect(refused.status).toBe(503);
      expect(refused.body.error.message).toMatch(/could not be mailed/);
      // The refused request left no trace: no request row, no notice.
      await vi.waitFor(async () => expect((await notices()).every((row) => row.claimed_until === null)).toBe(true));
      expect(await notices()).toHaveLength(2);
    } finally {
      mailUp();
    }
    // Mail is back: one sweep sends both notices, oldest first, and the releases work again.
    expect(await createReleaseNotices(kms.api()).sweep()).toBe(2);
    expect(await notices()).toEqual([]);
    expect(kms.mails.slice(before).map((mail) => mail.to)).toEqual([ADDRESS, ADDRESS]);
    expect((await requestTickets(laptop, api, key.keyId, await ephemeralKey())).status).toBe(200);
    await vi.waitFor(async () => expect(await notices()).toEqual([]));
  });

  it("sends a notice once when two nodes sweep at the same time", async () => {
    const before = kms.mails.length;
    const now = kms.clock.now();
    await kms
      .api()
      .db.insertInto("release_notices")
      .values({
        notice_id: "left-by-a-crash",
        address: ADDRESS,
        subject: "Your mailseal key was released to device old",
        body: "...",
        created_at: new Date(now.getTime() - 60_000).toISOString(),
        attempts: 0,
        // The crashed node's claim ran out.
        claimed_until: new Date(now.getTime() - 1).toISOString(),
      })
      .execute();
    const sent = await Promise.all([createReleaseNotices(kms.api()).sweep(), createReleaseNotices(kms.api()).sweep()]);
    expect(sent.sort()).toEqual([0, 1]);
    expect(kms.mails.slice(before).map((mail) => mail.subject)).toEqual([
      "[mailseal] Your mailseal key was released to device old",
    ]);
    expect(await notices()).toEqual([]);
  });

  it("leaves a notice another node holds alone until its claim runs out, and sends leftovers on start", async () => {
    const before = kms.mails.length;
    const now = kms.clock.now();
    await kms
      .api()
      .db.insertInto("release_notices")
      .values({
        notice_id: "held-elsewhere",
        address: ADDRESS,
        subject: "held",
        body: "...",
        created_at: now.toISOString(),
        attempts: 0,
        claimed_until: new Date(now.getTime() + NOTICE_CLAIM_MS).toISOString(),
      })
      .execute();
    expect(await createReleaseNotices(kms.api()).sweep()).toBe(0);
    expect(await notices()).toHaveLength(1);
    kms.clock.advance(NOTICE_CLAIM_MS + 1);
    // start() sweeps at once (what a restarted api does), then on its timer.
    const node = createReleaseNotices(kms.api());
    node.start(3600_000);
    await vi.waitFor(async () => expect(await notices()).toEqual([]));
    await node.stop();
    expect(kms.mails.slice(before).map((mail) => mail.subject)).toEqual(["[mailseal] held"]);
  });
});
