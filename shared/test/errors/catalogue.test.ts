// The error catalogue: every code with plain words and a meaning, aliases that resolve to their merged
// code, the per-layer lists inside it, and the helpers that discriminate by code.
import { CryptoError } from "@mailseal/core-wasm";
import { describe, expect, it } from "vitest";
import {
  API_ERROR_CODES,
  canonicalCode,
  codeOf,
  ERROR_ALIASES,
  ERROR_CATALOGUE,
  ERROR_CODES,
  hasCode,
  isErrorCode,
  isMailsealError,
  MAILFLOW_ERROR_CODES,
  MailsealError,
  plainWordsOf,
  PROTOCOL_ERROR_CODES,
  SMIME_ERROR_CODES,
  type CatalogueEntry,
} from "../../src/index.js";

describe("the error catalogue", () => {
  it("gives every code plain words (a sentence without codes or jargon) and a meaning", () => {
    expect(ERROR_CODES.length).toBeGreaterThan(100);
    for (const code of ERROR_CODES) {
      const entry: CatalogueEntry = ERROR_CATALOGUE[code];
      expect(entry.words, code).toMatch(/^[A-Z“].*[.!?]$/);
      // No code of any spelling, no stack-ish detail in what a person reads.
      expect(entry.words, code).not.toMatch(/\b[A-Z]{2,}(_[A-Z0-9]+)+\b|0x|CKR_|RFC/);
      expect(entry.meaning.length, code).toBeGreaterThan(10);
    }
  });

  it("an entry without words does not compile", () => {
    // @ts-expect-error: `words` is required, so a code without plain words is a compile error.
    const noWords: CatalogueEntry = { meaning: "a code nobody can read" };
    expect(noWords.words).toBeUndefined();
  });

  it("resolves the merged spellings to one code each; no alias is a code of its own", () => {
    expect(canonicalCode("NO_MATCHING_RECIPIENT")).toBe("NO_KEY");
    expect(canonicalCode("WRONG_PASSWORD")).toBe("PASSWORD_WRONG");
    expect(plainWordsOf("WRONG_PASSWORD")).toBe(ERROR_CATALOGUE.PASSWORD_WRONG.words);
    for (const [alias, code] of ERROR_ALIASES) {
      expect(isErrorCode(alias), alias).toBe(false);
      expect(isErrorCode(code), code).toBe(true);
    }
    for (const value of ["NOPE", "constructor", "toString", "__proto__", "hasOwnProperty", ""]) {
      expect(canonicalCode(value), value).toBeUndefined();
      expect(plainWordsOf(value), value).toBeUndefined();
    }
  });

  it("holds every code of the per-layer lists, each list without repeats", () => {
    for (const list of [SMIME_ERROR_CODES, PROTOCOL_ERROR_CODES, MAILFLOW_ERROR_CODES, API_ERROR_CODES]) {
      expect(new Set(list).size).toBe(list.length);
      for (const code of list) expect(isErrorCode(code), code).toBe(true);
    }
  });

  it("knows the core's codes: a CryptoError's code has words too", () => {
    const error = new CryptoError("AUTH_TAG_MISMATCH", "tag");
    expect(codeOf(error)).toBe("AUTH_TAG_MISMATCH");
    expect(plainWordsOf(codeOf(error)!)).toBe(ERROR_CATALOGUE.AUTH_TAG_MISMATCH.words);
  });

  it("codeOf gives the catalogue code of a MailsealError or a CryptoError, and nothing for other errors", () => {
    expect(codeOf(new MailsealError("NOT_SMIME", "text/plain"))).toBe("NOT_SMIME");
    expect(codeOf(Object.assign(new Error("copy"), { name: "MailsealError", code: "USAGE" }))).toBe("USAGE");
    expect(codeOf(Object.assign(new Error("rebuilt"), { name: "CryptoError", code: "WORKER_FAILED" }))).toBe(
      "WORKER_FAILED",
    );
    // A code on another error is not one of ours: Node's, a library's that happens to be spelt
    // like a catalogue code, or a CryptoError's code the catalogue does not know.
    expect(codeOf(Object.assign(new Error("no such file"), { code: "ENOENT" }))).toBeUndefined();
    expect(codeOf(Object.assign(new Error("slow"), { code: "TIMEOUT" }))).toBeUndefined();
    expect(codeOf(Object.assign(new Error("odd"), { name: "CryptoError", code: "NOPE" }))).toBeUndefined();
    expect(codeOf({ code: "NOT_SMIME" })).toBeUndefined();
    expect(codeOf(undefined)).toBeUndefined();
    expect(codeOf(null)).toBeUndefined();
  });
});

describe("discriminating by code", () => {
  it("hasCode matches a MailsealError of one of the codes, and never a CryptoError or a look-alike", () => {
    const error = new MailsealError("NOT_SMIME", "text/plain");
    expect(hasCode(error, "NOT_SMIME")).toBe(true);
    expect(hasCode(error, "MALFORMED_MIME", "NOT_SMIME")).toBe(true);
    expect(hasCode(error, "MALFORMED_MIME")).toBe(false);
    // The core's errors are caught by name where that is meant (pki/signature.ts), not by hasCode.
    expect(hasCode(new CryptoError("INVALID_KEY", "k"), "INVALID_KEY")).toBe(false);
    expect(hasCode(Object.assign(new Error("odd"), { code: "NOT_SMIME" }), "NOT_SMIME")).toBe(false);
    expect(hasCode(undefined, "NOT_SMIME")).toBe(false);
  });

  it("isMailsealError also accepts one from a second copy of the module (a bundle), by shape", () => {
    const copy = Object.assign(new Error("cut"), { name: "MailsealError", code: "TRUNCATED" });
    expect(isMailsealError(copy)).toBe(true);
    expect(isMailsealError(Object.assign(new Error("x"), { name: "MailsealError", code: "NOPE" }))).toBe(false);
  });

  it("keeps its cause and details", () => {
    const cause = new Error("inner");
    const error = new MailsealError("NO_CERTIFICATE", "none", { details: { addresses: ["a@x.test"] }, cause });
    expect(error.cause).toBe(cause);
    expect(error.details?.addresses).toEqual(["a@x.test"]);
    expect(new MailsealError("NOT_SMIME", "x").details).toBeUndefined();
  });
});
