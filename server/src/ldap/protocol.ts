// The part of LDAPv3 (RFC 4511) a read-only directory speaks: LDAPMessage framing, bind, search,
// unbind, abandon, the StartTLS extended operation (RFC 4511 4.14) and, for every other request,
// the answer a server gives to what it does not do. Messages are BER (RFC 4511 5.1: definite lengths
// only), decoded with asn1js through shared's readBer and framed with shared's BerReader.
import { BerReader, encodeAsn1, LDAP_NOTICE_OF_DISCONNECTION, LDAP_START_TLS, readBer } from "@mailseal/shared";
import * as asn1js from "asn1js";

import { decodeFilter, type Filter } from "./filter.js";
import { children, malformed, octets, text } from "./values.js";

/** RFC 4511 4.1.9 resultCode values used here. */
export const ResultCode = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  sizeLimitExceeded: 4,
  authMethodNotSupported: 7,
  adminLimitExceeded: 11,
  noSuchObject: 32,
  invalidDNSyntax: 34,
  invalidCredentials: 49,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
} as const;
export type ResultCodeValue = (typeof ResultCode)[keyof typeof ResultCode];

/** RFC 4511 4.14.1: the StartTLS extended request's name. */
export const START_TLS_OID = LDAP_START_TLS;
/** RFC 4511 4.4.1: the Notice of Disconnection, sent with messageID 0 before the server closes. */
export const NOTICE_OF_DISCONNECTION_OID = LDAP_NOTICE_OF_DISCONNECTION;

/** RFC 4511 4.2: protocolOp tags ([APPLICATION n]) of the requests. */
const Op = {
  bindRequest: 0,
  unbindRequest: 2,
  searchRequest: 3,
  modifyRequest: 6,
  addRequest: 8,
  delRequest: 10,
  modDNRequest: 12,
  compareRequest: 14,
  abandonRequest: 16,
  extendedRequest: 23,
} as const;

/** The response tag of each request a read-only directory refuses (RFC 4511 4.6-4.10). */
const REFUSED_RESPONSE: Readonly<Record<number, number>> = {
  [Op.modifyRequest]: 7,
  [Op.addRequest]: 9,
  [Op.delRequest]: 11,
  [Op.modDNRequest]: 13,
  [Op.compareRequest]: 15,
};

export type SearchScope = "baseObject" | "singleLevel" | "wholeSubtree";
const SCOPES: readonly SearchScope[] = ["baseObject", "singleLevel", "wholeSubtree"];

export type LdapRequest =
  | { kind: "bind"; version: number; name: string; authentication: "simple" | "sasl"; password: Uint8Array }
  | { kind: "unbind" }
  | {
      kind: "search";
      baseObject: string;
      scope: SearchScope;
      sizeLimit: number;
      typesOnly: boolean;
      filter: Filter;
      attributes: string[];
    }
  | { kind: "abandon" }
  | { kind: "extended"; name: string }
  /** A request this directory does not carry out: answered with `responseTag` and unwillingToPerform. */
  | { kind: "refused"; responseTag: number };

export interface LdapMessage {
  messageId: number;
  request: LdapRequest;
}

/** Largest LDAPMessage accepted (a search names at most a hundred addresses: a few KiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * The length of the first LDAPMessage in `buffered`, header included, or undefined while its header
 * is incomplete. Longer than MAX_MESSAGE_BYTES, not a SEQUENCE or of indefinite length: BAD_REQUEST.
 */
export function frameLength(buffered: Uint8Array): number | undefined {
  const reader = new BerReader({ maxLength: MAX_MESSAGE_BYTES, trailingData: "ignore" });
  reader.push(buffered);
  let event;
  try {
    event = reader.read();
  } catch (error) {
    throw malformed(`bad message header (${error instanceof Error ? error.message : String(error)})`);
  }
  if (event === undefined) return undefined;
  if (event.type !== "start") throw malformed("bad message header");
  const { header } = event;
  if (header.tagClass !== "universal" || header.tagNumber !== 16 || !header.constructed) {
    throw malformed("a message is not a SEQUENCE");
  }
  if (header.length === undefined) throw malformed("indefinite length (RFC 4511 5.1 allows definite lengths only)");
  const total = header.headerLength + header.length;
  if (total > MAX_MESSAGE_BYTES) throw malformed(`a message of ${total} bytes (at most ${MAX_MESSAGE_BYTES})`);
  return total;
}

function isUniversal(node: asn1js.AsnType, tagNumber: number): boolean {
  return node.idBlock.tagClass === 1 && node.idBlock.tagNumber === tagNumber;
}

/** A non-negative INTEGER or ENUMERATED of at most 31 bits (RFC 4511 4.1.1 maxInt). */
function smallInteger(node: asn1js.AsnType | undefined, what: string): number {
  if (node === undefined || !(isUniversal(node, 2) || isUniversal(node, 10)) || node.idBlock.isConstructed) {
    throw malformed(`${what} is not an INTEGER`);
  }
  const bytes = octets(node, what);
  if (bytes.length === 0 || bytes.length > 5 || (bytes[0]! & 0x80) !== 0) throw malformed(`${what} out of range`);
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  if (value > 0x7fffffff) throw malformed(`${what} out of range`);
  return value;
}

function application(node: asn1js.AsnType): number | undefined {
  return node.idBlock.tagClass === 2 ? node.idBlock.tagNumber : undefined;
}

