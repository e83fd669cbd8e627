// The setup in the read pane (src/setup/) in headless Chromium (playwright-core with Debian's
// chromium) against the Office.js host DOUBLE (test/office-double.ts, not Outlook), the real
// mailseal services (`mailseal server` as a process) and a real OpenID provider on loopback
// (oidc-provider, test/support/oidc-provider.ts) that the api is configured to trust:
// - by token: a TOKEN SOURCE DOUBLE (test/browser/setup-page-entry.ts) in place of nested app
//   authentication gets a real token from that provider; the pane sets the address up without a
//   challenge mail, then opens a message encrypted to the new certificate;
// - by the typed code (read.html as built, no nested app authentication): the code read from the
//   server's outgoing mail, a wrong one first;
// - a refused token (another person's): plain words, and the code offered;
// - by the challenge mail in the inbox, with no sign-in token: the pane with the GRAPH TOKEN SOURCE
//   DOUBLE (read-test.html) finds the mail the server sent, through the Microsoft Graph DOUBLE
//   (test/graph-double.ts, not Graph) over a real Dovecot, answers it and moves it out of the inbox;
//   a Graph token without Mail.Read, and Graph failing: plain words, and the code offered.
// The server mails through the test SMTP server, which keeps each mail and delivers it into the
// Dovecot behind the Graph double for the addresses that have a mailbox there.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { plainWords } from "@mailseal/engine/view";
import { parseChallengeMail } from "@mailseal/shared";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdentityProvider, type TestIdentityProvider } from "../../test/support/oidc-provider.js";
import { startSmtp, type TestSmtp } from "../../test/support/smtp.js";
import { NO_SECRET_STORE, scratch, startServer, type RunningServer } from "../../test/services/e2e-support.js";
import { SETUP_WORDS } from "../src/setup/words.js";
import { startGraphDouble, type GraphDouble } from "./graph-double.js";
import type { DoubleItem, DoubleOptions } from "./office-double.js";
import { startPaneBrowser, type PaneBrowser } from "./pane-browser.js";
import { keepScreenshot } from "./screenshot.js";

Object.assign(process.env, NO_SECRET_STORE);

const AUDIENCE = "api://mailseal-outlook-test";
const DOCS = join(import.meta.dirname, "../docs");
const tmp = scratch("outlook-setup");
const data = join(tmp.dir, "server");
/** The mailboxes behind the Graph double (the setups through the inbox) and their Graph tokens. */
const GRAPH_TOKENS: Record<string, string> = {
  "dave@example.test": "token-dave",
  "erin@example.test": "token-erin",
  "frank@example.test": "token-frank",
};
let idp: TestIdentityProvider;
let smtp: TestSmtp | undefined;
let graph: GraphDouble | undefined;
let services: RunningServer | undefined;
let panes: PaneBrowser;

beforeAll(async () => {
  idp = await startIdentityProvider({ alice: { preferred_username: "alice@example.test" } });
  graph = await startGraphDouble(Object.entries(GRAPH_TOKENS).map(([address, token]) => ({ address, token })));
  smtp = await startSmtp({ maildirs: graph.dovecot.maildirs });
  services = await startServer(data, {
    args: [
      "--oidc-issuer",
      `${idp.issuer} audience=${AUDIENCE}`,
      "--smtp",
      smtp.url,
      "--mail-from",
      "mailseal@example.test",
    ],
  });
  panes = await startPaneBrowser({ config: { service: services.api, graph: graph.base } });
}, 240_000);

afterAll(async () => {
  await panes?.close();
  await services?.stop();
  await graph?.stop();
  await smtp?.stop();
  await idp?.close();
  tmp.remove();
});

/**
 * A pane (`page`: read.html as built, or setup-test.html with the token source double whose token
 * comes from the provider for `tokenOf`) on the double, for the mailbox of `address`.
 */
async function openPane(
  page: "read.html" | "setup-test.html",
  address: string,
  options: DoubleOptions = {},
  tokenOf?: string,
): Promise<{ page: Page; log: string[] }> {
  const opened = await panes.open(
    page === "read.html" ? "read" : "setup",
    { emailAddress: address, ...options },
    [],
    undefined,
    {
      viewport: { width: 520, height: 640 },
      before: (tab) =>
        tokenOf === undefined
          ? Promise.resolve()
          : tab.exposeFunction("__tokenFromTestProvider", () => idp.token(tokenOf, AUDIENCE)),
    },
  );
  await opened.page.waitForSelector("#setup-start", { state: "visible", timeout: 30_000 });
  return opened;
}

