// Version 2 CRLs (RFC 5280 5) signed by the issuing CA's HSM key.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { ID_CE_CRL_REASONS } from "@mailseal/shared";
import { authorityKeyIdentifier, crlNumber, integer } from "./extensions.js";
import { signatureAlgorithm, x509Time, type CaSigner } from "./certificate-builder.js";

/** RFC 5280 5.3.1 CRLReason values this CA uses (removeFromCRL and the attribute-authority ones never apply). */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export interface CrlInput {
  issuer: pkijs.RelativeDistinguishedNames;
  issuerKeyId: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
  number: bigint;
  revoked: readonly { serial: string; at: Date; reason: RevocationReason }[];
}

export async function signCrl(signer: CaSigner, input: CrlInput): Promise<Uint8Array> {
  const revokedCertificates = input.revoked.map((entry) => {
    const extensions =
      entry.reason === "unspecified"
        ? undefined // RFC 5280 5.3.1: the reason code unspecified SHOULD be absent.
        : new pkijs.Extensions({
            extensions: [
              new pkijs.Extension({
                extnID: ID_CE_CRL_REASONS,
                critical: false,
                extnValue: new asn1js.Enumerated({ value: REVOCATION_REASONS[entry.reason] }).toBER(),
              }),
            ],
          });
    return new pkijs.RevokedCertificate({
      userCertificate: integer(BigInt(`0x${entry.serial}`)),
      revocationDate: x509Time(entry.at),
      ...(extensions === undefined ? {} : { crlEntryExtensions: extensions }),
    });
  });
  const crl = new pkijs.CertificateRevocationList({
    version: 1, // v2: needed for extensions (RFC 5280 5.1.2.1)
    signature: signatureAlgorithm(),
    issuer: input.issuer,
    thisUpdate: x509Time(input.thisUpdate),
    nextUpdate: x509Time(input.nextUpdate),
    ...(revokedCertificates.length === 0 ? {} : { revokedCertificates }),
    // RFC 5280 5.2: conforming CRLs carry the authority key identifier and the CRL number.
    crlExtensions: new pkijs.Extensions({
      extensions: [authorityKeyIdentifier(input.issuerKeyId), crlNumber(input.number)],
    }),
  });
  // toSchema(true) encodes the tbsCertList from the fields (encodeTBS itself is protected in pkijs 4).
  const tbs = new Uint8Array(crl.toSchema(true).valueBlock.value[0]!.toBER());
  const signature = await signer.hsm.signRsaPkcs1v15(signer.handle, "SHA-256", tbs);
  crl.tbsView = tbs;
  crl.signatureAlgorithm = signatureAlgorithm();
  crl.signatureValue = new asn1js.BitString({ valueHex: signature });
  return new Uint8Array(crl.toSchema(false).toBER());
}
