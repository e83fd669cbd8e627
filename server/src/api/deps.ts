// What the api's route modules share: the role's context, the CA, the api's signing keys, the
// key manager (absent until the kms is wired) and CerDB's lookup (whose cache enrolment refreshes).
import { isIPv4, isIPv6 } from "node:net";
import type { CertificateAuthority } from "../ca/authority.js";
import type { KeyManager } from "../kms/key-manager.js";
import type { ApiContext } from "../main.js";
import type { CertLookup } from "./certs.js";
import type { ApiSigningKeys } from "./signing-keys.js";

export interface ApiDeps {
  ctx: ApiContext;
  ca: CertificateAuthority;
  keys: ApiSigningKeys;
  /** Undefined while no key manager is configured: enrolment then completes without a key. */
  keyManager: KeyManager | undefined;
  certs: CertLookup;
}

/** A per-IP limit of `max` requests per `windowMs` (@fastify/rate-limit, see http/app.ts). */
export function perIp(max: number, windowMs: number): { rateLimit: { max: number; timeWindow: number } } {
  return { rateLimit: { max, timeWindow: windowMs } };
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/**
 * The network a client address counts for in the limits kept per client: an IPv4 address itself, an
 * IPv6 address its /64 (RFC 4291 2.5.4: the interface identifier is the low 64 bits, and one host
 * or home commonly holds a whole /64, so counting single IPv6 addresses would give it 2^64 budgets).
 * An IPv4-mapped IPv6 address (RFC 4291 2.5.5.2) counts as its IPv4 address. Anything else (no
 * address) is returned as it is.
 */
export function clientNetwork(ip: string): string {
  if (isIPv4(ip)) return ip;
  const bare = ip.replace(/%.*$/, ""); // a zone index (RFC 4007 11) names no other network
  if (!isIPv6(bare)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped !== null) return mapped[1]!;
  const [head = "", tail] = bare.toLowerCase().split("::");
  const groups = (part: string | undefined): string[] =>
    part === undefined || part === "" ? [] : part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g]));
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return `${all
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
