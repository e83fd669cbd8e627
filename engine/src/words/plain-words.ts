// Every error the add-in shows a person, in plain words: one table from the stable codes (of
// shared/src/mailflow's MailflowError, the server's ApiError, SmimeError, the core's CryptoError) to
// sentences. The setup page, the options page, the message view and the compose action all use it,
// so one failure reads the same wherever it appears. The code stays visible for support: in brackets
// (plainError), or in the message view behind the banner's "Details" toggle (bannerView).
// Typed by the code lists of shared, so a new stable code without words does not compile.
import type { ApiErrorCode, MailflowErrorCode, SmimeErrorCode } from "@mailseal/shared";
import type { Banner } from "../reader/render-model.js";

/** Every stable code the add-in can meet: shared's three lists and the add-in's own read time limit. */
export type StableCode = SmimeErrorCode | ApiErrorCode | MailflowErrorCode | "TIMEOUT";

const WORDS: Readonly<Record<StableCode, string>> = {
  NO_ACCOUNT: "This address is not set up on this computer yet.",
  NOT_PROVISIONED: "Setting up this address has not finished yet. Press “Set up” again to finish it.",
  NO_CERTIFICATE: "Some recipients have no mailseal certificate yet, so the message cannot be encrypted to them.",
  CHALLENGE_NOT_FOUND:
    "The confirmation mail did not arrive in your inbox in time. If you can see it, type the code from it below; otherwise press “Set up” again.",
  CODE_REQUIRED: "A confirmation mail was sent to this address. Type the code from that mail below.",
  PASSWORD_REQUIRED: "Your keys are protected with a password. Enter it to continue.",
  PASSWORD_WRONG: "That password is not right. Please try again.",
  DOMAIN_NOT_SERVED:
    "The configured mailseal service does not handle addresses of this domain. Ask your administrator.",
  SERVICE_UNAVAILABLE:
    "The mailseal service cannot be reached right now. Check your connection and try again in a moment.",
  STORE_UNAVAILABLE: "A part of the mailseal service that keeps your keys cannot be reached. Try again in a moment.",
  BAD_RESPONSE: "The mailseal service answered something unexpected. Try again later or ask your administrator.",
  STATE_INVALID: "The saved settings of this address are damaged. Remove the add-on's data and set it up again.",
  SENDER_UNKNOWN: "The sender of this message is not set up with mailseal on this computer.",
  NO_KEY: "None of your keys opens this message: it was not encrypted to you, or to a key this computer does not have.",
  KEY_CERT_MISMATCH:
    "The mailseal service handed out a key that does not belong to your certificate, so it was not kept. Ask your administrator.",
  ROOT_CHANGED:
    "The mailseal service no longer shows the certificate authority this computer was set up with, so nothing was changed. This can mean someone is impersonating the service: ask your administrator before setting the address up again.",
  INSECURE_SERVICE_URL:
    "The mailseal service address is not secure (it must start with https://). Ask your administrator for the right address.",
  RATE_LIMITED: "Too many attempts in a short time. Wait a few minutes and try again.",
  CHALLENGE_EXPIRED: "The confirmation has expired. Press “Set up” again to get a new one.",
  CHALLENGE_INVALID: "That code is not right. Check the confirmation mail and type it again.",
  CHALLENGE_USED: "That confirmation was used already. Press “Set up” again to get a new one.",
  TOO_MANY_CHALLENGES:
    "This computer has asked for several confirmations that are still waiting. Use the newest mail, or wait a while and try again.",
  DEVICE_NOT_ACTIVE:
    "This computer is no longer one of the address's devices (it was removed). Set it up again to use it.",
  PROTECTION_LOGIN_FAILED: "That password is not right. Please try again.",
  PROTECTION_NOT_SET: "Enhanced protection is not turned on for this address.",
  ADDRESS_PROOF_REQUIRED:
    "Confirm this address again before setting a password: a new confirmation mail is needed. Try again in a moment.",
  AUTH_TAG_MISMATCH: "The content of this message does not match what the sender encrypted, so it is not shown.",
  DECRYPTION_FAILED:
    "The message was changed after it was encrypted, or it was encrypted to another key, so it is not shown.",
  // SmimeError: what the message itself is.
  MALFORMED_MIME: "The structure of this message is not valid, so it is not shown.",
  NOT_SMIME: "This message is not an encrypted or signed mailseal message.",
  MALFORMED_CMS: "The encrypted part of this message is damaged, so it cannot be opened.",
  NESTING_TOO_DEEP: "This message is wrapped in too many layers to be opened safely.",
  INPUT_TOO_LARGE: "This message is too large to be opened here.",
  TRUNCATED: "This message is incomplete: it was cut off on its way, so it is not shown.",
  NO_MATCHING_RECIPIENT:
    "None of your keys opens this message: it was not encrypted to you, or to a key this computer does not have.",
  UNSUPPORTED_ALGORITHM: "This message uses an encryption or signature method mailseal does not support.",
  BAD_SIGNATURE: "The signature of this message does not match its content.",
  UNTRUSTED_CERTIFICATE: "The certificate of the sender is not one mailseal trusts.",
  CERTIFICATE_EXPIRED: "The certificate involved has expired.",
  CERT_REVOKED:
    "The sender's certificate was withdrawn (for example, the device it belonged to was removed) before this message says it was signed: the signature does not count.",
  INVALID_KEY: "A key involved is damaged or of the wrong kind.",
  WRONG_PASSWORD: "That password is not right. Please try again.",
  // ApiError: what the service answered.
  BAD_REQUEST: "The mailseal service refused the request as invalid. Try again later or ask your administrator.",
  NOT_FOUND: "The mailseal service does not know what was asked for.",
  INTERNAL: "Something went wrong inside mailseal. Try again; if it keeps happening, ask your administrator.",
  UNAUTHENTICATED: "The mailseal service did not recognise this computer. Set up this address again.",
  BAD_PROOF: "The mailseal service did not accept this computer's proof of identity. Check the computer's clock.",
  PROOF_REPLAYED: "The mailseal service saw the same request twice and refused it. Try again.",
  TOKEN_EXPIRED: "The sign-in with the mailseal service has expired. Try again.",
  TOKEN_INVALID: "The sign-in with the mailseal service is not valid. Try again.",
  TOKEN_KEY_MISMATCH: "The sign-in with the mailseal service belongs to another computer. Set up this address again.",
  ADDRESS_NOT_VERIFIED: "This address has not been confirmed yet. Press “Set up” to confirm it.",
  TICKET_INVALID: "The permission to fetch your key is not valid. Try again.",
  TICKET_EXPIRED: "The permission to fetch your key has expired. Try again.",
  TICKET_USED: "The permission to fetch your key was used already. Try again.",
  SHARE_NOT_FOUND: "A part of your key is missing at the mailseal service. Ask your administrator.",
  PROTECTION_REQUIRED: "Your keys are protected with a password. Enter it to continue.",
  CSR_INVALID: "The mailseal service refused this computer's certificate request. Set up this address again.",
  CONFLICT: "Something changed at the mailseal service at the same time. Try again.",
  // The add-in's own limit on reading one message (reader/time-limit.ts).
  TIMEOUT: "Opening this message took too long. Open it again to retry.",
};

