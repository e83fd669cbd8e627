// X.509 certificates (RFC 5280) read for S/MIME (RFC 8550): what CMS needs to find recipients and
// signers (issuer and serial number, subject key identifier, the public key) and what mail needs
// (email addresses, validity, key usage, a name to show). Parsing only: trust is chain.ts's business.
import type { DsaPublicKey, RsaPublicKey } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { MailsealError } from "../errors/index.js";
import { bytesEqual, hex } from "./bytes.js";
import { attributeValues, formatName, namesEqual, parseName, type Name } from "./name.js";
import { decodePem, isPem, textOf } from "./pem.js";
import { readBer } from "../asn1/capture.js";
import {
  ID_AT_COMMON_NAME,
  ID_CE_AUTHORITY_KEY_IDENTIFIER,
  ID_CE_BASIC_CONSTRAINTS,
  ID_CE_EXT_KEY_USAGE,
  ID_CE_KEY_USAGE,
  ID_CE_SUBJECT_ALT_NAME,
  ID_CE_SUBJECT_KEY_IDENTIFIER,
  ID_DSA,
  ID_EC_PUBLIC_KEY,
  ID_ED25519,
  ID_ED448,
  ID_X25519,
  ID_X448,
  ID_EMAIL_ADDRESS,
  ID_ON_SMTP_UTF8_MAILBOX,
  ID_RSASSA_PSS,
  RSA_ENCRYPTION,
  SECP256R1,
  SECP384R1,
  SECP521R1,
} from "./oids.js";

/** One DER certificate larger than this is not an S/MIME certificate (real ones are 1..4 KiB). */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;
/** A certificate file (PEM bundle or concatenated DER) larger than this is refused before parsing. */
export const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;
/** At most this many certificates in one file. */
export const MAX_CERTIFICATES_PER_FILE = 100;

/** KeyUsage bits (RFC 5280 4.2.1.3). */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  readonly encipherOnly: boolean;
  readonly decipherOnly: boolean;
}

const KEY_USAGE_BITS: readonly (keyof KeyUsage)[] = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

export interface BasicConstraints {
  readonly cA: boolean;
  /** Absent: no limit. */
  readonly pathLenConstraint: number | undefined;
}

export type EcCurve = "P-256" | "P-384" | "P-521";

/** The Montgomery curves of RFC 7748, for key agreement only (RFC 8410 3, RFC 8418). */
export type XdhCurve = "X25519" | "X448";

const CURVES: Record<string, EcCurve> = {
  [SECP256R1]: "P-256",
  [SECP384R1]: "P-384",
  [SECP521R1]: "P-521",
};

/**
 * The subject's public key. RSA as the crypto core takes it (`pssOnly` when the key is an
 * id-RSASSA-PSS key, RFC 4055 1.2: usable for signatures, never for key transport); EC as its
 * SubjectPublicKeyInfo DER and curve, for WebCrypto (ECDSA, ECDH); DSA (RFC 3279 2.3.2) with its
 * domain parameters, to verify the signatures of old mail; anything else by algorithm OID.
 */
export type CertificatePublicKey =
  | { readonly kind: "rsa"; readonly key: RsaPublicKey; readonly pssOnly: boolean; readonly spki: Uint8Array }
  | { readonly kind: "ec"; readonly curve: EcCurve; readonly spki: Uint8Array }
  | { readonly kind: "dsa"; readonly key: DsaPublicKey; readonly spki: Uint8Array }
  /** RFC 8410: the algorithm identifier has no parameters. */
  | { readonly kind: "ed25519"; readonly spki: Uint8Array }
  | { readonly kind: "ed448"; readonly spki: Uint8Array }
  /** X25519 or X448 (RFC 8410 3, parameters absent), for key agreement with HKDF (RFC 8418). */
  | { readonly kind: "xdh"; readonly curve: XdhCurve; readonly spki: Uint8Array }
  | { readonly kind: "other"; readonly algorithm: string; readonly spki: Uint8Array };

