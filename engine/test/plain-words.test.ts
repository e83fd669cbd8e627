// The plain-words table (ui/plain-words.ts) against shared's code lists, imported, not copied: a code
// added to MailsealError, MailsealError or MailsealError without words here fails this test (and tsc).
import { API_ERROR_CODES, MailsealError, MAILFLOW_ERROR_CODES, SMIME_ERROR_CODES } from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { bannerOf } from "../src/reader/read-message.js";
import { readTimeout } from "../src/reader/time-limit.js";
import { bannerView, errorCode, IDENTITY_STATE_WORDS, plainError, plainWords } from "../src/words/plain-words.js";

describe("plain words", () => {
  it.each([
    ["MailsealError", SMIME_ERROR_CODES],
    ["MailsealError", API_ERROR_CODES],
    ["MailsealError", MAILFLOW_ERROR_CODES],
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
    expect(plainWords(readTimeout("slow").code)).toMatch(/took too long/);
    for (const code of ["NOPE", "constructor", "toString", "__proto__", "hasOwnProperty", ""]) {
      expect(plainWords(code), code).toBeUndefined();
    }
  });

  it("shows each error class with its words and the code in brackets, else its own message", () => {
    expect(plainError(new MailsealError("TRUNCATED", "cut"))).toMatch(/incomplete.* \(TRUNCATED\)$/);
    expect(plainError(new MailsealError("NO_KEY", "none"))).toMatch(/None of your keys.* \(NO_KEY\)$/);
    const api = new MailsealError("RATE_LIMITED", "slow down", { details: { status: 429 } });
    expect(errorCode(api)).toBe("RATE_LIMITED");
    expect(plainError(api)).toMatch(/Too many attempts.* \(RATE_LIMITED\)$/);
    expect(plainError(new Error("plain failure"))).toBe("plain failure (ERROR)");
    expect(plainError("a string")).toBe("a string (ERROR)");
    expect(errorCode(undefined)).toBe("ERROR");
  });
});

