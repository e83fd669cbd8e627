// The CA (docs/services.md, "HTTP API"): its certificates, its CRL, and signing certificates for
// enrolled devices from a PKCS#10 request.
import { Type, type Static } from "typebox";

export const CaCertificatesResponse = Type.Object({
  root: Type.String({ description: "root CA certificate, DER, base64url (the trust anchor)" }),
  issuing: Type.String({ description: "issuing CA certificate, DER, base64url" }),
  rollover: Type.Optional(
    Type.String({
      description:
        "after a root rollover: the new root's key certified by the previous root (old-signed-new link), DER, base64url",
    }),
  ),
});
export type CaCertificatesResponse = Static<typeof CaCertificatesResponse>;

export const SigningCertificateRequest = Type.Object(
  { csr: Type.String({ minLength: 1, maxLength: 87_382, description: "PKCS#10 DER, base64url (at most 64 KiB)" }) },
  { additionalProperties: false },
);
export type SigningCertificateRequest = Static<typeof SigningCertificateRequest>;

export const SigningCertificateResponse = Type.Object({
  certificate: Type.String({ description: "DER, base64url" }),
  chain: Type.Array(Type.String(), {
    description: "issuing CA, after a root rollover the link certificate, then root; DER, base64url",
  }),
});
export type SigningCertificateResponse = Static<typeof SigningCertificateResponse>;
