// End to end, all real: the `mailseal server` process (api and both share stores, SQLite, soft HSM)
// mailing its challenges through a real SMTP server into Dovecot's Maildirs; headless Thunderbirds
// with the add-in for alice and bob, set up with no typed input (the add-in finds the challenge in
// the account's own IMAP inbox); alice sends bob a signed and encrypted message with a 10 MiB
// attachment (Send pressed in the compose window: the add-in signs and encrypts it with
// shared/src/mailflow and hands it to Thunderbird's SMTP), which openssl decrypts and verifies with bob's key (standard S/MIME); bob's Thunderbird shows it
// with "signed by alice"; mail Thunderbird itself cannot read (AES-256-GCM, RSA-OAEP) opens; a
// tampered message, and a signed one with its text changed, say in plain words that it may have been
// changed on the way; after a three-year key rotation on the server, a new
// Thunderbird profile of bob still opens the first message.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { X509Certificate } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureBundle } from "../../cli/test/support.js";
import { flipByte } from "../interop/peers/fixture.js";
import { opensslEncrypt } from "../interop/peers/openssl.js";
import type { Identity } from "../interop/peers/pki.js";
import type { ReceivedMail, TestSmtp } from "../support/smtp.js";
import type { TestDovecot } from "./harness/dovecot.js";
import {
  startMailsealServer,
  stopMailsealServer,
  waitForRotation,
  type MailsealServer,
} from "./harness/mailseal-server.js";
import { header, pem } from "./harness/messages.js";
import { startProfile, startServices, stopSuite } from "./harness/suite.js";
import { THUNDERBIRD_BINARY, thunderbirdInstalled, type TestThunderbird } from "./harness/thunderbird.js";

// As root the suite installs what it needs (as `npm test` does first); it skips only where it cannot.
if (!thunderbirdInstalled() && process.getuid?.() === 0) {
  execFileSync("bash", [join(import.meta.dirname, "../../scripts/ensure-system-deps.sh")], { stdio: "inherit" });
}
const installed = thunderbirdInstalled();
if (!installed) {
  const hint =
    process.getuid?.() === 0
      ? "scripts/ensure-system-deps.sh did not install thunderbird and dovecot-imapd"
      : "install thunderbird and dovecot-imapd (not root here, so the suite cannot do it)";
  console.warn(
    `\n!!! SKIPPING the Thunderbird end-to-end suite: Thunderbird or Dovecot is not installed: ${hint} !!!\n`,
  );
}

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
/** The rotation drill: three years less 29 days on, the encryption key is due (docs/services.md, "Rotation"). */
const ROTATION_OFFSET_MS = (3 * 365 - 29) * 24 * 60 * 60 * 1000;
const ATTACHMENT_SIZE = 10 * 1024 * 1024;
const timings: Record<string, number | string> = {};

/** The attachment's bytes as the add-in's testComposeAndSend makes them. */
function attachmentBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 10)) & 0xff;
  return bytes;
}

/** A DER AuthEnvelopedData as an S/MIME message (RFC 8551 3.4): base64 in lines of 76. */
function smimeMessage(head: string, cms: Uint8Array): Buffer {
  const b64 = Buffer.from(cms).toString("base64").replace(/.{76}/g, "$&\r\n");
  return Buffer.from(
    head +
      "MIME-Version: 1.0\r\n" +
      'Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data; name="smime.p7m"\r\n' +
      'Content-Disposition: attachment; filename="smime.p7m"\r\n' +
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      b64.replace(/\r\n$/, "") +
      "\r\n",
  );
}

