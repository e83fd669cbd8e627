// X.501 Names as certificates carry them (RFC 5280 4.1.2.4): reading, comparison (RFC 5280 7.1) and a
// one-line display form for messages.
import * as asn1js from "asn1js";
import { MailsealError } from "../errors/index.js";
import { bytesEqual, hex } from "./bytes.js";
import { readBer } from "../asn1/capture.js";
import {
  ID_AT_COMMON_NAME,
  ID_AT_COUNTRY_NAME,
  ID_AT_GIVEN_NAME,
  ID_AT_LOCALITY_NAME,
  ID_AT_ORGANIZATIONAL_UNIT_NAME,
  ID_AT_ORGANIZATION_IDENTIFIER,
  ID_AT_ORGANIZATION_NAME,
  ID_AT_SERIAL_NUMBER,
  ID_AT_STATE_OR_PROVINCE_NAME,
  ID_AT_SURNAME,
  ID_AT_TITLE,
  ID_DOMAIN_COMPONENT,
  ID_EMAIL_ADDRESS,
  STREET,
  UID,
} from "./oids.js";

export interface AttributeTypeAndValue {
  /** The attribute type, a dotted OID. */
  readonly type: string;
  /** The value when it is a character string (DirectoryString, IA5String, ...); undefined otherwise. */
  readonly text: string | undefined;
  /** The value's DER, for comparing values that are not character strings. */
  readonly valueDer: Uint8Array;
}

export interface Name {
  /** The DER of the whole Name, as it appears in the certificate. */
  readonly der: Uint8Array;
  /** RelativeDistinguishedNames in encoded order (most significant first), each a set of attributes. */
  readonly rdns: readonly (readonly AttributeTypeAndValue[])[];
}

/** Short labels of the usual attribute types (RFC 4514 3, plus emailAddress as OpenSSL prints it). */
const LABELS: Record<string, string> = {
  [ID_AT_COMMON_NAME]: "CN",
  [ID_AT_SURNAME]: "SN",
  [ID_AT_SERIAL_NUMBER]: "serialNumber",
  [ID_AT_COUNTRY_NAME]: "C",
  [ID_AT_LOCALITY_NAME]: "L",
  [ID_AT_STATE_OR_PROVINCE_NAME]: "ST",
  [STREET]: "street",
  [ID_AT_ORGANIZATION_NAME]: "O",
  [ID_AT_ORGANIZATIONAL_UNIT_NAME]: "OU",
  [ID_AT_TITLE]: "title",
  [ID_AT_GIVEN_NAME]: "GN",
  [ID_AT_ORGANIZATION_IDENTIFIER]: "organizationIdentifier",
  [UID]: "UID",
  [ID_DOMAIN_COMPONENT]: "DC",
  [ID_EMAIL_ADDRESS]: "emailAddress",
};

function malformed(what: string): MailsealError {
  return new MailsealError("MALFORMED_CMS", `${what}: not a valid X.501 Name (RFC 5280 4.1.2.4)`);
}

/** Reads a Name from its parsed ASN.1 (the element as asn1js decoded it from the certificate). */
export function nameFromAsn1(element: asn1js.AsnType, what: string): Name {
  if (!(element instanceof asn1js.Sequence)) throw malformed(what);
  const rdns = element.valueBlock.value.map((rdn) => {
    if (!(rdn instanceof asn1js.Set) || rdn.valueBlock.value.length === 0) throw malformed(what);
    return rdn.valueBlock.value.map((atv): AttributeTypeAndValue => {
      if (!(atv instanceof asn1js.Sequence) || atv.valueBlock.value.length !== 2) throw malformed(what);
      const [type, value] = atv.valueBlock.value;
      if (!(type instanceof asn1js.ObjectIdentifier)) throw malformed(what);
      return {
        type: type.valueBlock.toString(),
        text: value instanceof asn1js.BaseStringBlock ? value.valueBlock.value : undefined,
        valueDer: new Uint8Array(value!.valueBeforeDecodeView),
      };
    });
  });
  return { der: new Uint8Array(element.valueBeforeDecodeView), rdns };
}

/** Reads a Name from its DER (for example the issuer of a CMS IssuerAndSerialNumber). */
export function parseName(der: Uint8Array): Name {
  const parsed = readBer(der);
  if (parsed.offset === -1 || parsed.offset !== der.length) throw malformed("Name");
  return nameFromAsn1(parsed.result, "Name");
}

/**
 * RFC 5280 7.1 with RFC 4518 string preparation cut to what is cheap and covers real certificates:
 * Unicode NFKC, case folded, leading and trailing spaces dropped and inner runs of white space made one
 * space. Every attribute type of the usual DNs matches case-insensitively (caseIgnoreMatch,
 * caseIgnoreIA5Match), so case folding is right for them.
 */
function prepared(text: string): string {
  return text.normalize("NFKC").toLowerCase().trim().replace(/\s+/g, " ");
}

function valuesMatch(a: AttributeTypeAndValue, b: AttributeTypeAndValue): boolean {
  if (a.type !== b.type) return false;
  if (a.text !== undefined && b.text !== undefined) return prepared(a.text) === prepared(b.text);
  return bytesEqual(a.valueDer, b.valueDer);
}

/**
 * Whether two Names are the same (RFC 5280 7.1): equal DER, or the same RDNs in the same order, each
 * RDN holding matching attributes in any order.
 */
export function namesEqual(a: Name, b: Name): boolean {
  if (bytesEqual(a.der, b.der)) return true;
  if (a.rdns.length !== b.rdns.length) return false;
  return a.rdns.every((rdnA, i) => {
    const rdnB = b.rdns[i]!;
    if (rdnA.length !== rdnB.length) return false;
    const used = new Set<number>();
    return rdnA.every((atv) => {
      const j = rdnB.findIndex((other, k) => !used.has(k) && valuesMatch(atv, other));
      if (j === -1) return false;
      used.add(j);
      return true;
    });
  });
}

/** A one-line form for messages, in encoded order as OpenSSL prints it: `C=US, O=Example, CN=Alice`. */
export function formatName(name: Name): string {
  if (name.rdns.length === 0) return "(empty name)";
  return name.rdns
    .map((rdn) =>
      rdn.map((atv) => `${LABELS[atv.type] ?? atv.type}=${atv.text ?? `#${hex(atv.valueDer)}`}`).join(" + "),
    )
    .join(", ");
}

/** The values of one attribute type in a Name, in order (for example every commonName). */
export function attributeValues(name: Name, type: string): string[] {
  return name.rdns.flatMap((rdn) =>
    rdn.filter((atv) => atv.type === type && atv.text !== undefined).map((atv) => atv.text!),
  );
}
