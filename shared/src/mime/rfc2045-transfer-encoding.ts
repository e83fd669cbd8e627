// Content-Transfer-Encoding of S/MIME bodies (RFC 2045 6, RFC 8551 3.1.2/3.1.3): base64 both ways,
// through the crypto core's streaming coder, or the identity encodings.
import { release } from "@mailseal/core-wasm";
import { MailsealError } from "../errors/index.js";
import { CRLF } from "./bytes.js";
import { batches, handedOver } from "./chunks.js";

/** A streaming coder of the core (core-wasm TextStream, in process or through a worker). */
export interface Base64Stream {
  update(data: Uint8Array): Promise<Uint8Array>;
  final(): Promise<Uint8Array>;
  dispose(): unknown;
}

/** What the MIME layer needs of the crypto core (core-wasm CoreService, or its worker proxy). */
export interface Base64Core {
  createBase64Encoder(options: { lineLength: 76 }): Promise<Base64Stream>;
  createBase64Decoder(): Promise<Base64Stream>;
}

/**
 * Decodes a body by its Content-Transfer-Encoding: base64 through the core (whitespace skipped,
 * anything else MALFORMED_MIME with its offset); 7bit, 8bit and binary pass through. Quoted-printable
 * is not used for S/MIME objects (RFC 8551 3.1.2 asks for base64 on 7-bit paths): MALFORMED_MIME.
 * With `handOver` the body's chunks are the decoder's to free once decoded; other encodings pass
 * them on as they are.
 */
export async function* decodeBody(
  core: Base64Core,
  transferEncoding: string,
  body: AsyncIterable<Uint8Array>,
  { handOver = false }: { handOver?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  switch (transferEncoding.toLowerCase()) {
    case "7bit":
    case "8bit":
    case "binary":
      yield* body;
      return;
    case "base64":
      // Handed over: the core's decoder has taken each chunk when its update returns, so the
      // chunks are freed as they are read (handedOver).
      yield* transcode(await core.createBase64Decoder(), handOver ? handedOver(body) : body, true);
      return;
    default:
      throw new MailsealError(
        "MALFORMED_MIME",
        `Content-Transfer-Encoding ${transferEncoding} is not one an S/MIME body is sent in (base64, binary, 8bit, 7bit)`,
      );
  }
}

/**
 * Base64 in MIME lines of 76 characters, each ending in CRLF (RFC 2045 6.8), through the core. The
 * input is regrouped into batches first: BER writes its segment headers as pieces of their own, and
 * with the core in a worker every piece would be a message round trip. With `consumed` (the caller
 * is done with each chunk when it asks for the next, as the command's output is: it copies) each
 * text of the core is freed then (core-wasm's `release`), not at a garbage collection.
 */
export async function* encodeBase64(
  core: Base64Core,
  data: AsyncIterable<Uint8Array>,
  { consumed = false }: { consumed?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  let empty = true;
  // Consumed: transcode has handed each batch to the core before it asks for the next.
  const input = batches(data, { consumed: true });
  for await (const text of transcode(await core.createBase64Encoder({ lineLength: 76 }), input, false)) {
    empty = false;
    yield text;
    if (consumed) release(text);
  }
  if (!empty) yield CRLF;
}

async function* transcode(
  stream: Base64Stream,
  input: AsyncIterable<Uint8Array>,
  decoding: boolean,
): AsyncGenerator<Uint8Array> {
  let finished = false;
  try {
    for await (const chunk of input) {
      const out = await stream.update(chunk);
      if (out.length > 0) yield out;
    }
    const out = await stream.final();
    finished = true;
    if (out.length > 0) yield out;
  } catch (error) {
    if (decoding && (error as { code?: unknown }).code === "MALFORMED_BASE64") {
      throw new MailsealError("MALFORMED_MIME", `base64 body: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    // Also when the consumer stops early or the input fails: the core wipes and frees the stream (idempotent).
    if (!finished) await stream.dispose();
  }
}
