// Proof of an address by an OpenID Connect token (docs/services.md, "Address proof by token"): where
// an organisation's identity provider vouches for the mailbox (Entra ID for Outlook's nested app
// authentication), its token replaces the mailed challenge at enrolment. Only issuers named in the
// server's configuration (--oidc-issuer) are believed; each token is checked with `jose` against
// the issuer's keys (its JWKS, fetched and cached), its `iss`, `aud` and times, and the address
// must be the token's `email` (unless `email_verified` is false) or else its `preferred_username`.
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from "jose";
import { MailsealError } from "@mailseal/shared";
import type { Clock } from "@mailseal/shared";
import type { OidcIssuerConfig } from "../config.js";

/** Leeway on exp and nbf (RFC 7519 4.1.4: "some small leeway"), for clocks a little apart. */
export const PROOF_TOKEN_LEEWAY_SECONDS = 60;

/** Signatures by the issuer's asymmetric keys only: never "none", never an HMAC (RFC 8725 3.1). */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/** How long one fetch of a discovery document or JWKS may take. */
const FETCH_TIMEOUT_MS = 5_000;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** The address as the api normalises it (parseAddress), or undefined for a claim that is none. */
export type AddressNormalizer = (address: string) => string;

export class OidcProofVerifier {
  readonly #issuers: ReadonlyMap<string, OidcIssuerConfig>;
  /** One remote key set per issuer, made once its JWKS URL is known (jose caches and refreshes the keys). */
  readonly #keySets = new Map<string, Promise<KeySet>>();

  constructor(
    issuers: readonly OidcIssuerConfig[],
    private readonly clock: Clock,
    private readonly normalize: AddressNormalizer,
  ) {
    this.#issuers = new Map(issuers.map((issuer) => [issuer.issuer, issuer]));
  }

  /**
   * Resolves when `token` proves `address` (already normalised), else throws PROOF_TOKEN_INVALID,
   * PROOF_TOKEN_EXPIRED, PROOF_TOKEN_ISSUER, PROOF_TOKEN_ADDRESS or PROOF_ISSUER_UNAVAILABLE.
   */
  async verify(token: string, address: string): Promise<void> {
    let unverified: JWTPayload;
    try {
      // Read only to pick the issuer's keys; nothing of it is believed before jwtVerify.
      unverified = decodeJwt(token);
    } catch {
      throw new MailsealError("PROOF_TOKEN_INVALID", "the proof token is not a JWT");
    }
    const issuer = typeof unverified.iss === "string" ? this.#issuers.get(unverified.iss) : undefined;
    if (issuer === undefined) {
      throw new MailsealError(
        "PROOF_TOKEN_ISSUER",
        `this service does not take tokens of the issuer ${JSON.stringify(String(unverified.iss))} as proof of an address`,
      );
    }
    const keys = await this.#keySet(issuer);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: issuer.issuer,
        audience: [...issuer.audiences],
        algorithms: ALGORITHMS,
        clockTolerance: PROOF_TOKEN_LEEWAY_SECONDS,
        currentDate: this.clock.now(),
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      throw classify(error);
    }
    const proven = this.#addressOf(payload);
    if (proven === undefined || proven.toLowerCase() !== address.toLowerCase()) {
      throw new MailsealError(
        "PROOF_TOKEN_ADDRESS",
        payload.email_verified === false && typeof payload.email === "string"
          ? "the token's email is not verified by its issuer, and it names no other matching address"
          : `the token proves ${proven === undefined ? "no address" : JSON.stringify(proven)}, not the address asked for`,
      );
    }
  }

  /**
   * The address the token vouches for: `email` unless the issuer says it is not verified
   * (`email_verified` false, OpenID Connect Core 1.0 5.1), else `preferred_username` (Entra ID's
   * user principal name, which is the mailbox's address in most organisations). Local parts compare
   * case-insensitively: identity providers do not keep the case the person typed.
   */
  #addressOf(payload: JWTPayload): string | undefined {
    const candidates = [payload.email_verified === false ? undefined : payload.email, payload.preferred_username];
    for (const candidate of candidates) {
      if (typeof candidate !== "string") continue;
      try {
        return this.normalize(candidate);
      } catch {
        // Not an address (a preferred_username may be a plain user name): try the next claim.
      }
    }
    return undefined;
  }

  #keySet(issuer: OidcIssuerConfig): Promise<KeySet> {
    let keys = this.#keySets.get(issuer.issuer);
    if (keys === undefined) {
      keys = (async () => {
        const jwksUri = issuer.jwksUri ?? (await discoverJwksUri(issuer.issuer));
        return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: FETCH_TIMEOUT_MS });
      })();
      this.#keySets.set(issuer.issuer, keys);
      // A failed discovery is not kept: the next token asks again.
      keys.catch(() => this.#keySets.delete(issuer.issuer));
    }
    return keys;
  }
}

/** `jwks_uri` of the issuer's discovery document (OpenID Connect Discovery 1.0 sections 4 and 4.3). */
async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "error" });
    if (!response.ok) throw new Error(`HTTP status ${response.status}`);
    document = (await response.json()) as typeof document;
  } catch (error) {
    throw new MailsealError("PROOF_ISSUER_UNAVAILABLE", `the discovery document of ${issuer} cannot be fetched`, {
      cause: error,
    });
  }
  // Section 4.3: the document's issuer must be the one asked for, else it is not this issuer's.
  if (document.issuer !== issuer || typeof document.jwks_uri !== "string") {
    throw new MailsealError(
      "PROOF_ISSUER_UNAVAILABLE",
      `the discovery document of ${issuer} names another issuer or no jwks_uri`,
    );
  }
  const jwks = new URL(document.jwks_uri);
  if (jwks.protocol !== "https:" && new URL(issuer).protocol === "https:") {
    throw new MailsealError("PROOF_ISSUER_UNAVAILABLE", `the jwks_uri of ${issuer} is not https`);
  }
  return document.jwks_uri;
}

/** jose's failures as the api's codes: the issuer unreachable, the token expired, or not valid. */
function classify(error: unknown): MailsealError {
  if (error instanceof errors.JWTExpired) {
    return new MailsealError("PROOF_TOKEN_EXPIRED", "the proof token has expired", { cause: error });
  }
  if (
    error instanceof errors.JWKSTimeout ||
    !(error instanceof errors.JOSEError) ||
    error.code === "ERR_JOSE_GENERIC"
  ) {
    // A fetch that failed or timed out, or a JWKS response that is not one: the issuer's side.
    return new MailsealError("PROOF_ISSUER_UNAVAILABLE", "the issuer's keys cannot be fetched", { cause: error });
  }
  const reason =
    error instanceof errors.JWTClaimValidationFailed
      ? `its ${error.claim} claim is not acceptable (${error.reason})`
      : error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey
        ? "its signature is not by the issuer's keys"
        : error.message;
  return new MailsealError("PROOF_TOKEN_INVALID", `the proof token is not valid: ${reason}`, { cause: error });
}
