// Across clients (issue 13): alice in the Outlook add-in's Send securely pane (headless Chromium on
// the Office.js host DOUBLE and the Microsoft Graph DOUBLE: no real Outlook or Graph runs here) sends
// bob a signed and encrypted message with 2 MiB attached and an inline image in its HTML body; bob's
// real headless Thunderbird, with the mailseal add-in, shows it decrypted and signed by alice, the
// image in place, and openssl cms, NSS's cmsutil and gpgsm read the message Graph received; bob
// replies to it from Thunderbird (In-Reply-To and References name alice's message); alice's read
// pane shows the answer decrypted and signed by bob. One real Dovecot holds both mailboxes: the
// Graph double delivers into it (IMAP APPEND), Thunderbird reads it over IMAP, and the test SMTP
// server delivers bob's mail and the challenge mails into it. Alice is set up by shared's provision()
// with the add-in's Graph challenge mailbox finding her challenge mail through the Graph double; bob by
// the Thunderbird add-in's own setup.
import { provision, systemClock, type DeviceState, type StateStore } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealPng } from "../../addin-outlook/manifest/icons.js";
import { GraphChallengeMailbox } from "../../addin-outlook/src/graph/challenge-mailbox.js";
import { GraphClient } from "../../addin-outlook/src/graph/graph-client.js";
import { startGraphDouble, type GraphDouble } from "../../addin-outlook/test/graph-double.js";
import type { OfficeDouble } from "../../addin-outlook/test/office-double.js";
import { startPaneBrowser, type PaneBrowser } from "../../addin-outlook/test/pane-browser.js";
import { opensslReads, peersRead, type PeerReader } from "../../addin-outlook/test/peer-readers.js";
import { ensureBundle } from "../../cli/test/support.js";
import type { TestSmtp } from "../support/smtp.js";
import type { TestDovecot } from "./harness/dovecot.js";
import type { MailsealServer } from "./harness/mailseal-server.js";
import { imapPassword, startProfile, startServices, stopSuite, thunderbirdSuiteCanRun } from "./harness/suite.js";
import type { TestThunderbird } from "./harness/thunderbird.js";

const installed = thunderbirdSuiteCanRun("the Outlook-to-Thunderbird suite");

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const PASSWORDS = { alice: imapPassword("alice"), bob: imapPassword("bob") };
const ALICE_TOKEN = "token-alice";
const ATTACHMENT = 2 * 1024 * 1024;

/** A StateStore in memory: alice's device as a page's account store would keep it. */
function memoryStore(): StateStore {
  const states = new Map<string, DeviceState>();
  const keys = new Map<string, CryptoKeyPair>();
  return {
    keepsCryptoKeys: true,
    list: async () => [...states.keys()],
    load: async (address) => structuredClone(states.get(address)),
    save: async (state) => void states.set(state.address, structuredClone(state)),
    loadDeviceKey: async (address) => keys.get(address),
    saveDeviceKey: async (address, key) => void keys.set(address, key),
  };
}

