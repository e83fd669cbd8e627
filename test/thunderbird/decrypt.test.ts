// End to end, all real: an S/MIME message that Thunderbird's own S/MIME cannot read (AuthEnvelopedData
// AES-256-GCM with RSA-OAEP, made by `openssl cms`) goes through a real SMTP server into bob's Dovecot
// Maildir; bob's headless Thunderbird fetches it over IMAP, displays it, and our add-in decrypts it
// (getRaw -> decryptMessage in the core's Web Worker) and renders it in the message pane through its
// display script, which reports what the pane now shows. A tampered copy shows the failure banner
// and no plaintext.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBase64url, decodePem } from "@mailseal/shared";
import { flipByte } from "../interop/peers/fixture.js";
import { opensslDecrypt, opensslEncrypt } from "../interop/peers/openssl.js";
import { testPki, type Identity } from "../interop/peers/pki.js";
import { releaseAll } from "../interop/peers/run.js";
import { startSmtp, type TestSmtp } from "../support/smtp.js";
import { startDovecot, type TestDovecot } from "./harness/dovecot.js";
import { killAll } from "./harness/processes.js";
import { startThunderbird, thunderbirdInstalled, type TestThunderbird } from "./harness/thunderbird.js";

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

function der(pem: string): string {
  return encodeBase64url(decodePem(pem)[0]!.der);
}

