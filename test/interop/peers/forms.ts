// Moves CMS objects between the forms the peers write and read. openssl reads DER, PEM and S/MIME;
// cmsutil reads only DER/BER; gpgsm reads DER and PEM (and bare base64 with --assume-base64) but no MIME
// headers. So a consumer gets DER unless it reads the producer's form natively.

/** The three outer forms of a CMS object. */
export type CmsForm = "der" | "pem" | "smime";

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/;

/** Guesses the form: DER starts with a SEQUENCE tag, PEM with its armour, anything else is MIME. */
export function formOf(bytes: Uint8Array): CmsForm {
  if (bytes[0] === 0x30) return "der";
  return Buffer.from(bytes.subarray(0, 64)).toString("latin1").startsWith("-----BEGIN ") ? "pem" : "smime";
}

/** DER (or BER) bytes of a CMS object in any of the three forms. */
export function toDer(bytes: Uint8Array): Buffer {
  switch (formOf(bytes)) {
    case "der":
      return Buffer.from(bytes);
    case "pem": {
      const match = PEM.exec(Buffer.from(bytes).toString("latin1"));
      if (match === null) throw new Error("PEM armour without a matching END line");
      return Buffer.from(match[2]!, "base64");
    }
    case "smime":
      return Buffer.from(mimeBody(Buffer.from(bytes)).toString("latin1"), "base64");
  }
}

/** The parts of a clear-signed message (RFC 8551 §3.5.3, RFC 1847 §2.1). */
export interface MultipartSigned {
  /** The first body part exactly as signed: its MIME headers and body, without the CRLF before the delimiter. */
  readonly content: Buffer;
  /** DER of the application/pkcs7-signature part. */
  readonly signature: Buffer;
}

/** Splits a multipart/signed message into the signed entity and the detached SignedData. */
export function splitMultipartSigned(message: Uint8Array): MultipartSigned {
  const bytes = Buffer.from(message);
  const header = headerBlock(bytes)
    .toString("latin1")
    .replace(/\r?\n[ \t]+/g, " ");
  const type = /^content-type:\s*multipart\/signed\s*;(.*)$/im.exec(header);
  if (type === null) throw new Error("not a multipart/signed message");
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(type[1]!)?.[1];
  if (boundary === undefined) throw new Error("multipart/signed without a boundary");
  // RFC 2046 §5.1.1: the line break before "--boundary" belongs to the delimiter, not to the part.
  const delimiter = Buffer.from(`\n--${boundary}`, "latin1");
  const first = bytes.indexOf(delimiter, headerEnd(bytes).start);
  if (first < 0) throw new Error("multipart/signed without a first delimiter");
  const contentStart = bytes.indexOf("\n", first + 1) + 1;
  const second = bytes.indexOf(delimiter, contentStart);
  const third = bytes.indexOf(delimiter, second + delimiter.length);
  if (second < 0 || third < 0) throw new Error("multipart/signed without two body parts");
  const contentEnd = bytes[second - 1] === 0x0d ? second - 1 : second;
  const signaturePart = bytes.subarray(bytes.indexOf("\n", second + 1) + 1, third);
  return {
    content: Buffer.from(bytes.subarray(contentStart, contentEnd)),
    signature: Buffer.from(mimeBody(signaturePart).toString("latin1"), "base64"),
  };
}

/** The header block of a MIME entity (everything before the first empty line). */
function headerBlock(entity: Buffer): Buffer {
  const end = headerEnd(entity);
  return entity.subarray(0, end.start);
}

/** The body of a MIME entity (everything after the first empty line). */
export function mimeBody(entity: Buffer): Buffer {
  return entity.subarray(headerEnd(entity).bodyStart);
}

function headerEnd(entity: Buffer): { start: number; bodyStart: number } {
  const crlf = entity.indexOf("\r\n\r\n");
  const lf = entity.indexOf("\n\n");
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { start: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { start: lf, bodyStart: lf + 2 };
  throw new Error("MIME entity without an empty line after its headers");
}
