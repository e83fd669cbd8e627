// The share store role (docs/services.md, "HTTP API", share store role): keeps one share of every
// key under its KEK, releases it to a device that presents a release ticket with its device proof,
// and takes new shares from the api over internal routes authorised by service tokens.
import {
  MailsealError,
  IngestKeyResponse,
  KeyParams,
  PromoteSharesRequest,
  StageShareRequest,
  openSealed,
  PutShareRequest,
  RELEASE_TICKET_TYPE,
  ReleaseShareRequest,
  ReleaseShareResponse,
  releaseAad,
  seal,
  SERVICE_TOKEN_TYPE,
  ShareParams,
  shareAad,
  StoreReleasesQuery,
  StoreReleasesResponse,
  verifyProof,
  verifyToken,
  decodeBase64url,
  encodeBase64url,
  type ReleaseTicketClaims,
  type ServiceTokenClaims,
  hasCode,
  PROTOCOL_ERROR_CODES,
} from "@mailseal/shared";
import type { FastifyRequest } from "fastify";
import type { Transaction } from "kysely";
import type { ShareSchema } from "../db/schema.js";
import type { HsmBackend } from "../hsm/backend.js";
import type { MailsealApp } from "../http/app.js";
import { ApiErrorBody } from "../http/errors.js";
import { SeenIds } from "../db/seen-ids.js";
import { isUniqueViolation } from "../kms/unique-violation.js";
import { kekLabel } from "../kms/wrapped-setting.js";
import type { ShareContext } from "../main.js";
import { loadIngestKey, type IngestKey } from "./ingest-key.js";
import { ticketKeyFromApi, type TicketKeySource } from "./ticket-key.js";

export interface ShareRouteDeps {
  hsm: HsmBackend;
  /** The api's ticket public key; default: fetched once from `<api>/v1/ticket-key`. */
  ticketKey?: TicketKeySource;
}

/** The index of the share a store keeps: 0 at share-a, 1 at share-b. */
export function storeIndex(role: "share-a" | "share-b"): 0 | 1 {
  return role === "share-a" ? 0 : 1;
}

/** The scheme of the Authorization header for access tokens and service tokens alike. */
const AUTH_SCHEME = "MailSeal ";

/** Protocol failures of a ticket or service token as API errors (docs/services.md, "Wire formats"). */
function tokenError(error: unknown, what: "ticket" | "token"): never {
  if (hasCode(error, ...PROTOCOL_ERROR_CODES)) {
    if (error.code === "EXPIRED")
      throw new MailsealError(what === "ticket" ? "TICKET_EXPIRED" : "TOKEN_EXPIRED", error.message);
    throw new MailsealError(what === "ticket" ? "TICKET_INVALID" : "TOKEN_INVALID", error.message);
  }
  throw error;
}

function proofError(error: unknown): never {
  if (hasCode(error, ...PROTOCOL_ERROR_CODES)) {
    // A proof by another key than the ticket's cnf.jkt: the ticket was taken by another device.
    throw new MailsealError(error.code === "KEY_MISMATCH" ? "TOKEN_KEY_MISMATCH" : "BAD_PROOF", error.message);
  }
  throw error;
}

