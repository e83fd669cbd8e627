// The core's tests in real headless Chromium, inside real Web Workers reached through comlink: the
// portable cases (test/portable) for the SIMD and baseline builds and both AES paths, and every
// Wycheproof file for both builds.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, runPage, serveFolders } from "./browser/chromium.js";
import type { BrowserResults } from "./browser/page.js";

const here = dirname(fileURLToPath(import.meta.url));
const vectorFolder = join(here, "vectors", "wycheproof");
let results: BrowserResults;
let pageConsole: string[] = [];
const outdir = mkdtempSync(join(tmpdir(), "mailseal-browser-"));

beforeAll(async () => {
  await bundleForBrowser(
    { page: join(here, "browser/page.ts"), "vector-worker": join(here, "browser/vector-worker.ts") },
    outdir,
  );
  writeFileSync(
    join(outdir, "index.html"),
    '<!doctype html><meta charset="utf-8"><script type="module" src="/bundle/page.js"></script>',
  );
  const { server, origin } = await serveFolders({
    "/vectors/index.json": join(outdir, "vectors.json"),
    "/vectors/": vectorFolder,
    "/bundle/": outdir,
    "/build/": join(here, "..", "build"),
    "/": outdir,
  });
  writeFileSync(
    join(outdir, "vectors.json"),
    JSON.stringify(readdirSync(vectorFolder).filter((f) => f.endsWith(".json"))),
  );
  try {
    ({ results, console: pageConsole } = await runPage<BrowserResults>(`${origin}/index.html`, 240_000));
  } finally {
    server.close();
  }
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("the core in headless Chromium", () => {
  it("ran without a fatal error", () => {
    expect(results.fatal, pageConsole.join("\n")).toBeUndefined();
    expect(results.userAgent).toMatch(/Chrome\//);
  });

  it("passes every portable case for both builds and both AES paths", () => {
    const failures = results.cases.filter((c) => c.error !== undefined);
    expect(failures).toEqual([]);
    expect(new Set(results.cases.map((c) => `${c.build}/${c.aes}`))).toEqual(
      new Set(["simd/wasm", "simd/webcrypto", "baseline/wasm", "baseline/webcrypto"]),
    );
  });

  it("frees a buffer with release() by ArrayBuffer.prototype.transfer; without it, keeps it intact", () => {
    // Chromium does not detach what is posted to a closed MessagePort (Node 20 does, test/bytes.test.ts):
    // there release() reports false and the buffer waits for a collection, unharmed.
    expect(results.release).toEqual([
      { path: "transfer", freed: true, length: 0, viewLeft: true },
      { path: "MessagePort", freed: false, length: 1 << 20, viewLeft: true },
    ]);
  });

  it("passes every Wycheproof file for both builds", () => {
    const files = readdirSync(vectorFolder).filter((f) => f.endsWith(".json"));
    expect(results.vectors).toHaveLength(files.length * 2);
    const failed = results.vectors
      .filter((v) => v.failed > 0)
      .map((v) => `${v.file} [${v.build}]: ${v.notes.join("; ")}`);
    expect(failed).toEqual([]);
    // Chromium's WebCrypto has X25519 and Ed25519 but not X448 or Ed448 (vectors/eddsa-xdh.ts skips
    // a file whose algorithm the platform lacks): those two files, and only they, may be skipped whole.
    const mayBeAbsent = new Set(["x448_test.json", "ed448_test.json"]);
    const ran = (v: (typeof results.vectors)[number]) =>
      v.passed > 0 || (mayBeAbsent.has(v.file) && v.notes.some((n) => n.startsWith("skipped: this platform has no")));
    expect(results.vectors.filter((v) => !ran(v)).map((v) => v.file)).toEqual([]);
  });
});
