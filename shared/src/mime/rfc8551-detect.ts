// Which S/MIME entity a MIME entity is, from its header alone (RFC 8551 3.2, 3.5; RFC 1847 2.1).
import { MailsealError } from "../errors/index.js";
import { boundaryOf, contentTypeOf, transferEncodingOf, type ContentType } from "./rfc2045-content-type.js";
import type { HeaderField } from "./rfc5322-header.js";
import { contentDispositionOf } from "./rfc2183-content-disposition.js";

/** The smime-type values of RFC 8551 3.2.2 (authEnveloped-data: RFC 8551 3.4, compressed-data: RFC 3274). */
export type SmimeType = "enveloped-data" | "authEnveloped-data" | "signed-data" | "certs-only" | "compressed-data";

export type SmimeEntity =
  | {
      /** application/pkcs7-mime or x-pkcs7-mime, or an `application/octet-stream` smime.p7m (RFC 8551 3.2.2). */
      readonly kind: "pkcs7-mime";
      /**
       * From the smime-type parameter, else from the file name extension (.p7c certs-only, .p7s
       * signed-data); undefined when neither tells (a `.p7m` is enveloped or signed): then the CMS
       * ContentInfo's contentType decides.
       */
      readonly smimeType: SmimeType | undefined;
      readonly contentType: ContentType;
      /** Lower case, "7bit" when absent; decode the body with decodeBody. */
      readonly transferEncoding: string;
    }
  | {
      /** multipart/signed with protocol application/pkcs7-signature or its x- form (RFC 8551 3.5.3). */
      readonly kind: "multipart-signed";
      readonly contentType: ContentType;
      readonly boundary: string;
      /** The micalg parameter's values, lower case (RFC 8551 3.5.3.2): a hint only, the SignerInfos decide. */
      readonly micalg: readonly string[];
    };

const SMIME_TYPES: ReadonlyMap<string, SmimeType> = new Map(
  (["enveloped-data", "authEnveloped-data", "signed-data", "certs-only", "compressed-data"] as const).map((type) => [
    type.toLowerCase(),
    type,
  ]),
);

const PKCS7_MIME = new Set(["application/pkcs7-mime", "application/x-pkcs7-mime"]);
const PKCS7_SIGNATURE = new Set(["application/pkcs7-signature", "application/x-pkcs7-signature"]);

/**
 * Detects an S/MIME entity from its header fields (a whole message's fields will do: only the
 * Content-* ones are read). Throws NOT_SMIME, saying what the entity is instead, when it is none
 * of the kinds above; MALFORMED_MIME when its Content-* fields do not parse.
 */
export function detectSmime(fields: readonly HeaderField[]): SmimeEntity {
  const contentType = contentTypeOf(fields);
  const { mediaType, parameters } = contentType;
  if (mediaType === "multipart/signed") {
    const protocol = parameters.get("protocol");
    if (protocol === undefined || !PKCS7_SIGNATURE.has(protocol.toLowerCase())) {
      throw new MailsealError(
        "NOT_SMIME",
        protocol === undefined
          ? "multipart/signed without a protocol parameter is not S/MIME"
          : `multipart/signed with protocol ${protocol} is not S/MIME (application/pkcs7-signature)`,
      );
    }
    const micalg = (parameters.get("micalg") ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== "");
    return { kind: "multipart-signed", contentType, boundary: boundaryOf(contentType), micalg };
  }
  const disposition = contentDispositionOf(fields);
  const fileName = (disposition?.parameters.get("filename") ?? parameters.get("name") ?? "").toLowerCase();
  if (PKCS7_MIME.has(mediaType)) {
    const smimeTypeParameter = parameters.get("smime-type");
    const smimeType =
      smimeTypeParameter !== undefined
        ? SMIME_TYPES.get(smimeTypeParameter.toLowerCase())
        : fileName.endsWith(".p7c")
          ? "certs-only"
          : fileName.endsWith(".p7s")
            ? "signed-data"
            : undefined;
    return { kind: "pkcs7-mime", smimeType, contentType, transferEncoding: transferEncodingOf(fields) };
  }
  if (mediaType === "application/octet-stream") {
    const name = disposition?.parameters.get("filename") ?? parameters.get("name");
    if (name !== undefined && /\.p7m$/i.test(name)) {
      return { kind: "pkcs7-mime", smimeType: undefined, contentType, transferEncoding: transferEncodingOf(fields) };
    }
    throw new MailsealError(
      "NOT_SMIME",
      name === undefined
        ? "application/octet-stream without a file name is not S/MIME"
        : `application/octet-stream named "${name}" is not S/MIME (a .p7m name is)`,
    );
  }
  if (PKCS7_SIGNATURE.has(mediaType)) {
    throw new MailsealError("NOT_SMIME", `${mediaType} alone is a detached signature, not a signed message`);
  }
  throw new MailsealError("NOT_SMIME", `${mediaType} is not an S/MIME type`);
}
