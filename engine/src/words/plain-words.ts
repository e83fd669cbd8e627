// Every error the add-in shows a person, in plain words: the words of the error catalogue
// (shared/src/errors/catalogue.ts), one sentence per stable code, so one failure reads the same
// wherever it appears (setup page, options page, message view, compose action) and in every host.
// The code stays visible for support: in brackets (plainError), or in the message view behind the
// banner's "Details" toggle (bannerView). The catalogue is typed so that a code without words does
// not compile.
import { plainWordsOf, type ErrorCode } from "@mailseal/shared";
import type { Banner } from "../reader/render-model.js";

/** Every stable code the add-in can meet: the catalogue's (the read time limit's TIMEOUT included). */
export type StableCode = ErrorCode;

/**
 * A signature whose certificate was withdrawn after the time the message says it was signed
 * (readMessage's "revoked" status): not shown as valid, not as forged either.
 */
export function revokedSinceSigningWords(signer: string, signingTime: Date, revokedAt: Date): string {
  return (
    `Signed by ${signer}, but that certificate has since been withdrawn (on ${dayOf(revokedAt)}, ` +
    `for example because the device was removed). The message says it was signed before that ` +
    `(on ${dayOf(signingTime)}), which cannot be checked: trust it only if you expected it.`
  );
}

/** A day as people write it ("2 May 2026"), in UTC so every reader sees the same day. */
function dayOf(date: Date): string {
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(date);
}

/** The sentence for `code` (or a former spelling of it), or undefined for no code (the caller shows the message). */
export function plainWords(code: string): string | undefined {
  return plainWordsOf(code);
}

/** The stable code of an error (MailsealError and the core's CryptoError both carry `code`). */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "ERROR";
}

/** What a person reads for `error`: the table's sentence with the code, else the error's own message. */
export function plainError(error: unknown): string {
  const code = errorCode(error);
  const words = plainWords(code);
  const message = error instanceof Error ? error.message : String(error);
  return words === undefined ? `${message} (${code})` : `${words} (${code})`;
}

/** What the message view's banner shows for a read message (display/display.ts renders it). */
export interface BannerView {
  /**
   * ok: decrypted and validly signed by the From address; neutral: decrypted but not signed (the
   * content is intact, the sender unknown); warning: shown, read with care (signer and From differ,
   * an untrusted or withdrawn certificate); error: not shown, or a broken signature.
   */
  level: "ok" | "neutral" | "warning" | "error";
  /** What a person reads: plain sentences, no code, no offsets. */
  headline: string;
  /** The technical detail (code and reason) behind the banner's "Details" toggle; "" when there is none. */
  details: string;
}

const CHANGED_ON_THE_WAY = "This message may have been changed on the way.";
/**
 * Codes that mean the bytes were altered after the sender made them: the GCM tag (RFC 5084 / RFC
 * 5083: authenticated encryption) or the signature (RFC 8551 2.5, CMS SignedData) does not match.
 */
const CHANGED_CODES: ReadonlySet<string> = new Set(["AUTH_TAG_MISMATCH", "BAD_SIGNATURE"]);

/**
 * The banner of a read message in plain words: which headline, how alarming, and the detail for
 * support. "Could not be decrypted" only when decryption itself failed; decrypted content that is
 * not valid says so; a failed tag or signature check says the message may have been changed.
 * `place.draft`: the message lies in the person's Drafts folder (the host knows its folder).
 */
export function bannerView(banner: Banner, place: { draft?: boolean } = {}): BannerView {
  if (banner.kind === "failed") {
    const why = plainWords(banner.code) ?? "Something went wrong while reading it, so it is not shown.";
    const title = CHANGED_CODES.has(banner.code)
      ? CHANGED_ON_THE_WAY
      : banner.stage === "content"
        ? "This message was decrypted, but its content is damaged."
        : banner.stage === "decrypt"
          ? "This message could not be decrypted."
          : "This message could not be opened.";
    return { level: "error", headline: `${title} ${why}`, details: `${banner.code}: ${banner.detail}` };
  }
  const signature = banner.signature;
  if (signature?.state === "invalid") {
    const why = plainWords(signature.code) ?? "Its signature could not be checked.";
    const changed = CHANGED_CODES.has(signature.code);
    const title = changed ? CHANGED_ON_THE_WAY : "The signature of this message cannot be trusted.";
    return {
      level: changed ? "error" : "warning",
      headline: `${title} ${why} It was decrypted; trust its content only if you expected it.`,
      details: banner.detail,
    };
  }
  // Signed before the certificate was withdrawn, by the signer's own claim: shown, with care.
  if (signature?.state === "revoked") {
    const words = revokedSinceSigningWords(
      signature.signer,
      new Date(signature.signingTime),
      new Date(signature.revokedAt),
    );
    return { level: "warning", headline: `Encrypted. ${words}`, details: `${signature.code}: ${banner.detail}` };
  }
  // The cipher and the exact times are for support, behind "Details": a person needs who signed.
  if (signature?.state === "valid") {
    const since = signature.expiredSince ? " Their certificate has expired since; it was valid when they signed." : "";
    if (signature.fromMatches) {
      return { level: "ok", headline: `Encrypted, and signed by ${signature.signer}.${since}`, details: banner.detail };
    }
    // The signature names someone else than the From line: the mail is that signer's, whatever
    // From says (RFC 8551 3.1.5: the signer's certificate must match the sender's address).
    return {
      level: "warning",
      headline:
        `Encrypted, and signed by ${signature.signer}, but that is not the address ` +
        `in its From line: it may not come from who it says.`,
      details: banner.detail,
    };
  }
  // The person's own draft, kept encrypted by the mail client (Thunderbird encrypts a draft and does
  // not sign it; addin-thunderbird/README.md, "Drafts"): saying anyone could have sent it would
  // warn of a sender where there is none. The message is signed when it is sent.
  if (place.draft === true) {
    return { level: "neutral", headline: DRAFT_UNSIGNED, details: banner.detail };
  }
  // Encryption alone proves nothing about the sender: anyone with the recipient's certificate can
  // encrypt to it (RFC 8551 2.4.3); only a signature names who wrote the message.
  return {
    level: "neutral",
    headline: `Encrypted, but not signed: ${UNSIGNED}`,
    details: banner.detail,
  };
}

/** An encrypted, unsigned message in the Drafts folder: a draft, not mail someone sent. */
const DRAFT_UNSIGNED = "A draft, stored encrypted. Drafts are not signed; the message is signed when it is sent.";

/** What an encrypted but unsigned message cannot say: who sent it. */
const UNSIGNED = "anyone could have sent it, whatever its From line says.";

/**
 * The status line of an address on the options page: what mailseal does for its mail, no more.
 * Mail from a set-up address is always signed; it is encrypted only when every recipient uses
 * mailseal or has a certificate (otherwise the compose action says "signed only").
 */
export const IDENTITY_STATE_WORDS = {
  offered: "Not set up yet.",
  started: "Setting up has started but not finished. Press “Set up” to finish it.",
  ready:
    "Set up: mail you send from this address is signed, and encrypted when every recipient uses mailseal or has a certificate.",
} as const;
