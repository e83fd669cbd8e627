// The devices of an address (docs/services.md, "HTTP API"). Removing one revokes its signing
// certificates (CRL reason cessationOfOperation, RFC 5280 5.3.1), ends its tokens at once, since
// requireDevice accepts active devices only, and replaces the address's encryption key at once: the
// removed device holds the current key, so mail sent to it after the removal must go to a new one.
import { MailsealError, DeviceParams, DevicesResponse } from "@mailseal/shared";
import { Type } from "typebox";
import { deviceOf, requireDevice } from "../http/auth.js";
import type { MailsealApp } from "../http/app.js";
import { markRotationDue } from "../kms/manager.js";
import type { ApiDeps } from "./deps.js";

export function registerDeviceRoutes(app: MailsealApp, deps: ApiDeps): void {
  const { ctx } = deps;
  app.get(
    "/v1/devices",
    {
      schema: { summary: "The devices of the token's address", response: { 200: DevicesResponse } },
      preHandler: requireDevice(ctx, deps.keys),
    },
    async (request) => {
      const self = deviceOf(request);
      const rows = await ctx.db
        .selectFrom("devices")
        .select(["device_id", "name", "status", "created_at", "removed_at"])
        .where("address", "=", self.address)
        .orderBy("created_at")
        .orderBy("device_id")
        .execute();
      return {
        devices: rows.map((row) => ({
          deviceId: row.device_id,
          name: row.name,
          status: row.status,
          createdAt: row.created_at,
          removedAt: row.removed_at,
          current: row.device_id === self.deviceId,
        })),
      };
    },
  );

  app.delete(
    "/v1/devices/:deviceId",
    {
      schema: {
        summary: "Remove a device of the token's address: revokes its signing certificates, rotates the encryption key",
        params: DeviceParams,
        response: { 204: Type.Null() },
      },
      preHandler: requireDevice(ctx, deps.keys),
    },
    async (request, reply) => {
      const self = deviceOf(request);
      const { deviceId } = request.params;
      const device = await ctx.db
        .selectFrom("devices")
        .select(["address", "status"])
        .where("device_id", "=", deviceId)
        .executeTakeFirst();
      // Another address's device looks like no device at all.
      if (device === undefined || device.address !== self.address) {
        throw new MailsealError("NOT_FOUND", "no such device for this address");
      }
      const removing = device.status !== "removed";
      if (removing) {
        const now = ctx.clock.now();
        // The removal and the rotation it calls for are recorded together: if making the new key
        // fails below (a store down), maintenance finds the mark and finishes the rotation.
        await ctx.db.transaction().execute(async (trx) => {
          await trx
            .updateTable("devices")
            .set({ status: "removed", removed_at: now.toISOString() })
            .where("device_id", "=", deviceId)
            .execute();
          await markRotationDue(trx, self.address, now);
        });
      }
      // Also when it was removed before: a revocation that failed then is retried now (idempotent).
      const revoked = await deps.ca.revokeDevice(deviceId, "cessationOfOperation");
      let rotatedTo: string | undefined;
      if (removing && deps.keyManager !== undefined) {
        // The removal stands whatever happens here; a failed rotation stays due for maintenance.
        rotatedTo = await deps.keyManager.rotateNow(self.address).catch((error: unknown) => {
          request.log.warn({ deviceId, err: error }, "key rotation after a device removal deferred to maintenance");
          return undefined;
        });
        // CerDB answers with the new certificate at once here (other api nodes within their cache TTL).
        deps.certs.forget(self.address);
      }
      request.log.info({ deviceId, revoked, rotatedTo }, "device removed");
      return reply.status(204).send(null);
    },
  );
}
