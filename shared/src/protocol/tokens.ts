// The api's signed tokens (JWS ES256, JWT-style claims after RFC 7519 and RFC 9068): access tokens
// (api token key), release tickets and service tokens (api ticket key). The JOSE `typ` names the
// kind, so that one kind is never accepted as another even under the same key (RFC 8725 3.11).
import { MailsealError } from "../errors/index.js";
import { validatePublicJwk, type P256PublicJwk } from "./jwk.js";
import { signJws, verifyJws, type JsonObject } from "./jws.js";

export type StoreName = "share-a" | "share-b";

export interface TokenBinding {
  /** RFC 7638 thumbprint of the device key that must sign the proofs (RFC 9449 6.1). */
  readonly jkt: string;
}

/** `Authorization: MailSeal <token>`: 10 minutes, bound to one device key. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: "mailseal-api";
  /** The address. */
  readonly sub: string;
  /** The device id. */
  readonly dev: string;
  readonly cnf: TokenBinding;
  readonly iat: number;
  readonly exp: number;
}

/** One store's permission to release one share to one device, once (60 s). */
export interface ReleaseTicketClaims {
  readonly iss: string;
  readonly aud: StoreName;
  /** The address. */
  readonly sub: string;
  /** The key id. */
  readonly kid: string;
  /** The share index: 0 at share-a, 1 at share-b. */
  readonly idx: 0 | 1;
  readonly dev: string;
  readonly cnf: TokenBinding;
  /** The device's ephemeral P-256 key the store seals the share to. */
  readonly epk: P256PublicJwk;
  /**
   * The key's commitment at the api when the ticket was made: a store holding a staged share of this
   * commitment (PUT /v1/keys/{keyId}/shares in flight or interrupted) serves and promotes that one.
   */
  readonly cmt?: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

/** The api calling a store's internal routes (60 s, single use). */
export interface ServiceTokenClaims {
  readonly iss: string;
  readonly aud: StoreName;
  readonly scope: "shares" | "audit";
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

export const ACCESS_TOKEN_TYPE = "mailseal-at+jwt";
export const RELEASE_TICKET_TYPE = "mailseal-ticket+jwt";
export const SERVICE_TOKEN_TYPE = "mailseal-service+jwt";

export interface TokenClaimsByType {
  readonly "mailseal-at+jwt": AccessTokenClaims;
  readonly "mailseal-ticket+jwt": ReleaseTicketClaims;
  readonly "mailseal-service+jwt": ServiceTokenClaims;
}
export type TokenType = keyof TokenClaimsByType;

export interface VerifyTokenOptions<T extends TokenType> {
  readonly typ: T;
  /** The audience this verifier is: the token's `aud` must equal it. */
  readonly aud: string;
  readonly now: Date;
  /** Tolerated clock difference for exp and iat (default 0: one clock in one deployment). */
  readonly leewaySeconds?: number | undefined;
}

function malformed(typ: string, problem: string): never {
  throw new MailsealError("MALFORMED_JWS", `${typ}: ${problem}`);
}

const isString = (value: unknown): value is string => typeof value === "string" && value.length > 0;
const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isStore = (value: unknown): value is StoreName => value === "share-a" || value === "share-b";

function requireBinding(typ: string, cnf: unknown): void {
  if (typeof cnf !== "object" || cnf === null || !isString((cnf as JsonObject).jkt))
    malformed(typ, "cnf.jkt is missing");
}

/** Checks the claims' shape for their type: a token that passes has every member the type says. */
function checkClaims(typ: TokenType, claims: JsonObject): void {
  const { iss, aud, iat, exp } = claims;
  if (!isString(iss)) malformed(typ, "iss is missing");
  if (!isTime(iat) || !isTime(exp)) malformed(typ, "iat and exp must be integer seconds");
  if (exp <= iat) malformed(typ, "exp is not after iat");
  switch (typ) {
    case "mailseal-at+jwt":
      if (aud !== "mailseal-api") malformed(typ, 'aud must be "mailseal-api"');
      if (!isString(claims.sub) || !isString(claims.dev)) malformed(typ, "sub and dev are required");
      requireBinding(typ, claims.cnf);
      return;
    case "mailseal-ticket+jwt":
      if (!isStore(aud)) malformed(typ, 'aud must be "share-a" or "share-b"');
      if (!isString(claims.sub) || !isString(claims.kid) || !isString(claims.dev) || !isString(claims.jti)) {
        malformed(typ, "sub, kid, dev and jti are required");
      }
      if (claims.idx !== 0 && claims.idx !== 1) malformed(typ, "idx must be 0 or 1");
      if (claims.cmt !== undefined && !isString(claims.cmt)) malformed(typ, "cmt must be a string");
      requireBinding(typ, claims.cnf);
      validatePublicJwk(claims.epk, `${typ} epk`);
      return;
    case "mailseal-service+jwt":
      if (!isStore(aud)) malformed(typ, 'aud must be "share-a" or "share-b"');
      if (claims.scope !== "shares" && claims.scope !== "audit") malformed(typ, 'scope must be "shares" or "audit"');
      if (!isString(claims.jti)) malformed(typ, "jti is required");
      return;
    default:
      throw new MailsealError("WRONG_TYPE", `unknown token type ${JSON.stringify(typ)}`);
  }
}

/** Signs claims as a token of type `typ` with the api's token or ticket key (ECDSA P-256). */
export async function signToken<T extends TokenType>(
  privateKey: CryptoKey,
  typ: T,
  claims: TokenClaimsByType[T],
): Promise<string> {
  checkClaims(typ, claims as unknown as JsonObject); // never issue a token no verifier accepts
  return signJws({ typ, alg: "ES256" }, claims, privateKey);
}

/**
 * Verifies a token: ES256 signature under `publicKey`, JOSE `typ` (WRONG_TYPE), the claims' shape
 * (MALFORMED_JWS), `aud` (WRONG_AUDIENCE), `exp` (EXPIRED at or after it, RFC 7519 4.1.4), `nbf`
 * if present and `iat` not in the future (NOT_YET_VALID), each with `leewaySeconds`. Single use of
 * a ticket's or service token's `jti` is the caller's job: it keeps the table.
 */
export async function verifyToken<T extends TokenType>(
  token: string,
  publicKey: CryptoKey,
  options: VerifyTokenOptions<T>,
): Promise<TokenClaimsByType[T]> {
  const { header, payload } = await verifyJws(token, publicKey);
  if (header.typ !== options.typ) {
    throw new MailsealError("WRONG_TYPE", `token typ ${JSON.stringify(header.typ)}, expected ${options.typ}`);
  }
  checkClaims(options.typ, payload);
  if (payload.aud !== options.aud) {
    throw new MailsealError("WRONG_AUDIENCE", `${options.typ}: for ${String(payload.aud)}, not ${options.aud}`);
  }
  const leeway = options.leewaySeconds ?? 0;
  const now = options.now.getTime() / 1000;
  if (now >= (payload.exp as number) + leeway) {
    throw new MailsealError(
      "EXPIRED",
      `${options.typ}: expired at ${new Date((payload.exp as number) * 1000).toISOString()}`,
    );
  }
  const nbf = payload.nbf;
  if (nbf !== undefined && (!isTime(nbf) || now < nbf - leeway)) {
    throw new MailsealError("NOT_YET_VALID", `${options.typ}: not valid before ${String(nbf)}`);
  }
  if ((payload.iat as number) > now + leeway) {
    throw new MailsealError("NOT_YET_VALID", `${options.typ}: issued in the future (iat ${String(payload.iat)})`);
  }
  return payload as unknown as TokenClaimsByType[T];
}
