// Where a share store gets the api's ticket public key, under which release tickets and service
// tokens verify (docs/services.md, "Wire formats"). In one process the composition passes it in;
// a store on its own hosts fetches it once from the api (`GET /v1/ticket-key`) and keeps it.
import { MailsealError, importPublicJwk, jwkThumbprint, TicketKeyResponse, type P256PublicJwk } from "@mailseal/shared";
import { Value } from "typebox/value";

/** Resolves to the api's ticket public key (ECDSA P-256, usage verify). */
export type TicketKeySource = () => Promise<CryptoKey>;

/** A source over a JWK already at hand (one process: the api's key passed directly). */
export function ticketKeyFromJwk(jwk: P256PublicJwk | (() => Promise<P256PublicJwk>)): TicketKeySource {
  let key: Promise<CryptoKey> | undefined;
  return () =>
    (key ??= (async () => importPublicJwk(typeof jwk === "function" ? await jwk() : jwk, "ECDSA", "ticket key"))());
}

/**
 * A source that fetches `<api>/v1/ticket-key` on first use and keeps the key; a failed fetch is not
 * kept, so the next request tries again (the api may start after the store). With `thumbprint` (RFC
 * 7638, --ticket-key-thumbprint) a key of another thumbprint is refused, and never kept: a store run
 * apart believes only the ticket key its operator pinned, not whatever answers at the api's URL.
 */
export function ticketKeyFromApi(
  apiUrl: () => string,
  fetchFn: typeof fetch = fetch,
  options: { thumbprint?: string | undefined } = {},
): TicketKeySource {
  let key: Promise<CryptoKey> | undefined;
  return () => {
    key ??= (async () => {
      let body: unknown;
      try {
        const response = await fetchFn(`${apiUrl()}/v1/ticket-key`, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`HTTP status ${response.status}`);
        body = await response.json();
      } catch (error) {
        throw new MailsealError("INTERNAL", `cannot fetch the api's ticket key: ${(error as Error).message}`, {
          details: { status: 503 },
        });
      }
      if (!Value.Check(TicketKeyResponse, body))
        throw new MailsealError("INTERNAL", "the api's ticket key is malformed");
      if (options.thumbprint !== undefined) {
        const found = await jwkThumbprint(body.key);
        if (found !== options.thumbprint) {
          throw new MailsealError(
            "INTERNAL",
            `the ticket key at ${apiUrl()} has thumbprint ${found}, not the pinned ${options.thumbprint}: refused`,
            { details: { status: 503 } },
          );
        }
      }
      return importPublicJwk(body.key, "ECDSA", "ticket key");
    })();
    key.catch(() => {
      key = undefined;
    });
    return key;
  };
}
