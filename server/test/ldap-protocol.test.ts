// The LDAP door's parts without a network: message framing and decoding (RFC 4511 4.1, 5.1), which
// addresses a filter names, filter evaluation (RFC 4511 4.5.1.7) and DN escaping (RFC 4514 2.4).
// Requests are built with asn1js as a client would encode them; ldap.test.ts drives the real clients.
import { MailsealError } from "@mailseal/shared";
import * as asn1js from "asn1js";
import { describe, expect, it } from "vitest";

import { matches, namedAddresses, type Filter } from "../src/ldap/filter.js";
import { decodeMessage, frameLength, MAX_MESSAGE_BYTES } from "../src/ldap/protocol.js";
import { escapeDnValue } from "../src/ldap/server.js";

const utf8 = new TextEncoder();

function str(value: string, tag?: { tagClass: number; tagNumber: number }): asn1js.AsnType {
  return tag === undefined
    ? new asn1js.OctetString({ valueHex: utf8.encode(value) })
    : new asn1js.Primitive({ idBlock: tag, valueHex: utf8.encode(value) });
}

function ctx(tagNumber: number, value: asn1js.AsnType[]): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value });
}

const equality = (type: string, value: string) => ctx(3, [str(type), str(value)]);

function searchRequest(filter: asn1js.AsnType, attributes: string[] = []): Uint8Array {
  const op = new asn1js.Constructed({
    idBlock: { tagClass: 2, tagNumber: 3 },
    value: [
      str("o=mailseal"),
      new asn1js.Enumerated({ value: 2 }),
      new asn1js.Enumerated({ value: 0 }),
      new asn1js.Integer({ value: 0 }),
      new asn1js.Integer({ value: 0 }),
      new asn1js.Boolean({ value: false }),
      filter,
      new asn1js.Sequence({ value: attributes.map((name) => str(name)) }),
    ],
  });
  return new Uint8Array(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 7 }), op] }).toBER());
}

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MailsealError);
    return (error as MailsealError).code;
  }
  return "accepted";
}

describe("framing and decoding", () => {
  it("frames a message by its header, waiting for the rest, and decodes a search", () => {
    const bytes = searchRequest(ctx(1, [equality("mail", "a@x.org"), equality("MAIL", "B@x.org")]), [
      "userCertificate;binary",
    ]);
    expect(frameLength(bytes.subarray(0, 1))).toBeUndefined();
    expect(frameLength(bytes)).toBe(bytes.length);
    const message = decodeMessage(bytes);
    expect(message.messageId).toBe(7);
    expect(message.request).toEqual({
      kind: "search",
      baseObject: "o=mailseal",
      scope: "wholeSubtree",
      sizeLimit: 0,
      typesOnly: false,
      filter: {
        kind: "or",
        filters: [
          { kind: "equality", attribute: "mail", value: "a@x.org" },
          { kind: "equality", attribute: "mail", value: "B@x.org" },
        ],
      },
      attributes: ["userCertificate;binary"],
    });
  });

  it("refuses what RFC 4511 5.1 does not allow, with BAD_REQUEST", () => {
    expect(code(() => frameLength(Uint8Array.of(0x04, 0x01, 0x00)))).toBe("BAD_REQUEST"); // not a SEQUENCE
    expect(code(() => frameLength(Uint8Array.of(0x30, 0x80, 0x02, 0x01, 0x01)))).toBe("BAD_REQUEST"); // indefinite
    const huge = Uint8Array.of(0x30, 0x83, ...[(MAX_MESSAGE_BYTES + 1) >> 16, ((MAX_MESSAGE_BYTES + 1) >> 8) & 255, 1]);
    expect(code(() => frameLength(huge))).toBe("BAD_REQUEST");
    const search = searchRequest(equality("mail", "a@x.org"));
    expect(code(() => decodeMessage(search.subarray(0, search.length - 1)))).toBe("BAD_REQUEST");
    // A filter choice that does not exist, an empty OR, nesting past the bound.
    expect(code(() => decodeMessage(searchRequest(ctx(12, []))))).toBe("BAD_REQUEST");
    expect(code(() => decodeMessage(searchRequest(ctx(1, []))))).toBe("BAD_REQUEST");
    let deep: asn1js.AsnType = equality("mail", "a@x.org");
    for (let i = 0; i < 12; i++) deep = ctx(2, [deep]);
    expect(code(() => decodeMessage(searchRequest(deep)))).toBe("BAD_REQUEST");
    // Not UTF-8 where RFC 4511 4.1.2 says LDAPString.
    const latin1 = new asn1js.OctetString({ valueHex: Uint8Array.of(0xe9) });
    expect(code(() => decodeMessage(searchRequest(ctx(3, [str("mail"), latin1]))))).toBe("BAD_REQUEST");
  });

  it("takes a write request as one to refuse, with the matching response", () => {
    const del = new asn1js.Sequence({
      value: [new asn1js.Integer({ value: 3 }), str("mail=a@x.org,o=mailseal", { tagClass: 2, tagNumber: 10 })],
    });
    expect(decodeMessage(new Uint8Array(del.toBER()))).toEqual({
      messageId: 3,
      request: { kind: "refused", responseTag: 11 },
    });
  });
});

