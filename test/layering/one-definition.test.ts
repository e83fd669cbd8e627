// One way to do a thing (issue 11): every object identifier is spelled in shared/src/pki/oids.ts
// only, and the byte helpers concatBytes and constantTimeEqual are defined once, in
// core-wasm/src/bytes.ts. A scan of the source folders; tests may spell OIDs (an independent check).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { SOURCE_FOLDERS } from "../support/source-folders.js";

const root = new URL("../..", import.meta.url).pathname;
const OID_TABLE = "shared/src/pki/oids.ts";
const BYTE_HELPERS = "core-wasm/src/bytes.ts";

/** Source files (TypeScript and JavaScript) under a folder, relative to the repository root. */
function sourceFiles(folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, folder), { withFileTypes: true, recursive: true });
  } catch {
    return []; // a host folder not written yet
  }
  return entries
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const files = SOURCE_FOLDERS.flatMap(sourceFiles);

/** A quoted dotted OID of at least four arcs, the first 0, 1 or 2 ("127.0.0.1" is not one). */
const OID_LITERAL = /["'`]([0-2](?:\.\d+){3,})["'`]/g;

/** A definition of a concatenation or a constant-time compare: function, arrow or function expression. */
const HELPER_DEFINITION =
  /(?:function\s*\*?\s*|(?:const|let|var)\s+)(concat\w*|join\w*Bytes|constantTimeEqual|timingSafeEqual\w*|\w*[Cc]onstantTime\w*)\s*(?:[(<]|=\s*(?:async\s*)?(?:function|\(|\w+\s*=>))/g;

function* lines(file: string): Generator<{ at: string; text: string }> {
  const text = readFileSync(join(root, file), "utf8").split("\n");
  for (let i = 0; i < text.length; i++) yield { at: `${file}:${i + 1}`, text: text[i]! };
}

describe("one definition of each (issue 11)", () => {
  it("scans the source folders", () => {
    expect(files).toContain(OID_TABLE);
    expect(files).toContain(BYTE_HELPERS);
    expect(files.length).toBeGreaterThan(100);
  });

  it(`spells every dotted OID in ${OID_TABLE} only`, () => {
    const found: string[] = [];
    for (const file of files) {
      if (file === OID_TABLE) continue;
      for (const { at, text } of lines(file)) {
        for (const match of text.matchAll(OID_LITERAL)) found.push(`${at} ${match[1]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("spells each OID once in the table", () => {
    const values = [...readFileSync(join(root, OID_TABLE), "utf8").matchAll(OID_LITERAL)].map((m) => m[1]!);
    expect(values.length).toBeGreaterThan(50);
    expect(values.filter((v, i) => values.indexOf(v) !== i)).toEqual([]);
  });

  it(`defines concatBytes and constantTimeEqual in ${BYTE_HELPERS} only, once each`, () => {
    const found: string[] = [];
    for (const file of files) {
      for (const { at, text } of lines(file)) {
        for (const match of text.matchAll(HELPER_DEFINITION)) found.push(`${at} ${match[1]}`);
      }
    }
    expect(found.map((f) => f.replace(/:\d+ /, " "))).toEqual([
      `${BYTE_HELPERS} concatBytes`,
      `${BYTE_HELPERS} constantTimeEqual`,
    ]);
  });
});
