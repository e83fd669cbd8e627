// The api's key routes (docs/services.md, "HTTP API"): list the address's keys, release tickets for
// a device (one per store, 60 s, bound to the device key and an ephemeral key of its choosing), and
// new shares after the device wrapped a key under its protection password. registerKeyRoutes also
// adds the audit and protection routes and GET /v1/ticket-key, where share stores that run apart
// from the api fetch the key their tickets and service tokens verify under.
import { randomBytes } from "node:crypto";
import {
  MailsealError,
  encodeBase64url,
  KeyParams,
  KeysResponse,
  PutSharesRequest,
  RELEASE_TICKET_TYPE,
  ReleaseRequest,
  ReleaseResponse,
  signToken,
  TicketKeyResponse,
  validatePublicJwk,
  type ReleaseTicket,
} from "@mailseal/shared";
import type { ApiSigningKeys } from "./signing-keys.js";
import type { HsmBackend } from "../hsm/backend.js";
import type { MailsealApp } from "../http/app.js";
import { deviceOf, requireDevice } from "../http/auth.js";
import { ApiErrorBody } from "../http/errors.js";
import type { StoreClient } from "../kms/store-client.js";
import { accountProtected } from "../db/accounts.js";
import type { ApiContext } from "../main.js";
import { registerAuditRoutes } from "./audit.js";
import type { CertLookup } from "./certs.js";
import { MINUTE_MS, perIp } from "./deps.js";
import { registerProtectionRoutes, requireProtectionSession } from "./protection.js";
import { createReleaseNotices } from "./release-notices.js";

export interface KeyRouteDeps {
  hsm: HsmBackend;
  signingKeys: ApiSigningKeys;
  stores: StoreClient;
  /** CerDB's lookup, told when a wrap changes which certificate an address publishes. */
  certs?: CertLookup;
}

/** Lifetime of a release ticket (docs/services.md: 60 s). */
export const TICKET_LIFETIME_SECONDS = 60;

const STORES = [
  ["share-a", 0],
  ["share-b", 1],
] as const;

