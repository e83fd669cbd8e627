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

/** Budgets kept before expired windows are swept (one entry per client network seen in a window). */
const BUDGET_SWEEP_SIZE = 10_000;

/**
 * A budget of `max` units per client network (clientNetwork) per `windowMs`, kept in this process in
 * fixed windows, for limits where one request may cost several units (a CerDB batch costs one per
 * address it asks). @fastify/rate-limit counts requests only.
 */
export class NetworkBudget {
  readonly #windows = new Map<string, { start: number; used: number }>();
  /** clientNetwork of recent client addresses: parsing an IPv6 address costs microseconds, a lookup not. */
  readonly #networks = new Map<string, string>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Takes `units` for the network of `ip`: undefined when they fit, else the seconds until its window
   * starts again (the request then takes nothing: a refused batch does not eat the next one's budget).
   */
  take(ip: string, units: number): number | undefined {
    const now = this.now();
    let key = this.#networks.get(ip);
    if (key === undefined) {
      if (this.#networks.size >= BUDGET_SWEEP_SIZE) this.#networks.clear();
      key = clientNetwork(ip);
      this.#networks.set(ip, key);
    }
    if (this.#windows.size >= BUDGET_SWEEP_SIZE) {
      for (const [k, window] of this.#windows) {
        if (now - window.start >= this.windowMs || now < window.start) this.#windows.delete(k);
      }
    }
    let window = this.#windows.get(key);
    // A clock moved back (tests, drills) starts a new window, as one past its end does.
    if (window === undefined || now - window.start >= this.windowMs || now < window.start) {
      window = { start: now, used: 0 };
      this.#windows.set(key, window);
    }
    if (window.used + units > this.max) return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
    window.used += units;
    return undefined;
  }
}
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
