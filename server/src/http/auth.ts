// Authentication of api requests (docs/services.md, "Wire formats"): the device proof on every
// request (after RFC 9449, DPoP) and, on the routes of an enrolled device, the access token bound to
// that device's key. Both are Fastify preHandlers:
//
//   app.post("/v1/x", { preHandler: requireProof(ctx) }, (request) => request.proof ...)
//   app.get("/v1/y", { preHandler: requireDevice(ctx, keys) }, (request) => deviceOf(request) ...)
//
// The URL a proof must name (`htu`) is the api's advertised base URL (ctx.urls.api: --public-url, else
// the listener), read on each request, followed by the path of the request as this server sees it,
// without the query. Behind a reverse proxy that strips a path prefix, --public-url carries that
// prefix (https://example.com/mailseal), so the URL the client signed and the URL checked agree.
import {
  ACCESS_TOKEN_TYPE,
  MailsealError,
  PROOF_HEADER,
  signToken,
  verifyProof,
  verifyToken,
  type AccessTokenClaims,
  type ApiErrorCode,
  type P256PublicJwk,
  type ErrorCode,
  hasCode,
  PROTOCOL_ERROR_CODES,
} from "@mailseal/shared";
import type { FastifyReply, FastifyRequest } from "fastify";
import { SeenIds } from "../db/seen-ids.js";
import type { ApiContext } from "../main.js";

/** The device key that signed the request's proof. */
export interface ProofIdentity {
  /** RFC 7638 thumbprint of the device key. */
  jkt: string;
  jwk: P256PublicJwk;
}

/** The enrolled, active device an access token names (and whose key signed the proof). */
export interface DeviceIdentity {
  address: string;
  deviceId: string;
  jkt: string;
  /** The device's name, as requireDevice read it with the device's status (for release notices). */
  name?: string | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by requireProof and requireDevice. */
    proof?: ProofIdentity;
    /** Set by requireDevice. */
    device?: DeviceIdentity;
  }
}

/** The keys requireDevice and issueAccessToken need (see api/signing-keys.ts). */
export interface TokenKeys {
  tokenKey: CryptoKeyPair;
}

/** The audience of access tokens. */
export const ACCESS_TOKEN_AUDIENCE = "mailseal-api";
/** Lifetime of an access token (docs/services.md: 10 minutes). */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 600;
/** How far a proof's iat may be from now, either way (docs/services.md: 60 s). */
export const PROOF_MAX_SKEW_SECONDS = 60;

/** `Authorization: MailSeal <token>` (the scheme is case-insensitive, RFC 9110 11.1). */
const AUTHORIZATION = /^mailseal +([A-Za-z0-9_.-]+)$/i;

/** The proof failures a client can act on; everything else about a proof is BAD_PROOF. */
function proofError(error: unknown): MailsealError {
  if (hasCode(error, ...PROTOCOL_ERROR_CODES)) {
    if (error.code === "KEY_MISMATCH") return new MailsealError("TOKEN_KEY_MISMATCH", error.message);
    return new MailsealError("BAD_PROOF", error.message);
  }
  throw error;
}

const TOKEN_ERRORS: Partial<Record<ErrorCode, ApiErrorCode>> = { EXPIRED: "TOKEN_EXPIRED" };

function tokenError(error: unknown): MailsealError {
  if (hasCode(error, ...PROTOCOL_ERROR_CODES))
    return new MailsealError(TOKEN_ERRORS[error.code] ?? "TOKEN_INVALID", error.message);
  throw error;
}

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  if (Array.isArray(value)) throw new MailsealError("BAD_PROOF", `the ${name} header appears more than once`);
  return value;
}

/** The URL the proof of this request must name: advertised api URL + path (query dropped). */
export function requestUrl(ctx: ApiContext, request: FastifyRequest): string {
  const path = request.url.split("?")[0] ?? "/";
  return `${ctx.urls.api.replace(/\/+$/, "")}${path}`;
}

/** The replay table of proofs, one per api context. */
const replayTables = new WeakMap<ApiContext, SeenIds>();

/**
 * Records a proof id; PROOF_REPLAYED when it was recorded before. The id is scoped to the device
 * key, so a client cannot burn another's ids; the row lives until the proof could no longer be
 * accepted anyway (iat + skew), so the table holds at most two minutes of proofs.
 */
async function recordProof(ctx: ApiContext, jkt: string, jti: string, iat: number): Promise<void> {
  let table = replayTables.get(ctx);
  if (table === undefined) replayTables.set(ctx, (table = new SeenIds(ctx.db, ctx.clock, ctx.logger)));
  const expiresAt = new Date((iat + PROOF_MAX_SKEW_SECONDS + 1) * 1000);
  if (!(await table.firstUse(`${jkt}.${jti}`, expiresAt))) {
    throw new MailsealError("PROOF_REPLAYED", "this device proof was used before: make a new one for each request");
  }
}

