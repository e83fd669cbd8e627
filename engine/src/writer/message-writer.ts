// The message a compose window holds, as RFC 5322 + MIME (RFC 2045-2047, 2183, 2231) bytes: what
// the add-in signs and encrypts itself (addin-thunderbird/README.md, "Sending"). Header fields are
// ASCII (non-ASCII phrases and subjects as RFC 2047 encoded words); the text is base64 when it is
// not short-lined ASCII; attachments are base64 through the crypto core (its worker), streamed, so a
// large attachment is never one string on the background's thread. An HTML body with inline images
// (attachments with a Content-ID its cid: URLs name, RFC 2392) is a multipart/related (RFC 2387)
// of the HTML and those images; the other attachments follow it in a multipart/mixed.
import { encodeBase64, type Base64Core } from "@mailseal/shared";

export interface OutgoingAttachment {
  name: string;
  /** Media type; application/octet-stream when Thunderbird knows none. */
  type: string;
  data: AsyncIterable<Uint8Array>;
  /**
   * An image an HTML body shows in place (`<img src="cid:...">`): its Content-ID without the angle
   * brackets. Written inline in the body's multipart/related; ignored for a text/plain body or when
   * it is no usable id (then an ordinary attachment).
   */
  contentId?: string;
}

export interface OutgoingMessage {
  from: string;
  to: readonly string[];
  cc: readonly string[];
  replyTo: readonly string[];
  subject: string;
  /** The body, text/plain or text/html. */
  body: { type: "text/plain" | "text/html"; text: string };
  attachments: readonly OutgoingAttachment[];
  /** `<id@domain>`. */
  messageId: string;
  date: Date;
  /** A reply's In-Reply-To and References (RFC 5322 3.6.4): msg-ids, written only when they are that. */
  inReplyTo?: string;
  references?: string;
}

/** One or more msg-ids `<left@right>` separated by white space, nothing else (no line break can slip in). */
const MSG_IDS = /^<[\x21-\x3b\x3d\x3f-\x7e]+>(?:[ \t]+<[\x21-\x3b\x3d\x3f-\x7e]+>)*$/;

function threadFields(message: OutgoingMessage): string[] {
  const fields: string[] = [];
  const inReplyTo = message.inReplyTo?.trim();
  const references = message.references?.trim().replace(/\s+/g, " ");
  if (inReplyTo !== undefined && MSG_IDS.test(inReplyTo)) fields.push(`In-Reply-To: ${inReplyTo}`);
  // Folded between msg-ids (RFC 5322 2.2.3), so a long thread keeps lines under 998 characters.
  if (references !== undefined && MSG_IDS.test(references))
    fields.push(`References: ${references.split(" ").join("\r\n ")}`);
  return fields;
}

/** A Content-ID's inside (RFC 2045 7, RFC 2392): printable ASCII without angle brackets or space. */
const CONTENT_ID = /^[\x21-\x3b\x3d\x3f-\x7e]{1,250}$/;

const encoder = new TextEncoder();
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/** One RFC 2047 "B" encoded word per at most 45 bytes of UTF-8 (75 characters, RFC 2047 2), whole characters only. */
export function encodeWords(text: string): string {
  if (ASCII_PRINTABLE.test(text)) return text;
  const words: string[] = [];
  let current = "";
  for (const char of text) {
    if (encoder.encode(current + char).length > 45) {
      words.push(current);
      current = "";
    }
    current += char;
  }
  if (current !== "") words.push(current);
  return words.map((word) => `=?UTF-8?B?${base64Text(word)}?=`).join(" ");
}

