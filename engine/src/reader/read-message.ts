// Reading an encrypted message for display (the engine's renderMessage): decrypt with the reader's whole key history
// (decryptMessage matches the RecipientInfo by identifier, RFC 5652 6.2.1), then turn the inner MIME
// entity into a render model. Host-neutral: the host gives the raw message, the keys and the core.
import { concatBytes } from "@mailseal/core-wasm";
import {
  contentDispositionOf,
  contentTypeOf,
  decodeBody,
  decryptMessage,
  multipartParts,
  boundaryOf,
  readHeader,
  hasCode,
  transferEncodingOf,
  type ByteSource,
  type HeaderField,
  type RecipientKey,
  type SmimeCore,
  readMessage,
  describeStatus,
  type MailflowCore,
  type ReadOptions,
  type ReadStatus,
} from "@mailseal/shared";
import type { InlineImage, RenderAttachment, RenderBody, RenderModel } from "./render-model.js";

/** Nested multiparts deeper than this are listed, not entered (hostile mail, RFC 2046 5.1 sets no limit). */
const MAX_DEPTH = 8;
/** Text shown inline at most; longer text parts are cut with a note (the pane stays responsive). */
export const MAX_INLINE_TEXT = 2 * 1024 * 1024;
/** Inline images larger than this are listed as attachments instead (they cross the display port). */
export const MAX_INLINE_IMAGE = 5 * 1024 * 1024;
/**
 * Image types shown inline from cid: references (RFC 2392). Not SVG: it is a document that can carry
 * script and external references; it stays an attachment.
 */
const INLINE_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Whether the top-level Content-Type says S/MIME encrypted (RFC 8551 3.2.2) or a .p7m (Outlook). */
export function looksEncrypted(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.toLowerCase();
  return type.includes("pkcs7-mime") || type.includes("smime.p7m");
}

async function* fromChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

async function collect(source: AsyncIterable<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array; size: number }> {
  const kept: Uint8Array[] = [];
  let size = 0;
  let keptSize = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (keptSize < limit) {
      const part = chunk.subarray(0, limit - keptSize);
      kept.push(part);
      keptSize += part.length;
    }
  }
  return { bytes: concatBytes(kept), size };
}

/** Quoted-printable (RFC 2045 6.7): soft line breaks dropped, =XX decoded, anything else kept. */
export function decodeQuotedPrintable(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length);
  let n = 0;
  const hex = (c: number): number =>
    c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    if (input[i + 1] === 0x0d && input[i + 2] === 0x0a) i += 2;
    else if (input[i + 1] === 0x0a) i += 1;
    else {
      const hi = hex(input[i + 1] ?? -1);
      const lo = hex(input[i + 2] ?? -1);
      if (hi >= 0 && lo >= 0) {
        out[n++] = hi * 16 + lo;
        i += 2;
      } else out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    // An unknown charset label: UTF-8 with replacement characters rather than nothing.
    return new TextDecoder("utf-8").decode(bytes);
  }
}

interface Collected {
  text?: string;
  html?: string;
  truncated: boolean;
  attachments: RenderAttachment[];
  attachmentData: Uint8Array[];
  inlineImages: InlineImage[];
}

/** The Content-ID of a part without its angle brackets (RFC 2045 7, RFC 2392 2). */
export function contentIdOf(fields: readonly HeaderField[]): string | undefined {
  const value = fields.find((f) => f.lowerName === "content-id")?.value.trim();
  if (value === undefined || value === "") return undefined;
  return value.replace(/^<(.*)>$/, "$1").trim();
}

