// The key-protection password over OPAQUE (RFC 9807, @serenity-kit/opaque; docs/services.md,
// "Enhanced protection"): the api stores a registration record and learns only whether a login
// succeeded, never the password nor the export key the device wraps its keys with. The server's
// login state lives in the database for two minutes, so any api node can finish a login another
// started. A finished login gives a protection session (5 minutes, bound to the device) that
// every release of a protected account's keys, the upload of new shares and a password change require.
import { createHash, randomBytes } from "node:crypto";
import * as opaque from "@serenity-kit/opaque";
import {
  MailsealError,
  encodeBase64url,
  LoginFinishRequest,
  LoginFinishResponse,
  LoginStartRequest,
  LoginStartResponse,
  PROTECTION_SESSION_HEADER,
  RegistrationFinishRequest,
  RegistrationStartRequest,
  RegistrationStartResponse,
} from "@mailseal/shared";
import type { FastifyRequest } from "fastify";
import type { HsmBackend } from "../hsm/backend.js";
import type { MailsealApp } from "../http/app.js";
import { deviceOf, requireDevice, type DeviceIdentity, type TokenKeys } from "../http/auth.js";
import { lockAccount } from "../db/account-lock.js";
import { ApiErrorBody } from "../http/errors.js";
import { kekLabel, wrappedSetting } from "../kms/wrapped-setting.js";
import type { ApiContext } from "../main.js";

/** Finish a login within this (docs/services.md). */
export const LOGIN_STATE_MS = 2 * 60_000;
/** A protection session lasts this long (docs/services.md). */
export const PROTECTION_SESSION_MS = 5 * 60_000;
/**
 * Logins of one device that did not succeed (wrong password: the client never finishes; a bad
 * finish message) allowed per window. OPAQUE makes each guess cost a round trip with the server
 * (RFC 9807 10.8), so this bounds online guessing at 10 per quarter hour and device, whatever the
 * source IP. Counted per device, not per address: another device guessing (an attacker who read one
 * challenge mail) must not lock the owner's devices out.
 */
export const MAX_FAILED_LOGINS = 10;
/**
 * The bound per address, over all its devices: a device that failed in the window is refused once
 * the address has this many failures in it, while a device with no failure of its own still logs
 * in. So several devices guess at most this many times per window (plus one try for each device
 * enrolled meanwhile, which enrolment limits), and the owner who types the password right is not
 * locked out.
 */
export const MAX_FAILED_LOGINS_PER_ADDRESS = 100;
export const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;
/**
 * Setting the first password needs a challenge this device answered within this time (a fresh proof
 * of address control): a stolen access token or a device left unattended long after its enrolment
 * cannot put a password of its choosing on the account. A device proves it again with a new
 * enrolment round (POST /v1/enrollments and its answer) from the same device key.
 */
export const ADDRESS_PROOF_MS = 10 * 60_000;

const hashSession = (session: string) => encodeBase64url(createHash("sha256").update(session).digest());

/** The OPAQUE server setup, made on first start and kept wrapped under the api KEK. */
export async function loadOpaqueServerSetup(ctx: ApiContext, hsm: HsmBackend): Promise<string> {
  await opaque.ready;
  const bytes = await wrappedSetting(ctx.db, hsm, kekLabel("api"), "opaque-server-setup", async () =>
    new TextEncoder().encode(opaque.server.createSetup()),
  );
  const setup = new TextDecoder().decode(bytes);
  bytes.fill(0);
  return setup;
}

/**
 * Whether the request carries a live protection session of this device (header
 * Mailseal-Protection-Session). Sessions are random values; the database keeps their hashes only.
 */
export async function hasProtectionSession(
  ctx: ApiContext,
  request: FastifyRequest,
  device: DeviceIdentity,
): Promise<boolean> {
  const value = request.headers[PROTECTION_SESSION_HEADER.toLowerCase()];
  if (typeof value !== "string" || value.length === 0 || value.length > 128) return false;
  const row = await ctx.db
    .selectFrom("protection_sessions")
    .select(["address", "device_id", "expires_at"])
    .where("session_hash", "=", hashSession(value))
    .executeTakeFirst();
  return (
    row !== undefined &&
    row.address === device.address &&
    row.device_id === device.deviceId &&
    row.expires_at > ctx.clock.now().toISOString()
  );
}

