// What the api's route modules share: the role's context, the CA, the api's signing keys, the
// key manager (absent until the kms is wired) and CerDB's lookup (whose cache enrolment refreshes).
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
