// The gateway's LDAP client (`--ldap ldap://HOST[:PORT]/BASE`): one anonymous search per address
// CerDB does not know, `(mail=ADDRESS)` under BASE for `userCertificate;binary` (RFC 4523 2.1, RFC
// 4522), in the LDAPv3 messages of RFC 4511 (4.5.1 SearchRequest; anonymous without a bind, 4.2).
// Only definite lengths occur in LDAP (RFC 4511 5.1), which is all this reads. What it returns is
// not trusted: the gateway checks every certificate as any other (path, validity, usage, address).
import { connect } from "node:net";
import { MailsealError } from "@mailseal/shared";

export interface LdapLocation {
  host: string;
  port: number;
  base: string;
}

/** Most bytes of one search's answer (a few certificates). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** ldap://HOST[:PORT]/BASE (RFC 4516, without attributes, scope or filter: those are the gateway's). */
export function parseLdapUrl(value: string): LdapLocation {
  const match = /^ldap:\/\/([^/:?\s]+)(?::(\d{1,5}))?\/([^?\s]*)$/i.exec(value);
  const port = match?.[2] === undefined ? 389 : Number(match[2]);
  if (match === null || port > 65_535 || match[3] === "") {
    throw new MailsealError("USAGE", `--ldap needs ldap://HOST[:PORT]/BASE, not ${value}`);
  }
  return { host: match[1]!, port, base: decodeURIComponent(match[3]!) };
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.of(tag), length(body.length), body]);
}

const octets = (text: string) => tlv(0x04, Buffer.from(text, "utf8"));
const integer = (n: number) => tlv(0x02, Buffer.of(n));
const enumerated = (n: number) => tlv(0x0a, Buffer.of(n));

/** LDAPMessage { messageID 1, SearchRequest } for (mail=ADDRESS) (RFC 4511 4.5.1). */
export function searchRequest(base: string, address: string, timeLimitSeconds: number): Buffer {
  const request = tlv(
    0x63, // [APPLICATION 3] SearchRequest
    octets(base),
    enumerated(2), // wholeSubtree
    enumerated(0), // neverDerefAliases
    integer(10), // sizeLimit: one person's entries
    integer(Math.min(127, timeLimitSeconds)),
    tlv(0x01, Buffer.of(0)), // typesOnly FALSE
    tlv(0xa3, octets("mail"), octets(address)), // equalityMatch [3]
    tlv(0x30, octets("userCertificate;binary")),
  );
  return tlv(0x30, integer(1), request);
}

interface Tlv {
  tag: number;
  content: Buffer;
  end: number;
}

/** One TLV at `at`, or undefined when the buffer does not hold all of it yet. */
function readTlv(bytes: Buffer, at: number): Tlv | undefined {
  if (at + 2 > bytes.length) return undefined;
  const tag = bytes[at]!;
  let size = bytes[at + 1]!;
  let start = at + 2;
  if (size & 0x80) {
    const count = size & 0x7f;
    if (count === 0 || count > 4)
      throw new MailsealError("DIRECTORY_UNAVAILABLE", "the LDAP answer is not DER-like BER");
    if (start + count > bytes.length) return undefined;
    size = 0;
    for (let i = 0; i < count; i++) size = size * 256 + bytes[start + i]!;
    start += count;
  }
  if (start + size > bytes.length) return undefined;
  return { tag, content: bytes.subarray(start, start + size), end: start + size };
}

function children(content: Buffer): Tlv[] {
  const all: Tlv[] = [];
  for (let at = 0; at < content.length;) {
    const item = readTlv(content, at);
    if (item === undefined) throw new MailsealError("DIRECTORY_UNAVAILABLE", "a truncated LDAP element");
    all.push(item);
    at = item.end;
  }
  return all;
}

/**
 * The userCertificate values the directory holds for `address` (DER, not checked): [] when it has
 * none; DIRECTORY_UNAVAILABLE when it cannot be asked within `timeoutMs` or answers an error.
 */
export function ldapCertificates(where: LdapLocation, address: string, timeoutMs: number): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(where.port, where.host);
    let buffered = Buffer.alloc(0);
    const found: Uint8Array[] = [];
    const fail = (reason: string) => {
      socket.destroy();
      reject(new MailsealError("DIRECTORY_UNAVAILABLE", `LDAP ${where.host}:${where.port}: ${reason}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once("error", (error) => {
      clearTimeout(timer);
      fail(error.message);
    });
    socket.once("connect", () =>
      socket.write(searchRequest(where.base, address, Math.max(1, Math.ceil(timeoutMs / 1000)))),
    );
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_ANSWER_BYTES) {
        clearTimeout(timer);
        fail("the answer is too large");
        return;
      }
      try {
        for (let message = readTlv(buffered, 0); message !== undefined; message = readTlv(buffered, 0)) {
          buffered = buffered.subarray(message.end);
          const [, op] = children(message.content);
          if (op === undefined)
            throw new MailsealError("DIRECTORY_UNAVAILABLE", "an LDAP message without an operation");
          if (op.tag === 0x64) {
            // SearchResultEntry [APPLICATION 4] { objectName, attributes SEQUENCE OF { type, vals SET } }
            const [, attributes] = children(op.content);
            for (const attribute of attributes === undefined ? [] : children(attributes.content)) {
              const [type, values] = children(attribute.content);
              const name = type?.content.toString("utf8").toLowerCase();
              if (name !== "usercertificate;binary" && name !== "usercertificate") continue;
              for (const value of values === undefined ? [] : children(values.content)) {
                found.push(new Uint8Array(value.content));
              }
            }
          } else if (op.tag === 0x65) {
            // SearchResultDone [APPLICATION 5] { resultCode, ... }: 0 success, 32 noSuchObject.
            clearTimeout(timer);
            const code = children(op.content)[0]?.content[0] ?? 255;
            socket.end();
            if (code === 0 || code === 32) resolve(found);
            else fail(`the search failed with result code ${code}`);
            return;
          }
          // Anything else (a referral, a notice of disconnection) is not an answer: wait for Done.
        }
      } catch (error) {
        clearTimeout(timer);
        fail((error as Error).message);
      }
    });
    socket.once("end", () => {
      clearTimeout(timer);
      fail("the directory closed the connection before answering");
    });
  });
}
