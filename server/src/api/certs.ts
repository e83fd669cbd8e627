// CerDB (docs/services.md, "HTTP API"): the current encryption certificate of a verified address.
// No authentication, so it answers only what a sender already knows to ask: there is no listing,
// and an unknown, unverified or malformed address gets the same 404 body. Lookups are one indexed
// query (keys by address and status, joined to the account), behind a small cache with a short TTL.
import {
  ApiError,
  CERTIFICATE_CAPABILITIES,
  CertificateEntry,
  CertsLookupRequest,
  CertsLookupResponse,
  CertsParams,
  encodeBase64url,
} from "@mailseal/shared";
import { normalizeAddress } from "../ca/address.js";
import type { CertificateAuthority } from "../ca/authority.js";
import type { MailsealApp } from "../http/app.js";
import type { ApiContext } from "../main.js";
import { MINUTE_MS, perIp, type ApiDeps } from "./deps.js";

/** How long an answer (found or not) is reused: a new or rotated key shows within this time. */
export const CERT_CACHE_TTL_MS = 10_000;
const CERT_CACHE_MAX = 10_000;

export interface CertLookup {
  /** The entries of the addresses found, in the order asked, each address once. */
  lookup(addresses: readonly string[]): Promise<CertificateEntry[]>;
  /** Drops an address from the cache (after enrolment or rotation in this process). */
  forget(address: string): void;
}

/**
 * The key an address is looked up (and cached) under: its normal form, or, when it has none, the text
 * itself. A malformed address takes the same query and cache as an unknown one, so neither the answer
 * nor the work behind it tells them apart; it matches no row, since every stored address is in normal
 * form and normalizing is idempotent.
 */
function lookupKey(address: string): string {
  try {
    return normalizeAddress(address.trim());
  } catch {
    return address;
  }
}

export function createCertLookup(ctx: ApiContext, ca: CertificateAuthority): CertLookup {
  const cache = new Map<string, { entry: CertificateEntry | undefined; until: number }>();
  const chain = ca.chain.map(encodeBase64url);
  const capabilities = [...CERTIFICATE_CAPABILITIES];

  return {
    forget: (address) => {
      cache.delete(lookupKey(address));
    },
    async lookup(addresses) {
      const now = Date.now();
      const wanted = [...new Set(addresses.map(lookupKey))];
      const missing = wanted.filter((address) => (cache.get(address)?.until ?? 0) <= now);
      if (missing.length > 0) {
        const rows = await ctx.db
          .selectFrom("keys")
          .innerJoin("accounts", "accounts.address", "keys.address")
          .select(["keys.address", "keys.certificate", "keys.not_before"])
          .where("keys.address", "in", missing)
          .where("keys.status", "=", "current")
          .where("keys.certificate", "is not", null)
          .where("accounts.verified_at", "is not", null)
          .execute();
        const found = new Map<string, { certificate: string; notBefore: string }>();
        for (const row of rows) {
          // One current key per address by design; should two show during a rotation, the newer wins.
          const seen = found.get(row.address);
          if (seen === undefined || (row.not_before ?? "") > seen.notBefore) {
            found.set(row.address, { certificate: row.certificate!, notBefore: row.not_before ?? "" });
          }
        }
        if (cache.size + missing.length > CERT_CACHE_MAX) cache.clear();
        for (const address of missing) {
          const hit = found.get(address);
          cache.set(address, {
            entry: hit === undefined ? undefined : { address, certificate: hit.certificate, chain, capabilities },
            until: now + CERT_CACHE_TTL_MS,
          });
        }
      }
      return wanted.flatMap((address) => {
        const entry = cache.get(address)?.entry;
        return entry === undefined ? [] : [entry];
      });
    },
  };
}

export function registerCertRoutes(app: MailsealApp, deps: ApiDeps): void {
  const config = perIp(deps.ctx.config.rateLimits.certsPerIpPerMinute, MINUTE_MS);
  app.get(
    "/v1/certs/:address",
    {
      schema: {
        summary: "The current encryption certificate of an address",
        params: CertsParams,
        response: { 200: CertificateEntry },
      },
      config,
    },
    async (request) => {
      const [entry] = await deps.certs.lookup([request.params.address]);
      // The same words for every miss: nothing tells an unknown address from an unverified one.
      if (entry === undefined) throw new ApiError("NOT_FOUND", "no certificate for this address");
      return entry;
    },
  );

  app.post(
    "/v1/certs/lookup",
    {
      schema: {
        summary: "The current encryption certificates of up to 100 addresses (unknown ones omitted)",
        body: CertsLookupRequest,
        response: { 200: CertsLookupResponse },
      },
      config,
    },
    async (request) => ({ certificates: await deps.certs.lookup(request.body.addresses) }),
  );
}
