// Header fields of RFC 5322 section 2.2 (also the header of a MIME body part, RFC 2045 3): parsed
// for their names and unfolded values, each keeping its exact bytes so that a message can be
// rewritten without touching the fields it does not change.
import { MailsealError } from "../errors/index.js";
import { CR, LF } from "./bytes.js";
import { MAX_HEADER_BYTES, MAX_HEADER_LINES } from "./limits.js";

export interface HeaderField {
  /** The field name as written (RFC 5322 2.2: printable ASCII except ':'). */
  readonly name: string;
  /** The name in lower case, for case-insensitive lookups (RFC 5322 1.2.2). */
  readonly lowerName: string;
  /** The unfolded value (RFC 5322 2.2.3), outer whitespace trimmed; 8-bit bytes read as UTF-8. */
  readonly value: string;
  /** The exact bytes of the field, every folded line and the final line end included. */
  readonly raw: Uint8Array;
}

const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const utf8 = new TextDecoder("utf-8");

/**
 * Parses a header section: the lines up to the first empty line (or all of `section`). Lines end
 * in CRLF or bare LF. A line starting with space or tab continues the field before it (folding,
 * RFC 5322 2.2.3, including the whitespace-only lines of obs-FWS, 4.2); whitespace between a field
 * name and its colon is tolerated (obs-optional, 4.5). Bytes above 0x7f are kept as they are.
 */
export function parseHeaderFields(section: Uint8Array): HeaderField[] {
  if (section.length > MAX_HEADER_BYTES) {
    throw new MailsealError("INPUT_TOO_LARGE", `header section is larger than ${MAX_HEADER_BYTES} bytes`);
  }
  const fields: HeaderField[] = [];
  let fieldStart = -1;
  let fieldLine = 0;
  let lines = 0;
  let position = 0;
  while (position < section.length) {
    const lf = section.indexOf(LF, position);
    const next = lf === -1 ? section.length : lf + 1;
    const contentEnd = lf === -1 ? section.length : lf > position && section[lf - 1] === CR ? lf - 1 : lf;
    if (contentEnd === position) break; // the empty line that ends the header section
    if (++lines > MAX_HEADER_LINES) {
      throw new MailsealError("INPUT_TOO_LARGE", `header section has more than ${MAX_HEADER_LINES} lines`);
    }
    const first = section[position];
    if (first === SP || first === HTAB) {
      if (fieldStart === -1) {
        throw new MailsealError("MALFORMED_MIME", "header section starts with a folded continuation line");
      }
    } else {
      if (fieldStart !== -1) fields.push(parseField(section.subarray(fieldStart, position), fieldLine));
      fieldStart = position;
      fieldLine = lines;
    }
    position = next;
  }
  if (fieldStart !== -1) fields.push(parseField(section.subarray(fieldStart, position), fieldLine));
  return fields;
}

function parseField(raw: Uint8Array, line: number): HeaderField {
  const colon = raw.indexOf(COLON);
  const lineEnd = raw.indexOf(LF);
  if (colon === -1 || (lineEnd !== -1 && colon > lineEnd)) {
    throw new MailsealError("MALFORMED_MIME", `header line ${line} has no ':' after a field name`);
  }
  let nameEnd = colon;
  while (nameEnd > 0 && (raw[nameEnd - 1] === SP || raw[nameEnd - 1] === HTAB)) nameEnd--;
  if (nameEnd === 0) throw new MailsealError("MALFORMED_MIME", `header line ${line} has an empty field name`);
  let name = "";
  for (let i = 0; i < nameEnd; i++) {
    const byte = raw[i]!;
    if (byte < 0x21 || byte > 0x7e) {
      throw new MailsealError("MALFORMED_MIME", `header line ${line}: byte 0x${byte.toString(16)} in a field name`);
    }
    name += String.fromCharCode(byte);
  }
  // Unfolding removes each line break; the whitespace that follows it stays (RFC 5322 2.2.3).
  const value = utf8
    .decode(raw.subarray(colon + 1))
    .replace(/\r?\n/g, "")
    .replace(/^[ \t]+|[ \t\r]+$/g, "");
  return { name, lowerName: name.toLowerCase(), value, raw };
}

/**
 * The one field named `name` (case-insensitive), or undefined. Two of them are ambiguous (RFC 2045
 * allows one of each Content-* field): MALFORMED_MIME, so that no reader picks a different one.
 */
export function singleField(fields: readonly HeaderField[], name: string): HeaderField | undefined {
  const lowerName = name.toLowerCase();
  let found: HeaderField | undefined;
  for (const field of fields) {
    if (field.lowerName !== lowerName) continue;
    if (found !== undefined) throw new MailsealError("MALFORMED_MIME", `the header has more than one ${name} field`);
    found = field;
  }
  return found;
}
