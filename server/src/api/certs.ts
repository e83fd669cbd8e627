// CerDB (docs/services.md, "HTTP API"): the current encryption certificate of a verified address
// (of a protected account, the newest wrapped one while the current key waits for a wrap).
// No authentication, so it answers only what a sender already knows to ask: there is no listing,
// and an unknown, unverified or malformed address gets the same 404 body. Lookups are one indexed
// query (keys by address and status, joined to the account), behind a small cache with a short TTL.
import {
  MailsealError,
  CERTIFICATE_CAPABILITIES,
  CertificateEntry,
  CertsLookupRequest,
  CertsLookupResponse,
  CertsParams,
  encodeBase64url,
} from "@mailseal/shared";
import { normalizeAddress } from "../ca/address.js";
import type { MailsealApp } from "../http/app.js";
import type { ApiContext } from "../main.js";
import type { FastifyReply, FastifyRequest } from "fastify";
import { MINUTE_MS, NetworkBudget, type ApiDeps } from "./deps.js";

/** How long an answer (found or not) is reused: a new or rotated key shows within this time. */
export const CERT_CACHE_TTL_MS = 10_000;
const CERT_CACHE_MAX = 10_000;
const DAY_MS = 24 * 3600 * 1000;

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

/**
 * Which of an address's keys CerDB publishes (docs/services.md, "Enhanced protection"); the highest
 * rank wins, 0 is never published. The current key, unless it waits for a wrap ("pending-wrap": a
 * rotation made it on a protected account, and both stores together could still combine it): then
 * the newest wrapped key retired for its age (its certificate ends within the rotation lead, `soon`)
 * while it is valid, so that mail to a protected account stays under the password until a device
 * wraps the new key. A key retired early (a device removal rotates at once) is never published
 * again: the removed device holds it. Failing those, the waiting key, since senders without a
 * certificate would send in the clear.
 */
function publishRank(
  row: { status: string; protection: string; not_after: string | null },
  now: string,
  soon: string,
): number {
  if (row.status === "current") return row.protection === "pending-wrap" ? 1 : 3;
  const notAfter = row.not_after ?? "";
  return row.protection === "opaque" && notAfter > now && notAfter <= soon ? 2 : 0;
}

/**
 * CerDB's lookup over the api database. `chain`: the CA certificates each entry carries (the api's
 * CA; the LDAP door, which serves certificates alone, passes none).
 */
export function createCertLookup(
  ctx: Pick<ApiContext, "db" | "clock" | "config">,
  caChain: readonly Uint8Array[],
): CertLookup {
  const cache = new Map<string, { entry: CertificateEntry | undefined; until: number }>();
  const chain = caChain.map(encodeBase64url);
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
          .select([
            "keys.key_id",
            "keys.algorithm",
            "keys.pair_key_id",
            "keys.address",
            "keys.certificate",
            "keys.not_before",
            "keys.not_after",
            "keys.status",
            "keys.protection",
          ])
          .where("keys.address", "in", missing)
          .where("keys.status", "in", ["current", "retired"])
          .where("keys.certificate", "is not", null)
          .where("accounts.verified_at", "is not", null)
          .execute();
        const found = new Map<string, { keyId: string; certificate: string; notBefore: string; rank: number }>();
        const nowMs = ctx.clock.now().getTime();
        const nowText = new Date(nowMs).toISOString();
        const soon = new Date(nowMs + ctx.config.rotationLeadDays * DAY_MS).toISOString();
        // ML-KEM certificates by the RSA key of their generation (issue 15): an address publishes
        // the one paired with the RSA key it publishes, so the two always belong together.
        const kemByPair = new Map<string, string>();
        for (const row of rows) {
          if (row.algorithm !== "rsa" && row.pair_key_id !== null) kemByPair.set(row.pair_key_id, row.certificate!);
        }
        for (const row of rows) {
          if (row.algorithm !== "rsa") continue;
          const rank = publishRank(row, nowText, soon);
          if (rank === 0) continue;
          // The best rank wins; among equals (two current keys during a rotation), the newer.
          const seen = found.get(row.address);
          const notBefore = row.not_before ?? "";
          if (seen === undefined || rank > seen.rank || (rank === seen.rank && notBefore > seen.notBefore)) {
            found.set(row.address, { keyId: row.key_id, certificate: row.certificate!, notBefore, rank });
          }
        }
        if (cache.size + missing.length > CERT_CACHE_MAX) cache.clear();
        for (const address of missing) {
          const hit = found.get(address);
          const kemCertificate = hit === undefined ? undefined : kemByPair.get(hit.keyId);
          cache.set(address, {
            entry:
              hit === undefined
                ? undefined
                : {
                    address,
                    certificate: hit.certificate,
                    chain,
                    capabilities,
                    ...(kemCertificate === undefined ? {} : { kemCertificate }),
                  },
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

/**
 * Both CerDB routes take, before looking anything up, one unit of the client network's budget
 * (`certsPerIpPerMinute`) per address asked (once however often a batch repeats it), so that a
 * batch of 100 costs what 100 single lookups cost. Counting requests let one IP probe 100 addresses
 * per request, 30,000 a minute (review finding 10). Beyond the budget: 429 RATE_LIMITED with
 * Retry-After, never a 404, so that a throttled sender does not take an address for one without a
 * certificate.
 */
function spend(
  budget: NetworkBudget,
  request: FastifyRequest,
  reply: FastifyReply,
  addresses: readonly string[],
): void {
  const wait = budget.take(request.ip, Math.max(1, new Set(addresses.map(lookupKey)).size));
  if (wait !== undefined) {
    void reply.header("retry-after", String(wait));
    throw new MailsealError("RATE_LIMITED", `too many addresses looked up: try again in ${wait} s`);
  }
}

export function registerCertRoutes(app: MailsealApp, deps: ApiDeps): void {
  const { ctx } = deps;
  // Kept per api node, like the other per-client limits: a counter in the database would add a write
  // to every lookup of CerDB's read path (served from memory when cached), and a client spreading
  // its lookups over n nodes gets n budgets, the same order for a handful of nodes.
  const budget = new NetworkBudget(ctx.config.rateLimits.certsPerIpPerMinute, MINUTE_MS, () =>
    ctx.clock.now().getTime(),
  );
  app.get(
    "/v1/certs/:address",
    {
      schema: {
        summary: "The current encryption certificate of an address",
        params: CertsParams,
        response: { 200: CertificateEntry },
      },
    },
    async (request, reply) => {
      spend(budget, request, reply, [request.params.address]);
      const [entry] = await deps.certs.lookup([request.params.address]);
      // The same words for every miss: nothing tells an unknown address from an unverified one.
      if (entry === undefined) throw new MailsealError("NOT_FOUND", "no certificate for this address");
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
    },
    async (request, reply) => {
      spend(budget, request, reply, request.body.addresses);
      return { certificates: await deps.certs.lookup(request.body.addresses) };
    },
  );
}
