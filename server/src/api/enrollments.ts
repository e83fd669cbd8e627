// Enrolment (docs/services.md, "HTTP API"): a device asks for an address with its device proof, the
// api mails a challenge (after RFC 8823: a token for the client in a header field, a code for the
// person in the text), and the same device key answers with either. Only hashes of the token and
// code are stored; the code allows 5 tries, then the challenge is dead.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Transaction } from "kysely";
import {
  MailsealError,
  hasCode,
  CHALLENGE_AUTO_SUBMITTED,
  CHALLENGE_HEADER,
  CHALLENGE_LIFETIME_SECONDS,
  challengeHeaderValue,
  challengeMailText,
  EnrollmentAnswer,
  EnrollmentAnswerResponse,
  EnrollmentParams,
  EnrollmentRequest,
  EnrollmentResponse,
  TokenEnrollmentRequest,
  newChallengeSecrets,
  normalizeCode,
} from "@mailseal/shared";
import { normalizeAddress } from "../ca/address.js";
import { CA_ERROR_CODES } from "../ca/errors.js";
import { lockAccount } from "../db/account-lock.js";
import type { ApiSchema } from "../db/schema.js";
import { issueAccessToken, proofOf, requireProof, type ProofIdentity } from "../http/auth.js";
import type { MailsealApp } from "../http/app.js";
import { clientNetwork } from "../http/client-network.js";
import { HOUR_MS, MINUTE_MS, perIp, type ApiDeps } from "./deps.js";
import { OidcProofVerifier } from "./oidc-proof.js";

/** Live (unused, unexpired, not dead) challenges one device key may have (docs/services.md). */
export const MAX_LIVE_CHALLENGES = 3;
/** Tries of one challenge, wrong answers included (docs/services.md: 5 wrong codes kill it). */
export const MAX_CHALLENGE_TRIES = 5;

/**
 * A random 128-bit id (the challenge and device ids), in hex: base64url would start with "-" one
 * time in 64, and such an id reads as an option on a command line (`mailseal devices --remove ID`).
 */
export function randomId(): string {
  return randomBytes(16).toString("hex");
}

/**
 * The stored form of a token or code: SHA-256 over a domain-separated input naming the challenge, so
 * that a database reader holds nothing that answers it and no table precomputed for one challenge
 * serves another.
 */
function secretHash(kind: "token" | "code", challengeId: string, secret: string): Buffer {
  return createHash("sha256").update(`mailseal-challenge-${kind}-v1\n${challengeId}\n${secret}`).digest();
}

/** The address as certified (the CA's normalisation); BAD_REQUEST for anything else. */
export function parseAddress(address: string): string {
  try {
    return normalizeAddress(address.trim());
  } catch (error) {
    if (hasCode(error, ...CA_ERROR_CODES)) throw new MailsealError("BAD_REQUEST", error.message);
    throw error;
  }
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1);
}

/**
 * The device row of the proof's key for `address`: one device key, one row (devices.jkt is unique).
 * Asking again from the same key reuses it, also after a removal (the new proof of the address
 * decides); `whenExisting` runs first for a reused row (the challenge route counts its live
 * challenges there). A key enrolled for another address is CONFLICT.
 */
async function deviceRow(
  trx: Transaction<ApiSchema>,
  proof: ProofIdentity,
  address: string,
  deviceName: string,
  nowText: string,
  whenExisting?: (deviceId: string) => Promise<void>,
): Promise<string> {
  const existing = await trx
    .selectFrom("devices")
    .select(["device_id", "address", "status"])
    .where("jkt", "=", proof.jkt)
    .executeTakeFirst();
  if (existing === undefined) {
    const id = randomId();
    await trx
      .insertInto("devices")
      .values({
        device_id: id,
        address,
        name: deviceName,
        jkt: proof.jkt,
        public_jwk: JSON.stringify(proof.jwk),
        status: "pending",
        created_at: nowText,
        removed_at: null,
      })
      .execute();
    return id;
  }
  if (existing.address !== address) {
    throw new MailsealError("CONFLICT", "this device key is enrolled for another address: use one key per address");
  }
  await whenExisting?.(existing.device_id);
  if (existing.status !== "active") {
    await trx
      .updateTable("devices")
      .set({ name: deviceName, status: "pending" })
      .where("device_id", "=", existing.device_id)
      .execute();
  }
  return existing.device_id;
}