export async function registerKeyRoutes(app: MailsealApp, ctx: ApiContext, deps: KeyRouteDeps): Promise<void> {
  const { signingKeys, stores } = deps;
  const preHandler = requireDevice(ctx, signingKeys);
  const ticketPublicJwk = validatePublicJwk(signingKeys.ticketPublicJwk, "ticket key");
  const notices = createReleaseNotices(ctx);
  // Leftovers of a crash or a mail outage go out once the api listens, then every 30 s.
  app.addHook("onListen", () => notices.start());
  app.addHook("onClose", () => notices.stop());
  const errors = {
    400: ApiErrorBody,
    401: ApiErrorBody,
    403: ApiErrorBody,
    404: ApiErrorBody,
    409: ApiErrorBody,
    503: ApiErrorBody,
  };

  /** The caller's key that is current or retired (a pending key is not a key yet). */
  async function ownKey(address: string, keyId: string) {
    const key = await ctx.db
      .selectFrom("keys")
      .selectAll()
      .where("key_id", "=", keyId)
      .where("address", "=", address)
      .where("status", "in", ["current", "retired"])
      .executeTakeFirst();
    if (key === undefined) throw new MailsealError("NOT_FOUND", `no key ${keyId} of ${address}`);
    return key;
  }

  app.get(
    "/v1/ticket-key",
    {
      schema: {
        summary: "The public key release tickets and service tokens verify under",
        response: { 200: TicketKeyResponse },
      },
    },
    () => ({ key: ticketPublicJwk }),
  );

  app.get(
    "/v1/keys",
    {
      preHandler,
      schema: { summary: "This address's encryption keys, oldest first", response: { 200: KeysResponse, ...errors } },
    },
    async (request) => {
      const { address } = deviceOf(request);
      const rows = await ctx.db
        .selectFrom("keys")
        .selectAll()
        .where("address", "=", address)
        .where("status", "in", ["current", "retired"])
        .orderBy("not_before")
        .orderBy("key_id")
        .execute();
      const account = await ctx.db
        .selectFrom("accounts")
        .select("pq_since")
        .where("address", "=", address)
        .executeTakeFirst();
      const info = (row: (typeof rows)[number]) => ({
        keyId: row.key_id,
        // Current and retired rows always carry their certificate (set in the same update as the status).
        certificate: row.certificate ?? "",
        status: row.status === "current" ? ("current" as const) : ("retired" as const),
        notBefore: row.not_before ?? "",
        notAfter: row.not_after ?? "",
        protection: row.protection,
        commitment: row.commitment,
      });
      // RSA keys in `keys` as before; ML-KEM keys (issue 15) apart, so that a client that knows only
      // RSA keys never tries to release or use one.
      return {
        keys: rows.filter((row) => row.algorithm === "rsa").map(info),
        kemKeys: rows
          .filter((row) => row.algorithm === "ml-kem-768")
          .map((row) => ({ ...info(row), algorithm: "ml-kem-768" as const, pairKeyId: row.pair_key_id ?? "" })),
        pq: account?.pq_since != null,
      };
    },
  );

  app.post(
    "/v1/keys/:keyId/release",
    {
      preHandler,
      config: perIp(ctx.config.rateLimits.releasesPerIpPerMinute, MINUTE_MS),
      schema: {
        summary: "Release tickets for a key: one per share store, 60 s, for this device",
        params: KeyParams,
        body: ReleaseRequest,
        response: { 200: ReleaseResponse, ...errors },
      },
    },
    async (request) => {
      const device = deviceOf(request);
      const key = await ownKey(device.address, request.params.keyId);
      // The account decides, not the key row: on a protected account every key needs the session,
      // also one whose shares still hold the PKCS#8 (made by a rotation, or there when the password
      // was set: "pending-wrap" until a device wraps it).
      if (key.protection !== "none" || (await accountProtected(ctx.db, device.address))) {
        await requireProtectionSession(ctx, request, device);
      }
      let epk;
      try {
        epk = validatePublicJwk(request.body.ephemeralKey, "ephemeralKey");
      } catch (error) {
        throw new MailsealError("BAD_REQUEST", (error as Error).message);
      }
      const now = ctx.clock.now();
      const iat = Math.floor(now.getTime() / 1000);
      const tickets = (await Promise.all(
        STORES.map(async ([store, idx]) => ({
          store,
          url: ctx.urls[store],
          ticket: await signToken(signingKeys.ticketKey.privateKey, RELEASE_TICKET_TYPE, {
            iss: ctx.urls.api,
            aud: store,
            sub: device.address,
            kid: key.key_id,
            idx,
            dev: device.deviceId,
            cnf: { jkt: device.jkt },
            epk,
            cmt: key.commitment,
            iat,
            exp: iat + TICKET_LIFETIME_SECONDS,
            jti: encodeBase64url(randomBytes(16)),
          }),
        })),
      )) as [ReleaseTicket, ReleaseTicket];
      // The request and its notice in one transaction: no ticket leaves without a notice on record.
      const notice = await ctx.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("release_requests")
          .values({
            request_id: encodeBase64url(randomBytes(16)),
            address: device.address,
            key_id: key.key_id,
            device_id: device.deviceId,
            at: now.toISOString(),
          })
          .execute();
        return notices.record(trx, {
          address: device.address,
          keyId: key.key_id,
          deviceId: device.deviceId,
          deviceName: device.name ?? device.deviceId,
          at: now,
        });
      });
      // Mailed after the commit, not awaited: the tickets do not wait for the mail's rendering and
      // the outbox's fsync. A send that fails stays in the outbox for the sweep (release-notices.ts).
      void notices.deliver(notice);
      return { tickets };
    },
  );

  app.put(
    "/v1/keys/:keyId/shares",
    {
      preHandler,
      config: { rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: {
        summary: "Replace a key's shares (after wrapping it under the protection password, or unwrapping it)",
        params: KeyParams,
        body: PutSharesRequest,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      const device = deviceOf(request);
      const key = await ownKey(device.address, request.params.keyId);
      await requireProtectionSession(ctx, request, device);
      const { protection: uploaded, commitment, shares } = request.body;
      // Plain shares on a protected account (protection being turned off, key by key) still need
      // the session to be released until DELETE /v1/protection: "pending-wrap".
      const protection =
        uploaded === "none" && (await accountProtected(ctx.db, device.address)) ? "pending-wrap" : uploaded;
      // Staged, so that no crash or outage between the two stores and the api leaves a key whose
      // halves do not match (docs/services.md, "Data"): 1. each store keeps the new share beside the
      // live one (it opens it with its ingest key and the share's associated data: a share sealed for
      // another key, index or address is refused there, BAD_REQUEST, before anything changes);
      // 2. one api update flips the key's commitment, only if it is still the one read (a concurrent
      // upload is CONFLICT); 3. both stores promote. Tickets carry the api's commitment, and a store
      // that missed step 3 promotes on the first release that names the staged commitment.
      const staged = await Promise.allSettled(
        STORES.map(([store, index]) =>
          stores.stageShare(store, key.key_id, index, device.address, commitment, shares[index]),
        ),
      );
      const failed = staged.find((result) => result.status === "rejected");
      if (failed !== undefined) throw failed.reason;
      const flipped = await ctx.db
        .updateTable("keys")
        .set({ protection, commitment })
        .where("key_id", "=", key.key_id)
        .where("commitment", "=", key.commitment)
        .executeTakeFirst();
      if (flipped.numUpdatedRows !== 1n) {
        throw new MailsealError("CONFLICT", `key ${key.key_id} changed meanwhile: list the keys and try again`);
      }
      const promoted = await Promise.allSettled(
        STORES.map(([store]) => stores.promoteShares(store, key.key_id, commitment)),
      );
      for (const result of promoted) {
        // The new commitment is authoritative now; the store promotes on the next release instead.
        if (result.status === "rejected")
          request.log.warn({ keyId: key.key_id, err: result.reason }, "promotion deferred");
      }
      // A wrapped key may now be the one CerDB publishes (api/certs.ts).
      deps.certs?.forget(device.address);
      request.log.info({ keyId: key.key_id, protection }, "key shares replaced");
      return reply.status(204).send(null);
    },
  );

  registerAuditRoutes(app, ctx, { signingKeys, stores });
  await registerProtectionRoutes(app, ctx, { hsm: deps.hsm, signingKeys });
}
