// The grammar shared by Content-Type (RFC 2045 5.1) and Content-Disposition (RFC 2183 2): tokens,
// quoted strings, comments (RFC 822 3.4.3) and `; attribute=value` parameter lists, with the
// continuations and charsets of RFC 2231 (how long or non-ASCII `name`/`filename` values are sent).
import { MailsealError } from "../errors/index.js";
import { MAX_PARAMETER_SECTIONS } from "./limits.js";

/** RFC 2045 5.1 tspecials, plus space and controls: the characters a token cannot hold. */
const TSPECIALS = '()<>@,;:\\"/[]?=';

function isTokenChar(char: string): boolean {
  const code = char.charCodeAt(0);
  // 8-bit characters are tolerated in tokens: some mailers send raw UTF-8 file names unquoted.
  return code > 0x20 && code !== 0x7f && !TSPECIALS.includes(char);
}

/** A cursor over one unfolded header value; every error names the field being parsed. */
export class ValueReader {
  position = 0;

  constructor(
    readonly text: string,
    readonly field: string,
  ) {}

  get done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.position);
  }

  fail(problem: string): never {
    throw new MailsealError("MALFORMED_MIME", `${this.field}: ${problem} at offset ${this.position} of "${this.text}"`);
  }

  /** Skips whitespace and comments; comments nest and take backslash escapes (RFC 822 3.4.3). */
  skipCfws(): void {
    while (!this.done) {
      const char = this.peek();
      if (char === " " || char === "\t" || char === "\r" || char === "\n") {
        this.position++;
      } else if (char === "(") {
        let depth = 0;
        do {
          const c = this.text.charAt(this.position);
          if (c === "") this.fail("unterminated comment");
          if (c === "\\") this.position++;
          else if (c === "(") depth++;
          else if (c === ")") depth--;
          this.position++;
        } while (depth > 0);
      } else {
        return;
      }
    }
  }

  token(what: string): string {
    this.skipCfws();
    const start = this.position;
    while (!this.done && isTokenChar(this.peek())) this.position++;
    if (this.position === start) this.fail(`expected ${what}`);
    return this.text.slice(start, this.position);
  }

  expect(char: string): void {
    this.skipCfws();
    if (this.peek() !== char) this.fail(`expected '${char}'`);
    this.position++;
  }

  /** A parameter value: a quoted string, or a token; tolerant of the `=` and `/` that mailers leave unquoted. */
  value(): string {
    this.skipCfws();
    if (this.peek() === '"') return this.quotedString();
    const start = this.position;
    while (!this.done && !' \t;"('.includes(this.peek())) this.position++;
    if (this.position === start) this.fail("expected a parameter value");
    return this.text.slice(start, this.position);
  }

  private quotedString(): string {
    this.position++; // opening quote
    let result = "";
    for (;;) {
      if (this.done) this.fail("unterminated quoted string");
      const char = this.peek();
      this.position++;
      if (char === '"') return result;
      if (char === "\\") {
        if (this.done) this.fail("unterminated quoted string");
        result += this.peek();
        this.position++;
      } else {
        result += char;
      }
    }
  }
}

/**
 * Reads `*(";" parameter)` to the end of the value and returns the parameters by lower-case name,
 * RFC 2231 continuations joined and charsets decoded. A parameter given twice is ambiguous
 * (RFC 2045 5.1 forbids it): MALFORMED_MIME, so that no two readers see different boundaries.
 */
export function readParameters(reader: ValueReader): ReadonlyMap<string, string> {
  const raw = new Map<string, string>();
  for (;;) {
    reader.skipCfws();
    if (reader.done) break;
    reader.expect(";");
    reader.skipCfws();
    if (reader.done) break; // a trailing ';' is common and harmless
    const attribute = reader.token("a parameter name").toLowerCase();
    reader.expect("=");
    const value = reader.value();
    if (raw.has(attribute)) reader.fail(`parameter ${attribute} appears twice`);
    raw.set(attribute, value);
  }
  return joinRfc2231(raw, reader.field);
}

const utf8 = new TextEncoder();
const SECTION = /^([^*]+)\*(?:(\d+)(\*)?|)$/;

interface Section {
  readonly value: string;
  readonly encoded: boolean;
}

/** RFC 2231 3 (continuations `name*0`, `name*1`) and 4 (`name*=charset'language'%XX`). */
function joinRfc2231(raw: ReadonlyMap<string, string>, field: string): ReadonlyMap<string, string> {
  const result = new Map<string, string>();
  const sectioned = new Map<string, Map<number, Section>>();
  for (const [attribute, value] of raw) {
    const match = SECTION.exec(attribute);
    if (match === null) {
      result.set(attribute, value);
      continue;
    }
    const name = match[1]!;
    const index = match[2] === undefined ? 0 : Number(match[2]);
    const encoded = match[2] === undefined || match[3] !== undefined;
    if (match[2] !== undefined && (index >= MAX_PARAMETER_SECTIONS || (match[2].length > 1 && match[2][0] === "0"))) {
      throw new MailsealError("MALFORMED_MIME", `${field}: bad RFC 2231 section number in parameter ${attribute}`);
    }
    let sections = sectioned.get(name);
    if (sections === undefined) sectioned.set(name, (sections = new Map()));
    if (sections.has(index)) {
      throw new MailsealError(
        "MALFORMED_MIME",
        `${field}: RFC 2231 section ${index} of parameter ${name} appears twice`,
      );
    }
    sections.set(index, { value, encoded });
  }
  for (const [name, sections] of sectioned) {
    // The RFC 2231 form wins over a plain one given alongside for old readers.
    result.set(name, decodeSections(name, sections, field));
  }
  return result;
}

function decodeSections(name: string, sections: ReadonlyMap<number, Section>, field: string): string {
  let charset = "us-ascii";
  const bytes: number[] = [];
  for (let index = 0; index < sections.size; index++) {
    const section = sections.get(index);
    if (section === undefined) {
      throw new MailsealError("MALFORMED_MIME", `${field}: RFC 2231 parameter ${name} lacks section ${index}`);
    }
    let value = section.value;
    if (section.encoded && index === 0) {
      // charset'language'value: both may be empty, the quotes are required (RFC 2231 4).
      const parts = /^([^']*)'[^']*'(.*)$/s.exec(value);
      if (parts === null) {
        throw new MailsealError("MALFORMED_MIME", `${field}: RFC 2231 parameter ${name} lacks charset'language'`);
      }
      charset = parts[1] === "" ? "us-ascii" : parts[1]!;
      value = parts[2]!;
    }
    if (section.encoded) {
      for (let i = 0; i < value.length; i++) {
        if (value[i] === "%" && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
          bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
          i += 2;
        } else {
          for (const byte of utf8.encode(value[i])) bytes.push(byte);
        }
      }
    } else {
      for (const byte of utf8.encode(value)) bytes.push(byte);
    }
  }
  return decodeCharset(charset, new Uint8Array(bytes));
}

function decodeCharset(charset: string, bytes: Uint8Array): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset.toLowerCase() === "us-ascii" ? "utf-8" : charset);
  } catch {
    // An unknown charset loses nothing that matters here: names are shown, never trusted.
    decoder = new TextDecoder("utf-8");
  }
  return decoder.decode(bytes);
}
