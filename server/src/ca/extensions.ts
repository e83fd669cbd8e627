// X.509 v3 extensions as the profiles use them (RFC 5280 4.2.1), built with asn1js.
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  ID_CE_AUTHORITY_KEY_IDENTIFIER,
  ID_CE_BASIC_CONSTRAINTS,
  ID_CE_CERTIFICATE_POLICIES,
  ID_CE_CRL_DISTRIBUTION_POINTS,
  ID_CE_CRL_NUMBER,
  ID_CE_EXT_KEY_USAGE,
  ID_CE_KEY_USAGE,
  ID_CE_SUBJECT_ALT_NAME,
  ID_CE_SUBJECT_KEY_IDENTIFIER,
  ID_KP_EMAIL_PROTECTION,
} from "@mailseal/shared";
import { MailsealError } from "./errors.js";
import { KeyUsageBit } from "./profiles.js";

function extension(extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER() });
}

/** A DER BIT STRING of named bits: trailing zero bits are removed (X.690 11.2.2). */
function namedBits(bits: readonly number[]): asn1js.BitString {
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (highest & 7) });
}

export function keyUsage(usages: readonly (keyof typeof KeyUsageBit)[]): pkijs.Extension {
  // S/MIME BR 7.1.2.3 (e): keyUsage SHOULD be critical; RFC 5280 4.2.1.3 says the same for CAs.
  return extension(ID_CE_KEY_USAGE, true, namedBits(usages.map((u) => KeyUsageBit[u])));
}

export function basicConstraints(ca: boolean, pathLength?: number): pkijs.Extension {
  const value = new pkijs.BasicConstraints(
    pathLength === undefined ? { cA: ca } : { cA: ca, pathLenConstraint: pathLength },
  );
  return extension(ID_CE_BASIC_CONSTRAINTS, true, value.toSchema());
}

export function emailProtection(): pkijs.Extension {
  // Strict certificates carry id-kp-emailProtection and nothing else, not critical (S/MIME BR 7.1.2.3 (f)).
  return extension(
    ID_CE_EXT_KEY_USAGE,
    false,
    new pkijs.ExtKeyUsage({ keyPurposes: [ID_KP_EMAIL_PROTECTION] }).toSchema(),
  );
}

/** SAN rfc822Name; critical when the subject is empty (RFC 5280 4.2.1.6). */
export function emailSubjectAltName(address: string, critical: boolean): pkijs.Extension {
  const names = new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 1, value: address })] });
  return extension(ID_CE_SUBJECT_ALT_NAME, critical, names.toSchema());
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value. */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(spki);
  const key =
    parsed.offset === spki.length && parsed.result instanceof asn1js.Sequence
      ? parsed.result.valueBlock.value[1]
      : undefined;
  if (!(key instanceof asn1js.BitString))
    throw new MailsealError("CA_BAD_PUBLIC_KEY", "the SubjectPublicKeyInfo is malformed");
  return new Uint8Array(createHash("sha1").update(key.valueBlock.valueHexView.subarray(1)).digest());
}

export function subjectKeyIdentifier(keyId: Uint8Array): pkijs.Extension {
  return extension(ID_CE_SUBJECT_KEY_IDENTIFIER, false, new asn1js.OctetString({ valueHex: keyId }));
}

export function authorityKeyIdentifier(keyId: Uint8Array): pkijs.Extension {
  const value = new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: keyId }) });
  return extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, value.toSchema());
}

export function crlDistributionPoint(url: string): pkijs.Extension {
  const point = new pkijs.DistributionPoint({
    distributionPoint: [new pkijs.GeneralName({ type: 6, value: url })],
  });
  return extension(
    ID_CE_CRL_DISTRIBUTION_POINTS,
    false,
    new pkijs.CRLDistributionPoints({ distributionPoints: [point] }).toSchema(),
  );
}

export function certificatePolicies(policies: readonly string[]): pkijs.Extension {
  const value = new pkijs.CertificatePolicies({
    certificatePolicies: policies.map((policyIdentifier) => new pkijs.PolicyInformation({ policyIdentifier })),
  });
  return extension(ID_CE_CERTIFICATE_POLICIES, false, value.toSchema());
}

/** RFC 5280 5.2.3: a non-critical, monotonically increasing CRL number (at most 20 octets). */
export function crlNumber(value: bigint): pkijs.Extension {
  return extension(ID_CE_CRL_NUMBER, false, integer(value));
}

/** An INTEGER from a non-negative bigint, minimal DER (X.690 8.3.2). */
export function integer(value: bigint): asn1js.Integer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return new asn1js.Integer({ valueHex: Uint8Array.from(Buffer.from(hex, "hex")) });
}