export interface AlgorithmIdentifier {
  readonly algorithm: string;
  /** The parameters as decoded, undefined when absent. */
  readonly parameters: asn1js.AsnType | undefined;
}

export interface Certificate {
  /** The certificate exactly as read. */
  readonly der: Uint8Array;
  /** The signed part, tbsCertificate, exactly as read. */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** The serial number's INTEGER content octets (two's complement, as encoded). */
  readonly serialNumber: Uint8Array;
  /** The serial number in upper-case hex as `openssl x509 -serial` prints it. */
  readonly serialHex: string;
  readonly issuer: Name;
  readonly subject: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: CertificatePublicKey;
  readonly subjectKeyIdentifier: Uint8Array | undefined;
  /** keyIdentifier of the authorityKeyIdentifier extension (RFC 5280 4.2.1.1), when present. */
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  /** Undefined when the extension is absent (then every usage is allowed, RFC 5280 4.2.1.3). */
  readonly keyUsage: KeyUsage | undefined;
  /** Key purpose OIDs; undefined when the extension is absent. */
  readonly extendedKeyUsage: readonly string[] | undefined;
  readonly basicConstraints: BasicConstraints | undefined;
  /**
   * Email addresses from subjectAltName rfc822Name and SmtpUTF8Mailbox (RFC 9598) and from the legacy
   * emailAddress attribute of the subject (RFC 8550 3), without duplicates; domain lower-cased.
   */
  readonly emailAddresses: readonly string[];
  /** The subject's common name, else its first email address, else the whole subject. */
  readonly displayName: string;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  /** OIDs of every extension marked critical. */
  readonly criticalExtensions: readonly string[];
}

function malformed(message: string): MailsealError {
  return new MailsealError("MALFORMED_CMS", `certificate: ${message}`);
}

/**
 * The length of the DER element starting at `offset` (header and contents), read from its header only,
 * so that a cut file is told from a corrupt one before anything is decoded.
 */
function elementLength(data: Uint8Array, offset: number): number {
  const available = data.length - offset;
  if (available < 2) throw new MailsealError("TRUNCATED", "certificate: the data ends inside a DER header");
  if (data[offset] !== 0x30) {
    throw malformed(
      `expected a DER SEQUENCE (0x30) at offset ${offset}, found 0x${hex(data.subarray(offset, offset + 1))}`,
    );
  }
  const first = data[offset + 1]!;
  if (first < 0x80) return checkAvailable(2 + first, available, offset);
  // X.690 10.1: DER has no indefinite length; four length octets are more than any certificate needs.
  const count = first & 0x7f;
  if (count === 0) throw malformed(`indefinite length at offset ${offset} (certificates are DER, RFC 5280 4.1)`);
  if (count > 4)
    throw new MailsealError("INPUT_TOO_LARGE", `certificate at offset ${offset}: length field of ${count} octets`);
  if (available < 2 + count) throw new MailsealError("TRUNCATED", "certificate: the data ends inside a DER header");
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + data[offset + 2 + i]!;
  if (length > MAX_CERTIFICATE_BYTES) {
    throw new MailsealError(
      "INPUT_TOO_LARGE",
      `certificate at offset ${offset} declares ${length} bytes, more than ${MAX_CERTIFICATE_BYTES}`,
    );
  }
  return checkAvailable(2 + count + length, available, offset);
}

function checkAvailable(total: number, available: number, offset: number): number {
  if (total > available) {
    throw new MailsealError(
      "TRUNCATED",
      `certificate at offset ${offset} declares ${total} bytes but only ${available} are there`,
    );
  }
  return total;
}

/** Decodes an extension value and requires it to be one whole element of the expected class. */
function extensionValue<T extends asn1js.AsnType>(
  extension: pkijs.Extension,
  name: string,
  type: new (...args: never[]) => T,
): T {
  const bytes = extension.extnValue.valueBlock.valueHexView;
  const parsed = readBer(bytes);
  if (parsed.offset === -1 || parsed.offset !== bytes.length || !(parsed.result instanceof type)) {
    throw malformed(`the ${name} extension is malformed`);
  }
  return parsed.result;
}