function base64Text(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A mailbox "Name <addr>" with a non-ASCII name as encoded words (RFC 2047 5(3)); anything else as given. */
export function encodeMailbox(value: string): string {
  const match = /^\s*"?(.*?)"?\s*<([^<>]+)>\s*$/.exec(value);
  if (match === null) return value.trim();
  const [, name = "", address = ""] = match;
  if (name === "") return `<${address}>`;
  if (ASCII_PRINTABLE.test(name)) return `"${name.replace(/(["\\])/g, "\\$1")}" <${address}>`;
  return `${encodeWords(name)} <${address}>`;
}

/** The filename parameter: quoted when plain ASCII, else RFC 2231 extended (UTF-8, percent-encoded). */
function filenameParameter(name: string): string {
  if (ASCII_PRINTABLE.test(name) && !/["\\]/.test(name)) return `filename="${name}"`;
  const encoded = [...encoder.encode(name)]
    .map((b) =>
      /[A-Za-z0-9!#$&+.^_`|~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
  return `filename*=UTF-8''${encoded}`;
}

function mediaType(type: string): string {
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type.toLowerCase() : "application/octet-stream";
}

/** RFC 5322 3.3 date-time, in UTC. */
function dateTime(date: Date): string {
  return date.toUTCString().replace("GMT", "+0000");
}

function boundary(): string {
  const random = globalThis.crypto.getRandomValues(new Uint8Array(18));
  // "=" and "_" never occur in base64 lines, and no base64 line starts with "--" (RFC 2046 5.1.1).
  return `----=_mailseal_${[...random].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The text part: 7bit when short-lined ASCII (RFC 5322 2.1.1: 998), else base64; CRLF line ends. */
async function* textPart(core: Base64Core, body: OutgoingMessage["body"]): AsyncGenerator<Uint8Array> {
  const text = body.text.replace(/\r?\n/g, "\r\n");
  const plain = text.split("\r\n").every((line) => line.length <= 998 && /^[\t\x20-\x7e]*$/.test(line));
  yield encoder.encode(
    `Content-Type: ${body.type}; charset=utf-8\r\nContent-Transfer-Encoding: ${plain ? "7bit" : "base64"}\r\n\r\n`,
  );
  if (plain) yield encoder.encode(text.endsWith("\r\n") ? text : `${text}\r\n`);
  else yield* encodeBase64(core, once(encoder.encode(text)));
}

/** One attachment as a body part, base64 through the core; inline with its Content-ID when it has one. */
async function* attachmentPart(
  core: Base64Core,
  separator: string,
  attachment: OutgoingAttachment,
  contentId: string | undefined,
): AsyncGenerator<Uint8Array> {
  yield encoder.encode(
    `\r\n--${separator}\r\n` +
      `Content-Type: ${mediaType(attachment.type)}\r\n` +
      (contentId === undefined ? "" : `Content-ID: <${contentId}>\r\n`) +
      `Content-Disposition: ${contentId === undefined ? "attachment" : "inline"}; ${filenameParameter(attachment.name)}\r\n` +
      "Content-Transfer-Encoding: base64\r\n\r\n",
  );
  yield* encodeBase64(core, attachment.data);
}

/**
 * The body: the text part, or for HTML with inline images a multipart/related (RFC 2387 3.1: `type`
 * names the root, the HTML, which comes first) of the HTML and the images, each with its Content-ID.
 */
async function* bodyPart(
  core: Base64Core,
  body: OutgoingMessage["body"],
  inline: readonly OutgoingAttachment[],
): AsyncGenerator<Uint8Array> {
  if (inline.length === 0) return yield* textPart(core, body);
  const separator = boundary();
  yield encoder.encode(
    `Content-Type: multipart/related; type="text/html"; boundary="${separator}"\r\n\r\n--${separator}\r\n`,
  );
  yield* textPart(core, body);
  for (const image of inline) yield* attachmentPart(core, separator, image, image.contentId);
  yield encoder.encode(`\r\n--${separator}--\r\n`);
}

/** The whole message; attachments streamed, each base64 through the core. */
export async function* writeMessage(core: Base64Core, message: OutgoingMessage): AsyncGenerator<Uint8Array> {
  const fields = [
    `From: ${encodeMailbox(message.from)}`,
    ...(message.to.length > 0 ? [`To: ${message.to.map(encodeMailbox).join(",\r\n ")}`] : []),
    ...(message.cc.length > 0 ? [`Cc: ${message.cc.map(encodeMailbox).join(",\r\n ")}`] : []),
    ...(message.replyTo.length > 0 ? [`Reply-To: ${message.replyTo.map(encodeMailbox).join(",\r\n ")}`] : []),
    `Subject: ${encodeWords(message.subject)}`,
    `Date: ${dateTime(message.date)}`,
    `Message-ID: ${message.messageId}`,
    ...threadFields(message),
    "MIME-Version: 1.0",
  ];
  const isInline = (a: OutgoingAttachment) =>
    message.body.type === "text/html" && a.contentId !== undefined && CONTENT_ID.test(a.contentId);
  const inline = message.attachments.filter(isInline);
  const files = message.attachments.filter((a) => !isInline(a));
  if (files.length === 0) {
    yield encoder.encode(`${fields.join("\r\n")}\r\n`);
    yield* bodyPart(core, message.body, inline);
    return;
  }
  const separator = boundary();
  yield encoder.encode(
    `${fields.join("\r\n")}\r\nContent-Type: multipart/mixed; boundary="${separator}"\r\n\r\n` +
      `This is a multi-part message in MIME format.\r\n--${separator}\r\n`,
  );
  yield* bodyPart(core, message.body, inline);
  for (const attachment of files) yield* attachmentPart(core, separator, attachment, undefined);
  yield encoder.encode(`\r\n--${separator}--\r\n`);
}
