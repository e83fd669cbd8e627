// Drafts of mailseal messages in a real headless Thunderbird (issue 14): alice, set up through the
// real services, writes to bob, a mailseal user with a certificate. Her draft must lie on the IMAP
// server encrypted (CMS EnvelopedData to her own key, no text in clear), saved and autosaved alike;
// opened again for editing it must hold its whole text, recipients, subject and attachment, and
// sent from there it must reach bob signed and encrypted as a fresh Send does.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, mailseal } from "../../cli/test/support.js";
import { NO_SECRET_STORE } from "../services/e2e-support.js";
import type { TestSmtp } from "../support/smtp.js";
import type { TestDovecot } from "./harness/dovecot.js";
import type { MailsealServer } from "./harness/mailseal-server.js";
import { currentKeyFiles, startProfile, startServices, stopSuite, thunderbirdSuiteCanRun } from "./harness/suite.js";
import type { TestThunderbird } from "./harness/thunderbird.js";
import { startXvfb, xvfbInstalled, type TestDisplay } from "./harness/xvfb.js";

const installed = thunderbirdSuiteCanRun("the Thunderbird drafts suite");

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
/** As visual.test.ts: screenshots go here (git-ignored), for a person to look at. */
const ARTIFACTS = join(import.meta.dirname, "artifacts/screenshots");

interface Encryption {
  sendEncrypted: boolean;
  buttonChecked: boolean;
  reminder: boolean;
}

/**
 * Thunderbird's own encryption UI in the window says nothing against the add-on's button: its
 * Encrypt toggle off, and no "encryption is possible" notification (which the recipient's
 * certificate in NSS would bring up in every later window to him).
 */
const QUIET = { sendEncrypted: false, buttonChecked: false, reminder: false };

