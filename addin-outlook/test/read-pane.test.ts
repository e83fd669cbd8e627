// The read pane (src/read/) in headless Chromium (playwright-core with Debian's chromium) against
// the Office.js host DOUBLE (test/office-double.ts, served in place of office.js): not Outlook.
// Messages are encrypted by openssl to an account made by shared's test helpers; the pane gets each
// through getAsFileAsync, opens it in the engine's Web Worker, and shows the banner in plain words,
// the sanitized content in a sandboxed frame, inline cid: images and downloadable attachments; it
// follows the selection (ItemChanged) and says in plain words what it cannot show.
import { MailEngine } from "@mailseal/engine";
import { bannerView, plainWords } from "@mailseal/engine/view";
import { decodeBase64url, type DeviceState } from "@mailseal/shared";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeAccount, makeCaHierarchy } from "../../shared/test/mailflow/accounts.js";
import { TestCa } from "../../shared/test/pki/test-ca.js";
import { sealPng } from "../manifest/icons.js";
import { keepScreenshot } from "./screenshot.js";
import { PANE_WORDS } from "../src/read/words.js";
import type { DoubleItem, DoubleOptions } from "./office-double.js";
import { startPaneBrowser, type PaneBrowser } from "./pane-browser.js";

/** Where the screenshot the README shows is written (test/screenshot.ts). */
const README_SCREENSHOT = join(import.meta.dirname, "../docs/read-pane.png");

const ca = new TestCa();
let bob: DeviceState;
let panes: PaneBrowser;
const image = sealPng(48);
const attachment = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));

const HEADER = ["From: Alice <alice@example.test>", "To: bob@example.test", "Date: Fri, 04 Dec 2026 10:00:00 +0000"];

function inner(): string {
  const b64 = (data: Buffer) => data.toString("base64").replace(/.{76}/g, "$&\r\n");
  return [
    "Content-Type: multipart/mixed; boundary=outer",
    "",
    "--outer",
    "Content-Type: multipart/related; boundary=rel",
    "",
    "--rel",
    "Content-Type: text/html; charset=utf-8",
    "",
    "<h2>Quarterly plan</h2><p>The <b>plan</b> is attached; our seal:</p>",
    '<img src="cid:seal@example.test" alt="seal">',
    '<img src="https://tracker.example/pixel.gif" alt="tracker">',
    '<script>document.title = "ran"</script><p onclick="alert(1)">Regards, Alice</p>',
    "--rel",
    "Content-Type: image/png",
    "Content-ID: <seal@example.test>",
    "Content-Transfer-Encoding: base64",
    "",
    b64(image),
    "--rel--",
    "--outer",
    'Content-Type: application/pdf; name="plan.pdf"',
    'Content-Disposition: attachment; filename="plan.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    b64(attachment),
    "--outer--",
    "",
  ].join("\r\n");
}

/**
 * openssl cms -encrypt (AES-256-CBC) of the inner entity to `cert`, with the outer header fields;
 * `keyOptions` for the RecipientInfo (RSA-OAEP: `-keyopt rsa_padding_mode:oaep ...`).
 */
function encryptedTo(cert: string, name: string, subject: string, keyOptions: string[] = []): string {
  writeFileSync(ca.path(`${name}.txt`), inner());
  ca.openssl(
    "cms",
    "-encrypt",
    "-in",
    ca.path(`${name}.txt`),
    "-aes-256-cbc",
    "-out",
    ca.path(`${name}.eml`),
    // -keyopt applies to the -recip before it.
    "-recip",
    ca.path(`${cert}.pem`),
    ...keyOptions,
  );
  const smime = readFileSync(ca.path(`${name}.eml`));
  return Buffer.concat([Buffer.from([...HEADER, `Subject: ${subject}`, ""].join("\r\n")), smime]).toString("base64");
}

const plain = Buffer.from(
  [...HEADER, "Subject: Lunch", "MIME-Version: 1.0", "Content-Type: text/plain", "", "Noon?", ""].join("\r\n"),
).toString("base64");

