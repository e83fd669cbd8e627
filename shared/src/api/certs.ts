// CerDB (docs/services.md, "HTTP API"): the current encryption certificate of a verified address,
// with its chain and the S/MIME capabilities of mailseal clients. There is no listing: only an
// address one already knows can be looked up, and every miss looks alike.
import { Type, type Static } from "typebox";
import { contentCipherFromOid } from "../cms/algorithms.js";
import { SMIME_CAPABILITIES } from "../smime/signature.js";
import { ID_RSAES_OAEP } from "../pki/oids.js";

/** Most addresses in one POST /v1/certs/lookup. */
export const MAX_LOOKUP_ADDRESSES = 100;

/**
 * What the directory says every reader of a mailseal account can decrypt, in order of preference:
 * content ciphers by their names ("aes-256-cbc", ...) and "rsaes-oaep" (SHA-256, MGF1-SHA-256). A
 * sender picks AES-GCM only when every recipient lists it. The AES-GCM entries of
 * SMIME_CAPABILITIES are left out: an account's key is also in Thunderbird's own S/MIME store (the
 * add-in puts it there so that Thunderbird opens CBC mail itself), and NSS reads no
 * AuthEnvelopedData (RFC 5083). Mail to mailseal users is therefore AES-CBC, which Outlook,
 * Thunderbird with or without the add-in, gpgsm and OpenSSL all read.
 */
export const CERTIFICATE_CAPABILITIES: readonly string[] = SMIME_CAPABILITIES.map((capability) =>
  capability.oid === ID_RSAES_OAEP ? "rsaes-oaep" : contentCipherFromOid(capability.oid).name,
).filter((name) => !name.endsWith("-gcm"));

export const CertificateEntry = Type.Object({
  address: Type.String(),
  certificate: Type.String({ description: "DER, base64url" }),
  chain: Type.Array(Type.String(), { description: "issuing CA then root, DER, base64url" }),
  capabilities: Type.Array(Type.String()),
  kemCertificate: Type.Optional(
    Type.String({
      description:
        "DER, base64url: the ML-KEM encryption certificate (RFC 9935) of the same key generation as `certificate`, " +
        "present when the address opted into post-quantum keys (issue 15); same chain",
    }),
  ),
});
export type CertificateEntry = Static<typeof CertificateEntry>;

/** Any text: a malformed or overlong address gets the same 404 as an unknown one, not a 400. */
export const CertsParams = Type.Object({ address: Type.String() });
export type CertsParams = Static<typeof CertsParams>;

export const CertsLookupRequest = Type.Object(
  {
    addresses: Type.Array(Type.String({ maxLength: 320 }), { minItems: 1, maxItems: MAX_LOOKUP_ADDRESSES }),
  },
  { additionalProperties: false },
);
export type CertsLookupRequest = Static<typeof CertsLookupRequest>;

export const CertsLookupResponse = Type.Object({
  certificates: Type.Array(CertificateEntry, { description: "the addresses found; unknown ones are omitted" }),
});
export type CertsLookupResponse = Static<typeof CertsLookupResponse>;