function readKeyUsage(extension: pkijs.Extension): KeyUsage {
  const bits = extensionValue(extension, "keyUsage", asn1js.BitString);
  const bytes = bits.valueBlock.valueHexView;
  const usage: Partial<Record<keyof KeyUsage, boolean>> = {};
  // Bit 0 (digitalSignature) is the most significant bit of the first octet (X.690 8.6.2).
  KEY_USAGE_BITS.forEach((name, i) => {
    usage[name] = i >> 3 < bytes.length && ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
  });
  return usage as KeyUsage;
}

function readExtendedKeyUsage(extension: pkijs.Extension): string[] {
  const sequence = extensionValue(extension, "extKeyUsage", asn1js.Sequence);
  return sequence.valueBlock.value.map((purpose) => {
    if (!(purpose instanceof asn1js.ObjectIdentifier)) throw malformed("the extKeyUsage extension is malformed");
    return purpose.valueBlock.toString();
  });
}

function readBasicConstraints(extension: pkijs.Extension): BasicConstraints {
  const items = extensionValue(extension, "basicConstraints", asn1js.Sequence).valueBlock.value;
  let cA = false;
  let pathLenConstraint: number | undefined;
  let index = 0;
  if (items[index] instanceof asn1js.Boolean) cA = (items[index++] as asn1js.Boolean).valueBlock.value;
  const pathLen = items[index];
  if (pathLen instanceof asn1js.Integer) {
    index++;
    const bytes = pathLen.valueBlock.valueHexView;
    if (bytes.length === 0 || bytes[0]! >= 0x80) throw malformed("basicConstraints pathLenConstraint is negative");
    // Anything past 2^31 is "no practical limit".
    pathLenConstraint = bytes.length > 4 ? 0x7fffffff : Math.min(pathLen.valueBlock.valueDec, 0x7fffffff);
  }
  if (index !== items.length) throw malformed("the basicConstraints extension is malformed");
  return { cA, pathLenConstraint };
}

function readOctetString(extension: pkijs.Extension, name: string): Uint8Array {
  return new Uint8Array(extensionValue(extension, name, asn1js.OctetString).valueBlock.valueHexView);
}

export function readAuthorityKeyIdentifier(extension: pkijs.Extension): Uint8Array | undefined {
  const items = extensionValue(extension, "authorityKeyIdentifier", asn1js.Sequence).valueBlock.value;
  // keyIdentifier [0] IMPLICIT KeyIdentifier (RFC 5280 4.2.1.1).
  const keyId = items.find((item) => item.idBlock.tagClass === 3 && item.idBlock.tagNumber === 0);
  if (keyId === undefined) return undefined;
  if (keyId.idBlock.isConstructed || !(keyId instanceof asn1js.Primitive)) {
    throw malformed("authorityKeyIdentifier keyIdentifier is malformed");
  }
  return new Uint8Array(keyId.valueBlock.valueHexView);
}

/** `local@domain` with the domain lower-cased: domains compare case-insensitively (RFC 5280 7.5). */
function normalizeAddress(address: string): string {
  const at = address.lastIndexOf("@");
  return at === -1 ? address : address.slice(0, at + 1) + address.slice(at + 1).toLowerCase();
}

/** rfc822Name [1] and otherName [0] SmtpUTF8Mailbox (RFC 9598 3) of a subjectAltName. */
function readSubjectAltNameEmails(extension: pkijs.Extension): string[] {
  const names = extensionValue(extension, "subjectAltName", asn1js.Sequence).valueBlock.value;
  const emails: string[] = [];
  for (const name of names) {
    if (name.idBlock.tagClass !== 3) throw malformed("subjectAltName holds a GeneralName that is not context-tagged");
    if (name.idBlock.tagNumber === 1) {
      // rfc822Name [1] IMPLICIT IA5String.
      if (name.idBlock.isConstructed || !(name instanceof asn1js.Primitive))
        throw malformed("subjectAltName rfc822Name is malformed");
      const bytes = name.valueBlock.valueHexView;
      if (bytes.some((b) => b > 0x7f)) throw malformed("subjectAltName rfc822Name is not IA5 (ASCII)");
      emails.push(textOf(bytes));
    } else if (name.idBlock.tagNumber === 0 && name instanceof asn1js.Constructed) {
      // otherName [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }.
      const [typeId, value] = name.valueBlock.value;
      if (
        typeId instanceof asn1js.ObjectIdentifier &&
        typeId.valueBlock.toString() === ID_ON_SMTP_UTF8_MAILBOX &&
        value instanceof asn1js.Constructed &&
        value.valueBlock.value[0] instanceof asn1js.Utf8String
      ) {
        emails.push(value.valueBlock.value[0].valueBlock.value);
      }
    }
  }
  return emails;
}

