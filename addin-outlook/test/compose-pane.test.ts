// The "Send securely" pane (src/compose/) in headless Chromium against the Office.js host DOUBLE
// (test/office-double.ts: not Outlook) and the Graph DOUBLE (test/graph-double.ts: not Graph), with
// the real mailseal services (`mailseal server`, accounts set up by the `mailseal` command) and a real
// Dovecot behind the Graph double. Alice writes to Bob: the pane finds Bob's certificate in CerDB,
// the engine in its worker seals the message, Graph receives it, Bob's mailbox holds it, and
// openssl, NSS's cmsutil and gpgsm read it. Then the large path, throttling, a failing Graph, a
// recipient without a certificate, and the read pane's $value fallback for an S/MIME item whose
// getAsFileAsync fails. The panes get Graph tokens from a GRAPH TOKEN SOURCE DOUBLE given at their
// page's entry (test/browser/*-page-entry.ts) in place of nested app authentication; the pages as
// built, with no nested app authentication here, have no Graph access and say so.
import { plainWordsOf, type DeviceState, type ErrorCode } from "@mailseal/shared";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseAll } from "../../test/interop/peers/run.js";
import { pem, plainMessage, recipientKinds, ServerSuite } from "../../test/services/e2e-support.js";
import { sealPng } from "../manifest/icons.js";
import { COMPOSE_WORDS } from "../src/compose/words.js";
import { startGraphDouble, type GraphDouble } from "./graph-double.js";
import type { DoubleCompose, DoubleItem, DoubleOptions, OfficeDouble } from "./office-double.js";
import { startPaneBrowser, type PaneBrowser } from "./pane-browser.js";
import {
  opensslReads as readWithOpenssl,
  peersRead as readWithPeers,
  readerOf,
  type PeerReader,
} from "./peer-readers.js";
import { keepScreenshot } from "./screenshot.js";

const README_SCREENSHOT = join(import.meta.dirname, "../docs/compose-pane.png");
const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const CAROL = "carol@example.test";
const TOKENS: Record<string, string> = { [ALICE]: "token-alice", [BOB]: "token-bob", [CAROL]: "token-carol" };

const suite = new ServerSuite("outlook-compose");
let graph: GraphDouble;
let panes: PaneBrowser;
let alice: DeviceState;
let bob: DeviceState;

