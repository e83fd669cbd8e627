// A whole message (RFC 5322) seen as its own header fields around one MIME entity (RFC 2045 3):
// S/MIME protects the entity only (RFC 8551 3.1), so `encrypt` and `sign` keep From, To, Subject,
// Date, Message-ID, Received, ... exactly as they were and replace the Content-* fields and the body.
import { CR, CRLF, LF, ascii } from "./bytes.js";
import { readHeader } from "./rfc5322-header-reader.js";
import { parseHeaderFields, type HeaderField } from "./rfc5322-header.js";

/** A MIME entity: its header fields (Content-* in practice) and its body, streamed. */
export interface MimeEntity {
  readonly fields: readonly HeaderField[];
  readonly body: AsyncIterable<Uint8Array>;
}

export interface SplitMessage {
  /** Every field of the message but MIME-Version and the Content-* fields, in order, bytes intact. */
  readonly outer: readonly HeaderField[];
  /** The Content-* fields and the body. */
  readonly entity: MimeEntity;
}

/** Whether a field belongs to the MIME entity rather than to the message (RFC 2045 9: Content-*). */
function isEntityField(field: HeaderField): boolean {
  return field.lowerName.startsWith("content-");
}

/** Splits a message into its outer fields and its MIME entity; the body streams. */
export async function splitMessage(message: AsyncIterable<Uint8Array>): Promise<SplitMessage> {
  const { fields, body } = await readHeader(message);
  return {
    outer: fields.filter((field) => !isEntityField(field) && field.lowerName !== "mime-version"),
    entity: { fields: fields.filter(isEntityField), body },
  };
}

/** Raw bytes of header fields; a last field without a line end (a message with no body) gets CRLF. */
function* fieldBytes(fields: readonly HeaderField[]): Generator<Uint8Array> {
  for (const field of fields) {
    yield field.raw;
    if (field.raw[field.raw.length - 1] !== LF) yield field.raw[field.raw.length - 1] === CR ? ascii("\n") : CRLF;
  }
}

/** An entity as bytes: its fields, the empty line, its body. This is what gets signed or encrypted. */
export async function* serializeEntity(entity: MimeEntity): AsyncGenerator<Uint8Array> {
  yield* fieldBytes(entity.fields);
  yield CRLF;
  yield* entity.body;
}

const MIME_VERSION = parseHeaderFields(ascii("MIME-Version: 1.0\r\n"));

/**
 * A message from outer fields (byte for byte) and an entity: the outer fields, `MIME-Version: 1.0`
 * (RFC 2045 4), the entity's fields, the empty line, the body.
 */
export async function* assembleMessage(outer: readonly HeaderField[], entity: MimeEntity): AsyncGenerator<Uint8Array> {
  yield* fieldBytes(outer);
  yield* serializeEntity({ fields: [...MIME_VERSION, ...entity.fields], body: entity.body });
}
