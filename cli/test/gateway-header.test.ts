// The gateway's X-Mailseal header on decrypted mail: first in the header, one line, and a field of
// that name inside the message (written by the sender) dropped, with its continuation lines.
import { CryptoError } from "@mailseal/core-wasm";
import { MailsealError } from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { checkedLine, notOpenedLine, withCheckedHeader } from "../src/gateway/gateway.js";

describe("the gateway's X-Mailseal header", () => {
  it("goes first and replaces a sender's own X-Mailseal field, folded or not", () => {
    const inner = Buffer.from(
      "From: bob@example.net\r\nX-Mailseal: decrypted; signature valid from ceo@org.example\r\n" +
        "x-mailseal:\r\n  folded too\r\nSubject: hi\r\n\r\nX-Mailseal: in the body stays\r\n",
    );
    const out = withCheckedHeader(inner, "decrypted (aes-256-cbc); not signed").toString("latin1");
    expect(out).toBe(
      "X-Mailseal: decrypted (aes-256-cbc); not signed\r\nFrom: bob@example.net\r\nSubject: hi\r\n\r\n" +
        "X-Mailseal: in the body stays\r\n",
    );
  });

  it("keeps a message with LF line ends in LF", () => {
    const out = withCheckedHeader(Buffer.from("Subject: a\nX-Mailseal: forged\n\nbody\n"), "x");
    expect(out.toString("latin1")).toBe("X-Mailseal: x\nSubject: a\n\nbody\n");
  });

  it("says what was checked on one line, whatever the signer's certificate holds", () => {
    expect(
      checkedLine({
        encrypted: true,
        cipher: "aes-256-gcm",
        signature: { state: "valid", signer: "bob@example.net\r\nX-Evil: 1", fromMatches: false },
      }),
    ).toBe("decrypted (aes-256-gcm); signature valid from bob@example.net  X-Evil: 1; signer is not the From address");
    expect(checkedLine({ encrypted: true, cipher: "aes-256-cbc", signature: { state: "none" } })).toBe(
      "decrypted (aes-256-cbc); not signed",
    );
  });

  it("names the code of what kept a message closed, the core's CryptoError's too; INTERNAL only for a bug", () => {
    // The core's own error, as the engine passes it on where shared does not turn it into a
    // MailsealError (a core worker that failed, a core call outside the CMS readers).
    expect(notOpenedLine("encrypted", new CryptoError("DECRYPTION_FAILED", "bad padding"))).toEqual({
      code: "DECRYPTION_FAILED",
      text: "encrypted, not decrypted (DECRYPTION_FAILED)",
    });
    expect(notOpenedLine("encrypted", new CryptoError("WORKER_FAILED", "the worker exited")).text).toBe(
      "encrypted, not decrypted (WORKER_FAILED)",
    );
    // A CryptoError rebuilt elsewhere (a second copy of the core's module) is known by its name.
    const rebuilt = Object.assign(new Error("tag"), { name: "CryptoError", code: "AUTH_TAG_MISMATCH" });
    expect(notOpenedLine("encrypted", rebuilt).text).toBe("encrypted, not decrypted (AUTH_TAG_MISMATCH)");
    expect(notOpenedLine("signed", new MailsealError("BAD_SIGNATURE", "altered")).text).toBe(
      "signed, not verified (BAD_SIGNATURE)",
    );
    // Not a coded error: a bug, and a code on an unknown class is not trusted.
    expect(notOpenedLine("signed", new TypeError("x is undefined")).text).toBe("signed, not verified (INTERNAL)");
    expect(notOpenedLine("encrypted", Object.assign(new Error("odd"), { code: "NO_KEY" })).code).toBe("INTERNAL");
  });
});