describe("filters", () => {
  const mail = (value: string): Filter => ({ kind: "equality", attribute: "mail", value });
  const present = (attribute: string): Filter => ({ kind: "present", attribute });

  it("name addresses only by equality on mail, in OR (all terms) or AND (one term)", () => {
    expect(namedAddresses(mail("a@x"))).toEqual(["a@x"]);
    expect(namedAddresses({ kind: "or", filters: [mail("a@x"), mail("b@x")] })).toEqual(["a@x", "b@x"]);
    expect(namedAddresses({ kind: "or", filters: [mail("a@x"), present("mail")] })).toBeUndefined();
    expect(namedAddresses({ kind: "and", filters: [present("objectclass"), mail("a@x")] })).toEqual(["a@x"]);
    expect(namedAddresses({ kind: "not", filter: mail("a@x") })).toBeUndefined();
    expect(namedAddresses({ kind: "substrings", attribute: "mail", initial: "a", any: [] })).toBeUndefined();
    expect(namedAddresses({ kind: "equality", attribute: "givenname", value: "a@x" })).toBeUndefined();
    // cn and sn hold the address too; a piece of an address names nothing.
    expect(namedAddresses({ kind: "equality", attribute: "cn", value: "a@x" })).toEqual(["a@x"]);
    for (const piece of ["a", "@x", "a@", "@", "a@b@c"]) expect(namedAddresses(mail(piece))).toBeUndefined();
    // What gpgsm's dirmngr sends for an address: (|(sn=*A*)(|(cn=*A*)(mail=*A*))).
    const star = (attribute: string, inner: string): Filter => ({ kind: "substrings", attribute, any: [inner] });
    const dirmngr: Filter = {
      kind: "or",
      filters: [star("sn", "a@x"), { kind: "or", filters: [star("cn", "a@x"), star("mail", "a@x")] }],
    };
    expect(namedAddresses(dirmngr)).toEqual(["a@x", "a@x", "a@x"]);
    expect(namedAddresses(star("mail", "@x"))).toBeUndefined();
    expect(namedAddresses({ kind: "substrings", attribute: "mail", any: ["a@x", "y"] })).toBeUndefined();
    expect(namedAddresses({ kind: "substrings", attribute: "mail", initial: "a@x", any: [] })).toBeUndefined();
  });

  it("evaluate with RFC 4511's three values: Undefined is not a match, and NOT keeps it Undefined", () => {
    const entry = new Map([
      ["mail", ["Sam@Example.net"]],
      ["objectclass", ["top", "inetOrgPerson"]],
      ["usercertificate", []],
    ]);
    expect(matches(mail("sam@example.NET"), entry)).toBe(true);
    expect(matches({ kind: "substrings", attribute: "mail", initial: "sa", any: ["@"], final: ".NET" }, entry)).toBe(
      true,
    );
    expect(
      matches({ kind: "substrings", attribute: "mail", initial: "sam@example.n", final: "e.net", any: [] }, entry),
    ).toBe(false);
    const approx: Filter = { kind: "unsupported", choice: 8 };
    expect(matches(approx, entry)).toBe(false);
    expect(matches({ kind: "not", filter: approx }, entry)).toBe(false);
    expect(matches({ kind: "or", filters: [approx, present("mail")] }, entry)).toBe(true);
    expect(matches({ kind: "and", filters: [approx, present("mail")] }, entry)).toBe(false);
    expect(
      matches({ kind: "not", filter: { kind: "equality", attribute: "objectclass", value: "person" } }, entry),
    ).toBe(true);
  });
});

describe("DNs", () => {
  it("escape the special characters of RFC 4514 2.4", () => {
    expect(escapeDnValue("tom+lists@example.net")).toBe("tom\\+lists@example.net");
    expect(escapeDnValue('"a,b"@x')).toBe('\\"a\\,b\\"@x');
    expect(escapeDnValue("#a ")).toBe("\\#a\\ ");
  });
});