describe.skipIf(!installed)("Outlook (the Send securely pane) to Thunderbird and back", () => {
  let data: string;
  let dovecot: TestDovecot;
  let smtp: TestSmtp;
  let server: MailsealServer | undefined;
  let graph: GraphDouble;
  let panes: PaneBrowser;
  let bob: TestThunderbird | undefined;
  let alice: DeviceState;
  /** Alice's message as bob's Thunderbird shows it (its id there), and its Message-ID. */
  let sent: { messageId: number; header: string } | undefined;
  const subject = `outlook to thunderbird ${crypto.randomUUID().slice(0, 8)}`;
  const marker = `Quarterly plan ${crypto.randomUUID()}`;

  beforeAll(async () => {
    ensureBundle();
    ({ data, dovecot, smtp, server } = await startServices("outlook-tb", ["alice", "bob"]));
    graph = await startGraphDouble(
      [
        { address: ALICE, token: ALICE_TOKEN, password: PASSWORDS.alice },
        { address: BOB, token: "token-bob", password: PASSWORDS.bob },
      ],
      { dovecot },
    );
    bob = await startProfile({ dovecot, smtp }, "bob", BOB, server.api);
    panes = await startPaneBrowser({ config: { service: server.api, graph: graph.base } });
  }, 240_000);

  afterAll(
    () =>
      stopSuite({
        thunderbirds: [bob],
        others: async () => {
          await panes?.close();
          await graph?.stop();
        },
        server,
        smtp,
        dovecot,
        data,
      }),
    60_000,
  );

  it("sets alice up through her mailbox over Graph, and bob in Thunderbird", async () => {
    const mailbox = new GraphChallengeMailbox(
      new GraphClient({ base: graph.base, token: () => Promise.resolve(ALICE_TOKEN) }),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const host = {
      fetch: (input: string, init: RequestInit) => fetch(input, init),
      clock: systemClock(0),
      store: memoryStore(),
    };
    const [state] = await Promise.all([
      provision(host, { address: ALICE, deviceName: "alice-outlook", server: server!.api, mailbox }),
      bob!.channel.command("testSetUp", { address: BOB }, 120_000),
    ]);
    alice = state;
    expect(alice.signing).toBeDefined();
    expect(alice.keys.filter((k) => k.status === "current" && k.pkcs8 !== undefined)).toHaveLength(1);
    // The used challenge mail went to Deleted Items (the mailbox's consumed()).
    expect(
      (await graph.mailbox(ALICE, "Deleted Items")).some((m) => m.toString("latin1").includes("Mailseal-Challenge")),
    ).toBe(true);
  }, 180_000);

  it("alice sends from the pane with 2 MiB attached and an inline image; bob's Thunderbird shows it decrypted, signed by alice, the image in place", async () => {
    const bytes = Buffer.alloc(ATTACHMENT);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 11)) & 0xff;
    const image = sealPng(32);
    const inbox = (await graph.mailbox(BOB)).length;
    const { page, log } = await panes.open(
      "compose",
      {
        item: {
          itemId: "draft-1",
          itemClass: "IPM.Note",
          subject,
          compose: {
            to: [{ emailAddress: BOB, displayName: "Bob Example" }],
            cc: [],
            bcc: [],
            html: `<p>Hello Bob,</p><p>${marker}</p><img src="cid:seal@outlook.test" alt="seal">`,
            attachments: [
              {
                id: "seal",
                name: "seal.png",
                attachmentType: "file",
                contentType: "image/png",
                size: image.length,
                isInline: true,
                contentId: "seal@outlook.test",
                content: { format: "base64", content: image.toString("base64") },
              },
              {
                id: "plan",
                name: "plan.bin",
                attachmentType: "file",
                contentType: "application/octet-stream",
                size: bytes.length,
                isInline: false,
                content: { format: "base64", content: bytes.toString("base64") },
              },
            ],
          },
        },
        userProfile: { emailAddress: ALICE, displayName: "Alice Example" },
      },
      [alice],
      ALICE_TOKEN,
    );
    try {
      const state = (s: string[]) =>
        page.waitForFunction((want) => want.includes(document.body.dataset.state ?? ""), s, { timeout: 120_000 });
      await state(["ready", "failed"]);
      expect(await page.evaluate(() => document.body.dataset.state), log.join("\n")).toBe("ready");
      expect(await page.isChecked("#encrypt")).toBe(true);
      await page.click("#send");
      await state(["sent", "failed"]);
      const headline = await page.evaluate(() => document.getElementById("headline")!.textContent);
      expect(await page.evaluate(() => document.body.dataset.state), headline ?? "").toBe("sent");
      // 2 MiB attached, base64 twice over: above sendMail's 3 MiB, so the upload session took it.
      expect(await page.evaluate(() => document.body.dataset.path)).toBe("uploadSession");
      expect(
        await page.evaluate(() => (globalThis as unknown as { __officeDouble: OfficeDouble }).__officeDouble.closed),
      ).toEqual([{ itemId: "draft-1", discard: true }]);
    } finally {
      await page.close();
    }

    const { messageId } = await bob!.channel.command<{ messageId: number }>(
      "testOpenMessage",
      { address: BOB, subject },
      90_000,
    );
    const shown = await bob!.channel.event((e) => e.type === "displayed" && e.messageId === messageId, 90_000);
    expect(shown.banner).toBe("encrypted");
    expect(shown.bannerLevel).toBe("ok");
    expect(String(shown.bannerText)).toContain(`signed by ${ALICE}`);
    expect(String(shown.text)).toContain(marker);
    expect(shown.attachments).toEqual([expect.stringMatching(/^plan\.bin \(2\.\d MB\)$/)]);
    // The inline image (multipart/related, RFC 2387) shown in place, not listed as attached.
    expect(shown.images).toEqual([`data:image/png;base64,${image.toString("base64")}`]);

    // What Graph received (and delivered to bob) is standard S/MIME: openssl, cmsutil and gpgsm each
    // decrypt it with bob's key (as his Thunderbird keeps it) and verify alice's signature to the
    // service's root (bob's and alice's, one service). As bob, its first recipient: gpgsm fails
    // (exit 2) when a RecipientInfo before the one it holds the key for names a certificate it does
    // not know, which with alice's key (her own copy, the second RecipientInfo) it did.
    const delivered = (await graph.mailbox(BOB)).slice(inbox);
    expect(delivered).toHaveLength(1);
    const message = delivered[0]!;
    expect(message.length).toBeGreaterThan(ATTACHMENT);
    const header = message.toString("latin1").split("\r\n\r\n")[0]!;
    sent = { messageId, header };
    const [bobKey] = await bob!.channel.command<{ certificate: string; pkcs8: string; status: string }[]>(
      "testExportKeys",
      { address: BOB },
    );
    expect(bobKey?.status).toBe("current");
    const reader: PeerReader = {
      dir: data,
      address: BOB,
      key: { certificate: bobKey!.certificate, pkcs8: bobKey!.pkcs8 },
      root: alice.root!,
      chain: alice.signing!.chain,
      signer: ALICE,
    };
    const attached = bytes.toString("base64").slice(0, 76);
    const verified = opensslReads(reader, "outlook-2mib", message);
    expect(verified).toContain(marker);
    expect(verified).toContain(attached);
    const peers = await peersRead(reader, message);
    for (const inner of [peers.nss, peers.gpgsm]) {
      expect(inner).toContain(marker);
      expect(inner).toContain(attached);
    }
  }, 300_000);

  it("bob replies from Thunderbird, in alice's thread; alice's read pane shows it decrypted and signed by bob", async () => {
    expect(sent).toBeDefined();
    const answer = `Thanks, Alice ${crypto.randomUUID()}`;
    const inbox = (await graph.mailbox(ALICE)).length;
    // Thunderbird's own reply to alice's message (recipient and subject its own), sent by the add-in.
    const result = await bob!.channel.command<{ security: { sign: boolean; encrypt: boolean } }>(
      "testComposeAndSend",
      { replyTo: sent!.messageId, body: `${answer}\n` },
      120_000,
    );
    expect(result.security).toMatchObject({ sign: true, encrypt: true });
    let received: Buffer | undefined;
    for (let i = 0; i < 100 && received === undefined; i++) {
      received = (await graph.mailbox(ALICE)).slice(inbox).find((m) => m.toString("latin1").includes(`Re: ${subject}`));
      if (received === undefined) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(received).toBeDefined();
    // The thread, as alice's mailbox holds it (RFC 5322 3.6.4): In-Reply-To names alice's message,
    // References ends with it.
    const parentId = /^Message-ID: *(<[^>]+>)/im.exec(sent!.header)?.[1];
    expect(parentId, sent!.header).toBeDefined();
    const replyHeader = received!
      .toString("latin1")
      .split("\r\n\r\n")[0]!
      .replace(/\r\n[ \t]+/g, " ");
    expect(/^In-Reply-To: *(.*)$/im.exec(replyHeader)?.[1]?.trim(), replyHeader).toBe(parentId);
    expect(/^References: *(.*)$/im.exec(replyHeader)?.[1]?.trim().split(/\s+/).at(-1), replyHeader).toBe(parentId);
    const { page, log } = await panes.open(
      "read",
      {
        item: {
          itemId: "answer",
          itemClass: "IPM.Note.SMIME",
          subject: `Re: ${subject}`,
          eml: received!.toString("base64"),
        },
      },
      [alice],
      ALICE_TOKEN,
      { viewport: { width: 520, height: 640 } },
    );
    try {
      await page.waitForFunction(() => document.body.dataset.shown === "answer", undefined, { timeout: 60_000 });
      const headline = await page.evaluate(() => document.getElementById("headline")!.textContent);
      expect(headline, log.join("\n")).toBe(`Encrypted, and signed by ${BOB}.`);
      // The sanitized content's frame (srcdoc): read once it has loaded.
      await expect
        .poll(() => page.frameLocator("#content").locator("body").innerText(), { timeout: 30_000 })
        .toContain(answer);
    } finally {
      await page.close();
    }
  }, 240_000);
});
