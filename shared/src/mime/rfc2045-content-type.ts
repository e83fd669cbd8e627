// Content-Type (RFC 2045 5) and Content-Transfer-Encoding (RFC 2045 6) of a MIME entity.
import { MailsealError } from "../errors/index.js";
import { readParameters, ValueReader } from "./rfc2045-parameters.js";
import { singleField, type HeaderField } from "./rfc5322-header.js";

export interface ContentType {
  /** Lower case, e.g. "application". */
  readonly type: string;
  /** Lower case, e.g. "pkcs7-mime". */
  readonly subtype: string;
  /** `type/subtype`, lower case. */
  readonly mediaType: string;
  /** By lower-case name; values as sent (RFC 2231 continuations joined, charsets decoded). */
  readonly parameters: ReadonlyMap<string, string>;
}

/** Parses a Content-Type value: `type "/" subtype *(";" parameter)` (RFC 2045 5.1). */
export function parseContentType(value: string): ContentType {
  const reader = new ValueReader(value, "Content-Type");
  const type = reader.token("a media type").toLowerCase();
  reader.expect("/");
  const subtype = reader.token("a media subtype").toLowerCase();
  return { type, subtype, mediaType: `${type}/${subtype}`, parameters: readParameters(reader) };
}

/** The entity's Content-Type; without one, `text/plain; charset=us-ascii` (RFC 2045 5.2). */
export function contentTypeOf(fields: readonly HeaderField[]): ContentType {
  const field = singleField(fields, "Content-Type");
  if (field === undefined) {
    return { type: "text", subtype: "plain", mediaType: "text/plain", parameters: new Map([["charset", "us-ascii"]]) };
  }
  return parseContentType(field.value);
}

/** The mechanisms of RFC 2045 6.1; other values (x-tokens) come back lower case as they are. */
export type TransferEncoding = "7bit" | "8bit" | "binary" | "quoted-printable" | "base64";

/** The entity's Content-Transfer-Encoding, lower case; "7bit" when absent (RFC 2045 6.1). */
export function transferEncodingOf(fields: readonly HeaderField[]): TransferEncoding | (string & {}) {
  const field = singleField(fields, "Content-Transfer-Encoding");
  if (field === undefined) return "7bit";
  const reader = new ValueReader(field.value, "Content-Transfer-Encoding");
  const mechanism = reader.token("a transfer encoding").toLowerCase();
  reader.skipCfws();
  if (!reader.done) reader.fail("unexpected text after the mechanism");
  return mechanism;
}

/** The boundary parameter of a multipart Content-Type, checked against RFC 2046 5.1.1. */
export function boundaryOf(contentType: ContentType): string {
  const boundary = contentType.parameters.get("boundary");
  if (boundary === undefined) {
    throw new MailsealError("MALFORMED_MIME", `${contentType.mediaType} has no boundary parameter`);
  }
  // bchars: DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?" / space,
  // 1 to 70 of them, not ending in space. Other printable ASCII is tolerated (mailers use it); controls are not.
  if (boundary.length === 0 || boundary.length > 70 || !/^[\x21-\x7e ]*[\x21-\x7e]$/.test(boundary)) {
    throw new MailsealError(
      "MALFORMED_MIME",
      `${contentType.mediaType}: boundary "${boundary}" is not 1..70 printable characters`,
    );
  }
  return boundary;
}
