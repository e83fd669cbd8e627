// Wycheproof's X25519, X448, Ed25519 and Ed448 files through the WebCrypto wrappers the S/MIME code
// uses (vectors/eddsa-xdh.ts): every vector passes in Node, which has all four; all-zero X25519/X448
// secrets are refused (RFC 7748 6.1).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { handlers } from "./vectors/eddsa-xdh.js";
import type { BaseExports, WasmCore } from "../src/wasm/instance.js";

const folder = join(import.meta.dirname, "vectors", "wycheproof");
/** The handlers do not use the core. */
const noCore = undefined as unknown as WasmCore<BaseExports>;

describe("Wycheproof X25519, X448, Ed25519, Ed448 through shared's WebCrypto wrappers", () => {
  it.each(handlers.flatMap((h) => h.files.map((file) => [file, h] as const)))("%s: every vector", async (file, h) => {
    const json = JSON.parse(readFileSync(join(folder, file), "utf8")) as {
      numberOfTests: number;
      testGroups: { tests: { flags: string[] }[] }[];
    };
    const tally = await h.run(file, json, noCore);
    expect(tally.notes.filter((n) => !n.includes(" acceptable ("))).toEqual([]);
    expect(tally.failed).toBe(0);
    expect(tally.skipped).toBe(0);
    expect(tally.passed).toBe(json.numberOfTests);
    // The small-order public keys of the XDH files are among them, each refused.
    const zero = json.testGroups.flatMap((g) => g.tests).filter((t) => t.flags.includes("ZeroSharedSecret")).length;
    expect(tally.notes.filter((n) => n.includes("ZeroSharedSecret") && n.includes("refused"))).toHaveLength(zero);
  });
});
