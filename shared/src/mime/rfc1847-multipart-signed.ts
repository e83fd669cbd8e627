// multipart/signed (RFC 1847 2.1, RFC 8551 3.5): two parts, the content as signed, byte for byte,
// and the signature. The content streams (it may be large); the signature part is small and read
// into memory, bounded by MAX_SIGNATURE_PART_BYTES.
import { MailsealError } from "../errors/index.js";
import { fromBytes, readAll } from "./bytes.js";
import { MAX_SIGNATURE_PART_BYTES } from "./limits.js";
import { contentTypeOf, transferEncodingOf, type ContentType } from "./rfc2045-content-type.js";
import { decodeBody, type Base64Core } from "./rfc2045-transfer-encoding.js";
import { multipartParts } from "./rfc2046-multipart.js";
import { readHeader } from "./rfc5322-header-reader.js";
import type { HeaderField } from "./rfc5322-header.js";

export interface SignaturePart {
  readonly fields: readonly HeaderField[];
  readonly contentType: ContentType;
  /** The part body as sent (transfer-encoded). */
  readonly body: Uint8Array;
  /** The body decoded: the DER (or BER) of the CMS SignedData. */
  readonly der: Uint8Array;
}

export interface MultipartSigned {
  /**
   * The first part exactly as it is in the message: its header, the empty line and its body, up
   * to but excluding the line break before the next boundary. This is what the signature covers
   * (in canonical form: canonicalize the message first if it may have bare LF line ends).
   */
  readonly content: AsyncIterable<Uint8Array>;
  /**
   * The second part. Read `content` first: what of it is still unread is skipped. Also checks
   * that there is no third part and that the close delimiter is there.
   */
  signature(): Promise<SignaturePart>;
}

const SIGNATURE_TYPES = new Set(["application/pkcs7-signature", "application/x-pkcs7-signature"]);

/** Opens the body of a multipart/signed entity; `boundary` comes from its Content-Type (detectSmime gives it). */
export async function openMultipartSigned(
  core: Base64Core,
  body: AsyncIterable<Uint8Array>,
  boundary: string,
): Promise<MultipartSigned> {
  const parts = multipartParts(body, boundary);
  const first = await parts.next();
  if (first.done === true) throw new MailsealError("MALFORMED_MIME", "multipart/signed has no parts");
  return {
    content: first.value,
    async signature(): Promise<SignaturePart> {
      const second = await parts.next();
      if (second.done === true) {
        throw new MailsealError("MALFORMED_MIME", "multipart/signed has one part; RFC 1847 2.1 requires two");
      }
      const part = await readHeader(second.value);
      const contentType = contentTypeOf(part.fields);
      if (!SIGNATURE_TYPES.has(contentType.mediaType)) {
        throw new MailsealError(
          "MALFORMED_MIME",
          `the second part of multipart/signed is ${contentType.mediaType}, not application/pkcs7-signature`,
        );
      }
      const transferEncoding = transferEncodingOf(part.fields);
      const encoded = await readAll(part.body, MAX_SIGNATURE_PART_BYTES, "the signature part of multipart/signed");
      const der = await readAll(decodeBody(core, transferEncoding, fromBytes(encoded)), encoded.length, "signature");
      const third = await parts.next();
      if (third.done !== true) {
        await parts.return();
        throw new MailsealError(
          "MALFORMED_MIME",
          "multipart/signed has more than two parts; RFC 1847 2.1 requires two",
        );
      }
      return { fields: part.fields, contentType, body: encoded, der };
    },
  };
}
