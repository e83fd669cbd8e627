// Where the service of an address is (docs/services.md, "Client flows"): an enterprise publishes
// https://<domain>/.well-known/mailseal.json (RFC 8615 well-known URI); otherwise the configured
// service answers for every domain it serves.
import { Value } from "typebox/value";
import { WellKnownResponse } from "../api/discovery.js";
import { MailsealError } from "../errors/index.js";
import { joinUrl, requireSecureUrl, type Fetch } from "./service-client.js";
import type { ServiceEndpoints } from "./state.js";

export const WELL_KNOWN_PATH = "/.well-known/mailseal.json";

export interface DiscoveredService extends ServiceEndpoints {
  /** Domains served; empty: every domain. */
  domains: string[];
  /** Where it was found. */
  source: "domain" | "configured";
}

export interface DiscoverOptions {
  fetch: Fetch;
  /** The configured service's base URL (its api). */
  fallback: string;
  /** Per attempt (default 5 s): a domain without the file must not hold the user up. */
  timeoutMs?: number;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

/** The body of a well-known answer, or undefined when it is not one. */
export function parseWellKnown(body: unknown): Omit<DiscoveredService, "source"> | undefined {
  if (!Value.Check(WellKnownResponse, body)) return undefined;
  const { api, shareStores, domains } = body;
  if (!isHttpUrl(api) || !isHttpUrl(shareStores["share-a"]) || !isHttpUrl(shareStores["share-b"])) return undefined;
  return { api, shareStores: { ...shareStores }, domains: domains.map((d) => d.toLowerCase()) };
}

/** The endpoints of a well-known answer, each https (or http to a loopback address), else INSECURE_SERVICE_URL. */
function secure<T extends ServiceEndpoints>(found: T, where: string): T {
  requireSecureUrl(found.api, `the api named by ${where}`);
  for (const store of ["share-a", "share-b"] as const) {
    requireSecureUrl(found.shareStores[store], `the share store ${store} named by ${where}`);
  }
  return found;
}

async function fetchWellKnown(fetch: Fetch, base: string, timeoutMs: number): Promise<unknown> {
  const response = await fetch(joinUrl(base, WELL_KNOWN_PATH), {
    method: "GET",
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) return undefined;
  return response.json();
}

/**
 * The service of `address`: the domain's own well-known file first (an enterprise deployment),
 * then the configured one, which must serve the address's domain. The domain's file is fetched
 * over https only; the configured URL and every URL a file names must be https, or plain http to a
 * loopback address (INSECURE_SERVICE_URL otherwise).
 */
export async function discoverService(address: string, options: DiscoverOptions): Promise<DiscoveredService> {
  const domain = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
  const timeoutMs = options.timeoutMs ?? 5000;
  const own = await fetchWellKnown(options.fetch, `https://${domain}`, timeoutMs).catch(() => undefined);
  const enterprise = parseWellKnown(own);
  if (enterprise !== undefined && (enterprise.domains.length === 0 || enterprise.domains.includes(domain))) {
    return { ...secure(enterprise, `https://${domain}${WELL_KNOWN_PATH}`), source: "domain" };
  }
  requireSecureUrl(options.fallback, "the configured service");
  let body: unknown;
  try {
    body = await fetchWellKnown(options.fetch, options.fallback, timeoutMs);
  } catch (error) {
    throw new MailsealError("SERVICE_UNAVAILABLE", `cannot reach ${options.fallback}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const configured = parseWellKnown(body);
  if (configured === undefined) {
    throw new MailsealError("SERVICE_UNAVAILABLE", `${options.fallback} does not answer as a mailseal service`);
  }
  if (configured.domains.length > 0 && !configured.domains.includes(domain)) {
    throw new MailsealError(
      "DOMAIN_NOT_SERVED",
      `${options.fallback} serves ${configured.domains.join(", ")}, not ${domain}`,
    );
  }
  return { ...secure(configured, joinUrl(options.fallback, WELL_KNOWN_PATH)), source: "configured" };
}
