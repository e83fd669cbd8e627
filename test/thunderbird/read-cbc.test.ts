// Reading AES-256-CBC mail in a real headless Thunderbird, bob set up through the real services
// (as in end-to-end.test.ts): CBC with RSA PKCS#1 v1.5 (which Thunderbird's own S/MIME could also
// read, since setup puts bob's keys into NSS), CBC with RSA-OAEP, and CBC to
// bob's retired key after a three-year rotation. Each must show our banner and the exact text, and
// opening must finish: no wait on Thunderbird's own decryption. After the rotation, bob's existing
// profile (set up before it) learns the new key by itself: CBC mail to that key, opened first, is
// one NSS cannot decrypt (Thunderbird's own "cannot decrypt" page is kept from loading), so the
// add-in reads it (NO_KEY), refreshes its keys into NSS and reads it again, in the same tab. Carol, with
// enhanced protection on, has her key rotated too: her refresh renews what needs no password, tells
// her once, and her page brings the new key with her password.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle } from "../../cli/test/support.js";
import { opensslEncrypt, type KeyTransport } from "../interop/peers/openssl.js";
import type { Identity } from "../interop/peers/pki.js";
import type { TestSmtp } from "../support/smtp.js";
import type { TestDovecot } from "./harness/dovecot.js";
import {
  startMailsealServer,
  stopMailsealServer,
  waitForRotation,
  type MailsealServer,
} from "./harness/mailseal-server.js";
import { freePortRun } from "./harness/ports.js";
import { startProfile, startServices, stopSuite, thunderbirdSuiteCanRun } from "./harness/suite.js";
import type { TestThunderbird } from "./harness/thunderbird.js";
import { startXvfb, xvfbInstalled, type TestDisplay } from "./harness/xvfb.js";

const installed = thunderbirdSuiteCanRun("the Thunderbird CBC suite");

const BOB = "bob@example.test";
const ALICE = "alice@example.test";
/** A third person, with enhanced protection on: the rotation's new key waits for her password. */
const CAROL = "carol@example.test";
const CAROL_PASSWORD = "carol's long protection password";
/** As end-to-end.test.ts: three years less 29 days on, bob's encryption key is due (docs/services.md, "Rotation"). */
const ROTATION_OFFSET_MS = (3 * 365 - 29) * 24 * 60 * 60 * 1000;
const timings: Record<string, number> = {};
/** As visual.test.ts: the screenshot of carol's page goes here, and with MAILSEAL_UPDATE_SCREENSHOTS=1 into the docs. */
const ARTIFACTS = join(import.meta.dirname, "artifacts/screenshots");
const DOCS_SCREENSHOTS = join(import.meta.dirname, "../../addin-thunderbird/docs/screenshots");

interface ExportedKey {
  keyId: string;
  certificate: string;
  status: string;
}

