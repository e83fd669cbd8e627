// Issue 16, the LDAP door with a real Thunderbird that has NO mailseal add-on: dave, a plain
// Thunderbird user whose identity requires S/MIME encryption and whose profile has the mailseal LDAP
// door as its directory for automatic lookup, writes to bob, a mailseal user. Thunderbird itself
// (MsgComposeCommands.js, certFetchingStatus.js) searches the directory for bob's
// userCertificate;binary, imports it into the profile's NSS database, encrypts to it, and bob's
// `mailseal read` opens the mail. An address the directory does not know leaves Thunderbird unable to
// encrypt: it must not send that mail at all, in clear least of all. The organisation's part is to
// deploy the mailseal root (trusted for e-mail only) and issuing CA to its clients, as for any
// internal CA (docs/services.md, "CerDB over LDAP", Trust).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, mailseal } from "../../cli/test/support.js";
import { matchesIssuerAndSerial, parseCertificate } from "../../shared/src/pki/certificate.js";
import { NO_SECRET_STORE } from "../services/e2e-support.js";
import type { TestSmtp } from "../support/smtp.js";
import type { TestDovecot } from "./harness/dovecot.js";
import type { MailsealServer } from "./harness/mailseal-server.js";
import { startPlainThunderbird, type PlainThunderbird } from "./harness/plain-thunderbird.js";
import { imapPassword, startServices, stopSuite, thunderbirdSuiteCanRun } from "./harness/suite.js";

const installed = thunderbirdSuiteCanRun("the Thunderbird LDAP lookup suite");

const BOB = "bob@example.test";
const DAVE = "dave@example.test";
/** Nobody the directory knows. */
const CAROL = "carol@example.test";
const PASSWORDS = { bob: imapPassword("bob"), dave: imapPassword("dave") };
/** The nickname of dave's own certificate and key in his NSS database. */
const DAVE_NICKNAME = "dave";

function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * NSS's dbKey of a certificate (nsNSSCertificate::GetDbKey, as the account settings store it in
 * `encryption_cert_dbkey`): base64 of two zero 32-bit words, the serial number's and the issuer's
 * lengths as 32-bit big-endian, the serial number's content octets, the issuer's DER.
 */
function dbKey(der: Uint8Array): string {
  const cert = parseCertificate(der);
  const head = Buffer.alloc(16);
  head.writeUInt32BE(cert.serialNumber.length, 8);
  head.writeUInt32BE(cert.issuer.der.length, 12);
  return Buffer.concat([head, cert.serialNumber, cert.issuer.der]).toString("base64");
}

/** The DER of each certificate in a PEM text. */
function pemBlocks(pem: string): Buffer[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map((m) =>
    Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"),
  );
}

/** The EnvelopedData of an application/pkcs7-mime message (base64 body), its RecipientInfos' ids. */
function envelopeOf(message: string): { contentType: string; recipients: pkijs.IssuerAndSerialNumber[] } {
  // As delivered into the Maildir (line ends as the SMTP receiver wrote them).
  const [headers = "", body = ""] = message.split(/\r?\n\r?\n/, 2);
  const contentType = /^Content-Type:\s*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/im.exec(headers)?.[1] ?? "";
  const ber = Buffer.from(body.replace(/\s+/g, ""), "base64");
  // Thunderbird writes BER with indefinite lengths; openssl re-encodes it as DER for pkijs.
  const der = execFileSync("openssl", ["cms", "-cmsout", "-inform", "DER", "-outform", "DER"], { input: ber });
  const info = new pkijs.ContentInfo({ schema: asn1js.fromBER(der).result });
  expect(info.contentType).toBe("1.2.840.113549.1.7.3"); // id-envelopedData, RFC 5652 6.1
  const enveloped = new pkijs.EnvelopedData({ schema: info.content });
  const recipients = enveloped.recipientInfos.map((ri) => {
    expect(ri.variant).toBe(1); // KeyTransRecipientInfo (RFC 5652 6.2.1)
    return (ri.value as pkijs.KeyTransRecipientInfo).rid as pkijs.IssuerAndSerialNumber;
  });
  return { contentType, recipients };
}

