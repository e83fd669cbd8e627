// The IndexedDB StateStore of both add-ins (engine/src/client/state-store.ts, used by this one) in real headless Chromium (Debian's
// chromium through playwright-core, as core-wasm/test/browser.test.ts runs the core): what IndexedDB
// holds after saving states, and after loading one written in clear by an earlier version, contains
// no private key in clear, and the states come back whole (issue 12, finding 7).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, runPage, serveFolders } from "../../core-wasm/test/browser/chromium.js";
import type { StateStorePageResults } from "./browser/state-store-page.js";

let results: StateStorePageResults;
let pageConsole: string[] = [];
const outdir = mkdtempSync(join(tmpdir(), "mailseal-state-store-"));

beforeAll(async () => {
  await bundleForBrowser({ page: join(import.meta.dirname, "browser/state-store-page.ts") }, outdir);
  writeFileSync(
    join(outdir, "index.html"),
    '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>',
  );
  const { server, origin } = await serveFolders({ "/": outdir });
  try {
    ({ results, console: pageConsole } = await runPage<StateStorePageResults>(`${origin}/index.html`, 60_000));
  } finally {
    server.close();
  }
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("the add-in's state store in headless Chromium", () => {
  it("ran without a fatal error", () => {
    expect(results.fatal, pageConsole.join("\n")).toBeUndefined();
  });

  it("gives back the states whole, the one written in clear by version 1 too", () => {
    expect(results.loaded).toEqual(results.saved);
    expect(results.legacyLoaded).toEqual(results.legacy);
    expect(results.legacyLoadedAgain).toEqual(results.legacy);
    expect(results.listed).toEqual(["new@example.org", "old@example.org"]);
  });

  it("keeps no PKCS#8 and no private JWK in clear in IndexedDB", () => {
    const { pkcs8, pkcs8Hex, jwkD } = results.secrets;
    expect(pkcs8).toHaveLength(4);
    const states = results.raw.filter((r) => r.store === "states");
    expect(states.map((r) => r.key).sort()).toEqual(["new@example.org", "old@example.org"]);
    for (const record of results.raw) {
      const strings = record.strings.join("\n");
      const bytes = record.bytesHex.join("\n");
      for (const [i, secret] of pkcs8.entries()) {
        expect(strings.includes(secret), `${record.store}/${record.key} holds PKCS#8 ${i} (base64url)`).toBe(false);
        // Any 64 bytes of the DER (the private exponent is in there) in any stored byte array.
        const middle = pkcs8Hex[i]!.slice(pkcs8Hex[i]!.length / 2, pkcs8Hex[i]!.length / 2 + 128);
        expect(bytes.includes(middle), `${record.store}/${record.key} holds PKCS#8 ${i} (DER)`).toBe(false);
      }
      for (const d of jwkD) expect(strings.includes(d), `${record.store}/${record.key} holds a JWK's d`).toBe(false);
    }
    // What is there: each state sealed (AES-256-GCM, a 96-bit IV) and nothing else readable.
    for (const record of states) {
      expect(record.strings.sort()).toEqual(["AES-256-GCM", "data", "iv", "sealed"]);
      expect(record.bytesHex.map((h) => h.length / 2)[0]).toBe(12);
    }
  });

  it("seals under one AES-256-GCM key that WebCrypto does not let out", () => {
    const keys = results.raw.filter((r) => r.store === "sealingKeys");
    expect(keys).toHaveLength(1);
    expect(keys[0]!.cryptoKeys).toEqual([
      {
        type: "secret",
        extractable: false,
        algorithm: JSON.stringify({ name: "AES-GCM", length: 256 }),
        usages: ["encrypt", "decrypt"],
      },
    ]);
  });

  it("refuses a sealed state moved to another account's record (STATE_INVALID)", () => {
    expect(results.swappedError?.code).toBe("STATE_INVALID");
  });
});