describe.skipIf(!installed)("Thunderbird reads AES-256-CBC mail (PKCS#1 v1.5 and OAEP, retired key)", () => {
  let data: string;
  let dovecot: TestDovecot;
  let smtp: TestSmtp;
  let server: MailsealServer | undefined;
  let serverPort: number;
  let bob: TestThunderbird | undefined;
  let bob2: TestThunderbird | undefined;
  let carol: TestThunderbird | undefined;
  /** Carol's Thunderbird draws on a virtual X display when Xvfb is installed: her page is screenshot. */
  let carolScreen: TestDisplay | undefined;
  /** Carol's signing certificate and CRL fetch time before the rotation. */
  let carolBefore: { signingCertificate: string | null; crlFetchedAt: string | null };
  let firstKey: ExportedKey;
  /** The CBC message to bob's first key, opened again after the rotation. */
  const toRetired = { subject: "", text: "" };
  /** A CBC message to bob's first key sent just before the rotation. */
  const older = { subject: "", text: "" };

  const profile = (api: string, prefs: Record<string, string> = {}, who: "bob" | "carol" = "bob", display?: string) =>
    startProfile({ dovecot, smtp }, who, who === "bob" ? BOB : CAROL, api, {
      prefs,
      ...(display === undefined ? {} : { display }),
    });

  /** A key's certificate as the openssl helper takes a recipient (only certPath is used). */
  function recipient(key: ExportedKey): Identity {
    const certPath = join(data, `${crypto.randomUUID()}.crt`);
    const b64 = Buffer.from(key.certificate, "base64url").toString("base64");
    writeFileSync(
      certPath,
      `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`,
    );
    return { name: "bob", email: BOB, keyType: "rsa3072", certPath } as Identity;
  }

  /** `openssl cms -encrypt -aes-256-cbc` (or -gcm; S/MIME form, CRLF) of a text message, mailed to bob. */
  async function mailCbc(
    key: ExportedKey,
    keyTransport: KeyTransport,
    label: string,
    cipher: "aes-256-cbc" | "aes-256-gcm" = "aes-256-cbc",
    to = BOB,
  ) {
    const text = `Hello, grüße ✓ (${label})\n${crypto.randomUUID()}`;
    const entity = Buffer.from(`Content-Type: text/plain; charset=utf-8\r\n\r\n${text.replace(/\n/g, "\r\n")}\r\n`);
    const smime = await opensslEncrypt(entity, [recipient(key)], {
      cipher,
      keyTransport,
      form: "smime",
      crlf: true,
    });
    // EnvelopedData (RFC 5652 6) for CBC; AuthEnvelopedData (RFC 5083) for GCM.
    expect(smime.toString("latin1")).toMatch(
      cipher === "aes-256-cbc" ? /smime-type="?enveloped-data/ : /smime-type="?authEnveloped-data/,
    );
    const subject = `${cipher === "aes-256-cbc" ? "cbc" : "gcm"} ${label} ${text.slice(-8)}`;
    const head = [
      `From: Alice <${ALICE}>`,
      `To: <${to}>`,
      `Subject: ${subject}`,
      `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
      `Message-ID: <${crypto.randomUUID()}@example.test>`,
      "",
    ].join("\r\n");
    const before = smtp.received().length;
    await nodemailer
      .createTransport({ url: smtp.url })
      .sendMail({ envelope: { from: ALICE, to: [to] }, raw: Buffer.concat([Buffer.from(head), smime]) });
    await smtp.waitFor(before + 1);
    return { subject, text };
  }

  /** Opens the message in a tab; resolves what the display script rendered, and how long it took. */
  async function open(thunderbird: TestThunderbird, subject: string, address = BOB) {
    const started = Date.now();
    const { messageId, opens } = await thunderbird.channel.command<{ messageId: number; opens: number }>(
      "testOpenMessage",
      { address, subject },
      40_000,
    );
    const shown = await thunderbird.channel.event((e) => e.type === "displayed" && e.messageId === messageId, 30_000);
    return { shown, ms: Date.now() - started, opens };
  }

  function expectDecrypted(shown: Record<string, unknown>, text: string, cipher = "aes-256-cbc"): void {
    expect(shown.banner, String(shown.bannerText)).toBe("encrypted");
    // openssl's mail here is encrypted only, not signed: intact, but not green, since anyone could
    // have sent it (issue 14, finding 5); in words, the cipher only behind "Details" (finding 9).
    expect(shown.bannerLevel).toBe("neutral");
    expect(shown.bannerHeadline).toBe(
      "Encrypted, but not signed: anyone could have sent it, whatever its From line says.",
    );
    expect(String(shown.bannerDetails)).toBe(`Encrypted (${cipher}); not signed`);
    expect(String(shown.text).replace(/\r\n/g, "\n").trim()).toBe(text);
  }

  beforeAll(async () => {
    ensureBundle();
    // A fixed port: the restart for the rotation must keep the URLs bob's profile holds.
    serverPort = await freePortRun(4);
    ({ data, dovecot, smtp, server } = await startServices("tb-cbc", ["bob", "carol"], serverPort));
    if (xvfbInstalled()) carolScreen = await startXvfb();
    [bob, carol] = await Promise.all([profile(server.api), profile(server.api, {}, "carol", carolScreen?.display)]);
    const started = Date.now();
    await bob.channel.command("testSetUp", { address: BOB }, 120_000);
    timings.setUp = Date.now() - started;
    const keys = await bob.channel.command<ExportedKey[]>("testExportKeys", { address: BOB });
    expect(keys).toHaveLength(1);
    firstKey = keys[0]!;
  }, 180_000);

  afterAll(
    () =>
      stopSuite({
        thunderbirds: [bob, bob2, carol],
        others: async () => carolScreen?.stop(),
        server,
        smtp,
        dovecot,
        data,
      }).finally(() => console.log("timings (ms):", JSON.stringify(timings))),
    60_000,
  );

  it("shows AES-256-CBC + RSA PKCS#1 v1.5 mail (the key also in NSS) decrypted, with our banner", async () => {
    const mail = await mailCbc(firstKey, "rsa-pkcs1", "pkcs1");
    const { shown, ms } = await open(bob!, mail.subject);
    timings.openCbcPkcs1 = ms;
    expectDecrypted(shown, mail.text);
    // Thunderbird's own S/MIME had decrypted it too (bob's keys are in its NSS): ours replaced that,
    // and the message stayed hidden until then: no flash of text the add-in had not checked.
    expect(String(shown.replaced).replace(/\r\n/g, "\n").trim()).toBe(mail.text);
    expect(shown.hiddenUntilChecked).toBe(true);
    Object.assign(toRetired, mail);
  }, 90_000);

  it("shows AES-256-CBC + RSA-OAEP mail decrypted, with our banner", async () => {
    // -keyopt rsa_padding_mode:oaep with openssl's default SHA-1 (RFC 8017 7.1, RFC 3560 defaults).
    // The system's NSS 3.87 (cmsutil) cannot read it; Thunderbird 153's bundled NSS (>= 3.113) can.
    const mail = await mailCbc(firstKey, "rsa-oaep-sha1", "oaep");
    const { shown, ms } = await open(bob!, mail.subject);
    timings.openCbcOaep = ms;
    expectDecrypted(shown, mail.text);
  }, 90_000);

  interface PageIdentity {
    address: string;
    state: string;
    progress: string;
    errorCode: string | null;
    certificate: string | null;
    waiting: string | null;
    buttons: string[];
  }

  /** Page events of carol's seen so far: carolPage waits for a later one. */
  let pageSeen = new Set<unknown>();

  /** The next page event of carol's page (since the last one returned) whose carol card matches. */
  async function carolPage(match: (card: PageIdentity) => boolean, timeoutMs = 60_000): Promise<PageIdentity> {
    const event = await carol!.channel.event(
      (e) =>
        e.type === "page" &&
        !pageSeen.has(e) &&
        (e.identities as PageIdentity[]).some((i) => i.address === CAROL && match(i)),
      timeoutMs,
    );
    pageSeen = new Set(carol!.channel.events());
    return (event.identities as PageIdentity[]).find((i) => i.address === CAROL)!;
  }

  it("carol sets up on her page and turns enhanced protection on", async () => {
    const started = Date.now();
    // The page opens by itself on install (end-to-end.test.ts checks that): wait until it is connected.
    for (;;) {
      const open = await carol!.channel.command("testPage", {}).then(
        () => true,
        () => false,
      );
      if (open) break;
      expect(Date.now() - started, "carol's page did not open").toBeLessThan(60_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await carolPage((i) => i.state === "offered");
    await carol!.channel.command("testPage", {
      selector: `.identity[data-address="${CAROL}"] button[data-action="setUp"]`,
    });
    const ready = await carolPage((i) => i.buttons.includes("Turn on") || i.errorCode !== null, 120_000);
    expect(ready.errorCode).toBeNull();
    await carol!.channel.command("testPage", {
      selector: `.identity[data-address="${CAROL}"] button[data-action="protectOn"]`,
      fill: {
        [`.identity[data-address="${CAROL}"] input[name="password"]`]: CAROL_PASSWORD,
        [`.identity[data-address="${CAROL}"] input[name="password-again"]`]: CAROL_PASSWORD,
      },
    });
    const on = await carolPage((i) => i.buttons.includes("Turn off") || i.errorCode !== null, 60_000);
    expect(on.errorCode, on.progress).toBeNull();
    expect(on.certificate).toContain("protected by your password");
    carolBefore = await carol!.channel.command("testAccountState", { address: CAROL });
    expect(carolBefore.signingCertificate).not.toBeNull();
    timings.carolSetUpAndProtect = Date.now() - started;
  }, 180_000);

  it("after a three-year rotation, bob's existing profile refreshes its keys: CBC mail to the new key, opened first, shows, and GCM mail too", async () => {
    Object.assign(older, await mailCbc(firstKey, "rsa-oaep-sha256", "retired"));
    await stopMailsealServer(server);
    const rotated = await startMailsealServer(
      join(data, "server"),
      smtp.url,
      { MAILSEAL_CLOCK_OFFSET: String(ROTATION_OFFSET_MS) },
      serverPort,
    );
    server = rotated;
    // Time passes for the running profile too (its device proofs must match the service's clock).
    await bob!.channel.command("testSetClockOffset", { offsetMs: ROTATION_OFFSET_MS });
    // The new key's certificate as any sender finds it: the service's certificate directory.
    const rotatedCertificate = await waitForRotation(rotated.api, BOB, firstKey.certificate);
    const newKey: ExportedKey = { keyId: "rotated", certificate: rotatedCertificate, status: "current" };
    // Nothing refreshed yet: the profile holds only the first key.
    expect(await bob!.channel.command<ExportedKey[]>("testExportKeys", { address: BOB })).toHaveLength(1);

    // CBC mail to the new key, opened first: NSS lacks the key, so Thunderbird cannot decrypt it;
    // its own "cannot decrypt" page is kept from loading (the Experiment's takeOverCannotDecrypt),
    // the message load completes, and the add-in reads it (NO_KEY), refreshes its keys (into NSS
    // too) and reads it again: decrypted, with no refresh asked for (issue 14, finding 10).
    const cbc = await mailCbc(newKey, "rsa-pkcs1", "new key");
    const first = await open(bob!, cbc.subject);
    timings.openCbcNewKeyWithRefresh = first.ms;
    // In the tab opened first, as a person sees it: not in a second one opened after the refresh.
    expect(first.opens).toBe(1);
    expectDecrypted(first.shown, cbc.text);
    // Hidden until our verdict, and what was under it was never Thunderbird's "cannot decrypt" page.
    expect(first.shown.hiddenUntilChecked).toBe(true);
    expect(String(first.shown.replaced)).not.toMatch(/cannot decrypt/i);
    const keys = await bob!.channel.command<(ExportedKey & { pkcs8?: string })[]>("testExportKeys", { address: BOB });
    const current = keys.find((k) => k.status === "current");
    expect(current?.certificate).toBe(rotatedCertificate);
    expect(current?.pkcs8).toBeDefined();
    expect(keys.find((k) => k.keyId === firstKey.keyId)?.status).toBe("retired");

    // GCM mail to it (which Thunderbird does not try itself) reads with the key now held.
    const gcm = await mailCbc(newKey, "rsa-oaep-sha256", "new key", "aes-256-gcm");
    const second = await open(bob!, gcm.subject);
    timings.openGcmNewKey = second.ms;
    expectDecrypted(second.shown, gcm.text, "aes-256-gcm");
    // A refresh with nothing new changes nothing.
    expect(await bob!.channel.command<boolean>("testRefreshKeys", {})).toBe(false);
  }, 120_000);

  it("after the rotation, carol's protected profile renews its signing certificate and CRL, tells her once; CBC mail to the waiting key shows our banner with the unlock action, and opens once her password brought the key", async () => {
    // Time passes for carol's running profile too; the server rotated her key as well (above).
    await carol!.channel.command("testSetClockOffset", { offsetMs: ROTATION_OFFSET_MS });
    expect(await carol!.channel.command<ExportedKey[]>("testExportKeys", { address: CAROL })).toHaveLength(1);
    // The background refresh (start-up, daily): the new key needs her password, but her signing
    // certificate (expired by now) and the CRL do not wait for it.
    expect(await carol!.channel.command<boolean>("testRefreshKeys", {})).toBe(true);
    const after = await carol!.channel.command<typeof carolBefore>("testAccountState", { address: CAROL });
    expect(after.signingCertificate).not.toBe(carolBefore.signingCertificate);
    expect(after.crlFetchedAt).not.toBe(carolBefore.crlFetchedAt);
    const keys = await carol!.channel.command<(ExportedKey & { pkcs8?: string })[]>("testExportKeys", {
      address: CAROL,
    });
    expect(keys).toHaveLength(2);
    const newKey = keys.find((k) => k.status === "current")!;
    expect(newKey.pkcs8).toBeUndefined();
    // She is told, once per waiting key: a second refresh does not tell her again.
    const notified = () => carol!.channel.events().filter((e) => e.type === "notified");
    const id = `mailseal-key-waits:${CAROL}`;
    await carol!.channel.event((e) => e.type === "notified" && e.id === id, 10_000);
    expect(notified()).toEqual([expect.objectContaining({ id })]);
    expect(String(notified()[0]!.message)).toContain(`A new key for ${CAROL} waits for your password`);
    await carol!.channel.command<boolean>("testRefreshKeys", {});
    // Its event would have come with the refresh's answer: give it a second more.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(notified()).toHaveLength(1);

    // Her click on the notification opens the page, which shows the waiting key and a password field.
    await carol!.channel.command("testClickNotification", { notificationId: id });
    const waiting = await carolPage((i) => i.waiting !== null);
    expect(waiting.waiting).toBe(`A new key for ${CAROL} waits for your password`);
    expect(waiting.buttons).toContain("Bring the key here");
    if (carolScreen !== undefined) {
      // What she sees (README of the add-on, "What a person sees"); painting follows the layout.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const path = join(ARTIFACTS, "10-key-waits-for-password.png");
      await carolScreen.screenshot(path);
      if (process.env.MAILSEAL_UPDATE_SCREENSHOTS === "1") {
        mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
        copyFileSync(path, join(DOCS_SCREENSHOTS, "10-key-waits-for-password.png"));
      }
    }
    const unlock = `.identity[data-address="${CAROL}"] button[data-action="unlock"]`;
    const field = `.identity[data-address="${CAROL}"] input[name="unlock-password"]`;
    // A wrong password: plain words, the key still waits.
    await carol!.channel.command("testPage", { selector: unlock, fill: { [field]: "not her password" } });
    const wrong = await carolPage((i) => i.errorCode !== null);
    expect(wrong.errorCode).toBe("PASSWORD_WRONG");
    expect(wrong.progress).toBe("That password is not right. Please try again. (PASSWORD_WRONG)");

    // CBC mail to the key that waits, opened before the password is given: NSS lacks the key, and
    // no key of hers opens it (NO_KEY); the add-in's banner takes the message's place, saying the
    // key waits for the password, with the unlock action (issue 14, finding 10).
    const cbc = await mailCbc(newKey, "rsa-pkcs1", "carol new key", "aes-256-cbc", CAROL);
    const { messageId } = await carol!.channel.command<{ messageId: number }>(
      "testOpenMessage",
      { address: CAROL, subject: cbc.subject, once: true },
      40_000,
    );
    const banner = await carol!.channel.event((e) => e.type === "keyWaiting" && e.messageId === messageId, 30_000);
    expect(banner.headline).toBe(`A new key for ${CAROL} waits for your password`);
    const tabId = Number(banner.tabId);
    // As laid out in the message pane: the banner and its button; Thunderbird's page out of the layout.
    const pane = await carol!.channel.command<{
      keyWaiting: { text: string; button: string; colour: string } | null;
      messagePaneLaidOut: boolean;
    }>("testMessagePane", { tabId });
    expect(pane.keyWaiting?.text).toContain(`A new key for ${CAROL} waits for your password`);
    expect(pane.keyWaiting?.button).toBe("Enter the password");
    expect(pane.keyWaiting?.colour).toBe("rgb(254, 247, 224)");
    expect(pane.messagePaneLaidOut).toBe(false);
    if (carolScreen !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const path = join(ARTIFACTS, "11-message-waits-for-password.png");
      await carolScreen.screenshot(path);
      if (process.env.MAILSEAL_UPDATE_SCREENSHOTS === "1") {
        copyFileSync(path, join(DOCS_SCREENSHOTS, "11-message-waits-for-password.png"));
      }
    }
    // Her click on the banner's button brings the page with the password field.
    await carol!.channel.command("testClickKeyWaiting", { tabId });
    await carolPage((i) => i.waiting !== null);

    // What the display script showed under the banner before the password (NO_KEY) is not the answer.
    const before = new Set(carol!.channel.events().filter((e) => e.type === "displayed"));
    // The right password brings the key here, and into NSS: the message opens in its tab.
    await carol!.channel.command("testPage", { selector: unlock, fill: { [field]: CAROL_PASSWORD } });
    const done = await carolPage((i) => i.waiting === null && i.buttons.includes("Turn off"));
    expect(done.errorCode).toBeNull();
    const held = await carol!.channel.command<(ExportedKey & { pkcs8?: string })[]>("testExportKeys", {
      address: CAROL,
    });
    expect(held.find((k) => k.keyId === newKey.keyId)?.pkcs8).toBeDefined();
    const shown = await carol!.channel.event(
      (e) => e.type === "displayed" && e.messageId === messageId && !before.has(e),
      30_000,
    );
    expectDecrypted(shown, cbc.text);
    const paneAfter = await carol!.channel.command<{ keyWaiting: unknown; messagePaneLaidOut: boolean }>(
      "testMessagePane",
      { tabId },
    );
    expect(paneAfter.keyWaiting).toBeNull();
    expect(paneAfter.messagePaneLaidOut).toBe(true);
    // Another CBC message to the new key opens at once.
    const next = await mailCbc(newKey, "rsa-pkcs1", "carol new key again", "aes-256-cbc", CAROL);
    expectDecrypted((await open(carol!, next.subject, CAROL)).shown, next.text);
  }, 180_000);

  it("after a three-year rotation, a new device of bob shows CBC mail to the retired key", async () => {
    await bob!.quit();
    bob = undefined;
    const started = Date.now();
    bob2 = await profile(server!.api, { "extensions.mailseal.test.clockOffset": String(ROTATION_OFFSET_MS) });
    await bob2.channel.command("testSetUp", { address: BOB }, 120_000);
    timings.newDeviceAfterRotation = Date.now() - started;
    const keys = await bob2.channel.command<ExportedKey[]>("testExportKeys", { address: BOB });
    expect(keys.find((k) => k.status === "retired")?.keyId).toBe(firstKey.keyId);
    expect(keys.find((k) => k.status === "current")?.keyId).not.toBe(firstKey.keyId);
    for (const mail of [toRetired, older]) {
      const { shown, ms } = await open(bob2, mail.subject);
      timings[`openRetired${mail === older ? "Oaep" : "Pkcs1"}`] = ms;
      expectDecrypted(shown, mail.text);
    }
  }, 240_000);
});