function stateOf(device: string, address: string): DeviceState {
  const file = join(suite.devices.home(device), "accounts", `${encodeURIComponent(address)}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as DeviceState;
}

beforeAll(async () => {
  await suite.devices.provision(ALICE, "alice-outlook");
  await suite.devices.provision(BOB, "bob-outlook");
  alice = stateOf("alice-outlook", ALICE);
  bob = stateOf("bob-outlook", BOB);
  graph = await startGraphDouble([ALICE, BOB, CAROL].map((address) => ({ address, token: TOKENS[address]! })));
  // The service in config.json is only the setup's: the panes here have their accounts.
  panes = await startPaneBrowser({ config: { service: "http://127.0.0.1:9", graph: graph.base } });
}, 240_000);

afterAll(async () => {
  releaseAll();
  await panes?.close();
  await graph?.stop();
});

/** A pane (compose or read) on the Office double, with accounts, its Graph tokens those of `user` (the token source double). */
function openPane(
  page: "compose" | "read",
  options: DoubleOptions,
  accounts: DeviceState[],
  user: string,
): Promise<{ page: Page; log: string[] }> {
  return panes.open(page, options, accounts, TOKENS[user]!);
}

function scopesAsked(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __graphScopesAsked: string[] }).__graphScopesAsked);
}

const recipient = (address: string, displayName: string) => ({ emailAddress: address, displayName });

function draft(id: string, compose: Partial<DoubleCompose> & { subject?: string }): DoubleItem {
  const { subject = `Plan ${id}`, ...fields } = compose;
  return {
    itemId: id,
    itemClass: "IPM.Note",
    subject,
    compose: { to: [], cc: [], bcc: [], html: "<p>Hello</p>", attachments: [], ...fields },
  };
}

async function settled(page: Page, states: string[]): Promise<string> {
  await page.waitForFunction((s) => s.includes(document.body.dataset.state ?? ""), states, { timeout: 120_000 });
  return page.evaluate(() => document.body.dataset.state!);
}

async function paneView(page: Page) {
  return page.evaluate(() => ({
    level: document.getElementById("status")!.dataset.level,
    headline: document.getElementById("headline")!.textContent,
    details: document.getElementById("details-text")!.textContent,
    encrypt: (document.getElementById("encrypt") as HTMLInputElement).checked,
    sign: (document.getElementById("sign") as HTMLInputElement).checked,
    why: document.getElementById("why")!.hidden ? "" : document.getElementById("why")!.textContent,
    send: !(document.getElementById("send") as HTMLButtonElement).disabled,
    recipients: Array.from(document.querySelectorAll("#recipients li")).map(
      (li) => `${(li as HTMLElement).dataset.certificate} ${li.querySelector(".who")!.textContent}`,
    ),
  }));
}

function closedDrafts(page: Page): Promise<OfficeDouble["closed"]> {
  return page.evaluate(() => (globalThis as unknown as { __officeDouble: OfficeDouble }).__officeDouble.closed);
}

const file = (name: string, data: string | Buffer) => {
  const path = join(suite.tmp.dir, name);
  writeFileSync(path, data);
  return path;
};

/** openssl, cmsutil and gpgsm read as Bob (his key from his home), Alice the signer. */
const asBob = (): PeerReader => readerOf(bob, suite.tmp.dir, ALICE);
const opensslReads = (name: string, message: Buffer) => readWithOpenssl(asBob(), name, message);
const peersRead = (message: Buffer) => readWithPeers(asBob(), message);

/**
 * Presses Send with Graph failing as set up: the pane says `code` in plain words (`details` after
 * it), Graph saw `statuses`, Bob's mailbox did not change, the draft stays and Send can be pressed
 * again.
 */
async function sendFails(page: Page, code: ErrorCode, details: RegExp, statuses: number[]): Promise<void> {
  const inbox = (await graph.mailbox(BOB)).length;
  const before = graph.requests.length;
  await page.click("#send");
  expect(await settled(page, ["sent", "failed"])).toBe("failed");
  const view = await paneView(page);
  expect(view.level).toBe("error");
  expect(view.headline).toBe(`${COMPOSE_WORDS.notSent} ${plainWordsOf(code)}`);
  expect(view.details).toMatch(details);
  expect(view.send).toBe(true);
  expect(graph.requests.slice(before).map((r) => r.status)).toEqual(statuses);
  expect(await graph.mailbox(BOB)).toHaveLength(inbox);
  expect(await closedDrafts(page)).toEqual([]);
}

describe("the Send securely pane in headless Chromium, on the Office and Graph doubles, with the real services", () => {
  it("finds Bob's certificate, seals in the engine's worker, sends through Graph, discards the draft; openssl, cmsutil and gpgsm read Bob's copy", async () => {
    const report = Buffer.from("Quarterly figures\n".repeat(100));
    const item = draft("d1", {
      subject: "Quarterly plan",
      to: [recipient(BOB, "Bob")],
      html: "<p>The <b>plan</b> is attached.</p>",
      attachments: [
        {
          id: "a1",
          name: "figures.txt",
          attachmentType: "file",
          contentType: "text/plain",
          size: report.length,
          isInline: false,
          content: { format: "base64", content: report.toString("base64") },
        },
      ],
      internetHeaders: { "In-Reply-To": "<earlier@example.test>", References: "<earlier@example.test>" },
    });
    const { page, log } = await openPane(
      "compose",
      { item, userProfile: { emailAddress: ALICE, displayName: "Alice" } },
      [alice],
      ALICE,
    );
    try {
      expect(await settled(page, ["ready", "failed"]), log.join("\n")).toBe("ready");
      expect(await paneView(page)).toMatchObject({
        encrypt: true,
        sign: true,
        send: true,
        why: "",
        recipients: [`yes Bob <${BOB}>`],
        headline: COMPOSE_WORDS.readyEncrypted,
      });
      // The defaults are saved with the item, so Outlook's own Send is stopped by the send gate.
      const saved = await page.evaluate(() =>
        (globalThis as unknown as { __officeDouble: OfficeDouble }).__officeDouble.saved.get("d1"),
      );
      expect(saved).toEqual({ mailsealEncrypt: true, mailsealSign: true });
      await page.waitForTimeout(300);
      keepScreenshot(await page.screenshot({ fullPage: true }), README_SCREENSHOT);

      const before = graph.requests.length;
      const inbox = (await graph.mailbox(BOB)).length;
      await page.click("#send");
      expect(await settled(page, ["sent", "failed"]), JSON.stringify(await paneView(page))).toBe("sent");
      expect(await paneView(page)).toMatchObject({ level: "ok", headline: COMPOSE_WORDS.sentEncrypted });
      expect(await page.evaluate(() => document.body.dataset.path)).toBe("sendMail");
      expect(await closedDrafts(page)).toEqual([{ itemId: "d1", discard: true }]);
      // The token asked for Mail.Send only, and Graph took it.
      expect(graph.requests.slice(before).map((r) => `${r.route} ${r.user} [${r.scopes}] ${r.status}`)).toEqual([
        `POST /me/sendMail ${ALICE} [Mail.Send] 202`,
      ]);
      expect(await scopesAsked(page)).toEqual(["Mail.Send"]);

      const delivered = (await graph.mailbox(BOB)).slice(inbox);
      expect(delivered).toHaveLength(1);
      const message = delivered[0]!;
      const header = message.toString("latin1").split("\r\n\r\n")[0]!;
      expect(header).toMatch(/^Content-Type: application\/pkcs7-mime; smime-type=enveloped-data/m);
      expect(header).toMatch(/^In-Reply-To: <earlier@example\.test>$/m);
      expect(header).toMatch(/^Subject: Quarterly plan$/m);
      expect(message.toString("latin1")).not.toContain("Quarterly figures");
      const verified = opensslReads("d1", message);
      expect(verified).toContain("The <b>plan</b> is attached.");
      expect(verified).toContain(report.toString("base64").slice(0, 60));
      const peers = await peersRead(message);
      expect(peers.nss).toContain("The <b>plan</b> is attached.");
      expect(peers.gpgsm).toContain("The <b>plan</b> is attached.");
      // The sent copy: in Alice's Sent Items, encrypted to her own key too.
      expect((await graph.mailbox(ALICE, "Sent Items")).at(-1)!.equals(message)).toBe(true);
      expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("a recipient who opted into post-quantum: the pane seals the hybrid (an RSA and an ML-KEM recipient for him), and his device reads it", async () => {
    const DAVE = "dave@example.test";
    await suite.devices.provision(DAVE, "dave-laptop");
    const optIn = await suite.devices.run("dave-laptop", ["keys", "pq", "on"]);
    expect(optIn.status, optIn.stderr.toString()).toBe(0);
    const item = draft("pq1", {
      subject: "Hybrid",
      to: [recipient(DAVE, "Dave")],
      html: "<p>Sealed for later, too.</p>",
    });
    const { page, log } = await openPane(
      "compose",
      { item, userProfile: { emailAddress: ALICE, displayName: "Alice" } },
      [alice],
      ALICE,
    );
    try {
      expect(await settled(page, ["ready", "failed"]), log.join("\n")).toBe("ready");
      const sentBefore = (await graph.mailbox(ALICE, "Sent Items")).length;
      await page.click("#send");
      expect(await settled(page, ["sent", "failed"]), JSON.stringify(await paneView(page))).toBe("sent");
      // The sent copy is the message Graph sent (the first test checks that they are the same bytes).
      const sentItems = await graph.mailbox(ALICE, "Sent Items");
      expect(sentItems).toHaveLength(sentBefore + 1);
      const message = sentItems.at(-1);
      // Dave: an RSA and an ML-KEM recipient; Alice's own copy: RSA (she did not opt in).
      expect(recipientKinds(message!.toString("latin1"))).toEqual([1, 1, 5]);
      const read = await suite.devices.read("dave-laptop", message!.toString("latin1"));
      expect(read.stderr.toString()).toBe(`mailseal: encrypted (aes-256-cbc); signed by ${ALICE}\n`);
      expect(read.stdout.toString()).toContain("Sealed for later, too.");
    } finally {
      await page.close();
    }
  });

  it("an HTML body with an inline image goes as multipart/related inside the sealed body; Bob's read pane shows the image in place", async () => {
    const image = sealPng(40);
    const cid = "image001.png@01DB4A2C.5E6F7080";
    const item = draft("d10", {
      subject: "With our seal",
      to: [recipient(BOB, "Bob")],
      html: `<p>Our seal:</p><img src="cid:${cid}" alt="seal"><p>Regards</p>`,
      attachments: [
        {
          id: "img",
          name: "image001.png",
          attachmentType: "file",
          contentType: "image/png",
          size: image.length,
          isInline: true,
          contentId: cid,
          content: { format: "base64", content: image.toString("base64") },
        },
        {
          id: "notes",
          name: "notes.txt",
          attachmentType: "file",
          contentType: "text/plain",
          size: 6,
          isInline: false,
          content: { format: "base64", content: Buffer.from("notes\n").toString("base64") },
        },
      ],
    });
    const { page, log } = await openPane(
      "compose",
      { item, userProfile: { emailAddress: ALICE, displayName: "Alice" } },
      [alice],
      ALICE,
    );
    let delivered: Buffer;
    try {
      expect(await settled(page, ["ready", "failed"]), log.join("\n")).toBe("ready");
      // The image is part of the body: only notes.txt is listed as attached.
      expect(await page.locator("#attachments li").allInnerTexts()).toEqual(["notes.txt (6 B)"]);
      const inbox = (await graph.mailbox(BOB)).length;
      await page.click("#send");
      expect(await settled(page, ["sent", "failed"]), JSON.stringify(await paneView(page))).toBe("sent");
      [delivered] = (await graph.mailbox(BOB)).slice(inbox) as [Buffer];
      expect(delivered).toBeDefined();
    } finally {
      await page.close();
    }
    // Inside the encryption and the signature: the HTML and the image as one multipart/related
    // (RFC 2387), the image with its Content-ID; the file after it in the multipart/mixed.
    const inner = opensslReads("d10", delivered).replace(/\r\n/g, "\n");
    expect(inner).toMatch(/^Content-Type: multipart\/mixed;/m);
    expect(inner).toMatch(/^Content-Type: multipart\/related; type="text\/html";/m);
    expect(inner).toContain(`Content-ID: <${cid}>\nContent-Disposition: inline; filename="image001.png"`);
    expect(inner).toMatch(/Content-Disposition: attachment; filename="notes.txt"/);
    expect(inner.indexOf("multipart/related")).toBeLessThan(inner.indexOf("notes.txt"));

    // Bob's read pane: the image shown in place, only notes.txt in the attachment list.
    const read = await panes.open(
      "read",
      {
        item: {
          itemId: "d10-read",
          itemClass: "IPM.Note.SMIME",
          subject: "With our seal",
          eml: delivered.toString("base64"),
        },
      },
      [bob],
      TOKENS[BOB],
      { viewport: { width: 520, height: 640 } },
    );
    try {
      await read.page.waitForFunction(() => document.body.dataset.shown === "d10-read", undefined, { timeout: 60_000 });
      expect(await read.page.textContent("#headline"), read.log.join("\n")).toBe(`Encrypted, and signed by ${ALICE}.`);
      expect(await read.page.locator("#attachments li").allInnerTexts()).toEqual(["notes.txt (text/plain, 6 B)"]);
      const images = read.page.frameLocator("#content").locator("img");
      await expect
        .poll(
          () =>
            images.evaluateAll((all) =>
              all.map((i) => [(i as HTMLImageElement).src, (i as HTMLImageElement).naturalWidth]),
            ),
          {
            timeout: 30_000,
          },
        )
        .toEqual([[`data:image/png;base64,${image.toString("base64")}`, 40]]);
    } finally {
      await read.page.close();
    }
  });

  it("a 5 MiB attachment of a reply goes up through an upload session; Bob's copy decrypts and keeps the thread", async () => {
    const big = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 0xff;
    const item = draft("d2", {
      to: [recipient(BOB, "Bob")],
      attachments: [
        {
          id: "big",
          name: "scan.bin",
          attachmentType: "file",
          contentType: "application/octet-stream",
          size: big.length,
          isInline: false,
          content: { format: "base64", content: big.toString("base64") },
        },
      ],
      internetHeaders: {
        "In-Reply-To": "<question@example.test>",
        References: "<start@example.test> <question@example.test>",
      },
    });
    const { page } = await openPane(
      "compose",
      { item, userProfile: { emailAddress: ALICE, displayName: "Alice" } },
      [alice],
      ALICE,
    );
    try {
      expect(await settled(page, ["ready", "failed"])).toBe("ready");
      const before = graph.requests.length;
      const inbox = (await graph.mailbox(BOB)).length;
      await page.click("#send");
      expect(await settled(page, ["sent", "failed"]), JSON.stringify(await paneView(page))).toBe("sent");
      expect(await page.evaluate(() => document.body.dataset.path)).toBe("uploadSession");
      const routes = graph.requests.slice(before).map((r) => r.route);
      expect(routes[0]).toBe("POST /me/messages");
      expect(routes.filter((r) => r === "PUT upload").length).toBeGreaterThan(2);
      expect(routes.at(-1)).toBe("POST send");
      // Mail.ReadWrite for the draft and its upload session, Mail.Send to send it.
      expect(
        graph.requests
          .slice(before)
          .filter((r) => r.route !== "PUT upload")
          .map((r) => `${r.route} [${r.scopes}] ${r.status}`),
      ).toEqual([
        "POST /me/messages [Mail.ReadWrite] 201",
        "POST createUploadSession [Mail.ReadWrite] 200",
        "POST send [Mail.Send] 202",
      ]);
      const delivered = (await graph.mailbox(BOB)).slice(inbox);
      expect(delivered).toHaveLength(1);
      // The reply's threading fields, as on the sendMail path (RFC 5322 3.6.4).
      const header = delivered[0]!
        .toString("latin1")
        .split("\r\n\r\n")[0]!
        .replace(/\r\n[ \t]+/g, " ");
      expect(header).toMatch(/^In-Reply-To: <question@example\.test>$/m);
      expect(header).toMatch(/^References: <start@example\.test> <question@example\.test>$/m);
      const verified = opensslReads("d2", delivered[0]!);
      expect(verified).toContain(big.toString("base64").slice(0, 76));
      expect(await closedDrafts(page)).toEqual([{ itemId: "d2", discard: true }]);
    } finally {
      await page.close();
    }
  });

  it("waits out a 429 and sends; a failing Graph leaves the draft, sends nothing and says so", async () => {
    const { page } = await openPane(
      "compose",
      {
        item: draft("d3", { to: [recipient(BOB, "Bob")] }),
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [alice],
      ALICE,
    );
    try {
      expect(await settled(page, ["ready", "failed"])).toBe("ready");
      graph.failures.push({ route: "POST /me/sendMail", status: 500, times: Infinity });
      const inbox = (await graph.mailbox(BOB)).length;
      await sendFails(page, "MAIL_SERVICE_FAILED", /^MAIL_SERVICE_FAILED: POST \/me\/sendMail: 500/, [500]);

      // Throttled once, then taken: sent after the Retry-After.
      graph.failures.splice(0);
      graph.failures.push({ route: "POST /me/sendMail", status: 429, retryAfter: "1", times: 1 });
      const before = graph.requests.length;
      await page.click("#send");
      expect(await settled(page, ["sent", "failed"]), JSON.stringify(await paneView(page))).toBe("sent");
      expect(graph.requests.slice(before).map((r) => r.status)).toEqual([429, 202]);
      expect(await graph.mailbox(BOB)).toHaveLength(inbox + 1);
      expect(await closedDrafts(page)).toEqual([{ itemId: "d3", discard: true }]);
    } finally {
      graph.failures.splice(0);
      await page.close();
    }
  });

  it("throttling that never clears (MAIL_SERVICE_BUSY after the bounded waits) and a message Graph finds too large (MESSAGE_TOO_LARGE): plain words, nothing sent, the draft kept", async () => {
    const { page } = await openPane(
      "compose",
      {
        item: draft("d11", { to: [recipient(BOB, "Bob")] }),
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [alice],
      ALICE,
    );
    try {
      expect(await settled(page, ["ready", "failed"])).toBe("ready");
      const sent = (await graph.mailbox(ALICE, "Sent Items")).length;
      // 429 with Retry-After on every try: waited out three times (a second each), then given up.
      graph.failures.push({ route: "POST /me/sendMail", status: 429, retryAfter: "1", times: Infinity });
      await sendFails(
        page,
        "MAIL_SERVICE_BUSY",
        /^MAIL_SERVICE_BUSY: POST \/me\/sendMail: 429 after 4 tries/,
        [429, 429, 429, 429],
      );

      // Graph refuses the message as too large (413): said as such, not tried again.
      graph.failures.splice(0);
      graph.failures.push({ route: "POST /me/sendMail", status: 413, times: Infinity });
      await sendFails(page, "MESSAGE_TOO_LARGE", /^MESSAGE_TOO_LARGE: POST \/me\/sendMail: 413/, [413]);
      expect(await graph.mailbox(ALICE, "Sent Items")).toHaveLength(sent);
    } finally {
      graph.failures.splice(0);
      await page.close();
    }
  });

  it("an attachment Outlook does not hand over, or a link to a cloud file: plain words, nothing sent, the draft kept", async () => {
    const failing = {
      id: "f",
      name: "budget.xlsx",
      attachmentType: "file" as const,
      size: 10,
      isInline: false,
      content: { format: "base64" as const, content: "" },
      failContent: true,
    };
    const { page } = await openPane(
      "compose",
      {
        item: draft("d6", { to: [recipient(BOB, "Bob")], attachments: [failing] }),
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [alice],
      ALICE,
    );
    try {
      expect(await settled(page, ["ready", "failed"])).toBe("ready");
      const before = graph.requests.length;
      await page.click("#send");
      expect(await settled(page, ["sent", "failed"])).toBe("failed");
      const failed = await paneView(page);
      expect(failed.headline).toBe(
        `${COMPOSE_WORDS.notSent} ${COMPOSE_WORDS.itemFailed("the attachment budget.xlsx")}`,
      );
      // The catalogue's code behind the words, for support.
      expect(failed.details).toMatch(/^ITEM_NOT_READ: the attachment budget\.xlsx: /);
      expect(graph.requests.length).toBe(before);
      expect(await closedDrafts(page)).toEqual([]);
    } finally {
      await page.close();
    }
    const cloud = {
      ...failing,
      id: "c",
      name: "plan.docx",
      attachmentType: "cloud" as const,
      failContent: false,
      content: { format: "url" as const, content: "https://files.example/plan.docx" },
    };
    const second = await openPane(
      "compose",
      {
        item: draft("d7", { to: [recipient(BOB, "Bob")], attachments: [cloud] }),
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [alice],
      ALICE,
    );
    try {
      expect(await settled(second.page, ["ready", "failed"])).toBe("ready");
      await second.page.click("#send");
      expect(await settled(second.page, ["sent", "failed"])).toBe("failed");
      const view = await paneView(second.page);
      expect(view.headline).toBe(`${COMPOSE_WORDS.notSent} ${COMPOSE_WORDS.linkAttachment("plan.docx")}`);
      expect(view.details).toBe("ATTACHMENT_IS_LINK: plan.docx is a link to a file, not the file itself");
      expect(await closedDrafts(second.page)).toEqual([]);
    } finally {
      await second.page.close();
    }
  });

  it("a directory that cannot be reached: the pane says so, Encrypt stays off and nothing is saved with the item", async () => {
    // Alice's account with its service somewhere nothing answers (port 9, discard, is closed here).
    const unreachable: DeviceState = { ...alice, service: { ...alice.service, api: "http://127.0.0.1:9" } };
    const { page } = await openPane(
      "compose",
      {
        item: draft("d8", { to: [recipient(BOB, "Bob")] }),
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [unreachable],
      ALICE,
    );
    try {
      expect(await settled(page, ["ready", "failed"])).toBe("ready");
      const view = await paneView(page);
      expect(view).toMatchObject({ level: "warning", encrypt: false, recipients: [`unknown Bob <${BOB}>`] });
      expect(view.headline).toBe(`${COMPOSE_WORDS.lookupFailed} ${plainWordsOf("SERVICE_UNAVAILABLE")}`);
      const saved = await page.evaluate(() =>
        (globalThis as unknown as { __officeDouble: OfficeDouble }).__officeDouble.saved.get("d8"),
      );
      expect(saved).toBeUndefined();
    } finally {
      await page.close();
    }
  });

  it("a recipient without a certificate: Encrypt is off by default, the pane says why, the message goes signed", async () => {
    const { page } = await openPane(
      "compose",
      {
        item: draft("d4", { to: [recipient(BOB, "Bob"), recipient(CAROL, "Carol")] }),
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [alice],
      ALICE,
    );
    try {
      expect(await settled(page, ["ready", "failed"])).toBe("ready");
      expect(await paneView(page)).toMatchObject({
        encrypt: false,
        sign: true,
        send: true,
        why: COMPOSE_WORDS.encryptOffMissing([CAROL]),
        recipients: [`yes Bob <${BOB}>`, `no Carol <${CAROL}>`],
      });
      // Turning Encrypt on cannot send: Carol has no certificate.
      await page.click("#encrypt");
      expect(await paneView(page)).toMatchObject({
        encrypt: true,
        send: false,
        why: COMPOSE_WORDS.encryptBlocked([CAROL]),
      });
      await page.click("#encrypt");
      const inbox = (await graph.mailbox(CAROL)).length;
      await page.click("#send");
      expect(await settled(page, ["sent", "failed"]), JSON.stringify(await paneView(page))).toBe("sent");
      expect(await paneView(page)).toMatchObject({ headline: COMPOSE_WORDS.sentSigned });
      const signed = (await graph.mailbox(CAROL)).slice(inbox);
      expect(signed).toHaveLength(1);
      expect(signed[0]!.toString("latin1")).toMatch(/^Content-Type: multipart\/signed;/m);
      const verified = execFileSync(
        "openssl",
        [
          "cms",
          "-verify",
          "-in",
          file("d4.eml", signed[0]!),
          "-CAfile",
          file("root.crt", pem("CERTIFICATE", Buffer.from(bob.root!, "base64url"))),
        ],
        { encoding: "latin1", stdio: ["ignore", "pipe", "pipe"] },
      );
      expect(verified).toContain("Hello");
    } finally {
      await page.close();
    }
  });

  it("the organisation requires encryption (config.json requireEncryption): Encrypt on and fixed even where the item says off, saved so; a recipient without a certificate blocks the send", async () => {
    // This deployment's config.json, served to these pages only.
    const required = (tab: Page) =>
      tab.route(/\/config\.json$/, (route) =>
        route.fulfill({
          contentType: "application/json",
          body: JSON.stringify({ service: "http://127.0.0.1:9", graph: graph.base, requireEncryption: true }),
        }),
      );
    const encryptBox = (page: Page) =>
      page.evaluate(() => {
        const box = document.getElementById("encrypt") as HTMLInputElement;
        return { checked: box.checked, disabled: box.disabled };
      });
    const saved = (page: Page, id: string) =>
      page.evaluate((i) => (globalThis as unknown as { __officeDouble: OfficeDouble }).__officeDouble.saved.get(i), id);
    // Someone turned Encrypt off with the ribbon button: the policy wins.
    const first = await panes.open(
      "compose",
      {
        item: { ...draft("d12", { to: [recipient(BOB, "Bob")] }), customProperties: { mailsealEncrypt: false } },
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [alice],
      TOKENS[ALICE],
      { before: required },
    );
    try {
      expect(await settled(first.page, ["ready", "failed"]), first.log.join("\n")).toBe("ready");
      expect(await paneView(first.page)).toMatchObject({
        encrypt: true,
        send: true,
        why: COMPOSE_WORDS.required,
        headline: COMPOSE_WORDS.readyEncrypted,
      });
      expect(await encryptBox(first.page)).toEqual({ checked: true, disabled: true });
      expect(await saved(first.page, "d12")).toMatchObject({ mailsealEncrypt: true });
    } finally {
      await first.page.close();
    }
    // Carol has no certificate: the message cannot go encrypted, and may not go otherwise.
    const second = await panes.open(
      "compose",
      {
        item: draft("d13", { to: [recipient(BOB, "Bob"), recipient(CAROL, "Carol")] }),
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [alice],
      TOKENS[ALICE],
      { before: required },
    );
    try {
      expect(await settled(second.page, ["ready", "failed"]), second.log.join("\n")).toBe("ready");
      expect(await paneView(second.page)).toMatchObject({
        encrypt: true,
        send: false,
        why: COMPOSE_WORDS.requiredBlocked([CAROL]),
      });
      expect(await encryptBox(second.page)).toEqual({ checked: true, disabled: true });
    } finally {
      await second.page.close();
    }
  });

  it("the read pane reads an S/MIME item through Graph's $value when getAsFileAsync fails (attachment ids missing)", async () => {
    // Sealed by Alice's `mailseal send`, and in Bob's mailbox as mail arriving.
    const sealed = await suite.devices.send(
      "alice-outlook",
      [BOB],
      plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>`, "Plan d5", "Read through Graph."),
    );
    const id = await graph.deliver(BOB, Buffer.from(sealed, "latin1"));
    const before = graph.requests.length;
    const { page, log } = await openPane(
      "read",
      { item: { itemId: id, itemClass: "IPM.Note.SMIME", subject: "Plan d5", missingAttachmentIds: true } },
      [bob],
      BOB,
    );
    try {
      await page.waitForFunction((i) => document.body.dataset.shown === i, id, { timeout: 60_000 });
      const headline = await page.evaluate(() => document.getElementById("headline")!.textContent);
      expect(headline, log.join("\n")).toBe(`Encrypted, and signed by ${ALICE}.`);
      expect(graph.requests.slice(before).map((r) => `${r.route} ${r.user} [${r.scopes}] ${r.status}`)).toEqual([
        `GET /me/messages/{id}/$value ${BOB} [Mail.Read] 200`,
      ]);
    } finally {
      await page.close();
    }
  });

  it("compose.html as built, with no nested app authentication here: no Graph access, said in plain words, nothing sent, the draft kept; a page global gives none", async () => {
    const { page, log } = await panes.open(
      "compose",
      {
        item: draft("d9", { to: [recipient(BOB, "Bob")] }),
        userProfile: { emailAddress: ALICE, displayName: "Alice" },
      },
      [alice],
      undefined,
      {
        // What a host page could once hand the pane: product code no longer reads a global.
        before: (tab) =>
          tab.addInitScript((g) => void ((globalThis as unknown as { mailsealGraph: unknown }).mailsealGraph = g), {
            base: graph.base,
            token: TOKENS[ALICE]!,
          }),
      },
    );
    try {
      expect(await settled(page, ["ready", "failed"]), log.join("\n")).toBe("ready");
      const before = graph.requests.length;
      const inbox = (await graph.mailbox(BOB)).length;
      await page.click("#send");
      expect(await settled(page, ["sent", "failed"])).toBe("failed");
      const view = await paneView(page);
      expect(view.level).toBe("error");
      expect(view.headline).toBe(`${COMPOSE_WORDS.notSent} ${plainWordsOf("MAIL_SERVICE_DENIED")}`);
      expect(view.details).toMatch(/^MAIL_SERVICE_DENIED: no access to the mailbox through Microsoft Graph/);
      expect(view.send).toBe(true);
      expect(graph.requests.length).toBe(before);
      expect(await graph.mailbox(BOB)).toHaveLength(inbox);
      expect(await closedDrafts(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("the compose page holds no WebAssembly: the core runs only in the engine's worker", () => {
    const page = readFileSync(join(panes.out, "compose.html"), "utf8");
    const scripts = [...page.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts)
      expect(readFileSync(join(panes.out, script), "utf8")).not.toMatch(/WebAssembly|AGFzbQ/);
  });
});
