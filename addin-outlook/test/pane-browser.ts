// The built panes (compose.html, read.html) served on loopback and opened in headless Chromium
// (playwright-core with Debian's chromium) against the Office.js host DOUBLE (served in place of
// office.js; nothing else leaves the machine), with the accounts put into the add-in's store first
// (by a page of the same origin, as the setup saves them). config.json is the test's: the service,
// and the Graph root (the Graph double's). Besides each page as built, a test page of each with
// doubles in place of nested app authentication (test/browser/*-page-entry.ts):
// - compose-test.html, read-test.html: the pane with the GRAPH TOKEN SOURCE DOUBLE, whose tokens are
//   those the test gives (`graphToken`); the pages as built have no Graph access here;
// - setup-test.html: the read pane with the TOKEN SOURCE DOUBLE of the setup, whose sign-in token the
//   test's OpenID provider issues (the page calls __tokenFromTestProvider, exposed by the test).
// The one way the pane suites (compose, read, setup) and the Outlook-to-Thunderbird suite open panes.
import type { DeviceState } from "@mailseal/shared";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { bundleForBrowser, serveFolders } from "../../core-wasm/test/browser/chromium.js";
import { buildPages } from "../scripts/build.js";
import type { DoubleOptions } from "./office-double.js";

const OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js";

/** The test pages: each a built page with its script replaced by a test entry's. */
const TEST_PAGES = {
  "compose-test": { built: "compose", entry: "compose-page" },
  "read-test": { built: "read", entry: "read-page" },
  "setup-test": { built: "read", entry: "setup-page" },
} as const;

export interface PaneBrowserOptions {
  /** config.json: the mailseal service, and the Graph root (default: Graph's own, unreachable here). */
  config: { service: string; graph?: string };
}

export interface OpenExtra {
  viewport?: { width: number; height: number };
  /** Runs before the page loads (an init script, a function exposed to the page). */
  before?: (page: Page) => Promise<unknown>;
}

export interface PaneBrowser {
  /** Where the built pages are. */
  out: string;
  /**
   * A pane on the Office double: "compose" or "read" with `graphToken` (the Graph double's token of
   * the user) is that pane's test page with the Graph token source double, without it the page as
   * built; "setup" is setup-test.html. `accounts` go into the store first.
   */
  open(
    page: "compose" | "read" | "setup",
    options: DoubleOptions,
    accounts: DeviceState[],
    graphToken: string | undefined,
    extra?: OpenExtra,
  ): Promise<{ page: Page; log: string[] }>;
  close(): Promise<void>;
}

export async function startPaneBrowser(options: PaneBrowserOptions): Promise<PaneBrowser> {
  const out = mkdtempSync(join(tmpdir(), "mailseal-outlook-panes-"));
  await buildPages(out);
  const entries: Record<string, string> = {
    "office-double": join(import.meta.dirname, "browser/office-double-entry.ts"),
    "put-accounts": join(import.meta.dirname, "browser/put-accounts-entry.ts"),
  };
  for (const { entry } of Object.values(TEST_PAGES))
    entries[entry] = join(import.meta.dirname, `browser/${entry}-entry.ts`);
  await bundleForBrowser(entries, out);
  writeFileSync(join(out, "config.json"), JSON.stringify(options.config));
  writeFileSync(
    join(out, "put-accounts.html"),
    '<!doctype html><meta charset="utf-8"><script type="module" src="/put-accounts.js"></script>',
  );
  for (const [name, { built, entry }] of Object.entries(TEST_PAGES)) {
    const page = readFileSync(join(out, `${built}.html`), "utf8");
    const test = page.replace(
      new RegExp(`<script type="module"[^>]*src="\\./assets/${built}-[^"]+\\.js"></script>`),
      `<script type="module" src="./${entry}.js"></script>`,
    );
    if (test === page) throw new Error(`${built}.html: its script was not found`);
    writeFileSync(join(out, `${name}.html`), test);
  }
  const { server, origin }: { server: Server; origin: string } = await serveFolders({ "/": out });
  const browser: Browser = await chromium.launch({
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    headless: true,
    // Chromium puts sandboxed frames in a process of their own, and headless screenshots leave such
    // frames blank: kept in the page's process, the read pane's frame is the same sandbox (an opaque
    // origin, no scripts), and a screenshot shows what it renders.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-features=IsolateSandboxedIframes",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-sync",
    ],
  });
  return {
    out,
    async open(page, options, accounts, graphToken, extra = {}) {
      const tab = await browser.newPage({
        acceptDownloads: true,
        viewport: extra.viewport ?? { width: 360, height: 200 },
      });
      if (accounts.length > 0) {
        await tab.addInitScript((a) => {
          (globalThis as unknown as { __accountsToStore: unknown }).__accountsToStore = a;
        }, accounts);
        await tab.goto(`${origin}/put-accounts.html`);
        await tab.waitForFunction(() => document.body.dataset.stored !== undefined, undefined, { timeout: 30_000 });
      }
      const log: string[] = [];
      tab.on("console", (m) => log.push(`${m.type()}: ${m.text()}`));
      tab.on("pageerror", (e) => log.push(`pageerror: ${e.message}`));
      // Nothing leaves the machine: office.js is the double, any other outside request fails.
      await tab.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
        route.request().url() === OFFICE_JS
          ? route.fulfill({ contentType: "text/javascript", body: readFileSync(join(out, "office-double.js")) })
          : route.abort(),
      );
      await tab.addInitScript(
        ([o, t]) => {
          const scope = globalThis as unknown as Record<string, unknown>;
          scope.__officeDoubleOptions = o;
          scope.__graphTokenOfTestUser = t;
        },
        [options, graphToken ?? ""] as const,
      );
      await extra.before?.(tab);
      const file = page === "setup" ? "setup-test" : graphToken === undefined ? page : `${page}-test`;
      await tab.goto(`${origin}/${file}.html`);
      return { page: tab, log };
    },
    async close() {
      await browser.close();
      server.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