let items: Record<"secret" | "plain" | "failing" | "notForBob" | "signed" | "oldKey" | "oaep", DoubleItem>;

/** A message Alice's engine (in this thread) signs and encrypts to Bob, as mailseal sends it. */
async function sealedByAlice(alice: DeviceState): Promise<string> {
  const engine = await MailEngine.open();
  try {
    await engine.setAccounts([alice]);
    const stream = await engine.sealMessage(
      {
        composed: {
          from: "Alice <alice@example.test>",
          to: ["bob@example.test"],
          cc: [],
          replyTo: [],
          subject: "Signed plan",
          body: { type: "text/plain", text: "Signed and sealed." },
          attachments: [],
          messageId: "<signed@example.test>",
          date: Date.now(),
        },
      },
      {
        signer: "alice@example.test",
        ownCertificate: decodeBase64url(alice.keys[0]!.certificate),
        encryptTo: { certificates: [decodeBase64url(bob.keys[0]!.certificate)], cipher: "aes-256-gcm" },
        time: Date.now(),
      },
    );
    return Buffer.from(await new Response(stream).arrayBuffer()).toString("base64");
  } finally {
    await engine.close();
  }
}

beforeAll(async () => {
  makeCaHierarchy(ca);
  // Bob's account has one retired key (bob-old1) in its history beside the current one (bob-enc).
  bob = await makeAccount(ca, "bob", "bob@example.test", 1);
  const alice = await makeAccount(ca, "alice", "alice@example.test");
  items = {
    secret: {
      itemId: "item-secret",
      itemClass: "IPM.Note.SMIME",
      subject: "Plan",
      eml: encryptedTo("bob-enc", "m1", "Plan"),
    },
    plain: { itemId: "item-plain", itemClass: "IPM.Note", subject: "Lunch", eml: plain },
    failing: { itemId: "item-failing", itemClass: "IPM.Note.SMIME", subject: "Broken", failGetAsFile: "failed" },
    notForBob: {
      itemId: "item-alice",
      itemClass: "IPM.Note.SMIME",
      subject: "For Alice",
      eml: encryptedTo("alice-enc", "m2", "For Alice"),
    },
    signed: {
      itemId: "item-signed",
      itemClass: "IPM.Note.SMIME",
      subject: "Signed plan",
      eml: await sealedByAlice(alice),
    },
    // Mail from before Bob's key was replaced: encrypted to the retired key only.
    oldKey: {
      itemId: "item-old-key",
      itemClass: "IPM.Note.SMIME",
      subject: "Old plan",
      eml: encryptedTo("bob-old1", "m3", "Old plan"),
    },
    // RSAES-OAEP (RFC 8017 7.1; in CMS RFC 3560) with SHA-256 and MGF1-SHA-256, as mailseal's
    // certificates announce ("rsaes-oaep"), to Bob's current key.
    oaep: {
      itemId: "item-oaep",
      itemClass: "IPM.Note.SMIME",
      subject: "OAEP plan",
      eml: encryptedTo("bob-enc", "m4", "OAEP plan", [
        "-keyopt",
        "rsa_padding_mode:oaep",
        "-keyopt",
        "rsa_oaep_md:sha256",
        "-keyopt",
        "rsa_mgf1_md:sha256",
      ]),
    },
  };
  // No service answers here: the setup is only offered (test/setup-pane.test.ts runs it).
  panes = await startPaneBrowser({ config: { service: "http://127.0.0.1:9" } });
}, 240_000);

afterAll(async () => {
  await panes?.close();
  ca.dispose();
});

/**
 * read.html on the double with `options` for Bob's mailbox, `accounts` put into the add-in's store
 * first (by a page of the same origin, as the setup saves them).
 */
function openPane(options: DoubleOptions, accounts: DeviceState[] | undefined): Promise<{ page: Page; log: string[] }> {
  return panes.open("read", { emailAddress: "bob@example.test", ...options }, accounts ?? [], undefined, {
    viewport: { width: 520, height: 640 },
  });
}