describe("the message banner in plain words (bannerView)", () => {
  /** No stable code, no "0x", no offsets, no stack-ish colons of an error chain in what a person reads first. */
  function expectPlain(headline: string): void {
    expect(headline).not.toMatch(/\b[A-Z]{2,}(_[A-Z]+)+\b|\b(NO_KEY|TRUNCATED|INTERNAL|TIMEOUT)\b/);
    expect(headline).not.toMatch(/0x|offset|base64|decode:/i);
    // No cipher names and no machine timestamps (issue 14, finding 9): those are in the details.
    expect(headline).not.toMatch(/aes-\d|des-ede3|\d{4}-\d\d-\d\dT/i);
    expect(headline).toMatch(/^[A-Z].*[.!?]$/);
  }

  it("decrypted, but the content is not valid MIME: says it was decrypted and is damaged, not 'not decrypted'", () => {
    const detail =
      "the decrypted content is not valid MIME: base64 body: base64 decode: character 0xcc at input offset 2096 is not in the base64 alphabet";
    const view = bannerView({ kind: "failed", code: "MALFORMED_MIME", stage: "content", detail });
    expect(view.level).toBe("error");
    expect(view.headline).toMatch(/^This message was decrypted, but its content is damaged\./);
    expect(view.headline).not.toMatch(/not (be )?decrypted/i);
    expectPlain(view.headline);
    // The technical reason stays available, behind "Details".
    expect(view.details).toBe(`MALFORMED_MIME: ${detail}`);
  });

  it("a failed GCM tag check (tampered in transit): may have been changed on the way", () => {
    const view = bannerView({
      kind: "failed",
      code: "AUTH_TAG_MISMATCH",
      stage: "decrypt",
      detail: "could not decrypt this message: authentication tag mismatch",
    });
    expect(view.level).toBe("error");
    expect(view.headline).toMatch(/^This message may have been changed on the way\. /);
    expectPlain(view.headline);
    expect(view.details).toContain("AUTH_TAG_MISMATCH");
  });

  it("decryption itself failed: could not be decrypted, with the reason in words", () => {
    const view = bannerView({
      kind: "failed",
      code: "NO_KEY",
      stage: "decrypt",
      detail: "could not decrypt this message: no key of this device",
    });
    expect(view.headline).toBe(`This message could not be decrypted. ${plainWords("NO_KEY")}`);
    expectPlain(view.headline);
  });

  it("not even read (header, time limit, an unknown code): could not be opened, never the raw message", () => {
    const timeout = bannerView({ kind: "failed", code: "TIMEOUT", stage: "read", detail: "took 30000 ms" });
    expect(timeout.headline).toBe(`This message could not be opened. ${plainWords("TIMEOUT")}`);
    const unknown = bannerView({
      kind: "failed",
      code: "WEIRD_THING",
      stage: "read",
      detail: "TypeError: x is undefined",
    });
    expect(unknown.headline).not.toContain("TypeError");
    expectPlain(unknown.headline);
    expect(unknown.details).toBe("WEIRD_THING: TypeError: x is undefined");
  });

  it("every stable code at every stage reads as plain sentences", () => {
    for (const code of [...SMIME_ERROR_CODES, ...API_ERROR_CODES, ...MAILFLOW_ERROR_CODES]) {
      for (const stage of ["read", "decrypt", "content"] as const) {
        expectPlain(bannerView({ kind: "failed", code, stage, detail: `${code}: at offset 12 0x00` }).headline);
      }
    }
  });

  it("a signed message whose signature does not match: may have been changed on the way, shown as an error", () => {
    const view = bannerView({
      kind: "encrypted",
      cipher: "aes-256-cbc",
      detail: "Encrypted (aes-256-cbc); signature invalid: BAD_SIGNATURE: the message digest does not match",
      signature: { state: "invalid", code: "BAD_SIGNATURE" },
    });
    expect(view.level).toBe("error");
    expect(view.headline).toMatch(/^This message may have been changed on the way\. /);
    expectPlain(view.headline);
    expect(view.details).toContain("BAD_SIGNATURE: the message digest does not match");
  });

  it("a signature by an untrusted certificate: a warning, not 'changed'", () => {
    const view = bannerView({
      kind: "encrypted",
      cipher: "aes-256-gcm",
      detail: "Encrypted (aes-256-gcm); signature invalid: UNTRUSTED_CERTIFICATE: unknown issuer",
      signature: { state: "invalid", code: "UNTRUSTED_CERTIFICATE" },
    });
    expect(view.level).toBe("warning");
    expect(view.headline).not.toContain("changed on the way");
    expectPlain(view.headline);
  });

  it("signed before the certificate was withdrawn: a warning in words, the code only in the details", () => {
    const banner = bannerOf({
      encrypted: true,
      cipher: "aes-256-cbc",
      signature: {
        state: "revoked",
        code: "CERT_REVOKED",
        signer: "alice@example.org",
        signingTime: new Date("2026-05-01T10:00:00Z"),
        revokedAt: new Date("2026-05-02T10:00:00Z"),
        fromMatches: true,
      },
    });
    // The banner (what crosses to the display) carries the times as ISO strings, never "valid".
    expect(banner).toMatchObject({
      kind: "encrypted",
      signature: {
        state: "revoked",
        signer: "alice@example.org",
        code: "CERT_REVOKED",
        signingTime: "2026-05-01T10:00:00.000Z",
        revokedAt: "2026-05-02T10:00:00.000Z",
      },
    });
    const view = bannerView(banner);
    expect(view.level).toBe("warning");
    expect(view.headline).toBe(
      "Encrypted. Signed by alice@example.org, but that certificate has since been withdrawn (on 2 May 2026, " +
        "for example because the device was removed). The message says it was signed before that (on 1 May 2026), " +
        "which cannot be checked: trust it only if you expected it.",
    );
    expectPlain(view.headline);
    expect(view.details).toMatch(
      /^CERT_REVOKED: Encrypted \(aes-256-cbc\); signed by alice@example\.org, but the certificate is revoked/,
    );
  });

  it("decrypted and validly signed: who signed it in words; the cipher only in the details (issue 14, finding 9)", () => {
    const detail = "Encrypted (aes-256-cbc); signed by alice@example.org";
    expect(
      bannerView({
        kind: "encrypted",
        cipher: "aes-256-cbc",
        detail,
        signature: { state: "valid", signer: "alice@example.org", fromMatches: true },
      }),
    ).toEqual({ level: "ok", headline: "Encrypted, and signed by alice@example.org.", details: detail });
    // Signed while the certificate was valid, expired since: still signed by them, said in words.
    const expired = bannerView(
      bannerOf({
        encrypted: true,
        cipher: "aes-256-cbc",
        signature: {
          state: "valid",
          signer: "alice@example.org",
          fromMatches: true,
          expiredSince: true,
          signingTime: new Date("2026-05-01T10:00:00Z"),
        },
      }),
    );
    expect(expired.headline).toBe(
      "Encrypted, and signed by alice@example.org. Their certificate has expired since; it was valid when they signed.",
    );
    expectPlain(expired.headline);
  });

  it("signed by someone other than the From address: a warning naming the signer, never green (issue 14, finding 5)", () => {
    const view = bannerView(
      bannerOf({
        encrypted: true,
        cipher: "aes-256-cbc",
        signature: { state: "valid", signer: "mallory@example.org", fromMatches: false },
      }),
    );
    expect(view.level).toBe("warning");
    expect(view.headline).toBe(
      "Encrypted, and signed by mallory@example.org, but that is not the address in its From line: it may not come from who it says.",
    );
    expectPlain(view.headline);
    expect(view.details).toBe(
      "Encrypted (aes-256-cbc); signed by mallory@example.org; WARNING: the signer is not the From address",
    );
  });

  it("encrypted but not signed: neutral, not green, and says anyone could have sent it (issue 14, finding 5)", () => {
    const unsigned = bannerOf({ encrypted: true, cipher: "aes-256-gcm", signature: { state: "none" } });
    const view = bannerView(unsigned);
    expect(view.level).toBe("neutral");
    expect(view.headline).toBe("Encrypted, but not signed: anyone could have sent it, whatever its From line says.");
    expectPlain(view.headline);
    expect(view.details).toBe("Encrypted (aes-256-gcm); not signed");
    // A banner with no signature status at all (readEncryptedMessage) proves no sender either.
    expect(bannerView({ kind: "encrypted", cipher: "aes-256-cbc", detail: "Encrypted (aes-256-cbc)" }).level).toBe(
      "neutral",
    );
  });

  it("an encrypted, unsigned draft in the Drafts folder is said to be a draft, not mail anyone could have sent", () => {
    const unsigned = bannerOf({ encrypted: true, cipher: "aes-128-cbc", signature: { state: "none" } });
    const view = bannerView(unsigned, { draft: true });
    expect(view.level).toBe("neutral");
    expect(view.headline).toBe(
      "A draft, stored encrypted. Drafts are not signed; the message is signed when it is sent.",
    );
    expectPlain(view.headline);
    expect(view.details).toBe("Encrypted (aes-128-cbc); not signed");
    // Only the unsigned case: a draft with a broken signature, or one that failed, says so as any mail.
    const failed = bannerView({ kind: "failed", code: "NO_KEY", stage: "decrypt", detail: "no key" }, { draft: true });
    expect(failed.level).toBe("error");
    expect(bannerView(unsigned, { draft: false }).headline).toMatch(/anyone could have sent it/);
  });
});

describe("the options page's status line (issue 14, finding 6)", () => {
  it("says what is true of a set-up address: signed always, encrypted only when every recipient can read it", () => {
    const ready = IDENTITY_STATE_WORDS.ready;
    expect(ready).toMatch(/\bsigned\b/);
    expect(ready).toMatch(/encrypted when every recipient uses mailseal or has a certificate/);
    // Not the old overclaim: mail *to* the address is whatever its sender made it.
    expect(ready).not.toMatch(/to and from/i);
    expect(ready).not.toMatch(/signed and encrypted\./);
    for (const words of Object.values(IDENTITY_STATE_WORDS)) expect(words).toMatch(/^[A-Z].*[.!?]$/);
  });
});
