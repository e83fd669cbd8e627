// Certificate profiles (docs/services.md, S/MIME Baseline Requirements 7.1.2.3 for mailbox-validated
// Strict certificates): what each kind of certificate holds and for how long.
export type CaProfile = "private" | "public-trust";
export type CertificateKind = "encryption" | "signing";

/** S/MIME BR 7.1.6.1: mailbox-validated, Strict generation (the OID table is shared's). */
export { SMIME_MAILBOX_STRICT } from "@mailseal/shared";
/** S/MIME BR 6.3.2: at most 825 days for Strict and Multipurpose certificates. */
export const PUBLIC_TRUST_MAX_DAYS = 825;

/** RFC 5280 4.2.1.3 bit numbers. */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export interface EndEntityProfile {
  years: number;
  keyUsage: (keyof typeof KeyUsageBit)[];
}

/**
 * Encryption: the RSA key only transports content-encryption keys (keyEncipherment, RFC 8550 4.4.2);
 * three years in a private CA, as the design keeps old keys for old mail. Signing: digitalSignature and
 * nonRepudiation (contentCommitment), one year, renewed from the device.
 */
export const END_ENTITY: Record<CertificateKind, EndEntityProfile> = {
  encryption: { years: 3, keyUsage: ["keyEncipherment"] },
  signing: { years: 1, keyUsage: ["digitalSignature", "nonRepudiation"] },
};

/** CA certificates: a long-lived offline-style root and the issuing CA it certifies. */
export const AUTHORITY = {
  root: { years: 20, bits: 4096 },
  issuing: { years: 10, bits: 3072 },
} as const;

const SECOND = 1000;
const DAY = 86_400 * SECOND;

/** `date` without its milliseconds: X.509 times have whole seconds (RFC 5280 4.1.2.5.1, 4.1.2.5.2). */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / SECOND) * SECOND);
}

/** notAfter for a validity of `years` calendar years from notBefore; the period includes both ends (RFC 5280 4.1.2.5). */
export function addYears(notBefore: Date, years: number): Date {
  const end = new Date(notBefore.getTime());
  end.setUTCFullYear(end.getUTCFullYear() + years);
  return new Date(end.getTime() - SECOND);
}

/**
 * The validity of an end-entity certificate: the kind's years, capped at 825 days for public trust
 * (counted inclusively, S/MIME BR 6.3.2) and at the issuing CA's own notAfter.
 */
export function endEntityValidity(
  profile: CaProfile,
  kind: CertificateKind,
  notBefore: Date,
  issuerNotAfter: Date,
): { notBefore: Date; notAfter: Date } {
  const start = wholeSeconds(notBefore);
  let end = addYears(start, END_ENTITY[kind].years);
  if (profile === "public-trust") {
    const cap = new Date(start.getTime() + PUBLIC_TRUST_MAX_DAYS * DAY - SECOND);
    if (cap < end) end = cap;
  }
  if (issuerNotAfter < end) end = issuerNotAfter;
  return { notBefore: start, notAfter: end };
}