async function shown(
  page: Page,
  itemId: string,
): Promise<{ level: string; headline: string; details: string; frame: boolean }> {
  await page.waitForFunction((id) => document.body.dataset.shown === id, itemId, { timeout: 60_000 });
  return page.evaluate(() => ({
    level: document.getElementById("banner")!.dataset.level!,
    headline: document.getElementById("headline")!.textContent!,
    details: document.getElementById("details")!.hidden ? "" : document.getElementById("details-text")!.textContent!,
    frame: !(document.getElementById("content") as HTMLIFrameElement).hidden,
  }));
}

function select(page: Page, item: DoubleItem | null): Promise<void> {
  return page.evaluate(
    (i) => (globalThis as unknown as { __officeDouble: { select(i: unknown): void } }).__officeDouble.select(i),
    item,
  );
}

describe("the read pane in headless Chromium, on an Office.js host double", () => {
  it("decrypts the selected message in the engine's worker and shows it, then follows the selection", async () => {
    const { page, log } = await openPane({ item: items.secret }, [bob]);
    try {
      const view = await shown(page, "item-secret");
      const detail = "Encrypted (aes-256-cbc); not signed";
      expect(view, log.join("\n")).toEqual({
        ...bannerView({ kind: "encrypted", cipher: "aes-256-cbc", detail, signature: { state: "none" } }),
        frame: true,
      });
      expect(view.headline).toBe("Encrypted, but not signed: anyone could have sent it, whatever its From line says.");
      expect(view.details).toBe(detail);

      // The content: sanitized, in a frame with no scripts and no origin, its images only data: URLs.
      expect(await page.getAttribute("#content", "sandbox")).toBe("");
      const frame = page.frames().find((f) => f !== page.mainFrame())!;
      const content = await frame.evaluate(() => ({
        text: document.body.innerText,
        images: Array.from(document.images).map((i) => i.src),
        scripts: document.scripts.length,
        handlers: document.querySelectorAll("[onclick]").length,
        title: document.title,
        loaded: Array.from(document.images).map((i) => i.complete && i.naturalWidth),
      }));
      expect(content.text).toContain("Quarterly plan");
      expect(content.text).toContain("Regards, Alice");
      expect(content.images).toEqual([`data:image/png;base64,${image.toString("base64")}`]);
      expect(content.loaded).toEqual([48]);
      expect(content).toMatchObject({ scripts: 0, handlers: 0, title: "" });

      // The attachment: listed with its size, and downloaded as the decrypted bytes.
      expect(await page.locator("#attachments li").allInnerTexts()).toEqual(["plan.pdf (application/pdf, 2.9 KiB)"]);
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#attachments a")]);
      expect(download.suggestedFilename()).toBe("plan.pdf");
      expect(readFileSync((await download.path())!)).toEqual(attachment);

      await page.waitForTimeout(1000);
      const png = await page.screenshot({ fullPage: true });
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      keepScreenshot(png, README_SCREENSHOT);

      // ItemChanged: a plain message, one Outlook fails to hand over, one not encrypted to Bob.
      await select(page, items.plain);
      expect(await shown(page, "item-plain")).toEqual({
        level: "neutral",
        headline: PANE_WORDS.notEncrypted,
        details: "",
        frame: false,
      });
      expect(await page.locator("#attachments li").count()).toBe(0);

      await select(page, items.failing);
      const failing = await shown(page, "item-failing");
      expect(failing).toMatchObject({ level: "error", headline: PANE_WORDS.getFailed, frame: false });

      await select(page, items.notForBob);
      const notForBob = await shown(page, "item-alice");
      expect(notForBob.level).toBe("error");
      expect(notForBob.frame).toBe(false);
      expect(notForBob.headline).toContain("could not be decrypted");
      expect(notForBob.headline).toContain(plainWords("NO_KEY"));
      expect(notForBob.headline).not.toMatch(/[A-Z]{3,}_[A-Z]+/);

      // A selection that moves on while the first is still being read: the last one shows.
      await select(page, items.secret);
      await select(page, items.plain);
      expect(await shown(page, "item-plain")).toMatchObject({ headline: PANE_WORDS.notEncrypted, frame: false });
      await page.waitForTimeout(1500);
      expect(await shown(page, "item-plain")).toMatchObject({ headline: PANE_WORDS.notEncrypted, frame: false });

      // Signed by Alice and encrypted to Bob (AES-256-GCM) by mailseal itself: the signature checks out.
      await select(page, items.signed);
      const signed = await shown(page, "item-signed");
      expect(signed, log.join("\n")).toMatchObject({ level: "ok", frame: true });
      expect(signed.headline).toBe("Encrypted, and signed by alice@example.test.");
      expect(signed.details).toContain("aes-256-gcm");

      await select(page, null);
      expect(await shown(page, "")).toMatchObject({ headline: PANE_WORDS.noItem });
      expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("opens mail encrypted to a retired key of the account's history, and mail whose key is wrapped with RSA-OAEP", async () => {
    expect(bob.keys.map((k) => k.status)).toEqual(["retired", "current"]);
    // What openssl wrote for the second: its RecipientInfo's algorithm is rsaesOaep (RFC 4055).
    writeFileSync(ca.path("m4.check.eml"), Buffer.from(items.oaep.eml!, "base64"));
    expect(ca.openssl("cms", "-cmsout", "-print", "-in", ca.path("m4.check.eml"))).toContain("rsaesOaep");

    const { page, log } = await openPane({ item: items.oldKey }, [bob]);
    try {
      for (const [item, id] of [
        [items.oldKey, "item-old-key"],
        [items.oaep, "item-oaep"],
      ] as const) {
        if (id !== "item-old-key") await select(page, item);
        const view = await shown(page, id);
        expect(view, `${id}\n${log.join("\n")}`).toEqual({
          ...bannerView({
            kind: "encrypted",
            cipher: "aes-256-cbc",
            detail: "Encrypted (aes-256-cbc); not signed",
            signature: { state: "none" },
          }),
          frame: true,
        });
        const frame = page.frames().find((f) => f !== page.mainFrame())!;
        await expect
          .poll(() => frame.evaluate(() => document.body.innerText), { timeout: 30_000 })
          .toContain("Quarterly plan");
        expect(await page.locator("#attachments li").allInnerTexts()).toEqual(["plan.pdf (application/pdf, 2.9 KiB)"]);
      }
      expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("says so in plain words when Outlook has no getAsFileAsync (below Mailbox 1.14)", async () => {
    const { page } = await openPane({ item: items.secret, noGetAsFile: true }, [bob]);
    try {
      expect(await shown(page, "item-secret")).toEqual({
        level: "error",
        headline: PANE_WORDS.noRawMessage,
        details: "",
        frame: false,
      });
    } finally {
      await page.close();
    }
  });

  it("says so in plain words when no address is set up on this computer, and offers the setup", async () => {
    const { page } = await openPane({ item: items.secret }, undefined);
    try {
      expect(await shown(page, "item-secret")).toEqual({
        level: "error",
        headline: plainWords("NO_ACCOUNT"),
        details: "NO_ACCOUNT",
        frame: false,
      });
      // The setup itself runs in test/setup-pane.test.ts, against the real services.
      await page.waitForSelector("#setup-start", { state: "visible" });
      expect(await page.textContent("#setup-title")).toBe("Set up mailseal for bob@example.test");
    } finally {
      await page.close();
    }
  });

  it("the pages hold no WebAssembly: the core runs only in the engine's worker", () => {
    const out = panes.out;
    const pages = readFileSync(join(out, "read.html"), "utf8");
    const script = /src="\.\/(assets\/read-[^"]+\.js)"/.exec(pages)?.[1];
    expect(script).toBeDefined();
    expect(readFileSync(join(out, script!), "utf8")).not.toMatch(/WebAssembly|AGFzbQ/);
    expect(readFileSync(join(out, "engine-worker.js"), "utf8")).toMatch(/WebAssembly/);
  });
});