/** RFC 5322 header fields of a test message, CRLF. */
function header(from: string, to: string, subject: string): string {
  return [
    `From: Alice <${from}>`,
    `To: Bob <${to}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${crypto.randomUUID()}@example.org>`,
    "",
  ].join("\r\n");
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

describe.skipIf(!installed)("Thunderbird: automatic decryption in the message pane", () => {
  let bob: Identity;
  let dovecot: TestDovecot;
  let smtp: TestSmtp;
  let thunderbird: TestThunderbird;

  async function send(message: Buffer): Promise<void> {
    const before = smtp.received().length;
    const transport = nodemailer.createTransport({ url: smtp.url, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ envelope: { from: "alice@example.org", to: [bob.email] }, raw: message });
    await smtp.waitFor(before + 1);
  }

  beforeAll(async () => {
    bob = (await testPki()).bob;
    dovecot = await startDovecot([{ name: "bob", password: "bob-imap-password" }]);
    smtp = await startSmtp({ maildirs: dovecot.maildirs });
    thunderbird = await startThunderbird({
      address: bob.email,
      fullName: "Bob Example",
      user: "bob",
      password: "bob-imap-password",
      imapPort: dovecot.port,
      smtpPort: Number(new URL(smtp.url).port),
    });
    // Stands in for provisioning through the services: bob's key history is this one key.
    await thunderbird.channel.command("testProvisionKey", {
      address: bob.email,
      certificate: der(bob.certPem),
      pkcs8: der(readFileSync(bob.keyPath, "utf8")),
    });
  });

  afterAll(async () => {
    try {
      // MAILSEAL_TB_DEBUG=1 prints what Thunderbird and the add-in logged.
      if (process.env.MAILSEAL_TB_DEBUG) console.log(thunderbird?.output());
      await thunderbird?.quit();
      await smtp?.stop();
      await dovecot?.stop();
    } finally {
      killAll();
      releaseAll();
    }
  });

  it("decrypts AES-256-GCM + RSA-OAEP mail (which Thunderbird itself cannot) and shows it with the encrypted banner", async () => {
    const marker = `secret ${crypto.randomUUID()}`;
    const entity = Buffer.from(`Content-Type: text/plain; charset=utf-8\r\n\r\nHello Bob, grüße ✓\r\n${marker}\r\n`);
    const smime = await opensslEncrypt(entity, [bob], {
      cipher: "aes-256-gcm",
      keyTransport: "rsa-oaep-sha256",
      form: "smime",
      crlf: true,
    });
    expect(smime.toString()).toMatch(/smime-type="?authEnveloped-data/);
    // openssl itself reads it back: the message is sound, what follows tests the add-in.
    expect((await opensslDecrypt(smime, bob, "smime")).toString()).toContain(marker);
    const subject = `gcm oaep ${marker.slice(7, 15)}`;
    await send(Buffer.concat([Buffer.from(header("alice@example.org", bob.email, subject)), smime]));

    const { messageId } = await thunderbird.channel.command<{ messageId: number }>("testOpenMessage", {
      address: bob.email,
      subject,
    });
    const shown = await thunderbird.channel.event((e) => e.type === "displayed" && e.messageId === messageId);
    expect(shown.banner).toBe("encrypted");
    expect(shown.bannerText).toContain("aes-256-gcm");
    expect(shown.text).toContain(marker);
    expect(shown.text).toContain("Hello Bob, grüße ✓");
  });

  it("shows the failure banner and no plaintext for a tampered message (GCM tag check)", async () => {
    const marker = `tampered ${crypto.randomUUID()}`;
    // Long enough that the middle of the DER lies in the encrypted content, past the RecipientInfo.
    const entity = Buffer.from(`Content-Type: text/plain\r\n\r\n${`${marker}\r\n`.repeat(60)}`);
    const cms = await opensslEncrypt(entity, [bob], { cipher: "aes-256-gcm", keyTransport: "rsa-oaep-sha256" });
    const subject = `tampered ${marker.slice(9, 17)}`;
    await send(smimeMessage(header("alice@example.org", bob.email, subject), flipByte(cms)));

    const { messageId } = await thunderbird.channel.command<{ messageId: number }>("testOpenMessage", {
      address: bob.email,
      subject,
    });
    const shown = await thunderbird.channel.event((e) => e.type === "displayed" && e.messageId === messageId);
    expect(shown.banner).toBe("failed");
    expect(shown.bannerText).toContain("AUTH_TAG_MISMATCH");
    expect(shown.text).not.toContain(marker.slice(0, 20));
    expect(String(shown.bannerText)).not.toContain(marker.slice(0, 20));
  });

  it("shows decrypted HTML sanitized: no script, no remote image, no style, links kept", async () => {
    const marker = `html ${crypto.randomUUID()}`;
    const html =
      `<html><head><style>body{background:url(http://127.0.0.1:9/style)}</style></head><body>` +
      `<p onclick="alert(1)">${marker} <b>bold</b> <a href="https://example.org/x">link</a> ` +
      `<a href="javascript:alert(2)">js</a></p><script>document.title="pwned"</script>` +
      `<img src="http://127.0.0.1:9/pixel.gif"><iframe src="http://127.0.0.1:9/"></iframe></body></html>`;
    const entity = Buffer.from(`Content-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`);
    // GCM, not CBC: a CBC + PKCS#1 v1.5 message, which Thunderbird's own S/MIME also tries, is not yet
    // displayable through messageDisplay.open here (see addin-thunderbird/README.md, "Open").
    const smime = await opensslEncrypt(entity, [bob], { cipher: "aes-256-gcm", form: "smime", crlf: true });
    const subject = `html ${marker.slice(5, 13)}`;
    await send(Buffer.concat([Buffer.from(header("alice@example.org", bob.email, subject)), smime]));

    const { messageId } = await thunderbird.channel.command<{ messageId: number }>("testOpenMessage", {
      address: bob.email,
      subject,
    });
    const shown = await thunderbird.channel.event((e) => e.type === "displayed" && e.messageId === messageId);
    expect(shown.banner).toBe("encrypted");
    expect(shown.bannerText).toContain("aes-256-gcm");
    expect(shown.text).toContain(marker);
    expect(shown.elements).toEqual(["a", "b", "p"]);
    expect(shown.text).not.toContain("pwned");
    expect(shown.text).not.toContain("background");
  });
});