function readPublicKey(info: pkijs.PublicKeyInfo): CertificatePublicKey {
  const algorithm = info.algorithm.algorithmId;
  const spki = new Uint8Array(info.toSchema().toBER());
  const keyBits = info.subjectPublicKey.valueBlock.valueHexView;
  if (algorithm === RSA_ENCRYPTION || algorithm === ID_RSASSA_PSS) {
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1).
    const parsed = readBer(keyBits);
    const items = parsed.result instanceof asn1js.Sequence ? parsed.result.valueBlock.value : [];
    const [n, e] = items;
    if (
      parsed.offset !== keyBits.length ||
      items.length !== 2 ||
      !(n instanceof asn1js.Integer) ||
      !(e instanceof asn1js.Integer)
    ) {
      throw new MailsealError("INVALID_KEY", "certificate: the RSA public key is malformed");
    }
    return {
      kind: "rsa",
      key: { n: new Uint8Array(n.valueBlock.valueHexView), e: new Uint8Array(e.valueBlock.valueHexView) },
      pssOnly: algorithm === ID_RSASSA_PSS,
      spki,
    };
  }
  if (algorithm === ID_DSA) {
    // Dss-Parms ::= SEQUENCE { p, q, g INTEGER }; DSAPublicKey ::= INTEGER (RFC 3279 2.3.2). Parameters
    // inherited from the issuer (absent here) are not followed: such a key stays "other".
    const params = info.algorithm.algorithmParams as unknown;
    const pqg = params instanceof asn1js.Sequence ? params.valueBlock.value : [];
    const parsed = readBer(keyBits);
    if (pqg.length === 3 && pqg.every((v) => v instanceof asn1js.Integer)) {
      if (parsed.offset !== keyBits.length || !(parsed.result instanceof asn1js.Integer))
        throw new MailsealError("INVALID_KEY", "certificate: the DSA public key is malformed");
      const [p, q, g] = (pqg as asn1js.Integer[]).map((v) => new Uint8Array(v.valueBlock.valueHexView));
      const y = new Uint8Array(parsed.result.valueBlock.valueHexView);
      return { kind: "dsa", key: { p: p!, q: q!, g: g!, y }, spki };
    }
  }
  if (algorithm === ID_EC_PUBLIC_KEY) {
    // ECParameters: only namedCurve is allowed (RFC 5480 2.1.1).
    const params = info.algorithm.algorithmParams as unknown;
    const curve = params instanceof asn1js.ObjectIdentifier ? CURVES[params.valueBlock.toString()] : undefined;
    if (curve !== undefined) return { kind: "ec", curve, spki };
  }
  // RFC 8410 3: for these four the parameters MUST be absent; the key is a bare string of fixed length.
  if (info.algorithm.algorithmParams === undefined) {
    const lengths: Record<string, number> = { [ID_ED25519]: 32, [ID_ED448]: 57, [ID_X25519]: 32, [ID_X448]: 56 };
    const length = Object.hasOwn(lengths, algorithm) ? lengths[algorithm] : undefined;
    if (length !== undefined && keyBits.length !== length)
      throw new MailsealError(
        "INVALID_KEY",
        `certificate: an RFC 8410 public key of ${keyBits.length} bytes, expected ${length}`,
      );
    if (algorithm === ID_ED25519) return { kind: "ed25519", spki };
    if (algorithm === ID_ED448) return { kind: "ed448", spki };
    if (algorithm === ID_X25519) return { kind: "xdh", curve: "X25519", spki };
    if (algorithm === ID_X448) return { kind: "xdh", curve: "X448", spki };
  }
  return { kind: "other", algorithm, spki };
}

