// Capturing a small subtree whole (RecipientInfos, AlgorithmIdentifier, SignerInfos, certificates)
// to hand to asn1js/pkijs, while the large content around it streams. The bytes are the exact
// encoding read, not a re-encoding: signatures cover the encoding as sent (RFC 5652 section 5.4).
import { concatBytes } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import { MailsealError } from "../errors/index.js";
import type { BerEvent, BerHeader } from "./ber-reader.js";
import { describeTag } from "./tag.js";

/**
 * Collects the events of one element, from its `start` to its matching `end`, into its full
 * encoding. Fails with INPUT_TOO_LARGE as soon as the element is known to exceed `maxBytes`: at its
 * header for the definite form, as the bytes arrive for the indefinite form.
 */
export class ElementCapture {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private root: BerHeader | undefined;

  constructor(private readonly maxBytes: number) {}

  /** Adds the next event; returns the complete encoding on the element's own `end`. */
  add(event: BerEvent): Uint8Array | undefined {
    if (!this.root) {
      if (event.type !== "start") throw new Error("ElementCapture must begin at a start event");
      this.root = event.header;
      const { length, headerLength } = event.header;
      if (length !== undefined && headerLength + length > this.maxBytes) throw this.tooLarge(headerLength + length);
    }
    const bytes = event.type === "content" ? event.bytes : event.raw;
    if (bytes.length > 0) {
      this.size += bytes.length;
      if (this.size > this.maxBytes) throw this.tooLarge(this.size);
      // Copied: content events are views of the source's chunks, which need not outlive the event.
      this.parts.push(bytes.slice());
    }
    return event.type === "end" && event.header === this.root ? concatBytes(this.parts) : undefined;
  }

  private tooLarge(size: number): MailsealError {
    const root = this.root!;
    const exact = root.length !== undefined;
    return new MailsealError(
      "INPUT_TOO_LARGE",
      `${describeTag(root)} at offset ${root.offset} is ${exact ? "" : "at least "}${size} bytes, over the ${this.maxBytes} allowed`,
    );
  }
}

/**
 * asn1js.fromBER for outside bytes. asn1js reports most malformed input as offset -1 with
 * `result.error`, but throws for some contents (a UTCTime or GeneralizedTime that is not a time,
 * X.680 46/47): this turns the throw into the same offset -1, so each caller's own check and stable
 * code apply to both.
 */
export function readBer(bytes: Uint8Array): { offset: number; result: asn1js.AsnType } {
  try {
    return asn1js.fromBER(bytes);
  } catch (error) {
    const result = new asn1js.Primitive();
    result.error = error instanceof Error ? error.message : String(error);
    return { offset: -1, result };
  }
}

/**
 * Decodes a captured element with asn1js, which must take exactly the whole encoding. A failure is
 * MALFORMED_CMS: the structure passed the streaming reader, so asn1js objects to its contents.
 */
export function decodeCaptured(encoding: Uint8Array, what: string): asn1js.AsnType {
  const { offset, result } = readBer(encoding);
  if (offset === -1) throw new MailsealError("MALFORMED_CMS", `${what}: ${result.error || "undecodable"}`);
  if (offset !== encoding.length) {
    throw new MailsealError("MALFORMED_CMS", `${what}: ${encoding.length - offset} bytes after the element`);
  }
  return result;
}
