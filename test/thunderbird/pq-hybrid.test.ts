// The post-quantum hybrid (issue 15) in a real Thunderbird with the add-on. NSS, Thunderbird's own
// S/MIME, cannot decode an EnvelopedData holding an OtherRecipientInfo (RFC 9629's KEMRecipientInfo
// is an `ori`): it reports a failed decryption and would load its own "cannot decrypt" page, a load
// that never completes, so no display script would run. The add-on reads such a message itself and
// shows its verdict and the message in that tab, as for any mail it shows. alice and bob are
// mailseal users who opted into post-quantum keys (`mailseal keys pq on`); bob reads in Thunderbird.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, mailseal } from "../../cli/test/support.js";
import { NO_SECRET_STORE, pem, recipientKinds } from "../services/e2e-support.js";
import type { TestSmtp } from "../support/smtp.js";
import type { TestDovecot } from "./harness/dovecot.js";
import type { MailsealServer } from "./harness/mailseal-server.js";
import { header } from "./harness/messages.js";
import { startProfile, startServices, stopSuite, thunderbirdSuiteCanRun } from "./harness/suite.js";
import type { TestThunderbird } from "./harness/thunderbird.js";
import { startXvfb, xvfbInstalled, type TestDisplay } from "./harness/xvfb.js";

const installed = thunderbirdSuiteCanRun("the Thunderbird hybrid suite");

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
/** As visual.test.ts: screenshots go here, and with MAILSEAL_UPDATE_SCREENSHOTS=1 into the add-on's docs. */
const ARTIFACTS = join(import.meta.dirname, "artifacts/screenshots");
const DOCS_SCREENSHOTS = join(import.meta.dirname, "../../addin-thunderbird/docs/screenshots");

/** A multipart/mixed message with a text and one attachment (what `mailseal send` then seals). */
function messageWithAttachment(subject: string, text: string, attachment: string): string {
  const boundary = `b-${crypto.randomUUID()}`;
  return (
    header(ALICE, BOB, subject) +
    [
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      text,
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8; name="plan.txt"',
      'Content-Disposition: attachment; filename="plan.txt"',
      "",
      attachment,
      `--${boundary}--`,
      "",
    ].join("\r\n")
  );
}