async function checkProof(
  ctx: ApiContext,
  request: FastifyRequest,
  binding: { token?: string; jkt?: string },
): Promise<ProofIdentity> {
  const proof = singleHeader(request, PROOF_HEADER);
  if (proof === undefined || proof === "") {
    throw new MailsealError("UNAUTHENTICATED", `a ${PROOF_HEADER} header (device proof) is required`);
  }
  const verified = await verifyProof(proof, {
    htm: request.method,
    htu: requestUrl(ctx, request),
    token: binding.token,
    jkt: binding.jkt,
    now: ctx.clock.now(),
    maxSkewSeconds: PROOF_MAX_SKEW_SECONDS,
  }).catch((error: unknown) => {
    throw proofError(error);
  });
  await recordProof(ctx, verified.jkt, verified.jti, verified.iat);
  return { jkt: verified.jkt, jwk: verified.jwk };
}

/**
 * preHandler: a valid device proof for this method and URL, not seen before. Sets `request.proof`.
 * UNAUTHENTICATED without one, BAD_PROOF when it does not verify or is stale, PROOF_REPLAYED.
 */
export function requireProof(ctx: ApiContext): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request) => {
    request.proof = await checkProof(ctx, request, {});
  };
}

/**
 * preHandler: an access token (`Authorization: MailSeal <token>`) signed by the token key, for this
 * audience and unexpired (TOKEN_INVALID / TOKEN_EXPIRED), with a proof carrying its `ath` signed by
 * the key the token is bound to (`cnf.jkt`, else TOKEN_KEY_MISMATCH), from a device that is still
 * active (DEVICE_NOT_ACTIVE: a removed device's tokens stop working at once). Sets `request.device`
 * and `request.proof`.
 */
export function requireDevice(
  ctx: ApiContext,
  keys: TokenKeys,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request) => {
    const authorization = singleHeader(request, "Authorization");
    if (authorization === undefined) {
      throw new MailsealError("UNAUTHENTICATED", "an access token is required: Authorization: MailSeal <token>");
    }
    const token = AUTHORIZATION.exec(authorization)?.[1];
    if (token === undefined)
      throw new MailsealError("TOKEN_INVALID", "the Authorization header is not MailSeal <token>");
    const claims: AccessTokenClaims = await verifyToken(token, keys.tokenKey.publicKey, {
      typ: ACCESS_TOKEN_TYPE,
      aud: ACCESS_TOKEN_AUDIENCE,
      now: ctx.clock.now(),
    }).catch((error: unknown) => {
      throw tokenError(error);
    });
    request.proof = await checkProof(ctx, request, { token, jkt: claims.cnf.jkt });
    const device = await ctx.db
      .selectFrom("devices")
      .select(["address", "status", "jkt", "name"])
      .where("device_id", "=", claims.dev)
      .executeTakeFirst();
    if (device === undefined || device.status !== "active" || device.address !== claims.sub) {
      throw new MailsealError("DEVICE_NOT_ACTIVE", "this device is not enrolled or was removed: enrol it again");
    }
    if (device.jkt !== claims.cnf.jkt)
      throw new MailsealError("TOKEN_KEY_MISMATCH", "the token is not for this device key");
    request.device = { address: claims.sub, deviceId: claims.dev, jkt: claims.cnf.jkt, name: device.name };
  };
}

/** The device of a request that passed requireDevice. */
export function deviceOf(request: FastifyRequest): DeviceIdentity {
  if (request.device === undefined) throw new MailsealError("UNAUTHENTICATED", "this route needs an access token");
  return request.device;
}

/** The proof key of a request that passed requireProof or requireDevice. */
export function proofOf(request: FastifyRequest): ProofIdentity {
  if (request.proof === undefined) throw new MailsealError("UNAUTHENTICATED", "this route needs a device proof");
  return request.proof;
}

/** An access token for a device (10 minutes, bound to its key), with its expiry as ISO-8601 text. */
export async function issueAccessToken(
  ctx: ApiContext,
  keys: TokenKeys,
  device: DeviceIdentity,
): Promise<{ accessToken: string; expiresAt: string }> {
  const iat = Math.floor(ctx.clock.now().getTime() / 1000);
  const exp = iat + ACCESS_TOKEN_LIFETIME_SECONDS;
  const accessToken = await signToken(keys.tokenKey.privateKey, ACCESS_TOKEN_TYPE, {
    iss: ctx.urls.api,
    aud: ACCESS_TOKEN_AUDIENCE,
    sub: device.address,
    dev: device.deviceId,
    cnf: { jkt: device.jkt },
    iat,
    exp,
  });
  return { accessToken, expiresAt: new Date(exp * 1000).toISOString() };
}