export async function registerShareRoutes(app: MailsealApp, ctx: ShareContext, deps: ShareRouteDeps): Promise<void> {
  const { hsm } = deps;
  const role = ctx.role;
  const index = storeIndex(role);
  const ticketKey = deps.ticketKey ?? ticketKeyFromApi(() => ctx.urls.api);
  const kek = await hsm.aesKey(kekLabel(role));
  const ingest: IngestKey = await loadIngestKey(ctx.db, hsm, role);
  const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody };

  /** The URL the device addressed (the proof's htu): the store's advertised base URL and the path. */
  const requestUrl = (request: FastifyRequest) => `${ctx.urls[role]}${request.url}`;

  /** Checks the service token of an internal request and spends its jti. */
  /** The share index a route names must be this store's. */
  function ownIndex(named: string | number): void {
    if (Number(named) !== index)
      throw new MailsealError("BAD_REQUEST", `this store keeps share ${index}, not ${named}`);
  }

  const serviceTokenIds = new SeenIds(ctx.db, ctx.clock, ctx.logger);
  async function serviceToken(request: FastifyRequest, scope: ServiceTokenClaims["scope"]): Promise<void> {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith(AUTH_SCHEME)) {
      throw new MailsealError("UNAUTHENTICATED", "a service token is required (Authorization: MailSeal <token>)");
    }
    const now = ctx.clock.now();
    let claims: ServiceTokenClaims;
    try {
      claims = await verifyToken(header.slice(AUTH_SCHEME.length), await ticketKey(), {
        typ: SERVICE_TOKEN_TYPE,
        aud: role,
        now,
      });
    } catch (error) {
      tokenError(error, "token");
    }
    if (claims.scope !== scope)
      throw new MailsealError("TOKEN_INVALID", `service token for ${claims.scope}, not ${scope}`);
    if (!(await serviceTokenIds.firstUse(claims.jti, new Date(claims.exp * 1000)))) {
      throw new MailsealError("TOKEN_INVALID", "service token already used");
    }
  }

  app.get(
    "/v1/ingest-key",
    { schema: { summary: "The key to seal shares to for this store", response: { 200: IngestKeyResponse } } },
    () => ({ store: role, key: ingest.publicJwk }),
  );

  app.post(
    "/v1/releases",
    {
      schema: {
        summary: "Release this store's share of a key to the device a ticket names",
        body: ReleaseShareRequest,
        response: { 200: ReleaseShareResponse, ...errors },
      },
      config: { rateLimit: { max: 2 * ctx.config.rateLimits.releasesPerIpPerMinute, timeWindow: 60_000 } },
    },
    async (request) => {
      const now = ctx.clock.now();
      let ticket: ReleaseTicketClaims;
      try {
        ticket = await verifyToken(request.body.ticket, await ticketKey(), {
          typ: RELEASE_TICKET_TYPE,
          aud: role,
          now,
        });
      } catch (error) {
        tokenError(error, "ticket");
      }
      if (ticket.idx !== index)
        throw new MailsealError("TICKET_INVALID", `this store keeps share ${index}, not ${ticket.idx}`);
      const proof = request.headers["mailseal-proof"];
      if (typeof proof !== "string") throw new MailsealError("BAD_PROOF", "the Mailseal-Proof header is required");
      try {
        // The ticket is single use (below), so a captured proof cannot be replayed with it.
        await verifyProof(proof, { htm: request.method, htu: requestUrl(request), jkt: ticket.cnf.jkt, now });
      } catch (error) {
        proofError(error);
      }
      // Spending the ticket and reading the share in one transaction: a replay finds the jti taken
      // (TICKET_USED) whichever node of the store it reaches; a missing share leaves the ticket unspent.
      const share = await ctx.db.transaction().execute(async (trx) => {
        // A ticket names the api's commitment: a staged share of it means the api flipped to it and
        // the promotion did not reach this store (yet): promote it now and serve it.
        if (ticket.cmt !== undefined) await promote(trx, ticket.kid, ticket.cmt, ticket.sub);
        const row = await trx
          .selectFrom("shares")
          .select(["iv", "ct"])
          .where("key_id", "=", ticket.kid)
          .where("idx", "=", index)
          .where("address", "=", ticket.sub)
          .executeTakeFirst();
        if (row === undefined) throw new MailsealError("SHARE_NOT_FOUND", `no share ${index} of key ${ticket.kid}`);
        try {
          await trx
            .insertInto("releases")
            .values({
              ticket_jti: ticket.jti,
              key_id: ticket.kid,
              idx: index,
              address: ticket.sub,
              device_id: ticket.dev,
              at: now.toISOString(),
            })
            .execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new MailsealError("TICKET_USED", "this release ticket was used already");
          throw error;
        }
        return row;
      });
      const plain = await hsm.aesGcmDecrypt(
        kek,
        decodeBase64url(share.iv),
        decodeBase64url(share.ct),
        shareAad(ticket.sub, ticket.kid, index),
      );
      try {
        const sealed = await seal(ticket.epk, plain, releaseAad(ticket.sub, ticket.kid, index, ticket.jti));
        request.log.info({ keyId: ticket.kid, deviceId: ticket.dev, jti: ticket.jti }, "share released");
        return { keyId: ticket.kid, index, sealed };
      } finally {
        plain.fill(0);
      }
    },
  );

  /** Opens a share sealed to the ingest key and encrypts it under the KEK (both with shareAad). */
  async function rewrap(keyId: string, address: string, sealed: PutShareRequest["sealed"]) {
    const aad = shareAad(address, keyId, index);
    let plain: Uint8Array;
    try {
      plain = await openSealed(ingest.privateKey, ingest.publicJwk, sealed, aad);
    } catch (error) {
      if (hasCode(error, ...PROTOCOL_ERROR_CODES)) {
        throw new MailsealError(
          "BAD_REQUEST",
          `the share does not open with this store's ingest key: ${error.message}`,
        );
      }
      throw error;
    }
    try {
      const stored = await hsm.aesGcmEncrypt(kek, plain, aad);
      return { iv: encodeBase64url(stored.iv), ct: encodeBase64url(stored.ciphertext) };
    } finally {
      plain.fill(0);
    }
  }

  /**
   * Makes the staged share of `commitment` the live one and drops the key's other staged shares;
   * nothing when there is none (promoted already, or never staged here). Returns whether it promoted.
   */
  async function promote(trx: Transaction<ShareSchema>, keyId: string, commitment: string, address?: string) {
    let query = trx
      .selectFrom("staged_shares")
      .selectAll()
      .where("key_id", "=", keyId)
      .where("idx", "=", index)
      .where("commitment", "=", commitment);
    if (address !== undefined) query = query.where("address", "=", address);
    const staged = await query.executeTakeFirst();
    if (staged === undefined) return false;
    const values = { iv: staged.iv, ct: staged.ct, updated_at: ctx.clock.now().toISOString() };
    await trx
      .insertInto("shares")
      .values({ key_id: keyId, idx: index, address: staged.address, ...values })
      .onConflict((conflict) => conflict.columns(["key_id", "idx"]).doUpdateSet(values))
      .execute();
    await trx.deleteFrom("staged_shares").where("key_id", "=", keyId).execute();
    return true;
  }

  app.put(
    "/internal/v1/shares/:keyId/:index/staged",
    {
      schema: {
        summary: "Stage a replacement share of a key beside the live one (api only)",
        params: ShareParams,
        body: StageShareRequest,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      await serviceToken(request, "shares");
      const { keyId } = request.params;
      ownIndex(request.params.index);
      const { address, commitment, sealed } = request.body;
      const values = { ...(await rewrap(keyId, address, sealed)), created_at: ctx.clock.now().toISOString() };
      await ctx.db.transaction().execute(async (trx) => {
        const live = await trx
          .selectFrom("shares")
          .select("address")
          .where("key_id", "=", keyId)
          .where("idx", "=", index)
          .executeTakeFirst();
        if (live === undefined)
          throw new MailsealError("SHARE_NOT_FOUND", `no share ${index} of key ${keyId} to replace`);
        if (live.address !== address) throw new MailsealError("CONFLICT", `key ${keyId} belongs to another address`);
        await trx
          .insertInto("staged_shares")
          .values({ key_id: keyId, idx: index, commitment, address, ...values })
          .onConflict((conflict) => conflict.columns(["key_id", "idx", "commitment"]).doUpdateSet(values))
          .execute();
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/internal/v1/shares/:keyId/promote",
    {
      schema: {
        summary: "Make the staged share of a commitment the live one (api only; idempotent)",
        params: KeyParams,
        body: PromoteSharesRequest,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      await serviceToken(request, "shares");
      const { keyId } = request.params;
      await ctx.db.transaction().execute((trx) => promote(trx, keyId, request.body.commitment));
      return reply.status(204).send(null);
    },
  );

  app.put(
    "/internal/v1/shares/:keyId/:index",
    {
      schema: {
        summary: "Store (or replace) this store's share of a key (api only)",
        params: ShareParams,
        body: PutShareRequest,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      await serviceToken(request, "shares");
      const { keyId } = request.params;
      ownIndex(request.params.index);
      const { address, sealed } = request.body;
      const values = { ...(await rewrap(keyId, address, sealed)), updated_at: ctx.clock.now().toISOString() };
      await ctx.db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom("shares")
          .select("address")
          .where("key_id", "=", keyId)
          .where("idx", "=", index)
          .executeTakeFirst();
        if (existing !== undefined && existing.address !== address) {
          throw new MailsealError("CONFLICT", `key ${keyId} belongs to another address`);
        }
        await trx
          .insertInto("shares")
          .values({ key_id: keyId, idx: index, address, ...values })
          .onConflict((conflict) => conflict.columns(["key_id", "idx"]).doUpdateSet(values))
          .execute();
      });
      return reply.status(204).send(null);
    },
  );

  app.delete(
    "/internal/v1/shares/:keyId",
    {
      schema: {
        summary: "Remove this store's share of a key that was never made current (api only)",
        params: KeyParams,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      await serviceToken(request, "shares");
      await ctx.db.transaction().execute(async (trx) => {
        await trx.deleteFrom("staged_shares").where("key_id", "=", request.params.keyId).execute();
        await trx.deleteFrom("shares").where("key_id", "=", request.params.keyId).execute();
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/internal/v1/releases",
    {
      schema: {
        summary: "The releases of an address's shares (api only)",
        querystring: StoreReleasesQuery,
        response: { 200: StoreReleasesResponse, ...errors },
      },
    },
    async (request) => {
      await serviceToken(request, "audit");
      const rows = await ctx.db
        .selectFrom("releases")
        .selectAll()
        .where("address", "=", request.query.address)
        .orderBy("at")
        .orderBy("ticket_jti")
        .execute();
      return {
        releases: rows.map((row) => ({
          keyId: row.key_id,
          index: row.idx === 0 ? (0 as const) : (1 as const),
          deviceId: row.device_id,
          at: row.at,
          ticketJti: row.ticket_jti,
        })),
      };
    },
  );
}