function decodeSearch(op: asn1js.AsnType): LdapRequest {
  const [base, scope, , sizeLimit, , typesOnly, filter, attributes] = children(op, "SearchRequest");
  if (attributes === undefined) throw malformed("SearchRequest has too few fields");
  const scopeValue = smallInteger(scope, "scope");
  if (scopeValue >= SCOPES.length) throw malformed(`scope ${scopeValue}`);
  if (!isUniversal(typesOnly!, 1)) throw malformed("typesOnly is not a BOOLEAN");
  return {
    kind: "search",
    baseObject: text(base, "baseObject"),
    scope: SCOPES[scopeValue]!,
    sizeLimit: smallInteger(sizeLimit, "sizeLimit"),
    typesOnly: octets(typesOnly, "typesOnly")[0] !== 0,
    filter: decodeFilter(filter!),
    attributes: children(attributes, "attributes").map((node) => text(node, "attribute")),
  };
}

function decodeBind(op: asn1js.AsnType): LdapRequest {
  const [version, name, authentication] = children(op, "BindRequest");
  if (authentication === undefined) throw malformed("BindRequest has too few fields");
  // AuthenticationChoice (RFC 4511 4.2): simple [0] OCTET STRING, sasl [3] SaslCredentials.
  const choice = authentication.idBlock.tagClass === 3 ? authentication.idBlock.tagNumber : -1;
  if (choice !== 0 && choice !== 3) throw malformed("unknown authentication choice");
  return {
    kind: "bind",
    version: smallInteger(version, "version"),
    name: text(name, "name"),
    authentication: choice === 0 ? "simple" : "sasl",
    password: choice === 0 ? octets(authentication, "simple") : new Uint8Array(0),
  };
}

/** Decodes one whole LDAPMessage (as framed by frameLength). BAD_REQUEST when it is not one. */
export function decodeMessage(bytes: Uint8Array): LdapMessage {
  const { offset, result } = readBer(bytes);
  if (offset !== bytes.length) throw malformed(`undecodable message (${result.error || "trailing bytes"})`);
  const [id, op] = children(result, "LDAPMessage");
  if (op === undefined) throw malformed("LDAPMessage has no protocolOp");
  const messageId = smallInteger(id, "messageID");
  const tag = application(op);
  switch (tag) {
    case Op.bindRequest:
      return { messageId, request: decodeBind(op) };
    case Op.unbindRequest:
      return { messageId, request: { kind: "unbind" } };
    case Op.searchRequest:
      return { messageId, request: decodeSearch(op) };
    case Op.abandonRequest:
      return { messageId, request: { kind: "abandon" } };
    case Op.extendedRequest: {
      const [name] = children(op, "ExtendedRequest");
      if (name === undefined || name.idBlock.tagClass !== 3 || name.idBlock.tagNumber !== 0) {
        throw malformed("ExtendedRequest has no requestName");
      }
      return { messageId, request: { kind: "extended", name: text(name, "requestName") } };
    }
    default: {
      const responseTag = tag === undefined ? undefined : REFUSED_RESPONSE[tag];
      if (responseTag === undefined) throw malformed(`unknown protocolOp ${tag ?? "(not [APPLICATION])"}`);
      return { messageId, request: { kind: "refused", responseTag } };
    }
  }
}

// --- Encoding of the responses ---

const utf8 = new TextEncoder();

function octetString(value: string | Uint8Array): asn1js.OctetString {
  return new asn1js.OctetString({ valueHex: typeof value === "string" ? utf8.encode(value) : value });
}

function applicationSequence(tagNumber: number, value: asn1js.AsnType[]): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 2, tagNumber }, value });
}

function message(messageId: number, op: asn1js.AsnType): Uint8Array {
  return encodeAsn1(new asn1js.Sequence({ value: [new asn1js.Integer({ value: messageId }), op] }));
}

/** The components of an LDAPResult (RFC 4511 4.1.9). */
function result(code: ResultCodeValue, diagnostic: string, matchedDn = ""): asn1js.AsnType[] {
  return [new asn1js.Enumerated({ value: code }), octetString(matchedDn), octetString(diagnostic)];
}

/** A response made of an LDAPResult alone: BindResponse (1), SearchResultDone (5) and the refused writes. */
export function resultMessage(
  messageId: number,
  responseTag: number,
  code: ResultCodeValue,
  diagnostic = "",
  matchedDn = "",
): Uint8Array {
  return message(messageId, applicationSequence(responseTag, result(code, diagnostic, matchedDn)));
}

export const BIND_RESPONSE = 1;
export const SEARCH_RESULT_DONE = 5;

/** ExtendedResponse (RFC 4511 4.12), with a responseName [10] when given. */
export function extendedResponse(
  messageId: number,
  code: ResultCodeValue,
  diagnostic: string,
  responseName?: string,
): Uint8Array {
  const value = result(code, diagnostic);
  if (responseName !== undefined) {
    value.push(new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 10 }, valueHex: utf8.encode(responseName) }));
  }
  return message(messageId, applicationSequence(24, value));
}

/** One attribute of an entry, as a client receives it: its description and values. */
export interface EntryAttribute {
  type: string;
  values: readonly (string | Uint8Array)[];
}

/** SearchResultEntry (RFC 4511 4.5.2). */
export function searchResultEntry(
  messageId: number,
  dn: string,
  attributes: readonly EntryAttribute[],
  typesOnly: boolean,
): Uint8Array {
  const list = attributes.map(
    (attribute) =>
      new asn1js.Sequence({
        value: [
          octetString(attribute.type),
          new asn1js.Set({ value: typesOnly ? [] : attribute.values.map((value) => octetString(value)) }),
        ],
      }),
  );
  return message(messageId, applicationSequence(4, [octetString(dn), new asn1js.Sequence({ value: list })]));
}
