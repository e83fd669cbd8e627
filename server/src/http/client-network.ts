// The unit of the limits kept per client (docs/services.md, "HTTP API"): the network a client
// address belongs to, so that one host holding many addresses counts once. The same unit as the
// per-IP limits of @fastify/rate-limit (its default key masks IPv6 to /64 and maps IPv4-mapped
// addresses to IPv4), for the limits it cannot keep: those counted in the database, and budgets
// where one request costs several units.
import { isIPv4, isIPv6 } from "node:net";

/** Client addresses seen lately and their networks: parsing an IPv6 address costs microseconds, a lookup not. */
const recent = new Map<string, string>();
const RECENT_MAX = 10_000;

/**
 * The network a client address counts for in the limits kept per client: an IPv4 address itself, an
 * IPv6 address its /64 (RFC 4291 2.5.4: the interface identifier is the low 64 bits, and one host
 * or home commonly holds a whole /64, so counting single IPv6 addresses would give it 2^64 budgets).
 * An IPv4-mapped IPv6 address (RFC 4291 2.5.5.2) counts as its IPv4 address. Anything else (no
 * address) is returned as it is.
 */
export function clientNetwork(ip: string): string {
  let network = recent.get(ip);
  if (network === undefined) {
    if (recent.size >= RECENT_MAX) recent.clear();
    network = networkOf(ip);
    recent.set(ip, network);
  }
  return network;
}

function networkOf(ip: string): string {
  if (isIPv4(ip)) return ip;
  const zone = ip.indexOf("%"); // a zone index (RFC 4007 11) names no other network
  const bare = (zone === -1 ? ip : ip.slice(0, zone)).toLowerCase();
  if (!isIPv6(bare)) return ip;
  if (bare.startsWith("::ffff:") && isIPv4(bare.slice(7))) return bare.slice(7);
  // The first four groups: written out before a "::", else zeros where the "::" stands. (An embedded
  // IPv4 address, RFC 4291 2.2, is the last 32 bits: never among them.)
  const gap = bare.indexOf("::");
  const head = (gap === -1 ? bare : bare.slice(0, gap)).split(":").filter((group) => group !== "");
  const prefix = head.slice(0, 4);
  if (prefix.length < 4 && gap !== -1) {
    const tail = bare.slice(gap + 2);
    const tailGroups = tail === "" ? [] : tail.split(":");
    const written = head.length + tailGroups.length + (tail.includes(".") ? 1 : 0);
    for (let i = 0; i < 8 - written && prefix.length < 4; i++) prefix.push("0");
    for (const group of tailGroups) if (prefix.length < 4) prefix.push(group);
  }
  return `${prefix.map((group) => parseInt(group, 16).toString(16)).join(":")}::/64`;
}