function setupState(page: Page, state: string, timeout = 60_000): Promise<unknown> {
  return page.waitForFunction((s) => document.getElementById("setup")!.dataset.state === s, state, { timeout });
}

function status(page: Page): Promise<string> {
  return page.evaluate(() => document.getElementById("setup-status")!.textContent!);
}

/**
 * The challenge mails the server sent to `address`, oldest first, with the code their text shows:
 * what the SMTP server received, read as a client reads mail (parseChallengeMail); the notices of key
 * releases skipped.
 */
async function challengesTo(address: string): Promise<{ id: string; code: string }[]> {
  const received = smtp!.dir;
  const found: { id: string; code: string }[] = [];
  // N.json is written once N.eml is kept and delivered.
  const names = readdirSync(received)
    .filter((name) => /^\d+\.json$/.test(name))
    .map((name) => name.replace(/json$/, "eml"));
  for (const name of names.sort((a, b) => parseInt(a, 10) - parseInt(b, 10))) {
    // Python's smtpd hands DATA over with LF line ends: back to CRLF (RFC 5322 2.1).
    const text = readFileSync(join(received, name), "utf8").replace(/\r?\n/g, "\r\n");
    if (!text.includes(`\r\nTo: ${address}\r\n`) && !text.startsWith(`To: ${address}\r\n`)) continue;
    const marker = await parseChallengeMail(new TextEncoder().encode(text));
    const code = /^ {4}([0-9A-Z]{5}-[0-9A-Z]{5})\r?$/m.exec(text)?.[1];
    if (marker !== undefined && code !== undefined) found.push({ id: marker.id, code });
  }
  return found;
}

/** What the add-in's IndexedDB holds for `address`: the device key's kind, and how the state is kept. */
function storedAccount(page: Page, address: string): Promise<{ extractable: boolean; type: string; sealed: string }> {
  return page.evaluate(async (a) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open("mailseal");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const get = (store: string, key: string) =>
      new Promise<unknown>((resolve) => {
        const req = db.transaction(store).objectStore(store).get(key);
        req.onsuccess = () => resolve(req.result);
      });
    const keyPair = (await get("deviceKeys", a)) as CryptoKeyPair;
    const state = (await get("states", a)) as { sealed: string };
    return { extractable: keyPair.privateKey.extractable, type: keyPair.privateKey.type, sealed: state.sealed };
  }, address);
}

