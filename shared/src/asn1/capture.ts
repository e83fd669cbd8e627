// Capturing a small subtree whole (RecipientInfos, AlgorithmIdentifier, SignerInfos, certificates)
// to hand to asn1js/pkijs, while the large content around it streams. The bytes are the exact
// encoding read, not a re-encoding: signatures cover the encoding as sent (RFC 5652 section 5.4).
import * as asn1js from "asn1js";
import { SmimeError } from "../errors.js";
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
    return event.type === "end" && event.header === this.root ? concat(this.parts, this.size) : undefined;
  }

  private tooLarge(size: number): SmimeError {
    const root = this.root!;
    const exact = root.length !== undefined;
    return new SmimeError(
      "INPUT_TOO_LARGE",
      `${describeTag(root)} at offset ${root.offset} is ${exact ? "" : "at least "}${size} bytes, over the ${this.maxBytes} allowed`,
    );
  }
}

/**
 * Decodes a captured element with asn1js, which must take exactly the whole encoding. A failure is
 * MALFORMED_CMS: the structure passed the streaming reader, so asn1js objects to its contents.
 */
export function decodeCaptured(encoding: Uint8Array, what: string): asn1js.AsnType {
  const { offset, result } = asn1js.fromBER(encoding);
  if (offset === -1) throw new SmimeError("MALFORMED_CMS", `${what}: ${result.error || "undecodable"}`);
  if (offset !== encoding.length) {
    throw new SmimeError("MALFORMED_CMS", `${what}: ${encoding.length - offset} bytes after the element`);
  }
  return result;
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
