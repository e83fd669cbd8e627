// S/MIME encryption of whole messages (RFC 8551 3.3, 3.4): the outer header fields stay as they are,
// the MIME entity (Content-* fields and body, canonical CRLF, RFC 8551 3.1.1) becomes the content of
// an EnvelopedData (CBC) or AuthEnvelopedData (GCM) sent as application/pkcs7-mime. Everything
// streams: the body is never held whole.
import type { ByteSource } from "../asn1/ber-cursor.js";
import { MailsealError } from "../errors/index.js";
import { isAuthenticated, type ContentCipher } from "../cms/algorithms.js";
import {
  decryptEnvelope,
  encryptEnvelope,
  type DecryptedEnvelope,
  type EnvelopeRecipient,
} from "../cms/enveloped-data.js";
import type { RecipientKey } from "../cms/recipient-info.js";
import { canonicalizeLineEnds } from "../mime/rfc8551-canonical.js";
import { asAsync, handedOver } from "../mime/chunks.js";
import { decodeBody } from "../mime/rfc2045-transfer-encoding.js";
import type { HeaderField } from "../mime/rfc5322-header.js";
import { assembleMessage, serializeEntity, splitMessage } from "../mime/rfc5322-message.js";
import { detectSmime } from "../mime/rfc8551-detect.js";
import { pkcs7MimeEntity } from "../mime/rfc8551-writer.js";
import type { SmimeCore } from "./core.js";

export interface EncryptMessageOptions {
  recipients: readonly EnvelopeRecipient[];
  cipher: ContentCipher;
  /**
   * The caller is done with each chunk yielded when it asks for the next one (it writes or copies
   * it): the base64 text of the body is then freed at once (issue 11, bench/README.md).
   */
  consumed?: boolean;
  /**
   * The message's chunks are handed over (the command's read chunks): each is freed once the
   * pipeline has taken it (issue 11). The header is read into a copy, the body copied into batches
   * or handed whole to the cipher, which takes its input when called, before the next chunk is read.
   */
  handOver?: boolean;
}

export interface DecryptedMessage {
  /** The message's own header fields (From, To, Subject, ...), bytes as received. */
  outer: HeaderField[];
  envelope: DecryptedEnvelope;
}

/**
 * Encrypts a whole RFC 5322 message: the output is the same message with its MIME entity replaced
 * by `application/pkcs7-mime; smime-type=enveloped-data` (or `authEnveloped-data` for AES-GCM,
 * RFC 8551 3.4), base64 in lines of 76. The input's line ends are made CRLF first, outer fields
 * included, so the output is one consistent canonical message; CRLF input keeps its bytes exactly.
 */
export async function* encryptMessage(
  message: ByteSource,
  options: EncryptMessageOptions,
  core: SmimeCore,
): AsyncGenerator<Uint8Array> {
  const input = options.handOver === true ? handedOver(message) : asAsync(message);
  const { outer, entity } = await splitMessage(canonicalizeLineEnds(input));
  // Consumed: the CMS goes straight into base64 (pkcs7MimeEntity), whose batches take each chunk.
  const cms = encryptEnvelope(
    serializeEntity(entity),
    { cipher: options.cipher, recipients: options.recipients, consumed: true },
    core,
  );
  const smimeType = isAuthenticated(options.cipher) ? "authEnveloped-data" : "enveloped-data";
  yield* assembleMessage(outer, pkcs7MimeEntity(core, smimeType, cms, { consumed: options.consumed === true }));
}

/**
 * Decrypts a whole S/MIME message: `application/pkcs7-mime` or `application/x-pkcs7-mime`, or an
 * `application/octet-stream` named *.p7m (Outlook), in base64 or binary. The inner MIME entity is
 * passed to `write` exactly as it was encrypted. The promise resolves only after the CBC padding or
 * GCM tag check: until then what was written is provisional and must not be released (see
 * decryptEnvelope). `keys` may hold the reader's whole key history; the RecipientInfo is matched
 * by identifier. Plain mail and signed-only mail are NOT_SMIME. `write` must copy what it keeps:
 * each chunk is freed once its write has settled (decryptEnvelope). With `handOver` the message's
 * chunks are the pipeline's to free once taken (issue 11): the header is read into a copy, the body
 * into the base64 decoder, or binary straight into the BER reader (BerCursorOptions).
 */
export async function decryptMessage(
  message: ByteSource,
  keys: readonly RecipientKey[],
  core: SmimeCore,
  write: (chunk: Uint8Array) => Promise<void> | void,
  { handOver = false }: { handOver?: boolean } = {},
): Promise<DecryptedMessage> {
  const { outer, entity } = await splitMessage(asAsync(message));
  const kind = detectSmime(entity.fields);
  if (kind.kind === "multipart-signed") {
    throw new MailsealError("NOT_SMIME", "the message is clear-signed (multipart/signed), not encrypted");
  }
  if (kind.smimeType !== undefined && kind.smimeType !== "enveloped-data" && kind.smimeType !== "authEnveloped-data") {
    throw new MailsealError("NOT_SMIME", `the message is S/MIME ${kind.smimeType}, not encrypted`);
  }
  // Without smime-type (a bare .p7m) the ContentInfo's contentType decides, in decryptEnvelope.
  // The decoded base64 is the core's, ours to free once read; binary content is the caller's own
  // read chunks, ours only when handed over.
  const base64 = kind.transferEncoding.toLowerCase() === "base64";
  const envelope = await decryptEnvelope(
    decodeBody(core, kind.transferEncoding, entity.body, { handOver }),
    keys,
    core,
    write,
    { ownsChunks: base64 || handOver },
  );
  return { outer: [...outer], envelope };
}