describe.skipIf(!installed)("Thunderbird: drafts of a mailseal message", () => {
  let data: string;
  let dovecot: TestDovecot;
  let smtp: TestSmtp;
  let server: MailsealServer | undefined;
  let alice: TestThunderbird | undefined;
  /** alice's Thunderbird draws on a virtual X display when Xvfb is installed: the draft is screenshot. */
  let screen: TestDisplay | undefined;
  const bobHome = () => join(data, "bob-home");

  beforeAll(async () => {
    ensureBundle();
    ({ data, dovecot, smtp, server } = await startServices("tb-drafts", ["alice", "bob"]));
    // bob: a mailseal user of the command (his challenge mail read from the SMTP receiver's folder).
    const added = await mailseal(
      ["account", "add", BOB, "--server", server.api, "--outbox", smtp.dir, "--name", "bob", "--home", bobHome()],
      undefined,
      NO_SECRET_STORE,
    );
    expect(added.status, added.stderr).toBe(0);
    if (xvfbInstalled()) screen = await startXvfb();
    alice = await startProfile({ dovecot, smtp }, "alice", ALICE, server.api, {
      ...(screen === undefined ? {} : { display: screen.display }),
      // Drafts on the IMAP server (as an account set up by Thunderbird's wizard keeps them), not
      // in Local Folders: the server is where a draft in clear would leave the device.
      prefs: { "mail.identity.id1.draft_folder": "imap://alice@127.0.0.1/Drafts" },
    });
    await alice.channel.command("testSetUp", { address: ALICE }, 120_000);
    // Thunderbird encrypts a draft only to certificates its own verification accepts: alice's, as
    // setup put them into NSS with the service's root and issuing CA.
    const verified = await alice.channel.command<
      Record<string, { signer: { code: number }; recipient: { code: number } }>
    >("testVerifyIdentityCertificates", { address: ALICE });
    expect(verified.signing?.signer.code).toBe(0);
    expect(verified.encryption?.recipient.code).toBe(0);
  }, 180_000);

  afterAll(
    () => stopSuite({ thunderbirds: [alice], others: async () => screen?.stop(), server, smtp, dovecot, data }),
    60_000,
  );

  /**
   * The messages in alice's Drafts folder on the IMAP server (Dovecot's Maildir) with `subject`; one
   * flagged deleted (Maildir flag T, RFC 3501 \Deleted: a draft Thunderbird replaced) is gone.
   */
  function draftsOnServer(subject: string): string[] {
    const folder = join(dovecot.maildirs, "alice", ".Drafts");
    return ["new", "cur"]
      .map((sub) => join(folder, sub))
      .filter((dir) => existsSync(dir))
      .flatMap((dir) =>
        readdirSync(dir)
          .filter((name) => !/:2,[A-Z]*T/.test(name))
          .map((name) => readFileSync(join(dir, name), "latin1")),
      )
      .filter((message) => message.includes(`Subject: ${subject}`));
  }

  /** The one draft with `subject` on the server, once it is there and is not `previous`. */
  async function oneDraftOnServer(subject: string, previous?: string): Promise<string> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const drafts = draftsOnServer(subject);
      if ((drafts.length === 1 && drafts[0] !== previous) || Date.now() > deadline) {
        expect(drafts).toHaveLength(1);
        expect(drafts[0]).not.toBe(previous);
        return drafts[0]!;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /** A draft as stored: CMS EnvelopedData that openssl decrypts with alice's key, none of `texts` in clear. */
  async function decryptDraft(draft: string, texts: string[]): Promise<string> {
    for (const text of texts) expect(draft).not.toContain(text);
    expect(draft).toMatch(/^Content-Type: application\/(x-)?pkcs7-mime;[^]*?smime-type="?enveloped-data/im);
    const { keyPath, certPath } = await currentKeyFiles(alice!, ALICE, data, "alice");
    const file = join(data, "draft.eml");
    writeFileSync(file, draft, "latin1");
    return execFileSync("openssl", ["cms", "-decrypt", "-in", file, "-inkey", keyPath, "-recip", certPath], {
      encoding: "latin1",
    });
  }

  it("a saved and an autosaved draft lie on the server encrypted to alice and reopen whole; sent from there, bob reads it", async () => {
    const marker = `draft text ${crypto.randomUUID()}`;
    const subject = `draft ${marker.slice(-8)}`;
    const saved = await alice!.channel.command<{ tabId: number; shown: { label: string }; encryption: Encryption }>(
      "testSaveDraft",
      {
        from: ALICE,
        to: BOB,
        subject,
        body: `Hello Bob,\n${marker}`,
        attachmentName: "notes.bin",
        attachmentSize: 4096,
      },
      60_000,
    );
    expect(saved.shown.label).toBe("Encrypted");
    // The add-on's button is the one signal.
    expect(saved.encryption).toEqual(expect.objectContaining(QUIET));
    const stored = await oneDraftOnServer(subject);
    const first = await decryptDraft(stored, [marker, "notes.bin"]);
    expect(first).toContain(marker);
    expect(first).toContain("notes.bin");

    // Autosave of the changed text replaces the draft, encrypted as well.
    const autosaved = `autosaved text ${crypto.randomUUID()}`;
    const afterAutosave = await alice!.channel.command<Encryption>(
      "testAutoSave",
      { tabId: saved.tabId, body: `Hello Bob,\n${marker}\n${autosaved}` },
      60_000,
    );
    expect(afterAutosave).toEqual(expect.objectContaining(QUIET));
    const second = await decryptDraft(await oneDraftOnServer(subject, stored), [marker, autosaved]);
    expect(second).toContain(autosaved);

    // Opened again for editing (as a double click in Drafts): text, recipients, subject, attachment;
    // a new window, in which Thunderbird looks for bob's certificate itself.
    await alice!.channel.command("testCloseCompose", { tabId: saved.tabId });
    const [draftId] = await alice!.channel.command<number[]>("testFindDraft", { address: ALICE, subject }, 30_000);
    const edited = await alice!.channel.command<{
      tabId: number;
      details: { to: string[]; subject: string; plainTextBody?: string; body?: string };
      attachments: { name: string; size: number }[];
      shown: { label: string };
      encryption: Encryption;
    }>("testEditDraft", { messageId: draftId }, 60_000);
    expect(edited.details.subject).toBe(subject);
    expect(edited.details.to.join(",")).toContain(BOB);
    expect(edited.details.plainTextBody ?? edited.details.body).toContain(marker);
    expect(edited.details.plainTextBody ?? edited.details.body).toContain(autosaved);
    expect(edited.attachments).toEqual([expect.objectContaining({ name: "notes.bin", size: 4096 })]);
    expect(edited.shown.label).toBe("Encrypted");
    expect(edited.encryption).toEqual(expect.objectContaining(QUIET));

    // Sent from there: signed and encrypted as a fresh Send, and bob's mailseal reads it.
    const before = smtp.received().length;
    const sent = await alice!.channel.command<{ security: { encrypt: boolean } }>(
      "testSendTab",
      { tabId: edited.tabId },
      60_000,
    );
    expect(sent.security).toEqual(expect.objectContaining({ sign: true, encrypt: true }));
    await smtp.waitFor(before + 1);
    const mail = smtp.received()[before]!;
    expect(mail.to).toEqual([BOB]);
    const wire = mail.data.toString("latin1");
    expect(wire).not.toContain(marker);
    const read = await mailseal(["read", "--home", bobHome()], mail.data, NO_SECRET_STORE);
    expect(read.status, read.stderr).toBe(0);
    expect(read.stderr).toMatch(/signed by alice@example\.test/);
    expect(read.stdout.toString()).toContain(marker);
    expect(read.stdout.toString()).toContain(autosaved);
    // Sent, the draft is gone from Drafts, as after Thunderbird's own send.
    const gone = Date.now() + 15_000;
    while (draftsOnServer(subject).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 300));
    expect(draftsOnServer(subject)).toEqual([]);
  }, 240_000);

  it("a draft to a recipient without a certificate (the message goes out signed only) is saved as Thunderbird writes it", async () => {
    const marker = `plain draft ${crypto.randomUUID()}`;
    const subject = `plain draft ${marker.slice(-8)}`;
    // Nobody the directory knows: encrypting the draft to him is impossible, and must not fail the save.
    const saved = await alice!.channel.command<{ tabId: number; shown: { label: string }; encryption: Encryption }>(
      "testSaveDraft",
      { from: ALICE, to: "carol@example.test", subject, body: `Hello Carol,\n${marker}` },
      60_000,
    );
    expect(saved.shown.label).toBe("Not encrypted");
    expect(saved.encryption).toEqual(expect.objectContaining(QUIET));
    const stored = await oneDraftOnServer(subject);
    expect(stored).not.toMatch(/pkcs7-mime/i);
    expect(stored).toContain(marker);
    await alice!.channel.command("testCloseCompose", { tabId: saved.tabId });
  }, 120_000);

  it("an encrypted draft selected in Drafts shows whole, said to be a draft, not mail anyone could have sent", async () => {
    const marker = `shown draft ${crypto.randomUUID()}`;
    const subject = `shown draft ${marker.slice(-8)}`;
    const saved = await alice!.channel.command<{ tabId: number }>(
      "testSaveDraft",
      { from: ALICE, to: BOB, subject, body: `Hello Bob,\n${marker}` },
      60_000,
    );
    await decryptDraft(await oneDraftOnServer(subject), [marker]);
    await alice!.channel.command("testCloseCompose", { tabId: saved.tabId });
    // Selected in the list, as a click does: the message pane below it shows the draft.
    const [draftId] = await alice!.channel.command<number[]>("testFindDraft", { address: ALICE, subject }, 30_000);
    const { tabId } = await alice!.channel.command<{ tabId: number }>("testSelectMessage", { messageId: draftId });
    const shown = await alice!.channel.event((e) => e.type === "displayed" && e.messageId === draftId, 30_000);
    expect(shown.banner).toBe("encrypted");
    expect(shown.bannerLevel).toBe("neutral");
    // Before, "Encrypted, but not signed: anyone could have sent it, whatever its From line says.":
    // a warning of an unknown sender over the person's own draft.
    expect(shown.bannerHeadline).toBe(
      "A draft, stored encrypted. Drafts are not signed; the message is signed when it is sent.",
    );
    expect(String(shown.bannerDetails)).toMatch(/^Encrypted \(aes-128-cbc\); not signed/);
    expect(String(shown.text).replace(/\r\n/g, "\n").trim()).toBe(`Hello Bob,\n${marker}`);
    // The add-on's banner is the one verdict: Thunderbird's own S/MIME header button is not laid out.
    const pane = await alice!.channel.command<{ cryptoBox: boolean; messagePaneLaidOut: boolean }>("testMessagePane", {
      tabId,
    });
    expect(pane).toMatchObject({ cryptoBox: false, messagePaneLaidOut: true });
    if (screen !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      mkdirSync(ARTIFACTS, { recursive: true });
      await screen.screenshot(join(ARTIFACTS, "13-encrypted-draft.png"));
    }
  }, 120_000);
});
