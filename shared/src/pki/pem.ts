// PEM text encoding (RFC 7468): labelled base64 blocks. Keys and certificates arrive this way.
import { SmimeError } from "../errors.js";

export interface PemBlock {
  /** The label between "BEGIN " and the dashes, e.g. "PRIVATE KEY", "CERTIFICATE". */
  label: string;
  der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order (RFC 7468 section 2; explanatory text around them is ignored). */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label, body] = match;
    // RFC 1421 encapsulated headers (Proc-Type, DEK-Info) mark OpenSSL's legacy encrypted keys.
    if (/^\s*Proc-Type:/m.test(body!)) {
      throw new SmimeError(
        "UNSUPPORTED_ALGORITHM",
        `PEM "${label}": legacy OpenSSL encryption (Proc-Type/DEK-Info); convert it to PKCS#8`,
      );
    }
    const base64 = body!.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      throw new SmimeError("MALFORMED_CMS", `PEM "${label}": the body is not base64`);
    }
    blocks.push({ label: label!, der: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) });
  }
  return blocks;
}

/** True when `data` looks like PEM text rather than DER (which starts with a SEQUENCE tag). */
export function isPem(data: Uint8Array): boolean {
  return new TextDecoder("latin1").decode(data.subarray(0, 4096)).includes("-----BEGIN ");
}

export function textOf(data: Uint8Array): string {
  return new TextDecoder("latin1").decode(data);
}
