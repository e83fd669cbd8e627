// The built panes (compose.html, read.html) served on loopback and opened in headless Chromium
// (playwright-core with Debian's chromium) against the Office.js host DOUBLE (served in place of
// office.js), with the accounts put into the add-in's store first (by a page of the same origin, as
// the setup saves them) and the Graph access a host page would give them. Shared by the compose
// pane's suite and the Outlook-to-Thunderbird suite.
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
  /** A pane on the Office double; `graph` is what the page gives as Graph access (root and token). */
  open(
    page: "compose" | "read",
    options: DoubleOptions,
    accounts: DeviceState[],
    graph: { base: string; token: string },
    viewport?: { width: number; height: number },
  ): Promise<{ page: Page; log: string[] }>;
  close(): Promise<void>;
}

export async function startPaneBrowser(): Promise<PaneBrowser> {
  const out = mkdtempSync(join(tmpdir(), "mailseal-outlook-panes-"));
  await buildPages(out);
  await bundleForBrowser(
    {
      "office-double": join(import.meta.dirname, "browser/office-double-entry.ts"),
      "put-accounts": join(import.meta.dirname, "browser/put-accounts-entry.ts"),
    },
    out,
  );
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
    async open(page, options, accounts, graph, viewport = { width: 360, height: 200 }) {
      const tab = await browser.newPage({ viewport });
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
        ([o, g]) => {
          const scope = globalThis as unknown as Record<string, unknown>;
          scope.__officeDoubleOptions = o;
          scope.mailsealGraph = g;
        },
        [options, graph] as const,
      );
      await tab.goto(`${origin}/${page}.html`);
      return { page: tab, log };
    },
    async close() {
      await browser.close();
      server.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
