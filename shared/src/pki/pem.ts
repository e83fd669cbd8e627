// PEM text encoding (RFC 7468): labelled base64 blocks. Keys and certificates arrive this way.
import { MailsealError } from "../errors/index.js";

export interface PemBlock {
  /** The label between "BEGIN " and the dashes, e.g. "PRIVATE KEY", "CERTIFICATE". */
  label: string;
  der: Uint8Array;
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const END = /-----END ([A-Z0-9 ]+)-----/g;

/**
 * Every PEM block in `text`, in order (RFC 7468 section 2; explanatory text around them is ignored):
 * each BEGIN line up to the first END line of the same label after it. The END lines are indexed
 * once, so the scan is linear: a file of BEGIN lines without END (a regular expression with a
 * back-reference looked for each one's END through the whole rest of the file) costs no more than
 * reading it.
 */
export function decodePem(text: string): PemBlock[] {
  const ends = new Map<string, { at: number; after: number }[]>();
  for (const match of text.matchAll(END)) {
    const list = ends.get(match[1]!) ?? [];
    list.push({ at: match.index, after: match.index + match[0].length });
    ends.set(match[1]!, list);
  }
  const blocks: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  for (let match = BEGIN.exec(text); match !== null; match = BEGIN.exec(text)) {
    const label = match[1]!;
    const start = match.index + match[0].length;
    const end = firstAtOrAfter(ends.get(label) ?? [], start);
    if (end === undefined) continue;
    const body = text.slice(start, end.at);
    // RFC 1421 encapsulated headers (Proc-Type, DEK-Info) mark OpenSSL's legacy encrypted keys.
    // [ \t]* rather than \s*: a pattern that may cross lines rescans whitespace from each line start.
    if (/^[ \t]*Proc-Type:/m.test(body)) {
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        `PEM "${label}": legacy OpenSSL encryption (Proc-Type/DEK-Info); convert it to PKCS#8`,
      );
    }
    const base64 = body.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      throw new MailsealError("MALFORMED_CMS", `PEM "${label}": the body is not base64`);
    }
    blocks.push({ label, der: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) });
    BEGIN.lastIndex = end.after;
  }
  return blocks;
}

/** The first END line at or after `offset` (binary search: the list is in text order). */
function firstAtOrAfter<T extends { at: number }>(list: readonly T[], offset: number): T | undefined {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]!.at < offset) low = middle + 1;
    else high = middle;
  }
  return list[low];
}

/** True when `data` looks like PEM text rather than DER (which starts with a SEQUENCE tag). */
export function isPem(data: Uint8Array): boolean {
  return new TextDecoder("latin1").decode(data.subarray(0, 4096)).includes("-----BEGIN ");
}

export function textOf(data: Uint8Array): string {
  return new TextDecoder("latin1").decode(data);
}