async function decodedBody(
  core: SmimeCore,
  fields: readonly HeaderField[],
  body: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<{ bytes: Uint8Array; size: number }> {
  const encoding = transferEncodingOf(fields).toLowerCase();
  if (encoding === "quoted-printable") {
    const raw = await collect(body, limit);
    const bytes = decodeQuotedPrintable(raw.bytes);
    return { bytes, size: bytes.length };
  }
  return collect(decodeBody(core, encoding, body), limit);
}

async function walk(
  core: SmimeCore,
  fields: readonly HeaderField[],
  body: AsyncIterable<Uint8Array>,
  depth: number,
  into: Collected,
): Promise<void> {
  const type = contentTypeOf(fields);
  const disposition = contentDispositionOf(fields);
  const name = disposition?.parameters.get("filename") ?? type.parameters.get("name");
  if (type.type === "multipart" && depth < MAX_DEPTH) {
    // multipart/signed (RFC 1847 2.1): the first part is the content, the second the signature
    // (smime.p7s), control information for the reader and not an attachment for a person (a
    // signature that did not verify leaves the whole multipart/signed to render).
    const signed = type.subtype === "signed";
    let index = 0;
    for await (const part of multipartParts(body, boundaryOf(type))) {
      const { fields: partFields, body: partBody } = await readHeader(part);
      if (signed && index++ > 0) {
        for await (const chunk of partBody) void chunk;
        continue;
      }
      await walk(core, partFields, partBody, depth + 1, into);
    }
    return;
  }
  const inline = disposition === undefined || disposition.type === "inline";
  if (type.type === "text" && inline && name === undefined) {
    if (type.subtype === "plain" && into.text === undefined) {
      const { bytes, size } = await decodedBody(core, fields, body, MAX_INLINE_TEXT);
      into.text = decodeText(bytes, type.parameters.get("charset"));
      into.truncated ||= size > bytes.length;
      return;
    }
    if (type.subtype === "html" && into.html === undefined) {
      const { bytes, size } = await decodedBody(core, fields, body, MAX_INLINE_TEXT);
      into.html = decodeText(bytes, type.parameters.get("charset"));
      into.truncated ||= size > bytes.length;
      return;
    }
  }
  // Attachments: only their size is needed for the list; the bytes stream through and are dropped.
  // The decoded bytes stay in the background (Save asks for them by index); only inline images
  // cross the port to the display script.
  const { bytes, size } = await decodedBody(core, fields, body, Number.MAX_SAFE_INTEGER);
  const contentId = contentIdOf(fields);
  const mediaType = type.mediaType.toLowerCase();
  if (contentId !== undefined && inline && INLINE_IMAGE_TYPES.has(mediaType) && size <= MAX_INLINE_IMAGE) {
    into.inlineImages.push({ contentId, contentType: mediaType, data: bytes });
    return;
  }
  into.attachments.push({ name: name ?? "(unnamed)", contentType: type.mediaType, size });
  into.attachmentData.push(bytes);
}

/** The inner entity (what decryptMessage wrote) as a render model. */
export async function renderEntity(
  core: SmimeCore,
  entity: readonly Uint8Array[],
  banner: RenderModel["banner"],
): Promise<RenderModel> {
  const { fields, body } = await readHeader(fromChunks(entity));
  const collected: Collected = { truncated: false, attachments: [], attachmentData: [], inlineImages: [] };
  await walk(core, fields, body, 0, collected);
  const note = collected.truncated ? `\n\n[mailseal: text cut at ${MAX_INLINE_TEXT} bytes]` : "";
  let renderBody: RenderBody;
  if (collected.html !== undefined)
    renderBody = { kind: "html", html: collected.html, text: (collected.text ?? "") + note };
  else if (collected.text !== undefined) renderBody = { kind: "text", text: collected.text + note };
  else renderBody = { kind: "none" };
  return {
    banner,
    body: renderBody,
    attachments: collected.attachments,
    inlineImages: collected.inlineImages,
    attachmentData: collected.attachmentData,
  };
}

/**
 * The banner of a read message: the status line of readMessage, with the signer when the signature
 * holds; the words a person reads are made from it by bannerView (words/plain-words.ts), the
 * status line itself is what the Details show.
 */
export function bannerOf(status: ReadStatus): RenderModel["banner"] {
  const signature = status.signature;
  const cipher = status.cipher ?? "?";
  // The status line, for support (the banner's Details); the words a person reads are bannerView's.
  const text = describeStatus(status);
  return {
    kind: "encrypted",
    cipher,
    detail: text.charAt(0).toUpperCase() + text.slice(1),
    signature:
      signature.state === "valid"
        ? {
            state: "valid",
            signer: signature.signer,
            fromMatches: signature.fromMatches,
            ...(signature.expiredSince === true ? { expiredSince: true } : {}),
          }
        : signature.state === "revoked"
          ? {
              state: "revoked",
              signer: signature.signer,
              code: signature.code,
              signingTime: signature.signingTime.toISOString(),
              revokedAt: signature.revokedAt.toISOString(),
            }
          : signature.state === "invalid"
            ? { state: "invalid", code: signature.code }
            : { state: "none" },
  };
}

/**
 * Reads an encrypted message the way every mailseal client does (readMessage: decrypt with the key
 * history of every account on this device, then verify an inner signature against the account's
 * service root) and renders it; undefined when the message is not S/MIME encrypted (plain or
 * clear-signed mail: the host leaves it to Thunderbird). Never throws for bad mail: a failure
 * becomes a "failed" banner with the error's stable code and no content at all.
 */
export async function readForDisplay(
  message: ByteSource,
  options: ReadOptions,
  core: MailflowCore,
): Promise<RenderModel | undefined> {
  let head;
  try {
    head = await readHeader(asAsync(message));
  } catch (error) {
    return failure(error, "read", "the message header is not valid");
  }
  if (!looksEncrypted(head.fields.find((f) => f.lowerName === "content-type")?.value)) return undefined;
  const { raw, body } = head;
  async function* whole(): AsyncGenerator<Uint8Array> {
    yield raw;
    yield* body;
  }
  const written: Uint8Array[] = [];
  let status: ReadStatus;
  try {
    status = await readMessage(whole(), options, core, (chunk) => void written.push(chunk.slice()));
  } catch (error) {
    return failure(error);
  }
  try {
    return await renderEntity(core, written, bannerOf(status));
  } catch (error) {
    return failure(error, "content", "the decrypted content is not valid MIME");
  }
}

async function* asAsync(source: ByteSource): AsyncGenerator<Uint8Array> {
  yield* source;
}

function failure(
  error: unknown,
  stage: "read" | "decrypt" | "content" = "decrypt",
  what = "could not decrypt this message",
): RenderModel {
  // MailsealError and core-wasm's CryptoError (rebuilt across the worker boundary) both carry `code`.
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return {
    banner: {
      kind: "failed",
      code: typeof code === "string" ? code : "INTERNAL",
      stage,
      detail: `${what}: ${message}`,
    },
    body: { kind: "none" },
    attachments: [],
  };
}

/**
 * Decrypts `message` with `keys` and renders it; undefined when the message is not S/MIME encrypted
 * (plain or clear-signed mail: the host leaves it to Thunderbird). Never throws for bad mail: a
 * failure becomes a "failed" banner with the error's stable code and no content at all (what was
 * decrypted before a failing tag or padding check is dropped, never shown).
 */
export async function readEncryptedMessage(
  message: ByteSource,
  keys: readonly RecipientKey[],
  core: SmimeCore,
): Promise<RenderModel | undefined> {
  const entity: Uint8Array[] = [];
  let envelope;
  try {
    ({ envelope } = await decryptMessage(message, keys, core, (chunk) => {
      entity.push(chunk.slice());
    }));
  } catch (error) {
    if (hasCode(error, "NOT_SMIME")) return undefined;
    return failure(error);
  }
  const cipher = envelope.cipher.name;
  try {
    return await renderEntity(core, entity, { kind: "encrypted", cipher, detail: `Encrypted (${cipher})` });
  } catch (error) {
    return failure(error, "content", "the decrypted content is not valid MIME");
  }
}
