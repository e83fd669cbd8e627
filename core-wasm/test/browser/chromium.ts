// Runs a bundled page in headless Chromium (Debian's /usr/bin/chromium through playwright-core) and
// returns what the page leaves in `window.__testResults`.
import { build } from "esbuild";
import { createServer, type Server } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";

const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const contentTypes: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".json": "application/json",
  ".map": "application/json",
  ".css": "text/css",
  ".png": "image/png",
};

/** Bundles browser entry points (TypeScript) into `outdir` with WASM embedded as bytes. */
export async function bundleForBrowser(entryPoints: Record<string, string>, outdir: string): Promise<void> {
  await build({
    entryPoints,
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    loader: { ".wasm": "binary" },
    logLevel: "warning",
  });
}

/** Serves `roots` (URL prefix -> folder) on 127.0.0.1 at a free port. */
export async function serveFolders(roots: Record<string, string>): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const prefix = Object.keys(roots).find((p) => path.startsWith(p));
    const file = prefix === undefined ? undefined : normalize(join(roots[prefix]!, path.slice(prefix.length)));
    if (file === undefined || !file.startsWith(normalize(roots[prefix!]!))) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": contentTypes[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no server address");
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

/** Opens `url`, waits until the page sets `window.__testResults`, returns them and the page's console. */
export async function runPage<T>(url: string, timeoutMs: number): Promise<{ results: T; console: string[] }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const console: string[] = [];
  try {
    const page = await browser.newPage();
    page.on("console", (message) => console.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => console.push(`pageerror: ${error.message}`));
    await page.goto(url);
    await page.waitForFunction(() => "__testResults" in window, undefined, { timeout: timeoutMs, polling: 200 });
    const results = (await page.evaluate(() => (window as unknown as { __testResults: unknown }).__testResults)) as T;
    return { results, console };
  } finally {
    await browser.close();
  }
}

/**
 * Bundles `entryPoints` into `outdir` with an index.html that loads the bundled `page` (an entry
 * point's name), serves `outdir` at "/" beside `roots`, runs the page (runPage) and closes the server.
 */
export async function runBundledPage<T>(options: {
  entryPoints: Record<string, string>;
  page: string;
  outdir: string;
  roots: Record<string, string>;
  timeoutMs: number;
}): Promise<{ results: T; console: string[] }> {
  await bundleForBrowser(options.entryPoints, options.outdir);
  await writeFile(
    join(options.outdir, "index.html"),
    `<!doctype html><meta charset="utf-8"><script type="module" src="/${options.page}.js"></script>`,
  );
  const { server, origin } = await serveFolders({ ...options.roots, "/": options.outdir });
  try {
    return await runPage<T>(`${origin}/index.html`, options.timeoutMs);
  } finally {
    server.close();
  }
}