export function registerEnrollmentRoutes(app: MailsealApp, deps: ApiDeps): void {
  const { ctx } = deps;
  const { rateLimits } = ctx.config;
  const oidc = new OidcProofVerifier(ctx.config.oidcIssuers, ctx.clock, parseAddress);

  function checkDomain(address: string): void {
    const { domains } = ctx.config;
    if (domains.length > 0 && !domains.includes(domainOf(address))) {
      throw new MailsealError("DOMAIN_NOT_SERVED", `this service serves ${domains.join(", ")} only`);
    }
  }

  /**
   * The address is proven for the device (a challenge answered, `challengeId`, or a token taken):
   * the account is verified, the device active, the account's first key made if none; then the
   * device's access token. When making the key fails (a store down), `undo` lets the proof be used
   * again to retry.
   */
  async function activate(
    address: string,
    deviceId: string,
    jkt: string,
    now: Date,
    undo: () => Promise<void>,
  ): Promise<{ deviceId: string; accessToken: string; expiresAt: string }> {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("accounts")
        .set({ verified_at: now.toISOString() })
        .where("address", "=", address)
        .where("verified_at", "is", null)
        .execute();
      await trx
        .updateTable("devices")
        .set({ status: "active", removed_at: null })
        .where("device_id", "=", deviceId)
        .execute();
    });
    if (deps.keyManager !== undefined) {
      try {
        await deps.keyManager.ensureCurrentKey(address);
      } catch (error) {
        // The address is verified and the device active; the key is what failed (a store down).
        await undo();
        throw error;
      }
    }
    deps.certs.forget(address);
    const token = await issueAccessToken(ctx, deps.keys, { address, deviceId, jkt });
    return { deviceId, ...token };
  }

  app.post(
    "/v1/enrollments",
    {
      schema: {
        summary: "Ask to enrol this device for an address: a challenge is mailed to it",
        body: EnrollmentRequest,
        response: { 202: EnrollmentResponse },
      },
      config: perIp(rateLimits.enrollmentsPerIpPerHour, HOUR_MS),
      preHandler: requireProof(ctx),
    },
    async (request, reply) => {
      const proof = proofOf(request);
      const address = parseAddress(request.body.address);
      checkDomain(address);
      const now = ctx.clock.now();
      const nowText = now.toISOString();
      const network = clientNetwork(request.ip);
      const challengeId = randomId();
      const expiresAt = new Date(now.getTime() + CHALLENGE_LIFETIME_SECONDS * 1000).toISOString();
      const secrets = newChallengeSecrets();
      const deviceId = await ctx.db.transaction().execute(async (trx) => {
        // The limits per address hold across api nodes: counted in the database, with the account
        // row held from the count to the insert (db/account-lock.ts), so parallel asks cannot all
        // count below the limit and all insert.
        await lockAccount(trx, address);
        // The bound on challenge mails to an address, across api nodes: so many an hour from each
        // network (clientNetwork). Not from all networks together: whoever asks from one network
        // would then use up the owner's asking from another (review finding 6).
        const recent = await trx
          .selectFrom("challenges")
          .select((eb) => eb.fn.countAll<string | number>().as("n"))
          .where("address", "=", address)
          .where("network", "=", network)
          .where("created_at", ">", new Date(now.getTime() - HOUR_MS).toISOString())
          .executeTakeFirstOrThrow();
        if (Number(recent.n) >= rateLimits.enrollmentsPerAddressPerHour) {
          void reply.header("retry-after", String(HOUR_MS / 1000));
          throw new MailsealError(
            "RATE_LIMITED",
            "too many challenges for this address from this network in the last hour: try again later",
          );
        }
        const id = await deviceRow(trx, proof, address, request.body.deviceName, nowText, async (existingId) => {
          // Live challenges count per device key: those of other keys never stop this one, so no
          // one else's waiting challenges keep the owner from enrolling (review finding 6).
          const live = await trx
            .selectFrom("challenges")
            .select((eb) => eb.fn.countAll<string | number>().as("n"))
            .where("device_id", "=", existingId)
            .where("used_at", "is", null)
            .where("expires_at", ">", nowText)
            .where("tries", "<", MAX_CHALLENGE_TRIES)
            .executeTakeFirstOrThrow();
          if (Number(live.n) >= MAX_LIVE_CHALLENGES) {
            throw new MailsealError(
              "TOO_MANY_CHALLENGES",
              `${MAX_LIVE_CHALLENGES} challenges for this device are waiting: answer one or wait until they expire`,
            );
          }
        });
        await trx
          .insertInto("challenges")
          .values({
            challenge_id: challengeId,
            address,
            device_id: id,
            token_hash: secretHash("token", challengeId, secrets.token).toString("base64url"),
            code_hash: secretHash("code", challengeId, secrets.code).toString("base64url"),
            tries: 0,
            created_at: nowText,
            expires_at: expiresAt,
            used_at: null,
            network,
          })
          .execute();
        return id;
      });

      const api = ctx.urls.api;
      // request.ip honours --trust-proxy: behind a trusted proxy it is the forwarded client address.
      const userAgent = request.headers["user-agent"];
      const { subject, text } = challengeMailText({
        address,
        code: secrets.code,
        api,
        requester: { deviceName: request.body.deviceName, ip: request.ip, userAgent },
      });
      try {
        await ctx.mailer.send({
          to: address,
          subject,
          text,
          headers: {
            // RFC 3834 5: marks the mail automatic, so no autoresponder answers it (RFC 8823 3).
            "Auto-Submitted": CHALLENGE_AUTO_SUBMITTED,
            [CHALLENGE_HEADER]: challengeHeaderValue({ id: challengeId, token: secrets.token, api }),
          },
        });
      } catch (error) {
        // No mail, no challenge: it must not count against the address's live ones.
        await ctx.db.deleteFrom("challenges").where("challenge_id", "=", challengeId).execute();
        ctx.logger.error({ err: error, deviceId }, "the challenge mail could not be sent");
        throw new MailsealError("INTERNAL", "the challenge mail could not be sent: try again later");
      }
      return reply.status(202).send({ challengeId, expiresAt });
    },
  );

  app.post(
    "/v1/enrollments/:challengeId/answer",
    {
      schema: {
        summary: "Answer a challenge with the mail's token or the typed code: activates the device",
        params: EnrollmentParams,
        body: EnrollmentAnswer,
        response: { 200: EnrollmentAnswerResponse },
      },
      config: perIp(rateLimits.authPerIpPerMinute, MINUTE_MS),
      preHandler: requireProof(ctx),
    },
    async (request) => {
      const proof = proofOf(request);
      const { challengeId } = request.params;
      const now = ctx.clock.now();
      const challenge = await ctx.db
        .selectFrom("challenges")
        .innerJoin("devices", "devices.device_id", "challenges.device_id")
        .select([
          "challenges.address",
          "challenges.device_id",
          "challenges.token_hash",
          "challenges.code_hash",
          "challenges.expires_at",
          "challenges.used_at",
          "devices.jkt",
        ])
        .where("challenges.challenge_id", "=", challengeId)
        .executeTakeFirst();
      // Another device key learns nothing about the challenge, not even that it exists.
      if (challenge === undefined || challenge.jkt !== proof.jkt) {
        throw new MailsealError("CHALLENGE_INVALID", "no such challenge for this device key");
      }
      if (challenge.used_at !== null) throw new MailsealError("CHALLENGE_USED", "this challenge was answered already");
      if (challenge.expires_at <= now.toISOString()) {
        throw new MailsealError("CHALLENGE_EXPIRED", "this challenge has expired: start the enrolment again");
      }
      let given: Buffer;
      let stored: string;
      if ("token" in request.body) {
        given = secretHash("token", challengeId, request.body.token);
        stored = challenge.token_hash;
      } else {
        let code: string;
        try {
          code = normalizeCode(request.body.code);
        } catch (error) {
          // A typing slip (wrong length, a letter outside the alphabet) is not a guess: no try used.
          throw new MailsealError("CHALLENGE_INVALID", `the code is not well formed: ${(error as Error).message}`);
        }
        given = secretHash("code", challengeId, code);
        stored = challenge.code_hash;
      }
      // Take a try before comparing, atomically, so that parallel guesses cannot exceed the limit.
      const took = await ctx.db
        .updateTable("challenges")
        .set((eb) => ({ tries: eb("tries", "+", 1) }))
        .where("challenge_id", "=", challengeId)
        .where("used_at", "is", null)
        .where("tries", "<", MAX_CHALLENGE_TRIES)
        .executeTakeFirst();
      if (took.numUpdatedRows !== 1n) {
        throw new MailsealError(
          "CHALLENGE_EXPIRED",
          `this challenge is dead after ${MAX_CHALLENGE_TRIES} wrong answers: start the enrolment again`,
        );
      }
      if (!timingSafeEqual(given, Buffer.from(stored, "base64url"))) {
        throw new MailsealError("CHALLENGE_INVALID", "the token or code is wrong");
      }
      const used = await ctx.db
        .updateTable("challenges")
        .set({ used_at: now.toISOString() })
        .where("challenge_id", "=", challengeId)
        .where("used_at", "is", null)
        .executeTakeFirst();
      if (used.numUpdatedRows !== 1n) throw new MailsealError("CHALLENGE_USED", "this challenge was answered already");

      const { address, device_id: deviceId } = challenge;
      // On a failure to make the key, the challenge may be answered again to retry.
      return activate(address, deviceId, proof.jkt, now, async () => {
        await ctx.db.updateTable("challenges").set({ used_at: null }).where("challenge_id", "=", challengeId).execute();
      });
    },
  );

  app.post(
    "/v1/enrollments/token",
    {
      schema: {
        summary: "Enrol this device with an OpenID Connect token as the proof of the address (no challenge mail)",
        body: TokenEnrollmentRequest,
        response: { 200: EnrollmentAnswerResponse },
      },
      config: perIp(rateLimits.authPerIpPerMinute, MINUTE_MS),
      preHandler: requireProof(ctx),
    },
    async (request) => {
      const proof = proofOf(request);
      const address = parseAddress(request.body.address);
      checkDomain(address);
      // Checked before anything is written: a refused token leaves no device row behind.
      await oidc.verify(request.body.idToken, address);
      const now = ctx.clock.now();
      const nowText = now.toISOString();
      const proofId = randomId();
      const deviceId = await ctx.db.transaction().execute(async (trx) => {
        await lockAccount(trx, address);
        const id = await deviceRow(trx, proof, address, request.body.deviceName, nowText);
        // Recorded as a challenge answered now, so that what asks for a fresh proof of the address
        // (a first key-protection password, ADDRESS_PROOF_REQUIRED) takes this one too. No secret
        // answers it (random hashes); no network, so it counts against no limit of challenge mails.
        await trx
          .insertInto("challenges")
          .values({
            challenge_id: proofId,
            address,
            device_id: id,
            token_hash: randomBytes(32).toString("base64url"),
            code_hash: randomBytes(32).toString("base64url"),
            tries: 1,
            created_at: nowText,
            expires_at: nowText,
            used_at: nowText,
            network: null,
          })
          .execute();
        return id;
      });
      // On a failure to make the key the token (while it lives) may be sent again to retry.
      return activate(address, deviceId, proof.jkt, now, async () => undefined);
    },
  );
}
