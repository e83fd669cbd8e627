// The LDAP door's reading of what a client sends (RFC 4511): a connection's byte stream framed into
// LDAPMessages by their BER headers and decoded as the server does (server/src/ldap/server.ts,
// receive), then each search's filter asked which addresses it names and evaluated against an entry.
import { matches, namedAddresses } from "../../../server/src/ldap/filter.js";
import { decodeMessage, frameLength } from "../../../server/src/ldap/protocol.js";
import type { FuzzTarget } from "../engine.js";
import { BER_TOKENS, samples } from "./support.js";

/** An entry as the door shows one to filters. */
const ENTRY = new Map([
  ["objectclass", ["top", "person", "organizationalPerson", "inetOrgPerson"]],
  ["mail", ["sam@example.net"]],
  ["cn", ["sam@example.net"]],
  ["sn", ["sam@example.net"]],
  ["usercertificate", []],
]);

const target: FuzzTarget = {
  // What OpenLDAP's clients (ldapsearch, ldapadd, ldapdelete, ldapmodify, ldapcompare 2.5.13) sent on
  // one connection each, recorded in front of the door (test/fuzz/seeds/SOURCES.md).
  seeds: (root) => samples(root, "test/fuzz/seeds/ldap"),
  dictionary: [
    ...BER_TOKENS,
    "mail",
    "objectClass",
    "userCertificate;binary",
    "o=mailseal",
    "1.3.6.1.4.1.1466.20037",
    "*",
  ],
  run(data) {
    let rest = data;
    for (;;) {
      const length = frameLength(rest);
      if (length === undefined || rest.length < length) return;
      const { request } = decodeMessage(rest.subarray(0, length));
      if (request.kind === "search") {
        namedAddresses(request.filter);
        matches(request.filter, ENTRY);
      }
      rest = rest.subarray(length);
    }
  },
};
export default target;
