// The built panes (compose.html, read.html) served on loopback and opened in headless Chromium
// (playwright-core with Debian's chromium) against the Office.js host DOUBLE (served in place of
// office.js), with the accounts put into the add-in's store first (by a page of the same origin, as
// the setup saves them). Graph access: config.json names the Graph double's root, and a pane opened
// with a user's token is the test page of that pane (test/browser/*-page-entry.ts: the pane started
// with the GRAPH TOKEN SOURCE DOUBLE in place of nested app authentication); opened without one, it
// is the page as built, which has no Graph access here (no nested app authentication). Shared by the
// compose pane's suite and the Outlook-to-Thunderbird suite.
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

export interface PaneBrowser {
  /** Where the built pages are. */
  out: string;
  /**
   * A pane on the Office double: with `graphToken` (the Graph double's token of the user) the test
   * page with the token source double, without it the page as built. `before` runs before the page
   * loads.
   */
  open(
    page: "compose" | "read",
    options: DoubleOptions,
    accounts: DeviceState[],
    graphToken: string | undefined,
    extra?: { viewport?: { width: number; height: number }; before?: (page: Page) => Promise<unknown> },
  ): Promise<{ page: Page; log: string[] }>;
  close(): Promise<void>;
}

/** `graph`: the Graph root config.json names (the Graph double's). */
export async function startPaneBrowser(graph: string): Promise<PaneBrowser> {
  const out = mkdtempSync(join(tmpdir(), "mailseal-outlook-panes-"));
  await buildPages(out);
  await bundleForBrowser(
    {
      "office-double": join(import.meta.dirname, "browser/office-double-entry.ts"),
      "put-accounts": join(import.meta.dirname, "browser/put-accounts-entry.ts"),
      "compose-page": join(import.meta.dirname, "browser/compose-page-entry.ts"),
      "read-page": join(import.meta.dirname, "browser/read-page-entry.ts"),
    },
    out,
  );
  // No service answers here: the panes have their accounts (the setup runs in setup-pane.test.ts).
  writeFileSync(join(out, "config.json"), JSON.stringify({ service: "http://127.0.0.1:9", graph }));
  // Each page as built, its script replaced by the test page's (the pane with the token source double).
  for (const page of ["compose", "read"]) {
    const built = readFileSync(join(out, `${page}.html`), "utf8");
    const test = built.replace(
      new RegExp(`<script type="module"[^>]*src="\\./assets/${page}-[^"]+\\.js"></script>`),
      `<script type="module" src="./${page}-page.js"></script>`,
    );
    if (test === built) throw new Error(`${page}.html: its script was not found`);
    writeFileSync(join(out, `${page}-test.html`), test);
  }
  writeFileSync(
    join(out, "put-accounts.html"),
    '<!doctype html><meta charset="utf-8"><script type="module" src="/put-accounts.js"></script>',
  );
  const { server, origin }: { server: Server; origin: string } = await serveFolders({ "/": out });
  const browser: Browser = await chromium.launch({
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
  return {
    out,
    async open(page, options, accounts, graphToken, extra = {}) {
      const tab = await browser.newPage({ viewport: extra.viewport ?? { width: 360, height: 200 } });
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
      await tab.goto(`${origin}/${graphToken === undefined ? page : `${page}-test`}.html`);
      return { page: tab, log };
    },
    async close() {
      await browser.close();
      server.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
