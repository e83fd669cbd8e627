// The address challenge, after RFC 8823 (ACME email-reply): the api mails the address a random
// token (for the client, in a header field) and a short code (for the person, in the text). Either
// answers the challenge, together with a proof from the device key that asked (docs/services.md).
//
//   Auto-Submitted: auto-generated; type=mailseal-challenge          (RFC 3834 5, as RFC 8823 3)
//   Mailseal-Challenge: v=1; id=<challengeId>; token=<base64url of 32 bytes>; api=<api base URL>
//
// The code is 10 characters of Crockford's base32 (50 bits; https://www.crockford.com/base32.html),
// shown as XXXXX-XXXXX, read back forgivingly: any case, dashes and spaces ignored, O as 0, I and L
// as 1. The api allows 5 wrong tries per challenge, so guessing succeeds with odds of 5 in 2^50.
import { fromBytes } from "../mime/bytes.js";
import { ValueReader, readParameters } from "../mime/rfc2045-parameters.js";
import { readHeader } from "../mime/rfc5322-header-reader.js";
import { singleField } from "../mime/rfc5322-header.js";
import { decodeBase64url, encodeBase64url } from "./base64url.js";
import { randomBytes, takeRandom, type RandomBytes } from "./bytes.js";
import { MailsealError } from "../errors/index.js";

export const CHALLENGE_HEADER = "Mailseal-Challenge";
export const CHALLENGE_AUTO_SUBMITTED = "auto-generated; type=mailseal-challenge";
/** How long a challenge lives (the mail says so). */
export const CHALLENGE_LIFETIME_SECONDS = 24 * 60 * 60;
export const CHALLENGE_CODE_LENGTH = 10;

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TOKEN_BYTES = 32;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_API_LENGTH = 512;
const MAX_CODE_INPUT = 64;

/** What the mail carries for the client: which challenge, its token, and the api to answer at. */
export interface ChallengeMarker {
  readonly id: string;
  readonly token: string;
  readonly api: string;
}

export interface ChallengeSecrets {
  /** base64url of 32 random bytes: goes into the header field. */
  readonly token: string;
  /** 10 Crockford base32 characters, normalised (no dash): goes into the text. */
  readonly code: string;
}

function malformed(problem: string): never {
  throw new MailsealError("MALFORMED_CHALLENGE", problem);
}

/** A fresh token and code; `random` defaults to WebCrypto. */
export function newChallengeSecrets(random: RandomBytes = randomBytes): ChallengeSecrets {
  const token = encodeBase64url(takeRandom(random, TOKEN_BYTES));
  // 256 is a multiple of 32, so the low 5 bits of a uniform byte are uniform: no modulo bias.
  const code = Array.from(takeRandom(random, CHALLENGE_CODE_LENGTH), (byte) => CROCKFORD[byte & 31]!).join("");
  return { token, code };
}

/**
 * Reads a code as a person types it: case-insensitive, dashes and spaces ignored, O read as 0 and
 * I, L as 1 (Crockford's decoding rules). U and anything outside the alphabet are refused, as is a
 * code of the wrong length: MALFORMED_CHALLENGE. Returns the 10 canonical characters.
 */
export function normalizeCode(input: string): string {
  if (typeof input !== "string" || input.length > MAX_CODE_INPUT) malformed("the code is too long");
  let code = "";
  for (const char of input.toUpperCase()) {
    if (char === "-" || char === " ") continue;
    const mapped = char === "O" ? "0" : char === "I" || char === "L" ? "1" : char;
    if (!CROCKFORD.includes(mapped)) malformed(`the code cannot contain ${JSON.stringify(char)}`);
    code += mapped;
  }
  if (code.length !== CHALLENGE_CODE_LENGTH) {
    malformed(`the code has ${CHALLENGE_CODE_LENGTH} characters, this one ${code.length}`);
  }
  return code;
}

/** The code as shown: `XXXXX-XXXXX`. */
export function formatCode(code: string): string {
  const normal = normalizeCode(code);
  return `${normal.slice(0, 5)}-${normal.slice(5)}`;
}

function checkApi(api: string): void {
  // The value travels unquoted (docs/services.md), so it must hold no whitespace, ';', '"', '(' or '\'.
  if (typeof api !== "string" || api.length > MAX_API_LENGTH || !/^[\x21-\x7e]+$/.test(api) || /[;"()\\]/.test(api)) {
    malformed("api is not a plain URL");
  }
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    malformed("api is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") malformed(`api must be an HTTP URL, not ${url.protocol}`);
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    malformed("api must not carry user info, query or fragment");
  }
}

function checkMarker(marker: ChallengeMarker): ChallengeMarker {
  const { id, token, api } = marker;
  if (typeof id !== "string" || !ID.test(id)) malformed("id must be 1 to 64 of A-Z a-z 0-9 - _");
  let tokenBytes: Uint8Array;
  try {
    tokenBytes = decodeBase64url(token, "token");
  } catch (error) {
    malformed((error as Error).message);
  }
  if (tokenBytes.length !== TOKEN_BYTES) malformed(`token must be ${TOKEN_BYTES} bytes`);
  checkApi(api);
  return { id, token, api };
}

/** The value of the `Mailseal-Challenge` field; MALFORMED_CHALLENGE for a marker that would not read back. */
export function challengeHeaderValue(marker: ChallengeMarker): string {
  const { id, token, api } = checkMarker(marker);
  return `v=1; id=${id}; token=${token}; api=${api}`;
}