export function readDate(time: pkijs.Time, field: string): Date {
  const value = time.value;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw malformed(`${field} is not a valid time`);
  return value;
}

/** openssl's rendering of an INTEGER: the magnitude in hex, '-' before a negative one. */
export function integerHex(bytes: Uint8Array): string {
  let value = BigInt(`0x${hex(bytes) || "0"}`);
  if (bytes.length > 0 && bytes[0]! >= 0x80) value -= 1n << BigInt(bytes.length * 8);
  const magnitude = (value < 0n ? -value : value).toString(16).toUpperCase();
  return (value < 0n ? "-" : "") + (magnitude.length % 2 === 1 ? `0${magnitude}` : magnitude);
}

export function algorithmOf(identifier: pkijs.AlgorithmIdentifier): AlgorithmIdentifier {
  const params = identifier.algorithmParams as asn1js.AsnType | undefined;
  // pkijs leaves an empty Any for absent parameters.
  const absent = params === undefined || params.constructor === asn1js.Any;
  return { algorithm: identifier.algorithmId, parameters: absent ? undefined : params };
}

/** At most this many parsed certificates are kept (parseCertificate), the least recently used leave first. */
export const PARSED_CERTIFICATES_KEPT = 256;

/**
 * Certificates parsed lately, by their DER. A reader meets the same ones message after message (a
 * correspondent's signing certificate in every SignedData, the account's own, its roots), and parsing
 * one with asn1js and pkijs costs more CPU than hashing a 1 MiB message. Parsing is a function of the
 * bytes alone, so a kept certificate is what parsing again would give; it was parsed from its own
 * copy of the bytes, so no caller's buffer (reused, or transferred to a worker) is held. Only
 * successful parses are kept: bad input fails every time with its code.
 */
const parsedCertificates = new Map<string, Certificate>();

/**
 * Parses one DER certificate. MALFORMED_CMS, TRUNCATED, INPUT_TOO_LARGE or INVALID_KEY on bad input.
 * The same bytes give the same (shared, read-only) Certificate while it is kept.
 */
export function parseCertificate(der: Uint8Array): Certificate {
  if (der.length === 0) throw malformed("the input is empty");
  if (der.length > MAX_CERTIFICATE_BYTES) {
    throw new MailsealError("INPUT_TOO_LARGE", `certificate: ${der.length} bytes, more than ${MAX_CERTIFICATE_BYTES}`);
  }
  const key = textOf(der);
  const kept = parsedCertificates.get(key);
  if (kept !== undefined) {
    // Map keeps insertion order: moved to the end, it is the most recently used.
    parsedCertificates.delete(key);
    parsedCertificates.set(key, kept);
    return kept;
  }
  const certificate = parseDer(der.slice());
  parsedCertificates.set(key, certificate);
  if (parsedCertificates.size > PARSED_CERTIFICATES_KEPT) {
    parsedCertificates.delete(parsedCertificates.keys().next().value!);
  }
  return certificate;
}

