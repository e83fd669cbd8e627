// What the api's route modules share: the role's context, the CA, the api's signing keys, the
// key manager (absent until the kms is wired) and CerDB's lookup (whose cache enrolment refreshes).
import type { CertificateAuthority } from "../ca/authority.js";
import { clientNetwork } from "../http/client-network.js";
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

/** Budgets kept before expired windows are swept (one entry per client network seen in a window). */
const BUDGET_SWEEP_SIZE = 10_000;

/**
 * A budget of `max` units per client network (clientNetwork) per `windowMs`, kept in this process in
 * fixed windows, for limits where one request may cost several units (a CerDB batch costs one per
 * address it asks). @fastify/rate-limit counts requests only.
 */
export class NetworkBudget {
  readonly #windows = new Map<string, { start: number; used: number }>();
  #lastSweep = 0;

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
    const key = clientNetwork(ip);
    // Expired windows go at most once a window, so that many live networks cost no sweep per request.
    if (this.#windows.size >= BUDGET_SWEEP_SIZE && Math.abs(now - this.#lastSweep) >= this.windowMs) {
      this.#lastSweep = now;
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
