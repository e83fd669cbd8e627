// The S/MIME entities mailseal emits (RFC 8551 3.2, 3.5.3): application/pkcs7-mime around a CMS
// object, and clear-signed multipart/signed. Bodies stream; base64 goes through the crypto core.
import { MailsealError } from "../errors/index.js";
import { ascii, fromBytes, indexOfBytes } from "./bytes.js";
import { encodeBase64, type Base64Core } from "./rfc2045-transfer-encoding.js";
import { parseHeaderFields } from "./rfc5322-header.js";
import type { MimeEntity } from "./rfc5322-message.js";
import type { SmimeType } from "./rfc8551-detect.js";

/**
 * An application/pkcs7-mime entity (RFC 8551 3.2) with `name`/`filename` smime.p7m (smime.p7c for
 * certs-only, RFC 8551 3.2.1), as attachment, the CMS object in base64 lines of 76. `consumed`: see
 * encodeBase64.
 */
export function pkcs7MimeEntity(
  core: Base64Core,
  smimeType: Exclude<SmimeType, "compressed-data">,
  cms: AsyncIterable<Uint8Array>,
  options: { consumed?: boolean } = {},
): MimeEntity {
  const fileName = smimeType === "certs-only" ? "smime.p7c" : "smime.p7m";
  const header =
    `Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name=${fileName}\r\n` +
    `Content-Transfer-Encoding: base64\r\n` +
    `Content-Disposition: attachment; filename=${fileName}\r\n`;
  return { fields: parseHeaderFields(ascii(header)), body: encodeBase64(core, cms, options) };
}

/** Hash algorithms of the core, as `micalg` names them (RFC 8551 3.5.3.2; sha-224 RFC 5754 too). */
export type MicalgHash = "SHA-1" | "SHA-224" | "SHA-256" | "SHA-384" | "SHA-512" | "SHAKE256";

/**
 * RFC 8551 3.5.3.2's table ends with "any other: defined separately in algorithm profile or
 * `unknown` if not defined": no profile names SHAKE256 (Ed448's digest, RFC 8419 3.1), so `unknown`.
 */
export function micalgOf(hash: MicalgHash): string {
  return hash === "SHAKE256" ? "unknown" : hash.toLowerCase();
}

export interface MultipartSignedOptions {
  /** The hash of the signature: sets `micalg`. */
  readonly hash: MicalgHash;
  /**
   * The MIME entity that is signed, in canonical form (CRLF), written verbatim as the first part.
   * When it is a Uint8Array the boundary is checked not to occur in it.
   */
  readonly content: Uint8Array | AsyncIterable<Uint8Array>;
  /**
   * The DER of the detached SignedData: called once the content has been written (hash the content
   * while it streams through, then sign).
   */
  readonly signature: () => Promise<Uint8Array>;
  /** For tests only: a fixed boundary (1..70 characters of RFC 2046 bchars). */
  readonly boundary?: string;
}

/**
 * A multipart/signed entity (RFC 1847 2.1, RFC 8551 3.5.3): protocol application/pkcs7-signature,
 * micalg from the hash, a fresh random boundary, the content verbatim, the signature in base64 as
 * smime.p7s. The content is followed by CRLF before the boundary; that CRLF is not signed.
 */
export function multipartSignedEntity(core: Base64Core, options: MultipartSignedOptions): MimeEntity {
  const { content } = options;
  const boundary = options.boundary ?? freshBoundary(content instanceof Uint8Array ? content : undefined);
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)) {
    throw new MailsealError("MALFORMED_MIME", `boundary "${boundary}" is not 1..70 characters of RFC 2046 bchars`);
  }
  if (content instanceof Uint8Array && indexOfBytes(content, ascii(`--${boundary}`)) !== -1) {
    throw new MailsealError("MALFORMED_MIME", `the signed content contains the boundary --${boundary}`);
  }
  const header =
    `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; ` +
    `micalg=${micalgOf(options.hash)}; boundary="${boundary}"\r\n`;
  return { fields: parseHeaderFields(ascii(header)), body: multipartSignedBody(core, boundary, options) };
}

async function* multipartSignedBody(
  core: Base64Core,
  boundary: string,
  options: MultipartSignedOptions,
): AsyncGenerator<Uint8Array> {
  yield ascii(`This is an S/MIME signed message\r\n\r\n--${boundary}\r\n`);
  if (options.content instanceof Uint8Array) yield options.content;
  else yield* options.content;
  yield ascii(
    `\r\n--${boundary}\r\n` +
      `Content-Type: application/pkcs7-signature; name=smime.p7s\r\n` +
      `Content-Transfer-Encoding: base64\r\n` +
      `Content-Disposition: attachment; filename=smime.p7s\r\n\r\n`,
  );
  yield* encodeBase64(core, fromBytes(await options.signature()));
  yield ascii(`--${boundary}--\r\n`);
}

/**
 * A boundary that cannot occur in base64 text (its `=` and `_` are outside the alphabet, and no
 * base64 line starts with `--`) nor, with 144 random bits, by chance in the content. When the
 * content is in memory it is checked too.
 */
function freshBoundary(content: Uint8Array | undefined): string {
  for (;;) {
    const random = crypto.getRandomValues(new Uint8Array(18));
    const boundary = `----=_smime_${Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
    if (content === undefined || indexOfBytes(content, ascii(`--${boundary}`)) === -1) return boundary;
  }
}
