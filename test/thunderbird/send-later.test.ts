// Send Later of a mailseal message in a real headless Thunderbird (issue 14): alice, set up through
// the real services, writes to herself (she has a certificate, so the message is encrypted). Send Later must queue the same signed and encrypted message Send would send (before, the
// add-in sent it at once), which goes out when the Outbox is sent.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle } from "../../cli/test/support.js";
import type { TestSmtp } from "../support/smtp.js";
import type { TestDovecot } from "./harness/dovecot.js";
import type { MailsealServer } from "./harness/mailseal-server.js";
import { currentKeyFiles, startProfile, startServices, stopSuite, thunderbirdSuiteCanRun } from "./harness/suite.js";
import type { TestThunderbird } from "./harness/thunderbird.js";

const installed = thunderbirdSuiteCanRun("the Thunderbird Send Later suite");

const ALICE = "alice@example.test";

describe.skipIf(!installed)("Thunderbird: Send Later of a mailseal message", () => {
  let data: string;
  let dovecot: TestDovecot;
  let smtp: TestSmtp;
  let server: MailsealServer | undefined;
  let alice: TestThunderbird | undefined;

  beforeAll(async () => {
    ensureBundle();
    ({ data, dovecot, smtp, server } = await startServices("tb-drafts", ["alice"]));
    alice = await startProfile({ dovecot, smtp }, "alice", ALICE, server.api);
    await alice.channel.command("testSetUp", { address: ALICE }, 120_000);
  }, 180_000);

  afterAll(() => stopSuite({ thunderbirds: [alice], server, smtp, dovecot, data }), 60_000);

  it("Send Later queues the same signed and encrypted message Send would send, and it goes out with the Outbox", async () => {
    const marker = `later text ${crypto.randomUUID()}`;
    const subject = `later ${marker.slice(-8)}`;
    const before = smtp.received().length;
    const queued = await alice!.channel.command<{ result: string; outcome: Record<string, unknown> }>(
      "testSendLater",
      { from: ALICE, to: ALICE, subject, body: `Hello later,\n${marker}` },
      60_000,
    );
    // The add-in took it (Thunderbird's own queueing, which would store it unprotected, cancelled).
    expect(queued.result).toMatch(/aborted by an onBeforeSend event/);
    expect(queued.outcome).toEqual(
      expect.objectContaining({ sentCopy: "queued", security: { sign: true, encrypt: true, missing: [] } }),
    );
    // Not sent now: it waits in the Outbox (Local Folders, "Unsent Messages"), encrypted.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(smtp.received().length).toBe(before);
    const outbox = readFileSync(join(alice!.profile, "Mail", "Local Folders", "Unsent Messages"), "latin1");
    expect(outbox).toContain(`Subject: ${subject}`);
    expect(outbox).not.toContain(marker);
    expect(outbox).toMatch(/smime-type="?(authE|e)nveloped-data/i);

    // File > Send Unsent Messages: it goes out, without the queue's own header fields.
    await alice!.channel.command("testSendUnsent", {}, 60_000);
    await smtp.waitFor(before + 1);
    const mail = smtp.received()[before]!;
    expect(mail.to).toEqual([ALICE]);
    const wire = mail.data.toString("latin1");
    expect(wire).not.toMatch(/^(Bcc|X-Identity-Key|FCC|X-Mozilla-[\w-]+):/im);
    expect(wire).not.toContain(marker);
    // Decrypted with alice's key and verified: the text, signed by alice.
    const { keyPath: key, certPath: cert } = await currentKeyFiles(alice!, ALICE, data, "alice");
    const file = join(data, "later.eml");
    writeFileSync(file, mail.data);
    const inner = execFileSync("openssl", ["cms", "-decrypt", "-in", file, "-inkey", key, "-recip", cert]);
    const signedBy = join(data, "signer.pem");
    const opened = execFileSync("openssl", ["cms", "-verify", "-noverify", "-signer", signedBy, "-out", "-"], {
      input: inner,
      encoding: "utf8",
    });
    expect(opened).toContain(marker);
    expect(
      execFileSync("openssl", ["x509", "-in", signedBy, "-noout", "-ext", "subjectAltName"], { encoding: "utf8" }),
    ).toContain(ALICE);
    // Sent, it left the Outbox: sending unsent messages again sends nothing.
    await alice!.channel.command("testSendUnsent", {}, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(smtp.received().length).toBe(before + 1);
  }, 120_000);
});
