// The api's client of the two share stores (docs/services.md, "HTTP API", share store role): fetches
// and keeps their ingest keys, and calls their internal routes with service tokens (ES256 by the api's
// ticket key, 60 s, single use). A store that cannot be reached, or answers 5xx, is STORE_UNAVAILABLE.
import {
  MailsealError,
  encodeBase64url,
  IngestKeyResponse,
  SERVICE_TOKEN_TYPE,
  signToken,
  StoreReleasesResponse,
  validatePublicJwk,
  type Clock,
  type P256PublicJwk,
  type SealedBox,
  type ServiceTokenClaims,
  type StoreRelease,
  apiErrorFromResponse,
} from "@mailseal/shared";
import { randomBytes } from "node:crypto";
import { Value } from "typebox/value";
import type { StoreRole } from "../config.js";

export interface StoreClient {
  /** The store's ingest public key (fetched once, then kept). */
  ingestKey(store: StoreRole): Promise<P256PublicJwk>;
  /** PUT /internal/v1/shares/{keyId}/{index}: idempotent, replaces. */
  putShare(store: StoreRole, keyId: string, index: 0 | 1, address: string, sealed: SealedBox): Promise<void>;
  /** PUT /internal/v1/shares/{keyId}/{index}/staged: a replacement beside the live share. */
  stageShare(
    store: StoreRole,
    keyId: string,
    index: 0 | 1,
    address: string,
    commitment: string,
    sealed: SealedBox,
  ): Promise<void>;
  /** POST /internal/v1/shares/{keyId}/promote: the staged share of `commitment` goes live. Idempotent. */
  promoteShares(store: StoreRole, keyId: string, commitment: string): Promise<void>;
  /** DELETE /internal/v1/shares/{keyId}: idempotent. */
  deleteShares(store: StoreRole, keyId: string): Promise<void>;
  /** GET /internal/v1/releases?address=: the releases that store recorded, oldest first. */
  releases(store: StoreRole, address: string): Promise<StoreRelease[]>;
}

export interface StoreClientOptions {
  /** The stores' base URLs (ApiContext.urls: read at call time, filled once the listeners are up). */
  urls: () => Readonly<Record<StoreRole, string>>;
  /** The api's base URL, the `iss` of service tokens. */
  issuer: () => string;
  /** The api's ticket signing key (ECDSA P-256 private key). */
  ticketKey: CryptoKey;
  clock: Clock;
  fetch?: typeof fetch;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

const SERVICE_TOKEN_SECONDS = 60;

export function createStoreClient(options: StoreClientOptions): StoreClient {
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ingestKeys = new Map<StoreRole, Promise<P256PublicJwk>>();

  async function serviceToken(store: StoreRole, scope: ServiceTokenClaims["scope"]): Promise<string> {
    const iat = Math.floor(options.clock.now().getTime() / 1000);
    return signToken(options.ticketKey, SERVICE_TOKEN_TYPE, {
      iss: options.issuer(),
      aud: store,
      scope,
      iat,
      exp: iat + SERVICE_TOKEN_SECONDS,
      jti: encodeBase64url(randomBytes(16)),
    });
  }

  async function call(
    store: StoreRole,
    method: string,
    path: string,
    scope: ServiceTokenClaims["scope"] | undefined,
    body?: unknown,
  ): Promise<unknown> {
    const url = `${options.urls()[store]}${path}`;
    const headers: Record<string, string> = {};
    if (scope !== undefined) headers.authorization = `MailSeal ${await serviceToken(store, scope)}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetchFn(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "";
      throw new MailsealError("STORE_UNAVAILABLE", `${store} (${url}) is unavailable: ${cause}`);
    }
    const text = await response.text().catch(() => "");
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.status >= 500) {
      const message = apiErrorFromResponse(response.status, parsed).message;
      throw new MailsealError("STORE_UNAVAILABLE", `${store} failed ${method} ${path}: ${message}`);
    }
    if (!response.ok) {
      // The store refused what the api sent: a bug or a bad client upload, not an outage.
      const refused = apiErrorFromResponse(response.status, parsed);
      throw new MailsealError(refused.code, `${store}: ${refused.message}`, { details: refused.details ?? {} });
    }
    return parsed;
  }

  return {
    ingestKey(store) {
      let key = ingestKeys.get(store);
      if (key === undefined) {
        key = (async () => {
          const body = await call(store, "GET", "/v1/ingest-key", undefined);
          if (!Value.Check(IngestKeyResponse, body) || body.store !== store) {
            throw new MailsealError("STORE_UNAVAILABLE", `${store} answered no ingest key of its own`);
          }
          return validatePublicJwk(body.key, `${store} ingest key`);
        })();
        ingestKeys.set(store, key);
        // A failure is not kept: the next call asks again.
        key.catch(() => ingestKeys.delete(store));
      }
      return key;
    },
    async putShare(store, keyId, index, address, sealed) {
      await call(store, "PUT", `/internal/v1/shares/${encodeURIComponent(keyId)}/${index}`, "shares", {
        address,
        sealed,
      });
    },
    async stageShare(store, keyId, index, address, commitment, sealed) {
      await call(store, "PUT", `/internal/v1/shares/${encodeURIComponent(keyId)}/${index}/staged`, "shares", {
        address,
        commitment,
        sealed,
      });
    },
    async promoteShares(store, keyId, commitment) {
      await call(store, "POST", `/internal/v1/shares/${encodeURIComponent(keyId)}/promote`, "shares", { commitment });
    },
    async deleteShares(store, keyId) {
      await call(store, "DELETE", `/internal/v1/shares/${encodeURIComponent(keyId)}`, "shares");
    },
    async releases(store, address) {
      const body = await call(store, "GET", `/internal/v1/releases?address=${encodeURIComponent(address)}`, "audit");
      if (!Value.Check(StoreReleasesResponse, body)) {
        throw new MailsealError("STORE_UNAVAILABLE", `${store} answered a malformed release list`);
      }
      return body.releases;
    },
  };
}