function names(rid: pkijs.IssuerAndSerialNumber, der: Uint8Array): boolean {
  return matchesIssuerAndSerial(
    parseCertificate(der),
    new Uint8Array(rid.issuer.toSchema().toBER()),
    new Uint8Array(rid.serialNumber.valueBlock.valueHexView),
  );
}

/** The "ldap search" lines of the server's log (server/src/ldap/server.ts). */
function ldapSearches(server: MailsealServer): { addresses: string[]; found: number }[] {
  return (
    server
      .log()
      .split("\n")
      // Whole JSON lines only (log() keeps the tail: its first line may be cut).
      .filter((line) => line.startsWith("{") && line.includes('"msg":"ldap search"'))
      .map((line) => JSON.parse(line) as { addresses: string[]; found: number })
  );
}

describe.skipIf(!installed)("a Thunderbird without mailseal finds a mailseal user in the LDAP door", () => {
  let scratch: string;
  let dovecot: TestDovecot;
  let smtp: TestSmtp;
  let server: MailsealServer | undefined;
  let dave: PlainThunderbird | undefined;
  /** dave's own certificate (his test CA's), which Thunderbird also encrypts to. */
  let daveDer: Buffer;
  const bobHome = () => join(scratch, "bob-home");
  const certdb = () => `sql:${dave!.profile}`;

  beforeAll(async () => {
    ensureBundle();
    ({ data: scratch, dovecot, smtp, server } = await startServices("ldap-tb", ["bob", "dave"]));

    // bob is a mailseal user: his command set up through the services, answering the challenge mail
    // the server sent through SMTP (kept in the receiver's folder, read as an outbox).
    const added = await mailseal(
      [
        "account",
        "add",
        BOB,
        "--server",
        server.api,
        "--outbox",
        smtp.dir,
        "--name",
        "bob-laptop",
        "--home",
        bobHome(),
      ],
      undefined,
      NO_SECRET_STORE,
    );
    expect(added.stderr).toBe("");
    expect(added.status).toBe(0);

    // The organisation's CA for dave's own certificate (any CA: dave is no mailseal user).
    const pki = join(scratch, "pki");
    mkdirSync(pki);
    const ssl = (words: string, ...more: string[]) =>
      execFileSync("openssl", [...words.split(" "), ...more], { cwd: pki, stdio: "pipe" });
    ssl(
      "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30",
      "-subj",
      "/O=Example/CN=Example Mail CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    ssl(
      "req -newkey rsa:2048 -nodes -keyout dave.key -out dave.csr",
      "-subj",
      `/O=Example/CN=Dave Example/emailAddress=${DAVE}`,
    );
    writeFileSync(
      join(pki, "dave.ext"),
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
        `extendedKeyUsage=emailProtection\nsubjectAltName=email:${DAVE}\n`,
    );
    ssl("x509 -req -in dave.csr -CA ca.pem -CAkey ca.key -set_serial 4242 -days 30 -extfile dave.ext -out dave.pem");
    ssl(`pkcs12 -export -inkey dave.key -in dave.pem -name ${DAVE_NICKNAME} -passout pass:p12 -out dave.p12`);
    daveDer = pemBlocks(readFileSync(join(pki, "dave.pem"), "utf8"))[0]!;

    // The mailseal CA, deployed by the organisation: the root trusted for e-mail only, the issuing CA
    // as an intermediate (the directory holds leaf certificates).
    const ca = (await (await fetch(`${server.api}/v1/ca/certificates`)).json()) as { root: string; issuing: string };
    writeFileSync(join(pki, "mailseal-root.der"), Buffer.from(ca.root, "base64url"));
    writeFileSync(join(pki, "mailseal-issuing.der"), Buffer.from(ca.issuing, "base64url"));

    const ldap = new URL(server.ldap);
    dave = await startPlainThunderbird(
      {
        address: DAVE,
        fullName: "Dave Example",
        user: "dave",
        password: PASSWORDS.dave,
        imapPort: dovecot.port,
        smtpPort: Number(new URL(smtp.url).port),
        prefs: {
          // S/MIME encryption required by the identity (am-e2e.js stores these); dave signs nothing.
          "mail.identity.id1.encryption_cert_name": DAVE_NICKNAME,
          "mail.identity.id1.encryption_cert_dbkey": dbKey(daveDer),
          "mail.identity.id1.encryptionpolicy": 2,
          "mail.identity.id1.sign_mail": false,
          "mail.e2ee.auto_enable": false,
          // No Sent copy: that would log in to IMAP, and a password prompt hangs a headless profile.
          "mail.identity.id1.fcc": false,
          // The directory, as the address book's LDAP dialog writes one (dirType 0: LDAP), used for
          // automatic lookup ("Directory Server" in the composition settings).
          "ldap_2.servers.mailseal.description": "mailseal",
          "ldap_2.servers.mailseal.dirType": 0,
          "ldap_2.servers.mailseal.uri": `ldap://${ldap.host}/o=mailseal??sub?(objectclass=*)`,
          "ldap_2.servers.mailseal.filename": "ldap.sqlite",
          "ldap_2.autoComplete.useDirectory": true,
          "ldap_2.autoComplete.directoryServer": "ldap_2.servers.mailseal",
          // Thunderbird's send log on its output: how the refused send is seen (no alert can be read).
          "mailnews.send.loglevel": "Debug",
        },
      },
      (profile) => {
        const db = ["-d", `sql:${profile}`];
        const trust = (nickname: string, flags: string, file: string) =>
          run("certutil", ["-A", ...db, "-n", nickname, "-t", flags, "-i", join(pki, file)]);
        run("certutil", ["-N", ...db, "--empty-password"]);
        run("pk12util", ["-i", join(pki, "dave.p12"), ...db, "-W", "p12", "-K", ""]);
        // Trust flags SSL,S/MIME,code signing: ",C," is a CA for e-mail only.
        trust("Example Mail CA", ",C,", "ca.pem");
        trust("mailseal root", ",C,", "mailseal-root.der");
        trust("mailseal issuing CA", ",,", "mailseal-issuing.der");
      },
    );
  }, 240_000);

  afterAll(() => stopSuite({ thunderbirds: [dave], server, smtp, dovecot, data: scratch }), 60_000);

  /**
   * The certificates in dave's NSS database whose nickname starts with `address` (NSS names an
   * imported e-mail certificate "ADDRESS - ORGANISATION", "#2" for the next one of the same subject).
   */
  function inNss(address: string): Buffer[] {
    const listing = run("certutil", ["-L", "-d", certdb()]);
    const nicknames = listing
      .split("\n")
      .map((line) => /^(.+?)\s{2,}\S*,\S*,\S*\s*$/.exec(line)?.[1])
      .filter((nickname): nickname is string => nickname !== undefined && nickname.startsWith(address));
    return nicknames.flatMap((nickname) => pemBlocks(run("certutil", ["-L", "-d", certdb(), "-n", nickname, "-a"])));
  }

  async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) {
        throw new Error(`${what} within ${timeoutMs} ms\n${dave!.output().slice(-4000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it("looks bob up in the directory, imports his certificate, encrypts to it; bob's mailseal read opens it", async () => {
    expect(inNss(BOB)).toEqual([]);
    const subject = `found you in the directory ${crypto.randomUUID().slice(0, 8)}`;
    // One short line: format=flowed would break a longer one (RFC 3676).
    const text = `Hello Bob, from a Thunderbird without mailseal (${crypto.randomUUID().slice(0, 8)}).`;
    const { tabId } = await dave!.channel.command<{ tabId: number }>("compose", {
      from: DAVE,
      to: BOB,
      subject,
      body: text,
    });
    // Encryption is on (the identity requires it), S/MIME, no signature: once the compose window
    // has applied the identity, which it may not have yet when beginNew resolves.
    const wanted = { to: [BOB], encryption: { name: "S/MIME", encryptBody: true, signMessage: false } };
    let state: unknown;
    for (let tries = 0; tries < 50; tries++) {
      state = await dave!.channel.command("composeState", { tabId });
      if (JSON.stringify(state) === JSON.stringify(wanted)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(state).toEqual(wanted);

    // Compose found no certificate for bob in NSS and asked the directory: the door saw the search
    // for his address and found him, and Thunderbird imported what his entry holds: the encryption
    // certificate CerDB's HTTP lookup gives (and his signing certificate).
    const cerdb = (await (await fetch(`${server!.api}/v1/certs/${BOB}`)).json()) as { certificate: string };
    const imported = await until("bob's encryption certificate was not imported", () =>
      inNss(BOB).find((der) => der.toString("base64url") === cerdb.certificate),
    );
    expect(ldapSearches(server!)).toMatchObject([{ addresses: [BOB], found: 1 }]);

    // Send: the mail that reached bob's mailbox is EnvelopedData with a RecipientInfo for bob's
    // certificate (and one for dave's own, as Thunderbird keeps a copy readable).
    const before = smtp.received().length;
    const sent = await dave!.channel.command<{ headerMessageId: string }>("send", { tabId }, 60_000);
    expect(sent.headerMessageId).toMatch(/@example\.test$/);
    const mail = (await smtp.waitFor(before + 1, 30_000))[before]!;
    expect(mail.to).toEqual([BOB]);
    const box = join(dovecot.maildirs, "bob", "new");
    const delivered = readdirSync(box).map((name) => readFileSync(join(box, name), "latin1"));
    const message = delivered.find((m) => m.includes(`Subject: ${subject}`));
    expect(message).toBeDefined();
    expect(message).not.toContain(text);
    const envelope = envelopeOf(message!);
    expect(envelope.contentType).toMatch(/^application\/pkcs7-mime;.*smime-type=enveloped-data/s);
    expect(envelope.recipients).toHaveLength(2);
    expect(envelope.recipients.filter((rid) => names(rid, imported))).toHaveLength(1);
    expect(envelope.recipients.filter((rid) => names(rid, daveDer))).toHaveLength(1);

    // bob's mailseal command opens it to dave's text.
    const read = await mailseal(["read", "--home", bobHome()], message, NO_SECRET_STORE);
    // AES-128-CBC with RSA PKCS#1 v1.5: what Thunderbird's NSS chooses; dave signs nothing.
    expect(read.stderr).toBe("mailseal: encrypted (aes-128-cbc); not signed\n");
    expect(read.status).toBe(0);
    expect(read.stdout.toString()).toContain(text);
  }, 120_000);

  it("an address the directory does not know: Thunderbird cannot encrypt and sends nothing, in clear least of all", async () => {
    const subject = `nobody in the directory ${crypto.randomUUID().slice(0, 8)}`;
    const text = `Hello Carol ${crypto.randomUUID()}`;
    const { tabId } = await dave!.channel.command<{ tabId: number }>("compose", {
      from: DAVE,
      to: CAROL,
      subject,
      body: text,
    });
    const ofCarol = () => ldapSearches(server!).filter((search) => search.addresses.includes(CAROL));
    await until("no directory search for carol", () => ofCarol()[0]);
    expect(ofCarol()).toMatchObject([{ addresses: [CAROL], found: 0 }]);

    // Send: Thunderbird asks the directory once more (onSendSMIME), finds nothing, and its S/MIME
    // encoder refuses to begin without a certificate for every recipient: the send fails and
    // Thunderbird shows its "Sending of the message failed" alert, which waits for a person (so the
    // driver's sendMessage never settles here). Nothing reaches the SMTP server.
    const before = smtp.received().length;
    let settled: unknown;
    dave!.channel.command("send", { tabId }, 120_000).then(
      (value) => (settled = { value }),
      (error: Error) => (settled = { error: error.message }),
    );
    const failure = await until(
      "the send did not fail",
      () => /mailnews\.send: "Sending failed; [^"]*"/.exec(dave!.output())?.[0],
    );
    expect(dave!.output()).toMatch(/NS_ERROR_ILLEGAL_VALUE\) \[nsIMsgComposeSecure\.beginCryptoEncapsulation\]/);
    expect(failure).toContain("exitCode=2147942487"); // 0x80070057, NS_ERROR_ILLEGAL_VALUE
    await until("no second search for carol (at Send)", () => ofCarol()[1]);
    expect(ofCarol()).toMatchObject([
      { addresses: [CAROL], found: 0 },
      { addresses: [CAROL], found: 0 },
    ]);
    expect(inNss(CAROL)).toEqual([]);
    expect(settled).toBeUndefined();
    expect(smtp.received().slice(before)).toEqual([]);
    const box = join(dovecot.maildirs, "bob", "new");
    expect(readdirSync(box).some((name) => readFileSync(join(box, name), "latin1").includes(text))).toBe(false);
  }, 120_000);
});