/** A message to `address` encrypted by openssl to the certificate CerDB serves for it now. */
async function encryptedTo(address: string): Promise<DoubleItem> {
  const response = await fetch(`${services!.api}/v1/certs/${encodeURIComponent(address)}`);
  expect(response.status).toBe(200);
  const { certificate } = (await response.json()) as { certificate: string };
  const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(certificate, "base64url").toString("base64")}\n-----END CERTIFICATE-----\n`;
  writeFileSync(join(tmp.dir, "cert.pem"), pem);
  const inner = ["Content-Type: text/plain; charset=utf-8", "", "The plan is ready.", ""].join("\r\n");
  writeFileSync(join(tmp.dir, "inner.txt"), inner);
  const smime = execFileSync("openssl", [
    "cms",
    "-encrypt",
    "-in",
    join(tmp.dir, "inner.txt"),
    "-aes-256-cbc",
    join(tmp.dir, "cert.pem"),
  ]);
  const header = [
    "From: Carol <carol@example.test>",
    `To: ${address}`,
    "Subject: Plan",
    "Date: Fri, 04 Dec 2026 10:00:00 +0000",
    "",
  ].join("\r\n");
  return {
    itemId: "item-plan",
    itemClass: "IPM.Note.SMIME",
    subject: "Plan",
    eml: Buffer.concat([Buffer.from(header), smime]).toString("base64"),
  };
}

describe("the setup in the pane, on an Office.js host double, against the real services", () => {
  it("sets the mailbox's address up with the organisation's token (no mail, no typing), then reads mail to it", async () => {
    const { page, log } = await openPane("setup-test.html", "alice@example.test", {}, "alice");
    try {
      expect(await page.textContent("#setup-title")).toBe(SETUP_WORDS.title("alice@example.test"));
      expect(await page.textContent("#setup-start")).toBe(SETUP_WORDS.start);
      await page.waitForTimeout(300);
      keepScreenshot(await page.screenshot({ fullPage: true }), join(DOCS, "setup-offered.png"));

      await page.click("#setup-start");
      await setupState(page, "done");
      expect(await status(page), log.join("\n")).toBe(SETUP_WORDS.done("alice@example.test"));
      expect(await page.isVisible("#setup-code")).toBe(false);
      expect(await challengesTo("alice@example.test")).toEqual([]);

      // The device key in the store is a non-extractable WebCrypto key; the state is sealed.
      const stored = await storedAccount(page, "alice@example.test");
      expect(stored).toEqual({ extractable: false, type: "private", sealed: "AES-256-GCM" });

      // A message encrypted to the certificate the setup got: the pane opens it.
      const item = await encryptedTo("alice@example.test");
      await page.evaluate(
        (i) => (globalThis as unknown as { __officeDouble: { select(i: unknown): void } }).__officeDouble.select(i),
        item,
      );
      await page.waitForFunction(() => document.body.dataset.shown === "item-plan", undefined, { timeout: 60_000 });
      expect(await page.textContent("#headline"), log.join("\n")).toBe(
        "Encrypted, but not signed: anyone could have sent it, whatever its From line says.",
      );
      const frame = page.frames().find((f) => f !== page.mainFrame())!;
      expect(await frame.evaluate(() => document.body.innerText)).toContain("The plan is ready.");
      await page.waitForTimeout(500);
      keepScreenshot(await page.screenshot({ fullPage: true }), join(DOCS, "setup-done.png"));
      expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("sets the address up with the typed code where there is no sign-in token, a wrong code first", async () => {
    const { page, log } = await openPane("read.html", "bob@example.test");
    try {
      await page.click("#setup-start");
      await setupState(page, "code");
      expect(await page.textContent("#setup-code-label")).toBe(SETUP_WORDS.codeLabel("bob@example.test"));
      const [mail] = await challengesTo("bob@example.test");
      expect(mail).toBeDefined();

      await page.fill("#setup-code-input", "AAAAA-AAAAA");
      await page.click("#setup-code button");
      await page.waitForFunction(() => document.getElementById("setup-status")!.dataset.level === "error");
      expect(await status(page)).toContain(plainWords("CHALLENGE_INVALID"));
      expect(await page.isVisible("#setup-code")).toBe(true);

      await page.fill("#setup-code-input", mail!.code.toLowerCase());
      await page.click("#setup-code button");
      await setupState(page, "done");
      expect(await status(page), log.join("\n")).toBe(SETUP_WORDS.done("bob@example.test"));
      // The same challenge took the second try: no second mail.
      expect(await challengesTo("bob@example.test")).toHaveLength(1);
    } finally {
      await page.close();
    }
  });

  it("says in plain words that the token was refused, and offers the code", async () => {
    // Alice's token in Carol's mailbox: the api refuses it (PROOF_TOKEN_ADDRESS).
    const { page } = await openPane("setup-test.html", "carol@example.test", {}, "alice");
    try {
      await page.click("#setup-start");
      await setupState(page, "code");
      expect(await status(page)).toBe(plainWords("PROOF_TOKEN_ADDRESS"));
      expect(await status(page)).not.toMatch(/[A-Z]{3,}_[A-Z]+/);
      await page.waitForTimeout(300);
      keepScreenshot(await page.screenshot({ fullPage: true }), join(DOCS, "setup-code.png"));

      const [mail] = await challengesTo("carol@example.test");
      await page.fill("#setup-code-input", mail!.code);
      await page.click("#setup-code button");
      await setupState(page, "done");
    } finally {
      await page.close();
    }
  });

  /**
   * read-test.html for `address`: the read pane with the Graph token source double and no sign-in
   * token; `granted` (when given) the only permissions its Graph tokens carry.
   */
  async function openGraphPane(address: string, granted?: string[]): Promise<{ page: Page; log: string[] }> {
    const opened = await panes.open("read", { emailAddress: address }, [], GRAPH_TOKENS[address], {
      viewport: { width: 520, height: 640 },
      before: (tab) =>
        granted === undefined
          ? Promise.resolve()
          : tab.addInitScript((g) => {
              (globalThis as unknown as { __graphScopesGranted: string[] }).__graphScopesGranted = g;
            }, granted),
    });
    await opened.page.waitForSelector("#setup-start", { state: "visible", timeout: 30_000 });
    return opened;
  }

  it("sets the address up through the challenge mail it finds in the inbox over the Graph double (no sign-in token, no typing)", async () => {
    const address = "dave@example.test";
    const { page, log } = await openGraphPane(address);
    try {
      await page.click("#setup-start");
      await setupState(page, "done");
      expect(await status(page), log.join("\n")).toBe(SETUP_WORDS.done(address));
      expect(await page.isVisible("#setup-code")).toBe(false);
      expect(await storedAccount(page, address)).toEqual({
        extractable: false,
        type: "private",
        sealed: "AES-256-GCM",
      });

      // One challenge mail, sent by the server into the Dovecot mailbox behind the Graph double, found
      // there by the pane and then moved out of the inbox to Deleted Items.
      const [mail] = await challengesTo(address);
      expect(await challengesTo(address)).toHaveLength(1);
      const ids = async (folder: string) =>
        (await Promise.all((await graph!.mailbox(address, folder)).map(async (m) => (await parseChallengeMail(m))?.id)))
          // The notice of the key release stays in the inbox: it is not a challenge.
          .filter((id) => id !== undefined);
      expect(await ids("INBOX")).toEqual([]);
      expect(await ids("Deleted Items")).toEqual([mail!.id]);

      // The pane read its inbox with Mail.Read and moved the mail with Mail.ReadWrite, as dave.
      const asked = graph!.requests.filter((r) => r.user === address);
      expect(asked.some((r) => r.route === "GET /me/mailFolders/inbox/messages" && r.status === 200)).toBe(true);
      expect(asked.some((r) => r.route === "GET /me/messages/{id}/$value" && r.status === 200)).toBe(true);
      expect(asked.find((r) => r.route === "POST /me/messages/{id}/move")).toMatchObject({
        scopes: "Mail.ReadWrite",
        status: 201,
      });
      expect(asked.filter((r) => r.route !== "POST /me/messages/{id}/move").map((r) => r.scopes)).toSatisfy(
        (scopes: string[]) => scopes.every((s) => s === "Mail.Read"),
      );

      // The account works: a message encrypted to its new certificate opens.
      const item = await encryptedTo(address);
      await page.evaluate(
        (i) => (globalThis as unknown as { __officeDouble: { select(i: unknown): void } }).__officeDouble.select(i),
        item,
      );
      await page.waitForFunction(() => document.body.dataset.shown === "item-plan", undefined, { timeout: 60_000 });
      // The frame's srcdoc may still be loading: asked again until it has rendered.
      const shown = () =>
        page
          .frames()
          .find((f) => f !== page.mainFrame())!
          .evaluate(() => document.body.innerText)
          .catch(() => "");
      await expect.poll(shown, { timeout: 10_000 }).toContain("The plan is ready.");
      expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("falls back to the typed code, in plain words, when the Graph token does not grant Mail.Read", async () => {
    const address = "erin@example.test";
    const { page, log } = await openGraphPane(address, ["Mail.Send"]);
    try {
      await page.click("#setup-start");
      await setupState(page, "code");
      expect(await status(page), log.join("\n")).toBe(plainWords("MAIL_SERVICE_DENIED"));
      expect(await status(page)).not.toMatch(/[A-Z]{3,}_[A-Z]+/);
      expect(graph!.requests.filter((r) => r.user === address).map((r) => [r.route, r.status])).toContainEqual([
        "GET /me/mailFolders/inbox/messages",
        403,
      ]);

      const [mail] = await challengesTo(address);
      await page.fill("#setup-code-input", mail!.code);
      await page.click("#setup-code button");
      await setupState(page, "done");
      expect(await status(page)).toBe(SETUP_WORDS.done(address));
      // The code answered the challenge the mail was sent for: no second mail.
      expect(await challengesTo(address)).toHaveLength(1);
      expect(await storedAccount(page, address)).toEqual({
        extractable: false,
        type: "private",
        sealed: "AES-256-GCM",
      });
    } finally {
      await page.close();
    }
  });

  it("falls back to the typed code, in plain words, when Graph fails to search the inbox", async () => {
    const address = "frank@example.test";
    const failure = { route: "GET /me/mailFolders/inbox/messages", status: 500, times: 1 };
    graph!.failures.push(failure);
    const { page, log } = await openGraphPane(address);
    try {
      await page.click("#setup-start");
      await setupState(page, "code");
      expect(failure.times).toBe(0);
      expect(await status(page), log.join("\n")).toBe(plainWords("MAIL_SERVICE_FAILED"));
      const [mail] = await challengesTo(address);
      await page.fill("#setup-code-input", mail!.code);
      await page.click("#setup-code button");
      await setupState(page, "done");
      expect(await challengesTo(address)).toHaveLength(1);
    } finally {
      graph!.failures.splice(graph!.failures.indexOf(failure), 1);
      await page.close();
    }
  });
});
