// The plain-words table (ui/plain-words.ts) against shared's code lists, imported, not copied: a code
// added to SmimeError, ApiError or MailflowError without words here fails this test (and tsc).
import {
  API_ERROR_CODES,
  ApiError,
  MAILFLOW_ERROR_CODES,
  MailflowError,
  SMIME_ERROR_CODES,
  SmimeError,
} from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { ReadTimeoutError } from "../src/reader/time-limit.js";
import { errorCode, plainError, plainWords } from "../src/ui/plain-words.js";

describe("plain words", () => {
  it.each([
    ["SmimeError", SMIME_ERROR_CODES],
    ["ApiError", API_ERROR_CODES],
    ["MailflowError", MAILFLOW_ERROR_CODES],
  ] as const)("has a sentence for every %s code", (_name, codes) => {
    expect(codes.length).toBeGreaterThan(5);
    const missing = codes.filter((code) => plainWords(code) === undefined);
    expect(missing).toEqual([]);
    for (const code of codes) {
      const words = plainWords(code)!;
      // A sentence for a person: capitalised, ended, and not the code itself.
      expect(words, code).toMatch(/^[A-Z].*[.!?]$/);
      expect(words).not.toContain(code);
    }
  });

  it("has a sentence for the add-in's own TIMEOUT, and none for unknown codes or Object's properties", () => {
    expect(plainWords(new ReadTimeoutError("slow").code)).toMatch(/took too long/);
    for (const code of ["NOPE", "constructor", "toString", "__proto__", "hasOwnProperty", ""]) {
      expect(plainWords(code), code).toBeUndefined();
    }
  });

  it("shows each error class with its words and the code in brackets, else its own message", () => {
    expect(plainError(new SmimeError("TRUNCATED", "cut"))).toMatch(/incomplete.* \(TRUNCATED\)$/);
    expect(plainError(new MailflowError("NO_KEY", "none"))).toMatch(/None of your keys.* \(NO_KEY\)$/);
    const api = new ApiError("RATE_LIMITED", "slow down", 429);
    expect(errorCode(api)).toBe("RATE_LIMITED");
    expect(plainError(api)).toMatch(/Too many attempts.* \(RATE_LIMITED\)$/);
    expect(plainError(new Error("plain failure"))).toBe("plain failure (ERROR)");
    expect(plainError("a string")).toBe("a string (ERROR)");
    expect(errorCode(undefined)).toBe("ERROR");
  });
});
