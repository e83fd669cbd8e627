// Rotation on request (docs/services.md, "HTTP API"): POST /v1/keys/rotate replaces the address's
// encryption key at once, as a device removal does (`mailseal keys rotate`: the owner fears a key
// got out). The key manager makes the successor and retires the old key, which stays releasable to
// the active devices for old mail; a failure leaves the rotation due for maintenance.
import { MailsealError, PqKeysRequest, PqKeysResponse, RotateKeyResponse } from "@mailseal/shared";
import type { MailsealApp } from "../http/app.js";
import { deviceOf, requireDevice } from "../http/auth.js";
import { ApiErrorBody } from "../http/errors.js";
import { HOUR_MS, perIp, type ApiDeps } from "./deps.js";

/** Making a key is an RSA generation in the HSM: a handful per hour is plenty for a person. */
const ROTATIONS_PER_IP_PER_HOUR = 10;

export function registerKeyRotationRoutes(app: MailsealApp, deps: ApiDeps): void {
  const { ctx } = deps;
  app.post(
    "/v1/keys/rotate",
    {
      preHandler: requireDevice(ctx, deps.keys),
      config: perIp(ROTATIONS_PER_IP_PER_HOUR, HOUR_MS),
      schema: {
        summary: "Replace the address's encryption key now; the old one is retired",
        response: { 200: RotateKeyResponse, 409: ApiErrorBody, 503: ApiErrorBody },
      },
    },
    async (request) => {
      const { address } = deviceOf(request);
      if (deps.keyManager === undefined) throw new MailsealError("INTERNAL", "this api runs without a key manager");
      const keyId = await deps.keyManager.rotateNow(address);
      // CerDB answers with the new certificate at once here (other api nodes within their cache TTL).
      deps.certs.forget(address);
      return { keyId };
    },
  );

  // The post-quantum opt-in (issue 15; `mailseal keys pq on|off`): recorded on the account, then
  // the key generation replaced at once through the same rotation, so that the new RSA key and its
  // ML-KEM companion are made, certified and made current together (never an ML-KEM key added to,
  // or taken from, a generation that exists). Asking for what already holds changes nothing.
  app.put(
    "/v1/keys/pq",
    {
      preHandler: requireDevice(ctx, deps.keys),
      config: perIp(ROTATIONS_PER_IP_PER_HOUR, HOUR_MS),
      schema: {
        summary: "Opt into (or out of) post-quantum keys: an ML-KEM key and certificate beside the RSA one",
        body: PqKeysRequest,
        response: { 200: PqKeysResponse, 404: ApiErrorBody, 409: ApiErrorBody, 503: ApiErrorBody },
      },
    },
    async (request) => {
      const { address } = deviceOf(request);
      if (deps.keyManager === undefined) throw new MailsealError("INTERNAL", "this api runs without a key manager");
      const { enabled } = request.body;
      const current = () =>
        ctx.db
          .selectFrom("keys")
          .select(["key_id", "algorithm"])
          .where("address", "=", address)
          .where("status", "=", "current")
          .execute();
      const account = await ctx.db
        .selectFrom("accounts")
        .select("pq_since")
        .where("address", "=", address)
        .executeTakeFirst();
      const before = await current();
      const rsa = before.find((row) => row.algorithm === "rsa");
      const kem = before.find((row) => row.algorithm !== "rsa");
      const settled = enabled
        ? account?.pq_since != null && kem !== undefined
        : account?.pq_since == null && kem === undefined;
      if (settled && rsa !== undefined)
        return { keyId: rsa.key_id, ...(kem === undefined ? {} : { kemKeyId: kem.key_id }) };
      if (enabled) {
        await ctx.db
          .updateTable("accounts")
          .set({ pq_since: ctx.clock.now().toISOString() })
          .where("address", "=", address)
          .where("pq_since", "is", null)
          .execute();
      } else {
        await ctx.db.updateTable("accounts").set({ pq_since: null }).where("address", "=", address).execute();
      }
      request.log.info({ address, enabled }, "post-quantum keys turned " + (enabled ? "on" : "off"));
      const keyId = await deps.keyManager.rotateNow(address);
      deps.certs.forget(address);
      const after = (await current()).find((row) => row.algorithm !== "rsa");
      return { keyId, ...(after === undefined ? {} : { kemKeyId: after.key_id }) };
    },
  );
}
