// The primitive values of LDAP messages (RFC 4511 4.1): content octets and UTF-8 strings, and the
// one error every malformed part of a message gets.
import { MailsealError } from "@mailseal/shared";
import * as asn1js from "asn1js";

/** A message that is not LDAP as RFC 4511 writes it: BAD_REQUEST (the connection is then closed). */
export function malformed(what: string): MailsealError {
  return new MailsealError("BAD_REQUEST", `LDAP: ${what}`);
}

/**
 * The elements inside a constructed element (SEQUENCE, SET, or a context-tagged one). asn1js marks
 * other constructed encodings (a constructed OCTET STRING, INTEGER...) constructed too, with values
 * of another shape: those are malformed here, never read as a list.
 */
export function children(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  const value = node instanceof asn1js.Constructed ? node.valueBlock.value : undefined;
  if (!Array.isArray(value)) throw malformed(`${what} is missing or not constructed`);
  return value;
}

/** The content octets of a primitive element (OCTET STRING, or an implicitly tagged one). */
export function octets(node: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (node === undefined || node.idBlock.isConstructed) throw malformed(`${what} is missing or not primitive`);
  const view = (node as asn1js.Primitive).valueBlock.valueHexView;
  return new Uint8Array(view);
}

/** An LDAPString (RFC 4511 4.1.2): UTF-8. */
export function text(node: asn1js.AsnType | undefined, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(octets(node, what));
  } catch (error) {
    if (error instanceof MailsealError) throw error;
    throw malformed(`${what} is not UTF-8`);
  }
}