describe.skipIf(!installed)("Thunderbird with the add-on shows post-quantum hybrid mail", () => {
  let scratch: string;
  let dovecot: TestDovecot;
  let smtp: TestSmtp;
  let server: MailsealServer | undefined;
  let bob: TestThunderbird | undefined;
  /** bob's Thunderbird draws on a virtual X display when Xvfb is installed: the message is screenshot. */
  let screen: TestDisplay | undefined;
  const home = (who: string) => join(scratch, `${who}-home`);
  const file = (name: string, text: string | Buffer) => {
    writeFileSync(join(scratch, name), text);
    return join(scratch, name);
  };

  async function cli(args: string[], stdin?: string) {
    const result = await mailseal(args, stdin, NO_SECRET_STORE);
    expect(result.stderr, args.join(" ")).toMatch(/^(mailseal: .*\n)*$/);
    expect(result.status, `${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result;
  }

  /** The message, mailed through the SMTP server into bob's IMAP inbox. */
  async function deliver(message: string): Promise<void> {
    const before = smtp.received().length;
    await nodemailer
      .createTransport({ url: smtp.url })
      .sendMail({ envelope: { from: ALICE, to: [BOB] }, raw: Buffer.from(message, "latin1") });
    await smtp.waitFor(before + 1);
  }

  /** Opens the message in a tab of bob's Thunderbird; resolves what the display script rendered. */
  async function open(subject: string) {
    const { messageId, tabId } = await bob!.channel.command<{ messageId: number; tabId?: number }>(
      "testOpenMessage",
      { address: BOB, subject, once: true },
      40_000,
    );
    const shown = await bob!.channel.event((e) => e.type === "displayed" && e.messageId === messageId, 30_000);
    return { shown, tabId };
  }

  /** A header-and-text message to bob, as `mailseal encrypt` takes it. */
  const plain = (subject: string, text: string) =>
    [
      `From: Alice <${ALICE}>`,
      `To: Bob <${BOB}>`,
      `Subject: ${subject}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      text,
      "",
    ].join("\r\n");

  /** `mailseal encrypt --pq CERT` of a text: an EnvelopedData whose only recipient is that ML-KEM key. */
  async function kemOnly(kemCertificate: string, subject: string, text: string): Promise<string> {
    const certificate = file(
      `${crypto.randomUUID()}.crt`,
      pem("CERTIFICATE", Buffer.from(kemCertificate, "base64url")),
    );
    const input = file(`${crypto.randomUUID()}.eml`, plain(subject, text));
    const out = join(scratch, `${crypto.randomUUID()}.eml`);
    await cli(["encrypt", "--pq", certificate, "--in", input, "--out", out]);
    const body = readFileSync(out, "latin1");
    // ML-KEM only: one `ori`, no RSA recipient (RFC 5652 6.2's CHOICE 4, pkijs's variant 5).
    expect(recipientKinds(body)).toEqual([5]);
    // `encrypt` writes the S/MIME entity; the header fields of the mail go in front.
    return `${plain(subject, "").split("\r\n").slice(0, 3).join("\r\n")}\r\n${body}`;
  }

  const kemCertificateOf = async (address: string): Promise<string> => {
    const entry = (await (await fetch(`${server!.api}/v1/certs/${address}`)).json()) as { kemCertificate?: string };
    expect(entry.kemCertificate, `${address}'s ML-KEM certificate in CerDB`).toBeDefined();
    return entry.kemCertificate!;
  };

  beforeAll(async () => {
    ensureBundle();
    ({ data: scratch, dovecot, smtp, server } = await startServices("tb-pq", ["bob"]));
    // alice and bob set up their command first (the challenge mail read from the SMTP receiver's
    // folder, an outbox) and opt into post-quantum keys there: a new key generation, RSA and ML-KEM.
    for (const who of ["alice", "bob"]) {
      const address = `${who}@example.test`;
      await cli([
        "account",
        "add",
        address,
        "--server",
        server.api,
        "--outbox",
        smtp.dir,
        "--name",
        `${who}-laptop`,
        "--home",
        home(who),
      ]);
      await cli(["keys", "pq", "on", "--home", home(who)]);
    }
    // bob's Thunderbird is set up after the opt-in: its key history holds his ML-KEM key too.
    if (xvfbInstalled()) screen = await startXvfb();
    bob = await startProfile(
      { dovecot, smtp },
      "bob",
      BOB,
      server.api,
      screen === undefined ? {} : { display: screen.display },
    );
    await bob.channel.command("testSetUp", { address: BOB }, 120_000);
  }, 240_000);

  afterAll(
    () =>
      stopSuite({
        thunderbirds: [bob],
        others: async () => screen?.stop(),
        server,
        smtp,
        dovecot,
        data: scratch,
      }),
    60_000,
  );

  it("alice's `mailseal send` (RSA and ML-KEM recipients) opens in bob's tab: banner, signer, text, attachment", async () => {
    const marker = crypto.randomUUID();
    const subject = `hybrid ${marker.slice(0, 8)}`;
    const text = `Hello Bob,\r\nthe post-quantum plan: ${marker}`;
    const input = file("hybrid-in.eml", messageWithAttachment(subject, text, `step one\r\nstep two ${marker}`));
    const output = join(scratch, "hybrid-out.eml");
    await cli(["send", "--to", BOB, "--in", input, "--out", output, "--home", home("alice")]);
    const message = readFileSync(output, "latin1");
    // The hybrid: for bob and for alice (the sender) each an RSA and an ML-KEM recipient.
    expect(recipientKinds(message)).toEqual([1, 1, 5, 5]);
    await deliver(message);

    const { shown, tabId } = await open(subject);
    // The add-on's verdict, as for any mail it shows: signed by the From address, green.
    expect(shown.banner, String(shown.bannerText)).toBe("encrypted");
    expect(shown.bannerText).toContain(`signed by ${ALICE}`);
    expect(shown.bannerLevel).toBe("ok");
    expect(String(shown.text).replace(/\r\n/g, "\n").trim()).toBe(text.replace(/\r\n/g, "\n"));
    expect(shown.attachmentsHeading).toBe("1 attachment");
    expect(shown.attachments).toEqual([expect.stringMatching(/^plan\.txt \(\d+ bytes\)$/)]);
    // Nothing before the verdict: the pane was hidden until then, and what it held was never
    // Thunderbird's "cannot decrypt" page (that page would have stopped the load and any display script).
    expect(shown.hiddenUntilChecked).toBe(true);
    expect(String(shown.replaced)).not.toMatch(/decrypt/i);
    // In the tab as laid out: the message pane shows (ours), and Thunderbird's own S/MIME header
    // button, which would say "not decrypted", is not beside our banner.
    expect(tabId).toBeDefined();
    const pane = await bob!.channel.command<{ cryptoBox: boolean; keyWaiting: unknown; messagePaneLaidOut: boolean }>(
      "testMessagePane",
      { tabId },
    );
    expect(pane).toMatchObject({ cryptoBox: false, keyWaiting: null, messagePaneLaidOut: true });
    if (screen !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const path = join(ARTIFACTS, "12-post-quantum-hybrid.png");
      mkdirSync(ARTIFACTS, { recursive: true });
      await screen.screenshot(path);
      if (process.env.MAILSEAL_UPDATE_SCREENSHOTS === "1") {
        mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
        copyFileSync(path, join(DOCS_SCREENSHOTS, "12-post-quantum-hybrid.png"));
      }
    }
  }, 120_000);

  it("a message with bob's ML-KEM recipient only (`mailseal encrypt --pq`) opens too", async () => {
    const marker = crypto.randomUUID();
    const subject = `ml-kem only ${marker.slice(0, 8)}`;
    await deliver(await kemOnly(await kemCertificateOf(BOB), subject, `Only ML-KEM here: ${marker}`));
    const { shown } = await open(subject);
    // Encrypted by anyone holding bob's certificate, signed by nobody: intact, not green.
    expect(shown.banner, String(shown.bannerText)).toBe("encrypted");
    expect(shown.bannerLevel).toBe("neutral");
    expect(String(shown.bannerDetails)).toMatch(/^Encrypted \(aes-256-cbc\); not signed/);
    expect(String(shown.text).trim()).toBe(`Only ML-KEM here: ${marker}`);
  }, 120_000);

  it("one the engine refuses too (ML-KEM, to a key bob does not hold) shows only its plain-words error", async () => {
    const marker = crypto.randomUUID();
    const subject = `not for bob ${marker.slice(0, 8)}`;
    await deliver(await kemOnly(await kemCertificateOf(ALICE), subject, `Not for Bob: ${marker}`));
    const { shown } = await open(subject);
    expect(shown.banner).toBe("failed");
    expect(shown.bannerLevel).toBe("error");
    expect(String(shown.bannerHeadline)).toMatch(/^This message could not be decrypted/);
    expect(String(shown.bannerDetails)).toContain("NO_KEY");
    expect(shown.text).toBe("");
    expect(shown.attachments).toEqual([]);
  }, 120_000);

  it("bob's Send from Thunderbird to alice, who has an ML-KEM certificate, writes the hybrid she reads", async () => {
    const marker = crypto.randomUUID();
    const subject = `hybrid from thunderbird ${marker.slice(0, 8)}`;
    const before = smtp.received().length;
    const result = await bob!.channel.command<{ security: { sign: boolean; encrypt: boolean } }>(
      "testComposeAndSend",
      { from: BOB, to: ALICE, subject, body: `Hello Alice,\n${marker}\n` },
      120_000,
    );
    expect(result.security).toMatchObject({ sign: true, encrypt: true });
    const [mail] = (await smtp.waitFor(before + 1, 60_000)).slice(before);
    // As delivered to alice's mailbox: CRLF line ends (RFC 5322 2.1), as her `mailseal read` takes it.
    const message = mail!.data.toString("latin1").replace(/\r?\n/g, "\r\n");
    // alice and bob (the sender) both opted in: each an RSA and an ML-KEM recipient.
    expect(recipientKinds(message)).toEqual([1, 1, 5, 5]);
    const read = await mailseal(["read", "--home", home("alice")], message, NO_SECRET_STORE);
    expect(read.stderr).toMatch(new RegExp(`^mailseal: encrypted \\(aes-256-\\w+\\); signed by ${BOB}`));
    expect(read.status).toBe(0);
    expect(read.stdout.toString()).toContain(marker);
  }, 180_000);
});
