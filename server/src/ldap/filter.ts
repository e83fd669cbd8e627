// Search filters (RFC 4511 4.5.1.7): decoded from BER, evaluated against an entry, and asked which
// mail addresses they name. The directory answers only for addresses a filter names whole: by
// equality (`(mail=a)`, `(|(mail=a)(mail=b))`, or such a term inside an AND), or as the one inner
// part of a substring filter (`(mail=*a*)`, which gpgsm's dirmngr sends for an address), on mail or
// on cn and sn (which hold the address in these entries). A filter that would have to list entries
// to be answered (a presence test, a substring that is not a whole address, a NOT,
// `(objectClass=*)`) names none and so finds none. That is the whole of the anti-enumeration rule: a
// sender learns only about the addresses it already knows, as with CerDB's HTTP lookup.
import type * as asn1js from "asn1js";

import { children, malformed as malformedMessage, octets, text } from "./values.js";

export type Filter =
  | { kind: "and"; filters: Filter[] }
  | { kind: "or"; filters: Filter[] }
  | { kind: "not"; filter: Filter }
  | { kind: "equality"; attribute: string; value: string }
  | { kind: "substrings"; attribute: string; initial?: string; any: string[]; final?: string }
  | { kind: "present"; attribute: string }
  /** greaterOrEqual, lessOrEqual, approxMatch, extensibleMatch: no matching rule here, so Undefined. */
  | { kind: "unsupported"; choice: number };

/** Deepest nesting of AND/OR/NOT accepted. */
export const MAX_FILTER_DEPTH = 10;

function malformed(what: string) {
  return malformedMessage(`filter: ${what}`);
}

/** An AttributeDescription (RFC 4512 2.5): the type in lower case, without options such as ";binary". */
export function attributeType(description: string): string {
  const type = description.split(";")[0]!.toLowerCase();
  // rfc822Mailbox is mail's other name (RFC 4524 2.16).
  return type === "rfc822mailbox" ? "mail" : type;
}

/** The attributes that hold the address in the door's entries. */
const NAMING_ATTRIBUTES: ReadonlySet<string> = new Set(["mail", "cn", "sn"]);

/** Whether a value is a whole address, not a piece of one (a local part, a domain, "@"). */
function wholeAddress(value: string): boolean {
  const at = value.lastIndexOf("@");
  return at > 0 && at < value.length - 1 && value.indexOf("@") === at;
}

/** Decodes a Filter CHOICE (context tags [0]..[9]). */
export function decodeFilter(node: asn1js.AsnType, depth = 0): Filter {
  if (depth > MAX_FILTER_DEPTH) throw malformed(`nested deeper than ${MAX_FILTER_DEPTH}`);
  if (node.idBlock.tagClass !== 3) throw malformed("not a context-tagged choice");
  const choice = node.idBlock.tagNumber;
  switch (choice) {
    case 0:
    case 1: {
      const filters = children(node, choice === 0 ? "and" : "or").map((child) => decodeFilter(child, depth + 1));
      // RFC 4511 4.5.1.7: SET SIZE (1..MAX); RFC 4526's absolute true/false (empty and/or) is not offered.
      if (filters.length === 0) throw malformed("an empty and/or");
      return { kind: choice === 0 ? "and" : "or", filters };
    }
    case 2: {
      const [inner] = children(node, "not");
      if (inner === undefined) throw malformed("an empty not");
      return { kind: "not", filter: decodeFilter(inner, depth + 1) };
    }
    case 3: {
      const [description, value] = children(node, "equalityMatch");
      return {
        kind: "equality",
        attribute: attributeType(text(description, "attributeDesc")),
        value: text(value, "assertionValue"),
      };
    }
    case 4: {
      const [description, list] = children(node, "substrings");
      if (list === undefined) throw malformed("substrings without substrings");
      const filter: Filter & { kind: "substrings" } = {
        kind: "substrings",
        attribute: attributeType(text(description, "type")),
        any: [],
      };
      const items = children(list, "substrings");
      if (items.length === 0) throw malformed("no substrings");
      items.forEach((item, index) => {
        const value = text(item, "substring");
        const position = item.idBlock.tagClass === 3 ? item.idBlock.tagNumber : -1;
        // RFC 4511 4.5.1.7.2: initial at most once and first, final at most once and last.
        if (position === 0 && index === 0) filter.initial = value;
        else if (position === 1) filter.any.push(value);
        else if (position === 2 && index === items.length - 1) filter.final = value;
        else throw malformed("substrings out of order");
      });
      return filter;
    }
    case 7:
      return { kind: "present", attribute: attributeType(new TextDecoder().decode(octets(node, "present"))) };
    case 5:
    case 6:
    case 8:
    case 9:
      return { kind: "unsupported", choice };
    default:
      throw malformed(`unknown choice [${choice}]`);
  }
}