describe.skipIf(!installed)("Thunderbird with the mailseal services, end to end", () => {
  let data: string;
  let dovecot: TestDovecot;
  let smtp: TestSmtp;
  let server: MailsealServer | undefined;
  let alice: TestThunderbird;
  let bob: TestThunderbird;
  let bob2: TestThunderbird | undefined;
  let bobKeys: { keyId: string; certificate: string; pkcs8: string; status: string }[] = [];
  const sent = { subject: "", marker: "" };

  const profile = (name: "alice" | "bob", address: string, api: string, prefs: Record<string, string> = {}) => {
    // Saved attachments go to this folder without a dialog (as with "Save files to" in the settings).
    const downloads = join(data, `downloads-${name}`);
    mkdirSync(downloads, { recursive: true });
    return startProfile({ dovecot, smtp }, name, address, api, {
      prefs: {
        "browser.download.folderList": 2,
        "browser.download.dir": downloads,
        "browser.download.useDownloadDir": true,
        ...prefs,
      },
    });
  };

  interface PageIdentity {
    address: string;
    state: string;
    status: string;
    progress: string;
    errorCode: string | null;
    certificate: string | null;
    certificateTooltip: string | null;
    devices: string[];
    buttons: string[];
  }
  /** The add-in's page as its DOM reads, once `match` holds (the page reports after each change). */
  async function page(thunderbird: TestThunderbird, match: (identities: PageIdentity[]) => boolean, timeoutMs: number) {
    const event = await thunderbird.channel.event(
      (e) => e.type === "page" && match(e.identities as PageIdentity[]),
      timeoutMs,
    );
    return event.identities as PageIdentity[];
  }

  /** Bob's current certificate as the peers' openssl helper takes a recipient (only the certificate is used). */
  function bobCurrent(): Identity {
    const current = bobKeys.find((k) => k.status === "current")!;
    const certPath = join(data, "bob-current.crt");
    writeFileSync(certPath, pem("CERTIFICATE", Buffer.from(current.certificate, "base64url")));
    return { name: "bob", email: BOB, keyType: "rsa3072", certPath } as Identity;
  }

  async function send(message: Buffer): Promise<void> {
    const before = smtp.received().length;
    const transport = nodemailer.createTransport({ url: smtp.url });
    await transport.sendMail({ envelope: { from: ALICE, to: [BOB] }, raw: message });
    await smtp.waitFor(before + 1);
  }

  async function open(thunderbird: TestThunderbird, subject: string) {
    const { messageId } = await thunderbird.channel.command<{ messageId: number }>(
      "testOpenMessage",
      { address: BOB, subject },
      60_000,
    );
    return thunderbird.channel.event((e) => e.type === "displayed" && e.messageId === messageId, 60_000);
  }

  beforeAll(async () => {
    ensureBundle();
    ({ data, dovecot, smtp, server } = await startServices("tb-e2e", ["alice", "bob"]));
    [alice, bob] = await Promise.all([profile("alice", ALICE, server.api), profile("bob", BOB, server.api)]);
  }, 180_000);

  afterAll(
    () =>
      stopSuite({ thunderbirds: [alice, bob, bob2], server, smtp, dovecot, data }).finally(() =>
        console.log("timings (ms):", JSON.stringify(timings)),
      ),
    60_000,
  );

  it("sets up both identities with no typed input: alice by the Set up button of the page opened on install", async () => {
    const offers = await alice.channel.command<{ address: string; state: string }[]>("testOffers");
    expect(offers).toEqual([expect.objectContaining({ address: ALICE, state: "offered" })]);
    // The install opens the add-in's page by itself (runtime.onInstalled), shortly after "ready"; it
    // lists the identity. Nothing here opens it: the page must have connected to the background on
    // its own (testPage fails while no page is connected), within a bounded time (issue 14).
    // Both fresh profiles, alice's and bob's (the review saw it fail in 2 of 2).
    const installStarted = Date.now();
    for (const [name, tb] of [
      ["alice", alice],
      ["bob", bob],
    ] as const) {
      for (;;) {
        const open = await tb.channel.command("testPage", {}).then(
          () => true,
          () => false,
        );
        if (open) break;
        expect(Date.now() - installStarted, `${name}'s page did not open by itself on install`).toBeLessThan(60_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    timings.pageOpenedOnInstall = Date.now() - installStarted;
    const listed = await page(alice, (ids) => ids.length > 0, 20_000);
    expect(listed).toEqual([
      expect.objectContaining({ address: ALICE, state: "offered", status: "Not set up yet.", certificate: null }),
    ]);
    expect(listed[0]!.buttons).toContain("Set up");
    const started = Date.now();
    // Bob through the channel's command (the same setUpIdentity), alice through the page's own button.
    const bobSetUp = bob.channel.command<{ deviceId: string; keys: number }>("testSetUp", { address: BOB }, 120_000);
    await alice.channel.command("testPage", {
      selector: `.identity[data-address="${ALICE}"] button[data-action="setUp"]`,
    });
    const shown = await page(
      alice,
      (ids) => ids.some((i) => i.state === "ready" && i.devices.length > 0) || ids.some((i) => i.errorCode !== null),
      120_000,
    );
    const b = await bobSetUp;
    timings.setUpBoth = Date.now() - started;
    const aliceShown = shown.find((i) => i.address === ALICE)!;
    expect(aliceShown.errorCode).toBeNull();
    expect(aliceShown.state).toBe("ready");
    expect(aliceShown.devices).toEqual([
      expect.stringMatching(/^Thunderbird \(.*\) — active, since \d{4}-\d\d-\d\d \(this computer\)$/),
    ]);
    // The current certificate as the page shows it is the one the service issued (cross-checked with node:crypto).
    const [aliceKey] = await alice.channel.command<{ certificate: string }[]>("testExportKeys", { address: ALICE });
    const x509 = new X509Certificate(Buffer.from(aliceKey!.certificate, "base64url"));
    const day = (s: string) => new Date(s).toISOString().slice(0, 10);
    expect(aliceShown.certificate).toContain(`valid ${day(x509.validFrom)} to ${day(x509.validTo)}`);
    // The serial is for an administrator: in the line's tooltip, not in its text (issue 14, finding 9).
    expect(aliceShown.certificate).not.toMatch(/serial/i);
    expect(aliceShown.certificateTooltip!.toLowerCase().replace(/number 0*/, "number ")).toBe(
      `serial number ${x509.serialNumber.toLowerCase().replace(/^0*/, "")}`,
    );
    expect(aliceShown.buttons).toEqual(expect.arrayContaining(["Turn on"]));
    expect(b.keys).toBe(1);
    expect(await bob.channel.command("testOffers")).toEqual([
      expect.objectContaining({ address: BOB, state: "ready" }),
    ]);
    // The challenges (and the services' notices) went through SMTP to the two inboxes.
    const mailed = smtp.received().filter((m) => m.from === "mailseal@example.test");
    expect([...new Set(mailed.flatMap((m) => m.to))].sort()).toEqual([ALICE, BOB]);
    expect(mailed.filter((m) => /^Mailseal-Challenge:/im.test(m.data.toString("latin1")))).toHaveLength(2);
    bobKeys = await bob.channel.command("testExportKeys", { address: BOB });
    expect(bobKeys).toHaveLength(1);
    // Service mail does not litter the inbox (issue 14, finding 7): the used challenge mail is read
    // and in Trash, none is left in the Inbox; the "key released" notice stays, recognisable by its
    // subject prefix.
    type Listed = { subject: string; read: boolean | null; challenge: boolean };
    for (const [address, tb] of [
      [ALICE, alice],
      [BOB, bob],
    ] as const) {
      let inbox: Listed[] = [];
      let trash: Listed[] = [];
      await vi.waitFor(
        async () => {
          await tb.channel.command("testSyncInbox", { address });
          inbox = await tb.channel.command<Listed[]>("testListFolder", { address, use: "inbox" });
          trash = await tb.channel.command<Listed[]>("testListFolder", { address, use: "trash" });
          expect(inbox.filter((m) => m.challenge)).toEqual([]);
          expect(trash.filter((m) => m.challenge)).toEqual([expect.objectContaining({ read: true })]);
          expect(inbox.map((m) => m.subject)).toContainEqual(
            expect.stringMatching(/^\[mailseal\] Your mailseal key was released to device Thunderbird /),
          );
        },
        { timeout: 30_000, interval: 500 },
      );
      expect(
        inbox.every((m) => m.subject.startsWith("[mailseal] ")),
        `${address}: ${JSON.stringify(inbox)}`,
      ).toBe(true);
    }
  }, 180_000);

  it("puts the service's root into NSS trusted for e-mail only: certutil -L shows ,C, (no SSL, no code signing)", async () => {
    const { root } = await fetch(`${server!.api}/v1/ca/certificates`).then(
      (r) => r.json() as Promise<{ root: string }>,
    );
    const commonName = /CN=([^\n]+)/.exec(new X509Certificate(Buffer.from(root, "base64url")).subject)![1]!;
    for (const tb of [alice, bob]) {
      // certutil -L: one line per certificate, the nickname then the trust "SSL,S/MIME,code signing".
      // Run with Thunderbird's own NSS libraries: the system's certutil (NSS 3.87) does not read the
      // trust objects Thunderbird's newer NSS writes, and would show none at all.
      const listing = execFileSync("certutil", ["-L", "-d", `sql:${tb.profile}`], {
        encoding: "utf8",
        env: { ...process.env, LD_LIBRARY_PATH: dirname(THUNDERBIRD_BINARY) },
      });
      const line = listing.split("\n").find((l) => l.startsWith(commonName));
      expect(line, listing).toBeDefined();
      expect(
        line!
          .slice(commonName.length)
          .replace(/^ - \S+/, "")
          .trim(),
        listing,
      ).toBe(",C,");
    }
  });

  it("alice sends bob a signed and encrypted message with 10 MiB attached; openssl decrypts and verifies it", async () => {
    sent.marker = `plans ${crypto.randomUUID()}`;
    sent.subject = `signed encrypted ${sent.marker.slice(6, 14)}`;
    const before = smtp.received().length;
    const started = Date.now();
    const result = await alice.channel.command<{
      shown: { title: string; badge: string };
      security: { sign: boolean; encrypt: boolean; missing: string[] };
      cancelled: string;
      size: number;
      sentCopy: string;
      longestStallMs: number;
    }>(
      "testComposeAndSend",
      {
        from: ALICE,
        to: BOB,
        subject: sent.subject,
        body: `Hello Bob,\n${sent.marker}\n`,
        attachmentName: "big.bin",
        attachmentSize: ATTACHMENT_SIZE,
      },
      120_000,
    );
    // What the compose action showed, and what the add-in's send did: signed and encrypted.
    // Shown by itself before Send, with the one line on Thunderbird's own Encrypt button.
    expect(result.shown.badge).toBe("🔒");
    expect(result.shown.title).toMatch(
      /^mailseal: signed and encrypted\. Thunderbird's own Encrypt button can stay off/,
    );
    expect(result.security).toEqual({ sign: true, encrypt: true, missing: [] });
    // The 10 MiB went through the core's worker: Thunderbird's main thread (which the background
    // shares) never stalled long (addin-thunderbird/README.md, "Sending").
    timings.longestMainThreadStallWhileSending = result.longestStallMs;
    timings.sentCopy = result.sentCopy;
    expect(result.longestStallMs).toBeLessThan(500);
    expect(result.sentCopy).toMatch(/^(saved|off|failed: .*)$/);
    // Thunderbird's own send was cancelled (it would have sent the message unprotected).
    expect(result.cancelled).toMatch(/aborted by an onBeforeSend event/);
    const mails = await smtp.waitFor(before + 1, 60_000);
    timings.composeAndSend10MiB = Date.now() - started;
    const mail = mails.slice(before).find((m: ReceivedMail) => m.to.includes(BOB))!;
    const raw = mail.data.toString("latin1");
    // The whole message the add-in made went through Thunderbird's SMTP (line ends as delivered aside;
    // the last CRLF is the DATA terminator's, RFC 5321 4.1.1.4).
    expect(raw.replace(/\r?\n/g, "\r\n").length).toBeGreaterThanOrEqual(result.size - 2);
    expect(raw.replace(/\r?\n/g, "\r\n").length).toBeLessThanOrEqual(result.size);
    // Bob's directory entry leaves out AES-GCM (Thunderbird's own S/MIME reads his mail too):
    // EnvelopedData with AES-256-CBC, which every S/MIME client reads.
    expect(raw).toMatch(/^Content-Type: application\/pkcs7-mime; smime-type=enveloped-data; name=smime\.p7m\r?$/im);
    expect(raw).toMatch(new RegExp(`^Subject: ${sent.subject}\r?$`, "m"));
    expect(raw).not.toContain(sent.marker);

    // openssl with bob's key as his add-in keeps it: standard S/MIME.
    const key = bobKeys[0]!;
    writeFileSync(join(data, "bob.key"), pem("PRIVATE KEY", Buffer.from(key.pkcs8, "base64url")));
    writeFileSync(join(data, "bob.crt"), pem("CERTIFICATE", Buffer.from(key.certificate, "base64url")));
    writeFileSync(join(data, "sent.eml"), mail.data);
    execFileSync("openssl", [
      "cms",
      "-decrypt",
      "-in",
      join(data, "sent.eml"),
      "-inkey",
      join(data, "bob.key"),
      "-recip",
      join(data, "bob.crt"),
      "-out",
      join(data, "inner.eml"),
    ]);
    const ca = await fetch(`${server!.api}/v1/ca/certificates`).then((r) => r.json() as Promise<{ root: string }>);
    writeFileSync(join(data, "root.pem"), pem("CERTIFICATE", Buffer.from(ca.root, "base64url")));
    // -verify checks the signature and the chain to the service's root (email protection purpose).
    const verified = execFileSync(
      "openssl",
      ["cms", "-verify", "-in", join(data, "inner.eml"), "-CAfile", join(data, "root.pem"), "-purpose", "smimesign"],
      { encoding: "latin1", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(verified).toContain(sent.marker);
    const signer = execFileSync(
      "openssl",
      [
        "cms",
        "-verify",
        "-in",
        join(data, "inner.eml"),
        "-noverify",
        "-signer",
        join(data, "signer.pem"),
        "-out",
        "/dev/null",
      ],
      { stdio: "ignore" },
    );
    void signer;
    expect(
      execFileSync("openssl", ["x509", "-in", join(data, "signer.pem"), "-noout", "-ext", "subjectAltName"], {
        encoding: "utf8",
      }),
    ).toContain(ALICE);
    // The attachment arrived whole.
    const part = /filename="?big\.bin"?[\s\S]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(verified);
    expect(part).not.toBeNull();
    const attachment = Buffer.from(part![1]!.replace(/\s/g, ""), "base64");
    expect(attachment.length).toBe(ATTACHMENT_SIZE);
    expect(createHash("sha256").update(attachment).digest("hex")).toBe(
      createHash("sha256").update(attachmentBytes(ATTACHMENT_SIZE)).digest("hex"),
    );
  }, 240_000);

  it("bob's Thunderbird shows it decrypted, with the attachment and signed by alice", async () => {
    const started = Date.now();
    const shown = await open(bob, sent.subject);
    timings.bobOpens10MiB = Date.now() - started;
    expect(shown.banner).toBe("encrypted");
    expect(shown.bannerText).toContain(`signed by ${ALICE}`);
    expect(shown.bannerText).not.toContain("WARNING");
    // Signed by the From address: the one case shown green (issue 14, finding 5).
    expect(shown.bannerLevel).toBe("ok");
    expect(shown.text).toContain(sent.marker);
    // A heading, the name and a size as Thunderbird says it: no media type (issue 14, finding 9).
    expect(shown.attachmentsHeading).toBe("1 attachment");
    expect(shown.attachments).toEqual(["big.bin (10.0 MB)"]);
    // Its Save button (pressed in the view): a download of the decrypted bytes, byte for byte.
    const saving = Date.now();
    await bob.channel.command("testClickInDisplay", {
      messageId: shown.messageId,
      selector: '.mailseal-save[data-index="0"]',
    });
    const saved = await bob.channel.event((e) => e.type === "saved" && e.messageId === shown.messageId, 60_000);
    timings.save10MiB = Date.now() - saving;
    expect(String(saved.path)).toMatch(/downloads-bob\/big(\(\d+\))?\.bin$/);
    expect(
      createHash("sha256")
        .update(readFileSync(String(saved.path)))
        .digest("hex"),
    ).toBe(createHash("sha256").update(attachmentBytes(ATTACHMENT_SIZE)).digest("hex"));
  }, 120_000);

  it("shows AES-256-GCM + RSA-OAEP mail to bob's provisioned certificate (which Thunderbird itself cannot read)", async () => {
    const marker = `secret ${crypto.randomUUID()}`;
    const entity = Buffer.from(`Content-Type: text/plain; charset=utf-8\r\n\r\nHello Bob, grüße ✓\r\n${marker}\r\n`);
    const smime = await opensslEncrypt(entity, [bobCurrent()], {
      cipher: "aes-256-gcm",
      keyTransport: "rsa-oaep-sha256",
      form: "smime",
      crlf: true,
    });
    expect(smime.toString()).toMatch(/smime-type="?authEnveloped-data/);
    const subject = `gcm oaep ${marker.slice(7, 15)}`;
    await send(Buffer.concat([Buffer.from(header(ALICE, BOB, subject)), smime]));
    const shown = await open(bob, subject);
    expect(shown.banner).toBe("encrypted");
    expect(shown.bannerText).toContain("aes-256-gcm");
    expect(shown.bannerText).toContain("not signed");
    // Encrypted by openssl, not signed: neutral, never the green of a signed message.
    expect(shown.bannerLevel).toBe("neutral");
    expect(shown.bannerHeadline).toContain("anyone could have sent it");
    expect(shown.text).toContain(marker);
    expect(shown.text).toContain("Hello Bob, grüße ✓");
  }, 120_000);

  it("Open hands decrypted PDF and text attachments to the application set for their type (a test opener substituted for the application), read-only in a private folder; programs are not opened", async () => {
    // The test's opener, set for text/plain and application/pdf as a person sets an application in
    // Thunderbird's settings: it records the file it is handed, its mode and its folder's mode.
    const opened = join(data, "opened");
    mkdirSync(opened, { recursive: true });
    const opener = join(data, "opener.sh");
    writeFileSync(
      opener,
      `#!/bin/sh\nout="${opened}/$(basename "$1")"\ncp "$1" "$out.bytes"\n` +
        `stat -c %a "$1" > "$out.mode"\nstat -c %a "$(dirname "$1")" > "$out.dirmode"\n`,
      { mode: 0o755 },
    );
    for (const [contentType, extension] of [
      ["text/plain", "txt"],
      ["application/pdf", "pdf"],
      // A handler for programs too: were one handed over, the opener would record it.
      ["application/x-msdownload", "exe"],
    ]) {
      await bob.channel.command("testSetOpenHandler", { contentType, extension, executable: opener });
    }
    const text = Buffer.from(`notes for bob ✓ ${crypto.randomUUID()}\n`);
    const pdf = Buffer.concat([
      Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
      Buffer.from(crypto.getRandomValues(new Uint8Array(3000))),
    ]);
    const program = Buffer.from("MZ\x90\x00 not really a program");
    const part = (type: string, name: string, bytes: Buffer) =>
      `--b1\r\nContent-Type: ${type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\n` +
      `Content-Transfer-Encoding: base64\r\n\r\n${bytes.toString("base64").replace(/.{76}/g, "$&\r\n")}\r\n`;
    const entity = Buffer.from(
      `Content-Type: multipart/mixed; boundary="b1"\r\n\r\n` +
        `--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThree attachments.\r\n` +
        part("text/plain", "notes.txt", text) +
        part("application/pdf", "report.pdf", pdf) +
        part("application/x-msdownload", "setup.exe", program) +
        // A script that says it is text: its name gives it away, and a handler for text/plain is set.
        part("text/plain", "fix.sh", Buffer.from("#!/bin/sh\necho hello\n")) +
        "--b1--\r\n",
    );
    const smime = await opensslEncrypt(entity, [bobCurrent()], {
      cipher: "aes-256-gcm",
      keyTransport: "rsa-oaep-sha256",
      form: "smime",
      crlf: true,
    });
    const subject = `attachments to open ${crypto.randomUUID().slice(0, 8)}`;
    await send(Buffer.concat([Buffer.from(header(ALICE, BOB, subject)), smime]));
    const shown = await open(bob, subject);
    expect(shown.attachments).toEqual([
      expect.stringMatching(/^notes\.txt /),
      expect.stringMatching(/^report\.pdf /),
      expect.stringMatching(/^setup\.exe /),
      expect.stringMatching(/^fix\.sh /),
    ]);
    const press = async (index: number) => {
      await bob.channel.command("testClickInDisplay", {
        messageId: shown.messageId,
        selector: `.mailseal-open[data-index="${index}"]`,
      });
      return bob.channel.event(
        (e) => e.type === "opened" && e.messageId === shown.messageId && e.index === index,
        30_000,
      );
    };
    for (const [index, name, bytes] of [
      [0, "notes.txt", text],
      [1, "report.pdf", pdf],
    ] as const) {
      expect(await press(index)).toEqual(expect.objectContaining({ how: "launched" }));
      const recorded = join(opened, `${name}.bytes`);
      await vi.waitFor(() => expect(readFileSync(`${join(opened, name)}.dirmode`, "utf8").trim()).toBe("700"), {
        timeout: 10_000,
      });
      expect(readFileSync(recorded).equals(bytes), name).toBe(true);
      // Read-only for the user alone, in a folder only the user can enter (as Thunderbird's own).
      expect(readFileSync(`${join(opened, name)}.mode`, "utf8").trim()).toBe("400");
    }
    // Programs: refused in plain words, never handed to any application.
    for (const index of [2, 3]) {
      expect(await press(index)).toEqual(expect.objectContaining({ code: "ATTACHMENT_IS_PROGRAM" }));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(readdirSync(opened).sort()).toEqual(
      ["notes.txt", "report.pdf"].flatMap((n) => [`${n}.bytes`, `${n}.dirmode`, `${n}.mode`]).sort(),
    );
  }, 120_000);

  it("shows the failure banner and no plaintext for a tampered message (GCM tag check)", async () => {
    const marker = `tampered ${crypto.randomUUID()}`;
    const entity = Buffer.from(`Content-Type: text/plain\r\n\r\n${`${marker}\r\n`.repeat(60)}`);
    const cms = await opensslEncrypt(entity, [bobCurrent()], {
      cipher: "aes-256-gcm",
      keyTransport: "rsa-oaep-sha256",
    });
    const subject = `tampered ${marker.slice(9, 17)}`;
    await send(smimeMessage(header(ALICE, BOB, subject), flipByte(cms)));
    const shown = await open(bob, subject);
    expect(shown.banner).toBe("failed");
    // Plain words first (issue 14): what happened, no code; the code only behind "Details".
    expect(shown.bannerLevel).toBe("error");
    expect(shown.bannerHeadline).toMatch(/^This message may have been changed on the way\. /);
    expect(shown.bannerHeadline).not.toMatch(/AUTH_TAG_MISMATCH|Not decrypted|\(|:/);
    expect(shown.bannerDetails).toContain("AUTH_TAG_MISMATCH");
    expect(shown.bannerText).toContain("AUTH_TAG_MISMATCH");
    expect(shown.text).not.toContain(marker.slice(0, 20));
    expect(String(shown.bannerText)).not.toContain(marker.slice(0, 20));
  }, 120_000);

  it("says a signed message whose content was changed on the way may have been changed (BAD_SIGNATURE)", async () => {
    // Alice's signed message as bob decrypted it (the send step above), one word of its signed text
    // changed, encrypted to bob again: the encryption holds, alice's signature no longer matches.
    const inner = readFileSync(join(data, "inner.eml")).toString("latin1");
    expect(inner).toMatch(/^Content-Type: multipart\/signed/im);
    expect(inner).toContain(sent.marker);
    const changed = Buffer.from(inner.replace(sent.marker, sent.marker.replace("plans", "PLANS")), "latin1");
    const smime = await opensslEncrypt(changed, [bobCurrent()], {
      cipher: "aes-256-gcm",
      keyTransport: "rsa-oaep-sha256",
      form: "smime",
      crlf: true,
    });
    const subject = `changed signed ${sent.marker.slice(6, 14)}`;
    await send(Buffer.concat([Buffer.from(header(ALICE, BOB, subject)), smime]));
    const shown = await open(bob, subject);
    expect(shown.banner).toBe("encrypted");
    expect(shown.bannerLevel).toBe("error");
    expect(shown.bannerHeadline).toMatch(/^This message may have been changed on the way\. /);
    expect(shown.bannerHeadline).not.toContain("BAD_SIGNATURE");
    expect(shown.bannerHeadline).not.toContain(`signed by ${ALICE}`);
    expect(shown.bannerDetails).toContain("BAD_SIGNATURE");
  }, 120_000);

  it("shows decrypted HTML sanitized: no script, no remote image, no style, links kept", async () => {
    const marker = `html ${crypto.randomUUID()}`;
    const html =
      `<html><head><style>body{background:url(http://127.0.0.1:9/style)}</style></head><body>` +
      `<p onclick="alert(1)">${marker} <b>bold</b> <a href="https://example.org/x">link</a> ` +
      `<a href="javascript:alert(2)">js</a></p><script>document.title="pwned"</script>` +
      `<img src="http://127.0.0.1:9/pixel.gif"><iframe src="http://127.0.0.1:9/"></iframe></body></html>`;
    const entity = Buffer.from(`Content-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`);
    const smime = await opensslEncrypt(entity, [bobCurrent()], { cipher: "aes-256-gcm", form: "smime", crlf: true });
    const subject = `html ${marker.slice(5, 13)}`;
    await send(Buffer.concat([Buffer.from(header(ALICE, BOB, subject)), smime]));
    const shown = await open(bob, subject);
    expect(shown.banner).toBe("encrypted");
    expect(shown.text).toContain(marker);
    expect(shown.elements).toEqual(["a", "b", "p"]);
    expect(shown.text).not.toContain("pwned");
    expect(shown.text).not.toContain("background");
  }, 120_000);

  it("shows an inline cid: image as a data: URL of its own bytes; other images stay out", async () => {
    const marker = `inline ${crypto.randomUUID()}`;
    const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.from(marker)]);
    const entity = Buffer.from(
      'Content-Type: multipart/related; boundary="rel"; type="text/html"\r\n\r\n' +
        "--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
        `<p>${marker}</p><img src="cid:logo@example.test" alt="logo" width="40" onerror="alert(1)">` +
        '<img src="cid:missing@example.test"><img src="http://127.0.0.1:9/x.png">\r\n' +
        "--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.test>\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        `${png.toString("base64")}\r\n--rel--\r\n`,
    );
    const smime = await opensslEncrypt(entity, [bobCurrent()], { cipher: "aes-256-gcm", form: "smime", crlf: true });
    const subject = `inline ${marker.slice(7, 15)}`;
    await send(Buffer.concat([Buffer.from(header(ALICE, BOB, subject)), smime]));
    const shown = await open(bob, subject);
    expect(shown.banner).toBe("encrypted");
    expect(shown.text).toContain(marker);
    expect(shown.images).toEqual([`data:image/png;base64,${png.toString("base64")}`]);
    expect(shown.elements).toEqual(["img", "p"]);
    expect(shown.attachments).toEqual([]);
  }, 120_000);

  it("after a three-year key rotation, a newly set-up Thunderbird of bob still opens alice's message", async () => {
    await stopMailsealServer(server);
    const started = Date.now();
    server = await startMailsealServer(join(data, "server"), smtp.url, {
      MAILSEAL_CLOCK_OFFSET: String(ROTATION_OFFSET_MS),
    });
    // Its first maintenance pass makes bob's successor key while the api already listens: a device
    // set up before it ends would hold the first key only (and pick the new one up at its next refresh).
    await waitForRotation(server.api, BOB, bobKeys[0]!.certificate);
    timings.serverRestartWithRotation = Date.now() - started;
    await Promise.all([alice.quit(), bob.quit()]);
    bob2 = await profile("bob", BOB, server.api, {
      "extensions.mailseal.test.clockOffset": String(ROTATION_OFFSET_MS),
    });
    const setUp = Date.now();
    const result = await bob2.channel.command<{ keys: number }>("testSetUp", { address: BOB }, 120_000);
    timings.setUpAfterRotation = Date.now() - setUp;
    expect(result.keys).toBe(2);
    const keys = await bob2.channel.command<{ keyId: string; status: string }[]>("testExportKeys", { address: BOB });
    expect(keys.map((k) => k.status).sort()).toEqual(["current", "retired"]);
    expect(keys.find((k) => k.status === "retired")!.keyId).toBe(bobKeys[0]!.keyId);
    const shown = await open(bob2, sent.subject);
    expect(shown.banner).toBe("encrypted");
    expect(shown.text).toContain(sent.marker);
    // Alice's one-year signing certificate has expired by now; it was valid when she signed (the
    // signed signingTime, RFC 5652 11.3): still signed by her, and the banner says the rest.
    expect(shown.bannerText).toContain(`signed by ${ALICE} (certificate since expired; valid when signed, `);
    expect(shown.bannerText).not.toContain("signature invalid");
    // A heading, the name and a size as Thunderbird says it: no media type (issue 14, finding 9).
    expect(shown.attachmentsHeading).toBe("1 attachment");
    expect(shown.attachments).toEqual(["big.bin (10.0 MB)"]);
  }, 240_000);
});