function parseDer(der: Uint8Array): Certificate {
  if (elementLength(der, 0) !== der.length) throw malformed("bytes follow the certificate");
  const parsed = readBer(der);
  if (parsed.offset === -1) throw malformed(`not valid DER (${parsed.result.error})`);
  let cert: pkijs.Certificate;
  try {
    cert = new pkijs.Certificate({ schema: parsed.result });
  } catch {
    throw malformed("not an X.509 Certificate structure (RFC 5280 4.1)");
  }
  if (cert.version > 2) throw malformed(`unknown version ${cert.version + 1}`);
  const serialNumber = new Uint8Array(cert.serialNumber.valueBlock.valueHexView);
  if (serialNumber.length === 0) throw malformed("the serial number is empty");
  if (cert.signatureValue.valueBlock.unusedBits !== 0) throw malformed("the signature is not a whole number of bytes");
  // RFC 5280 4.1.1.2: the outer signatureAlgorithm MUST equal the signature field of tbsCertificate.
  if (!bytesEqual(derOf(cert.signatureAlgorithm), derOf(cert.signature))) {
    throw malformed("signatureAlgorithm differs from the signature field of tbsCertificate");
  }
  const issuer = parseName(new Uint8Array(cert.issuer.valueBeforeDecode));
  const subject = parseName(new Uint8Array(cert.subject.valueBeforeDecode));

  let subjectKeyIdentifier: Uint8Array | undefined;
  let authorityKeyIdentifier: Uint8Array | undefined;
  let keyUsage: KeyUsage | undefined;
  let extendedKeyUsage: string[] | undefined;
  let basicConstraints: BasicConstraints | undefined;
  const emails: string[] = [];
  const seen = new Set<string>();
  const criticalExtensions: string[] = [];
  for (const extension of cert.extensions ?? []) {
    const id = extension.extnID;
    // RFC 5280 4.2: a certificate MUST NOT include more than one instance of an extension.
    if (seen.has(id)) throw malformed(`extension ${id} appears twice`);
    seen.add(id);
    if (extension.critical) criticalExtensions.push(id);
    if (id === ID_CE_SUBJECT_KEY_IDENTIFIER) subjectKeyIdentifier = readOctetString(extension, "subjectKeyIdentifier");
    else if (id === ID_CE_AUTHORITY_KEY_IDENTIFIER) authorityKeyIdentifier = readAuthorityKeyIdentifier(extension);
    else if (id === ID_CE_KEY_USAGE) keyUsage = readKeyUsage(extension);
    else if (id === ID_CE_EXT_KEY_USAGE) extendedKeyUsage = readExtendedKeyUsage(extension);
    else if (id === ID_CE_BASIC_CONSTRAINTS) basicConstraints = readBasicConstraints(extension);
    else if (id === ID_CE_SUBJECT_ALT_NAME) emails.push(...readSubjectAltNameEmails(extension));
  }
  emails.push(...attributeValues(subject, ID_EMAIL_ADDRESS));
  const emailAddresses = [...new Set(emails.map(normalizeAddress))];
  const commonNames = attributeValues(subject, ID_AT_COMMON_NAME);

  return {
    der,
    tbs: new Uint8Array(cert.tbsView),
    version: cert.version + 1,
    serialNumber,
    serialHex: integerHex(serialNumber),
    issuer,
    subject,
    notBefore: readDate(cert.notBefore, "notBefore"),
    notAfter: readDate(cert.notAfter, "notAfter"),
    publicKey: readPublicKey(cert.subjectPublicKeyInfo),
    subjectKeyIdentifier,
    authorityKeyIdentifier,
    keyUsage,
    extendedKeyUsage,
    basicConstraints,
    emailAddresses,
    displayName: commonNames.at(-1) ?? emailAddresses[0] ?? formatName(subject),
    signatureAlgorithm: algorithmOf(cert.signatureAlgorithm),
    signature: new Uint8Array(cert.signatureValue.valueBlock.valueHexView),
    criticalExtensions,
  };
}

export function derOf(identifier: pkijs.AlgorithmIdentifier): Uint8Array {
  return new Uint8Array(identifier.toSchema().toBER());
}

/** PEM labels of certificates (RFC 7468 5.1; "X509 CERTIFICATE" is an older form some tools write). */
const CERTIFICATE_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE"]);

/**
 * Reads every certificate of a file: PEM (any number of CERTIFICATE blocks, other blocks ignored) or
 * DER (one certificate or several concatenated). At least one certificate, else MALFORMED_CMS.
 */
