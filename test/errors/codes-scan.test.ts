// Every code thrown in the source is in the error catalogue (shared/src/errors/catalogue.ts), and the
// documents that list codes name only catalogue codes (or a documented alias). A source scan of the
// literal patterns that raise or test a code: `new XError("CODE"`, `code: "CODE"`, `hasCode(e, "CODE")`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_ALIASES, isErrorCode } from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { SOURCE_FOLDERS } from "../support/source-folders.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function* sourceFiles(dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return; // a package that does not exist (yet)
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

const RAISED = [
  /new \w*Error\(\s*"([A-Z][A-Z0-9_]*)"/g,
  /\bcode: "([A-Z][A-Z0-9_]*)"/g,
  /\bhasCode\(\s*\w+,\s*((?:"[A-Z0-9_]+",?\s*)+)\)/g,
];

/** The codes `text` raises or tests, with where. */
export function codesIn(text: string): string[] {
  const found: string[] = [];
  for (const pattern of RAISED) {
    for (const match of text.matchAll(pattern)) found.push(...(match[1]!.match(/[A-Z][A-Z0-9_]*/g) ?? []));
  }
  return found;
}

/** Names in the documents that look like codes but are not: environment variables, PKCS #11 names,
 * the per-layer code lists, NSS's error names, Postfix's documents, constants named in the text. */
const NOT_CODES = [
  /^MAILSEAL_[A-Z_]+$/,
  /^CK[AMRO]_[A-Z0-9_]+$/,
  /^STABLE_CODE$/,
  /^[A-Z]+_ERROR_CODES$/,
  /^SEC_ERROR_[A-Z_]+$/,
  /^[A-Z_]+_README$/,
  /^SIGNED_DATA_LIMITS$/,
];

describe("error codes in the source", () => {
  it("the scan finds what it looks for, and would catch a code outside the catalogue", () => {
    expect(codesIn('throw new MailsealError("NOT_SMIME", "x"); ({ code: "WRONG_PASSWORD" });')).toEqual([
      "NOT_SMIME",
      "WRONG_PASSWORD",
    ]);
    expect(codesIn('if (hasCode(error, "A_B", "C")) {}')).toEqual(["A_B", "C"]);
  });

  it("every code thrown or tested anywhere is a catalogue code", () => {
    const unknown: string[] = [];
    const seen = new Map<string, number>();
    for (const dir of SOURCE_FOLDERS) {
      for (const file of sourceFiles(dir)) {
        for (const code of codesIn(readFileSync(join(root, file), "utf8"))) {
          seen.set(dir, (seen.get(dir) ?? 0) + 1);
          if (!isErrorCode(code)) unknown.push(`${file}: ${code}`);
        }
      }
    }
    // Every folder is there and raises or tests codes: a moved or renamed package is not skipped unseen.
    expect(SOURCE_FOLDERS.filter((dir) => !seen.has(dir))).toEqual([]);
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(300);
    expect(unknown).toEqual([]);
  });
});

describe("error codes in the documents", () => {
  it.each(["docs/DESIGN.md", "docs/services.md", "cli/README.md"])("%s names only catalogue codes", (doc) => {
    const text = readFileSync(join(root, doc), "utf8");
    const named = new Set([
      ...[...text.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/g)].map((m) => m[1]!),
      ...[...text.matchAll(/`([A-Z][A-Z0-9]{1,})`/g)].map((m) => m[1]!),
    ]);
    const unknown = [...named].filter(
      (name) => !isErrorCode(name) && !ERROR_ALIASES.has(name) && !NOT_CODES.some((p) => p.test(name)),
    );
    expect(unknown).toEqual([]);
  });
});
