// The addresses the CA certifies: plain ASCII addr-specs (RFC 5322 3.4.1 dot-atom local part, RFC 1035
// host name domain). Quoted local parts, comments, IP literals and internationalized addresses (RFC
// 9598 SmtpUTF8Mailbox) are refused rather than half supported.
import { MailsealError } from "./errors.js";

/** RFC 5322 3.2.3 atext. */
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
/** RFC 1123 2.1 LDH label. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function bad(address: string, why: string): MailsealError {
  return new MailsealError(
    "CA_BAD_ADDRESS",
    `not a plain email address (${why}): ${JSON.stringify(address.slice(0, 300))}`,
  );
}

/**
 * The address as certified: domain lower-cased (RFC 5321 2.4: domains are case-insensitive; the
 * local part is not, so it is kept as given). Limits: local part 64 octets, address 254 (RFC 5321
 * 4.5.3.1).
 */
export function normalizeAddress(address: string): string {
  if (typeof address !== "string") throw new MailsealError("CA_BAD_ADDRESS", "the address is not a string");
  const at = address.lastIndexOf("@");
  if (at <= 0) throw bad(address, "no local part and domain");
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  if (local.length > 64) throw bad(address, "local part longer than 64 characters");
  if (!local.split(".").every((atom) => ATOM.test(atom))) throw bad(address, "local part is not a dot-atom");
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)))
    throw bad(address, "domain is not a host name with at least two labels");
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw bad(address, "domain ends in a numeric label");
  const normalized = `${local}@${domain}`;
  if (normalized.length > 254) throw bad(address, "longer than 254 characters");
  return normalized;
}
