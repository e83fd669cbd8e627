// Certificates signed by a key that never leaves the HSM: the TBSCertificate is built with pkijs,
// its DER signed by the backend (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 8.2 / RFC 4055 5), and the
// three parts assembled (RFC 5280 4.1).
import { randomBytes } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { SHA256_WITH_RSA_ENCRYPTION } from "@mailseal/shared";
import type { HsmBackend } from "../hsm/backend.js";

/** A CA key in the HSM. */
export interface CaSigner {
  hsm: HsmBackend;
  handle: string;
}

/** sha256WithRSAEncryption with NULL parameters (RFC 4055 5: the NULL is required). */
export function signatureAlgorithm(): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({
    algorithmId: SHA256_WITH_RSA_ENCRYPTION,
    algorithmParams: new asn1js.Null(),
  });
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on. */
export function x509Time(date: Date): pkijs.Time {
  return new pkijs.Time({ type: date.getUTCFullYear() >= 2050 ? 1 : 0, value: date });
}

/**
 * A serial number of 16 CSPRNG bytes (S/MIME BR 7.1: at least 64 random bits), positive and minimal:
 * the top bit is cleared (RFC 5280 4.1.2.2) and the next one set, so no leading zero octet appears.
 */
export function randomSerial(): Uint8Array {
  const serial = new Uint8Array(randomBytes(16));
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}

/** Upper-case hex, as `openssl x509 -serial` and the shared parser's serialHex print it. */
export function serialHex(serial: Uint8Array): string {
  return Buffer.from(serial).toString("hex").toUpperCase();
}

/**
 * A Name with one attribute per RDN, values as UTF8String (RFC 5280 4.1.2.4). Encoded here and read
 * back, as pkijs would put every attribute into one multi-valued RDN; an empty list gives the empty
 * SEQUENCE of an empty subject (RFC 5280 4.1.2.6).
 */
export function distinguishedName(
  attributes: readonly [type: string, value: string][],
): pkijs.RelativeDistinguishedNames {
  const name = new asn1js.Sequence({
    value: attributes.map(
      ([type, value]) =>
        new asn1js.Set({
          value: [
            new asn1js.Sequence({
              value: [new asn1js.ObjectIdentifier({ value: type }), new asn1js.Utf8String({ value })],
            }),
          ],
        }),
    ),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(name.toBER());
}

export interface CertificateTemplate {
  serial: Uint8Array;
  issuer: pkijs.RelativeDistinguishedNames;
  subject: pkijs.RelativeDistinguishedNames;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  extensions: pkijs.Extension[];
}

export async function signCertificate(signer: CaSigner, template: CertificateTemplate): Promise<Uint8Array> {
  const certificate = new pkijs.Certificate({
    version: 2,
    serialNumber: new asn1js.Integer({ valueHex: template.serial }),
    signature: signatureAlgorithm(),
    issuer: template.issuer,
    subject: template.subject,
    notBefore: x509Time(template.notBefore),
    notAfter: x509Time(template.notAfter),
    subjectPublicKeyInfo: pkijs.PublicKeyInfo.fromBER(new Uint8Array(template.spki)),
    extensions: template.extensions,
  });
  const tbs = new Uint8Array(certificate.encodeTBS().toBER());
  const signature = await signer.hsm.signRsaPkcs1v15(signer.handle, "SHA-256", tbs);
  certificate.tbsView = tbs;
  certificate.signatureAlgorithm = signatureAlgorithm();
  certificate.signatureValue = new asn1js.BitString({ valueHex: signature });
  return new Uint8Array(certificate.toSchema(false).toBER());
}