/**
 * A signature whose certificate was withdrawn after the time the message says it was signed
 * (readMessage's "revoked" status): not shown as valid, not as forged either.
 */
export function revokedSinceSigningWords(signer: string, signingTime: Date, revokedAt: Date): string {
  return (
    `Signed by ${signer}, but that certificate has since been withdrawn (on ${revokedAt.toISOString()}, ` +
    `for example because the device was removed). The message says it was signed before that ` +
    `(${signingTime.toISOString()}), which cannot be checked: trust it only if you expected it.`
  );
}

/** The sentence for `code`, or undefined when the table has none (the caller shows the message). */
export function plainWords(code: string): string | undefined {
  // Own entries only: "constructor" or "toString" are not codes.
  return Object.hasOwn(WORDS, code) ? WORDS[code as StableCode] : undefined;
}

/** The stable code of an error (MailflowError, ApiError, SmimeError, CryptoError all carry `code`). */
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
 */
export function bannerView(banner: Banner): BannerView {
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
      headline: `${title} ${why} It was decrypted (${banner.cipher}); trust its content only if you expected it.`,
      details: banner.detail,
    };
  }
  // Signed before the certificate was withdrawn, by the signer's own claim: shown, with care.
  if (signature?.state === "revoked") return { level: "warning", headline: banner.detail, details: signature.code };
  if (signature?.state === "valid") {
    if (signature.fromMatches) return { level: "ok", headline: banner.detail, details: "" };
    // The signature names someone else than the From line: the mail is that signer's, whatever
    // From says (RFC 8551 3.1.5: the signer's certificate must match the sender's address).
    return {
      level: "warning",
      headline:
        `Encrypted (${banner.cipher}) and signed by ${signature.signer}, but that is not the address ` +
        `in its From line: it may not come from who it says.`,
      details: banner.detail,
    };
  }
  // Encryption alone proves nothing about the sender: anyone with the recipient's certificate can
  // encrypt to it (RFC 8551 2.4.3); only a signature names who wrote the message.
  return {
    level: "neutral",
    headline: `Encrypted (${banner.cipher}), but not signed: ${UNSIGNED}`,
    details: "",
  };
}

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