export function readCertificates(data: Uint8Array): Certificate[] {
  if (data.length > MAX_CERTIFICATE_FILE_BYTES) {
    throw new MailsealError("INPUT_TOO_LARGE", `a certificate file is at most ${MAX_CERTIFICATE_FILE_BYTES} bytes`);
  }
  if (data.every((b) => b === 0x20 || (b >= 0x09 && b <= 0x0d))) throw malformed("the input is empty");
  const ders: Uint8Array[] = [];
  if (isPem(data)) {
    const text = textOf(data);
    const blocks = decodePem(text);
    const begun = (text.match(/-----BEGIN [A-Z0-9 ]+-----/g) ?? []).length;
    if (begun > blocks.length) throw new MailsealError("TRUNCATED", "certificate: a PEM block has no END line");
    ders.push(...blocks.filter((b) => CERTIFICATE_LABELS.has(b.label)).map((b) => b.der));
    if (ders.length === 0) {
      throw malformed(`no CERTIFICATE block in the PEM text (found: ${blocks.map((b) => b.label).join(", ")})`);
    }
  } else {
    for (let offset = 0; offset < data.length;) {
      const length = elementLength(data, offset);
      ders.push(data.slice(offset, offset + length));
      offset += length;
      if (ders.length > MAX_CERTIFICATES_PER_FILE) break;
    }
  }
  if (ders.length > MAX_CERTIFICATES_PER_FILE) {
    throw new MailsealError(
      "INPUT_TOO_LARGE",
      `a certificate file holds at most ${MAX_CERTIFICATES_PER_FILE} certificates`,
    );
  }
  return ders.map(parseCertificate);
}

/** Serial numbers as integers: redundant leading sign octets (BER, not DER) do not count. */
function minimalInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (
    start < bytes.length - 1 &&
    ((bytes[start] === 0x00 && bytes[start + 1]! < 0x80) || (bytes[start] === 0xff && bytes[start + 1]! >= 0x80))
  ) {
    start++;
  }
  return bytes.subarray(start);
}

export function serialNumbersEqual(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqual(minimalInteger(a), minimalInteger(b));
}

/**
 * Whether `cert` is the one a CMS IssuerAndSerialNumber (RFC 5652 10.2.4) names: the issuer Name by
 * DER or RFC 5280 7.1 comparison, the serial number as an integer.
 */
export function matchesIssuerAndSerial(
  cert: Certificate,
  issuer: Name | Uint8Array,
  serialNumber: Uint8Array,
): boolean {
  if (!serialNumbersEqual(cert.serialNumber, serialNumber)) return false;
  if (issuer instanceof Uint8Array) {
    if (bytesEqual(cert.issuer.der, issuer)) return true;
    try {
      return namesEqual(cert.issuer, parseName(issuer));
    } catch {
      return false;
    }
  }
  return namesEqual(cert.issuer, issuer);
}

/** Whether `cert` carries this subjectKeyIdentifier (CMS RecipientIdentifier / SignerIdentifier [0]). */
export function matchesSubjectKeyIdentifier(cert: Certificate, keyIdentifier: Uint8Array): boolean {
  return cert.subjectKeyIdentifier !== undefined && bytesEqual(cert.subjectKeyIdentifier, keyIdentifier);
}

/**
 * Whether the certificate is for `address`: the local part exactly, the domain case-insensitively
 * (RFC 5280 7.5; RFC 8550 3 asks receivers to check the From address against the certificate).
 */
export function hasEmailAddress(cert: Certificate, address: string): boolean {
  const wanted = normalizeAddress(address.trim());
  return cert.emailAddresses.includes(wanted);
}

/** The RSA key of a certificate for key transport or RSA signatures; UNSUPPORTED_ALGORITHM otherwise. */
function keyDescription(key: CertificatePublicKey): string {
  if (key.kind === "ec") return `EC ${key.curve}`;
  if (key.kind === "ed25519") return "Ed25519";
  if (key.kind === "ed448") return "Ed448";
  if (key.kind === "xdh") return key.curve;
  return key.kind === "dsa" ? "DSA" : key.kind === "other" ? key.algorithm : "RSA";
}

export function rsaPublicKeyOf(cert: Certificate): RsaPublicKey {
  if (cert.publicKey.kind !== "rsa") {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `certificate "${cert.displayName}" holds a ${keyDescription(cert.publicKey)} key, not RSA`,
    );
  }
  return cert.publicKey.key;
}