/**
 * Parses a `Mailseal-Challenge` value (unfolded): `v=1` and `id`, `token`, `api` as
 * `; name=value` parameters (RFC 2045 5.1 syntax, quoted strings allowed); unknown parameters are
 * ignored for later versions of v=1. MALFORMED_CHALLENGE for anything else.
 */
export function parseChallengeHeaderValue(value: string): ChallengeMarker {
  let parameters: ReadonlyMap<string, string>;
  try {
    // The leading ';' lets the MIME parameter reader take `v=1` as the first parameter.
    parameters = readParameters(new ValueReader(`;${value}`, CHALLENGE_HEADER));
  } catch (error) {
    malformed((error as Error).message);
  }
  if (parameters.get("v") !== "1") malformed(`${CHALLENGE_HEADER}: version v=1 is required`);
  const id = parameters.get("id");
  const token = parameters.get("token");
  const api = parameters.get("api");
  if (id === undefined || token === undefined || api === undefined) {
    malformed(`${CHALLENGE_HEADER}: id, token and api are required`);
  }
  return checkMarker({ id, token, api });
}

function isChallengeAutoSubmitted(value: string): boolean {
  // RFC 3834 5: auto-submitted = keyword *(";" parameter); keywords are case-insensitive.
  const reader = new ValueReader(value, "Auto-Submitted");
  if (reader.token("a keyword").toLowerCase() !== "auto-generated") return false;
  return readParameters(reader).get("type")?.toLowerCase() === "mailseal-challenge";
}

/**
 * The challenge marker of a mail (RFC 5322 bytes, CRLF or LF, folded fields allowed), or undefined
 * when it is not a well-formed mailseal challenge: both `Auto-Submitted: auto-generated;
 * type=mailseal-challenge` and one valid `Mailseal-Challenge` field are required, each exactly
 * once. Never throws: any mail may arrive here. The caller still checks that `id` is a challenge
 * it started and `api` the service it uses: anyone can send such a mail.
 */
export async function parseChallengeMail(message: Uint8Array): Promise<ChallengeMarker | undefined> {
  try {
    const { fields } = await readHeader(fromBytes(message));
    const autoSubmitted = singleField(fields, "Auto-Submitted");
    if (autoSubmitted === undefined || !isChallengeAutoSubmitted(autoSubmitted.value)) return undefined;
    const marker = singleField(fields, CHALLENGE_HEADER);
    return marker === undefined ? undefined : parseChallengeHeaderValue(marker.value);
  } catch {
    return undefined;
  }
}

export interface ChallengeMailText {
  readonly subject: string;
  /** Plain text, lines under 78 characters, "\n" line ends (the mailer writes CRLF). */
  readonly text: string;
}

/** Who asked for a challenge, as the api saw the request: named in the mail so the owner can tell. */
export interface ChallengeRequester {
  /** The device name the request gave (any text: it is shown tamed, quoted and cut short). */
  readonly deviceName: string;
  /** The client address as the api sees it (behind a trusted proxy: the forwarded one). */
  readonly ip: string;
  /** The request's User-Agent, when it sent one (any text, shown tamed like the name). */
  readonly userAgent?: string | undefined;
}

/** The longest device name or User-Agent shown; longer ones are cut and end in "...". */
const MAX_SHOWN = 48;

/**
 * Text a requester chose (device name, User-Agent), made safe to show on one line of the mail: line
 * breaks, other controls and Unicode format characters (bidirectional overrides, zero-width ones,
 * which could make it read as something else) become spaces, runs of spaces one, and the rest is
 * cut to MAX_SHOWN characters.
 */
function shown(value: string): string {
  const plain = value
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ")
    .replace(/\s+/gu, " ")
    .trim();
  const chars = [...plain];
  return chars.length <= MAX_SHOWN ? plain : `${chars.slice(0, MAX_SHOWN - 3).join("")}...`;
}

/**
 * Subject and body of the challenge mail, in plain words; the server adds the header fields above.
 * The code is in the body only: a subject shows in notifications, lock screens and mail logs. The
 * body names the requesting device and where it asked from, so that an owner who did not ask sees
 * who did.
 */
export function challengeMailText(options: {
  address: string;
  code: string;
  api: string;
  requester: ChallengeRequester;
}): ChallengeMailText {
  const code = formatCode(options.code);
  if (typeof options.address !== "string" || /[\r\n]/.test(options.address)) malformed("address has a line break");
  checkApi(options.api);
  const { deviceName, ip, userAgent } = options.requester;
  if (typeof deviceName !== "string") malformed("the device name is not text");
  if (typeof ip !== "string") malformed("the client address is not text");
  const agent = typeof userAgent === "string" ? shown(userAgent) : "";
  const text = [
    "Hello,",
    "",
    `a device asked to set up mailseal encryption for ${options.address}`,
    `at ${options.api}`,
    "",
    `  Device:     "${shown(deviceName)}"`,
    `  Asked from: ${shown(ip)}`,
    ...(agent === "" ? [] : [`  Program:    ${agent}`]),
    "",
    "(The device chose its name itself: any device can give any name.)",
    "",
    "If it was you, enter this code where you started:",
    "",
    `    ${code}`,
    "",
    "Your mail program may also finish the setup by itself from this",
    "message. The code works once and expires in 24 hours.",
    "",
    "If you did not ask for this, ignore this message and do not give",
    "the code to anyone. Without the code nothing is set up, and",
    "nothing about your mail changes.",
    "",
  ].join("\n");
  return { subject: "Confirm a new mailseal device", text };
}