/** Throws PROTECTION_REQUIRED unless the request carries a live protection session of its device. */
export async function requireProtectionSession(
  ctx: ApiContext,
  request: FastifyRequest,
  device: DeviceIdentity,
): Promise<void> {
  if (!(await hasProtectionSession(ctx, request, device))) {
    throw new MailsealError(
      "PROTECTION_REQUIRED",
      `log in with the key-protection password first and send ${PROTECTION_SESSION_HEADER}`,
    );
  }
}

export interface ProtectionRouteDeps {
  hsm: HsmBackend;
  signingKeys: TokenKeys;
}

export async function registerProtectionRoutes(
  app: MailsealApp,
  ctx: ApiContext,
  deps: ProtectionRouteDeps,
): Promise<void> {
  const serverSetup = await loadOpaqueServerSetup(ctx, deps.hsm);
  const preHandler = requireDevice(ctx, deps.signingKeys);
  const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 409: ApiErrorBody, 429: ApiErrorBody };
  const rateLimit = { max: 30, timeWindow: 60_000 };

  const account = async (address: string) =>
    ctx.db
      .selectFrom("accounts")
      .select(["protection", "opaque_record"])
      .where("address", "=", address)
      .executeTakeFirst();

  /**
   * Setting the first password needs a fresh proof of address control by this device (a challenge
   * it answered within ADDRESS_PROOF_MS); changing it needs a session under the old one. Resolves
   * whether this is the first password.
   */
  async function mayRegister(request: FastifyRequest, device: DeviceIdentity): Promise<boolean> {
    const row = await account(device.address);
    if (row === undefined) throw new MailsealError("ADDRESS_NOT_VERIFIED", "this address has no account");
    if (row.opaque_record !== null) {
      await requireProtectionSession(ctx, request, device);
      return false;
    }
    const since = new Date(ctx.clock.now().getTime() - ADDRESS_PROOF_MS).toISOString();
    const proof = await ctx.db
      .selectFrom("challenges")
      .select("challenge_id")
      .where("device_id", "=", device.deviceId)
      .where("address", "=", device.address)
      .where("used_at", ">=", since)
      .executeTakeFirst();
    if (proof === undefined) {
      throw new MailsealError(
        "ADDRESS_PROOF_REQUIRED",
        `setting the key-protection password needs a challenge this device answered in the last ${ADDRESS_PROOF_MS / 60_000} minutes: enrol again (POST /v1/enrollments) and answer it`,
      );
    }
    return true;
  }

  app.post(
    "/v1/protection/registration/start",
    {
      preHandler,
      config: { rateLimit },
      schema: {
        summary: "Set or change the key-protection password: OPAQUE registration, first message",
        body: RegistrationStartRequest,
        response: { 200: RegistrationStartResponse, ...errors },
      },
    },
    async (request) => {
      const device = deviceOf(request);
      await mayRegister(request, device);
      try {
        const { registrationResponse } = opaque.server.createRegistrationResponse({
          serverSetup,
          userIdentifier: device.address,
          registrationRequest: request.body.registrationRequest,
        });
        return { registrationResponse };
      } catch (error) {
        throw new MailsealError("BAD_REQUEST", `not an OPAQUE registration request: ${(error as Error).message}`);
      }
    },
  );

  app.post(
    "/v1/protection/registration/finish",
    {
      preHandler,
      config: { rateLimit },
      schema: {
        summary: "Set or change the key-protection password: store the OPAQUE registration record",
        body: RegistrationFinishRequest,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      const device = deviceOf(request);
      const first = await mayRegister(request, device);
      // The record is opaque-ke's fixed-size serialisation (RFC 9807 5.1.1, 192 bytes for
      // ristretto255): check its size here rather than fail at the first login.
      const record = request.body.registrationRecord;
      if (record.length !== 256) throw new MailsealError("BAD_REQUEST", "not an OPAQUE registration record");
      await ctx.db.transaction().execute(async (trx) => {
        let update = trx
          .updateTable("accounts")
          .set({ opaque_record: record, protection: "opaque" })
          .where("address", "=", device.address);
        // A first password only while there is none: of two racing, the second would be a change
        // made without a session under the first.
        if (first) update = update.where("opaque_record", "is", null);
        const updated = await update.executeTakeFirst();
        if (updated.numUpdatedRows !== 1n) {
          throw new MailsealError(
            "CONFLICT",
            "a key-protection password was set meanwhile: log in with it to change it",
          );
        }
        // From here every release needs a session (accountProtected): the keys whose shares still
        // hold the PKCS#8, pending ones of a rotation under way included, wait for this device's
        // wrap upload.
        await trx
          .updateTable("keys")
          .set({ protection: "pending-wrap" })
          .where("address", "=", device.address)
          .where("protection", "=", "none")
          .execute();
        // A new password ends every session opened under the old one.
        await trx.deleteFrom("protection_sessions").where("address", "=", device.address).execute();
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/v1/protection/login/start",
    {
      preHandler,
      config: { rateLimit },
      schema: {
        summary: "Log in with the key-protection password: OPAQUE login, first message",
        body: LoginStartRequest,
        response: { 200: LoginStartResponse, ...errors },
      },
    },
    async (request) => {
      const device = deviceOf(request);
      const row = await account(device.address);
      if (row?.opaque_record == null)
        throw new MailsealError("PROTECTION_NOT_SET", "no key-protection password is set");
      const now = ctx.clock.now();
      const windowStart = new Date(now.getTime() - FAILED_LOGIN_WINDOW_MS).toISOString();
      const loginId = encodeBase64url(randomBytes(16));
      const expiresAt = new Date(now.getTime() + LOGIN_STATE_MS).toISOString();
      const loginResponse = await ctx.db.transaction().execute(async (trx) => {
        // Count and record as one step, the account row held (db/account-lock.ts): parallel starts,
        // at one node or several, cannot all count below the limit and all go on to guess.
        await lockAccount(trx, device.address);
        await trx.deleteFrom("opaque_logins").where("created_at", "<", windowStart).execute();
        // Failures count per device, so that guesses from other devices cannot lock the owner out;
        // the address's bound stops only devices that failed themselves.
        const unsuccessful = await trx
          .selectFrom("opaque_logins")
          .select((eb) => [
            eb.fn.countAll<number | string | bigint>().as("address"),
            eb.fn
              .sum<number | string | bigint | null>(
                eb.case().when("device_id", "=", device.deviceId).then(eb.lit(1)).else(eb.lit(0)).end(),
              )
              .as("device"),
          ])
          .where("address", "=", device.address)
          .where((eb) => eb.or([eb("outcome", "is", null), eb("outcome", "=", "failed")]))
          .executeTakeFirstOrThrow();
        const ofDevice = Number(unsuccessful.device ?? 0);
        if (
          ofDevice >= MAX_FAILED_LOGINS ||
          (ofDevice > 0 && Number(unsuccessful.address) >= MAX_FAILED_LOGINS_PER_ADDRESS)
        ) {
          throw new MailsealError("RATE_LIMITED", "too many unsuccessful protection logins: try again in 15 minutes");
        }
        let started: { serverLoginState: string; loginResponse: string };
        try {
          started = opaque.server.startLogin({
            serverSetup,
            userIdentifier: device.address,
            registrationRecord: row.opaque_record,
            startLoginRequest: request.body.startLoginRequest,
          });
        } catch (error) {
          throw new MailsealError("BAD_REQUEST", `not an OPAQUE login request: ${(error as Error).message}`);
        }
        await trx
          .insertInto("opaque_logins")
          .values({
            login_id: loginId,
            address: device.address,
            device_id: device.deviceId,
            state: started.serverLoginState,
            created_at: now.toISOString(),
            expires_at: expiresAt,
            outcome: null,
          })
          .execute();
        return started.loginResponse;
      });
      return { loginId, loginResponse, expiresAt };
    },
  );

  app.post(
    "/v1/protection/login/finish",
    {
      preHandler,
      config: { rateLimit },
      schema: {
        summary: "Log in with the key-protection password: OPAQUE login, last message; opens a protection session",
        body: LoginFinishRequest,
        response: { 200: LoginFinishResponse, ...errors },
      },
    },
    async (request) => {
      const device = deviceOf(request);
      const now = ctx.clock.now();
      const login = await ctx.db
        .selectFrom("opaque_logins")
        .select("state")
        .where("login_id", "=", request.body.loginId)
        .where("address", "=", device.address)
        .where("device_id", "=", device.deviceId)
        .where("outcome", "is", null)
        .where("expires_at", ">", now.toISOString())
        .executeTakeFirst();
      // Spending the state before using it, conditionally: of two finishes racing, one wins (a login
      // finishes once); it counts as failed until it has succeeded.
      const spent =
        login === undefined
          ? undefined
          : await ctx.db
              .updateTable("opaque_logins")
              .set({ outcome: "failed", state: "" })
              .where("login_id", "=", request.body.loginId)
              .where("outcome", "is", null)
              .executeTakeFirst();
      if (login === undefined || spent?.numUpdatedRows !== 1n) {
        throw new MailsealError("PROTECTION_LOGIN_FAILED", "no such login in progress for this device, or it expired");
      }
      const taken = login;
      try {
        opaque.server.finishLogin({
          serverLoginState: taken.state,
          finishLoginRequest: request.body.finishLoginRequest,
        });
      } catch {
        throw new MailsealError("PROTECTION_LOGIN_FAILED", "the key-protection password is wrong");
      }
      const protectionSession = encodeBase64url(randomBytes(32));
      const expiresAt = new Date(now.getTime() + PROTECTION_SESSION_MS).toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .updateTable("opaque_logins")
          .set({ outcome: "ok" })
          .where("login_id", "=", request.body.loginId)
          .execute();
        await trx.deleteFrom("protection_sessions").where("expires_at", "<", now.toISOString()).execute();
        await trx
          .insertInto("protection_sessions")
          .values({
            session_hash: hashSession(protectionSession),
            address: device.address,
            device_id: device.deviceId,
            expires_at: expiresAt,
          })
          .execute();
      });
      return { protectionSession, expiresAt };
    },
  );

  app.delete(
    "/v1/protection",
    {
      preHandler,
      config: { rateLimit },
      schema: {
        summary: "Turn key protection off (after every key's unprotected shares were uploaded)",
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      const device = deviceOf(request);
      const row = await account(device.address);
      if (row?.opaque_record == null)
        throw new MailsealError("PROTECTION_NOT_SET", "no key-protection password is set");
      await requireProtectionSession(ctx, request, device);
      await ctx.db.transaction().execute(async (trx) => {
        const stillProtected = await trx
          .selectFrom("keys")
          .select("key_id")
          .where("address", "=", device.address)
          .where("protection", "=", "opaque")
          .execute();
        if (stillProtected.length > 0) {
          throw new MailsealError(
            "CONFLICT",
            `upload unprotected shares of ${stillProtected.map((key) => key.key_id).join(", ")} first (PUT /v1/keys/{keyId}/shares)`,
          );
        }
        await trx
          .updateTable("accounts")
          .set({ protection: "none", opaque_record: null })
          .where("address", "=", device.address)
          .execute();
        // Shares holding the PKCS#8 need no session any more.
        await trx
          .updateTable("keys")
          .set({ protection: "none" })
          .where("address", "=", device.address)
          .where("protection", "=", "pending-wrap")
          .execute();
        await trx.deleteFrom("protection_sessions").where("address", "=", device.address).execute();
      });
      return reply.status(204).send(null);
    },
  );
}