/**
 * The addresses `filter` names whole (as written, not yet normalised), or undefined when it names
 * none: then no entry can be found with it. In an AND, the first term that names addresses bounds
 * the result (the others still have to match); an OR names addresses only if each of its terms does.
 */
export function namedAddresses(filter: Filter): string[] | undefined {
  switch (filter.kind) {
    case "equality":
      return NAMING_ATTRIBUTES.has(filter.attribute) && wholeAddress(filter.value) ? [filter.value] : undefined;
    case "substrings": {
      // Only *ADDRESS*: one inner part, nothing anchored, a whole address.
      const [inner, ...more] = filter.any;
      const whole =
        NAMING_ATTRIBUTES.has(filter.attribute) &&
        filter.initial === undefined &&
        filter.final === undefined &&
        inner !== undefined &&
        more.length === 0 &&
        wholeAddress(inner);
      return whole ? [inner] : undefined;
    }
    case "or": {
      const all: string[] = [];
      for (const term of filter.filters) {
        const named = namedAddresses(term);
        if (named === undefined) return undefined;
        all.push(...named);
      }
      return all;
    }
    case "and":
      for (const term of filter.filters) {
        const named = namedAddresses(term);
        if (named !== undefined) return named;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** What a filter's evaluation can give (RFC 4511 4.5.1.7): TRUE, FALSE or Undefined. */
type Truth = boolean | undefined;

/** An entry as filters see it: attribute type (lower case) -> its string values. */
export type FilterView = ReadonlyMap<string, readonly string[]>;

function caseless(value: string): string {
  return value.toLowerCase();
}

function evaluate(filter: Filter, entry: FilterView): Truth {
  switch (filter.kind) {
    case "and": {
      let result: Truth = true;
      for (const term of filter.filters) {
        const value = evaluate(term, entry);
        if (value === false) return false;
        if (value === undefined) result = undefined;
      }
      return result;
    }
    case "or": {
      let result: Truth = false;
      for (const term of filter.filters) {
        const value = evaluate(term, entry);
        if (value === true) return true;
        if (value === undefined) result = undefined;
      }
      return result;
    }
    case "not": {
      const value = evaluate(filter.filter, entry);
      return value === undefined ? undefined : !value;
    }
    case "present":
      return entry.has(filter.attribute);
    case "equality": {
      // Every string attribute of these entries (mail, cn, sn, objectClass) has a case-ignoring
      // equality rule (RFC 4519, RFC 4524); the certificate attributes have none offered: Undefined.
      const values = entry.get(filter.attribute);
      if (values === undefined) return filter.attribute.startsWith("usercertificate") ? undefined : false;
      const wanted = caseless(filter.value);
      return values.some((value) => caseless(value) === wanted);
    }
    case "substrings": {
      const values = entry.get(filter.attribute);
      if (values === undefined) return false;
      return values.some((value) => substringsMatch(caseless(value), filter));
    }
    case "unsupported":
      return undefined;
  }
}

function substringsMatch(value: string, filter: Filter & { kind: "substrings" }): boolean {
  let at = 0;
  let end = value.length;
  if (filter.initial !== undefined) {
    if (!value.startsWith(caseless(filter.initial))) return false;
    at = filter.initial.length;
  }
  if (filter.final !== undefined) {
    const final = caseless(filter.final);
    if (!value.endsWith(final) || value.length - final.length < at) return false;
    end = value.length - final.length;
  }
  for (const piece of filter.any) {
    const found = value.slice(0, end).indexOf(caseless(piece), at);
    if (found === -1) return false;
    at = found + piece.length;
  }
  return true;
}

/** Whether `entry` matches `filter` (TRUE; FALSE and Undefined do not return the entry). */
export function matches(filter: Filter, entry: FilterView): boolean {
  return evaluate(filter, entry) === true;
}
