// GET /v1/audit (docs/services.md, "HTTP API"): every release of the caller's key shares, as the two
// stores recorded them (each store records what it released; the api cannot forge or hide a store's
// entries). Asked with service tokens, merged, oldest first.
import { MailsealError, AuditResponse, type AuditEntry, hasCode, API_ERROR_CODES } from "@mailseal/shared";
import type { MailsealApp } from "../http/app.js";
import { deviceOf, requireDevice, type TokenKeys } from "../http/auth.js";
import { ApiErrorBody } from "../http/errors.js";
import type { StoreClient } from "../kms/store-client.js";
import type { ApiContext } from "../main.js";

export interface AuditRouteDeps {
  signingKeys: TokenKeys;
  stores: StoreClient;
}

export function registerAuditRoutes(app: MailsealApp, ctx: ApiContext, deps: AuditRouteDeps): void {
  app.get(
    "/v1/audit",
    {
      preHandler: requireDevice(ctx, deps.signingKeys),
      config: { rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: {
        summary: "The releases of this address's key shares, as both stores recorded them",
        response: { 200: AuditResponse, 401: ApiErrorBody, 503: ApiErrorBody },
      },
    },
    async (request) => {
      const { address } = deviceOf(request);
      const [a, b] = await Promise.all([
        deps.stores.releases("share-a", address),
        deps.stores.releases("share-b", address),
      ]).catch((error: unknown) => {
        if (hasCode(error, ...API_ERROR_CODES)) throw error;
        throw new MailsealError("STORE_UNAVAILABLE", String(error));
      });
      const devices = await ctx.db
        .selectFrom("devices")
        .select(["device_id", "name"])
        .where("address", "=", address)
        .execute();
      const names = new Map(devices.map((device) => [device.device_id, device.name]));
      const entries: AuditEntry[] = [
        ...a.map((release) => ({ store: "share-a" as const, ...release })),
        ...b.map((release) => ({ store: "share-b" as const, ...release })),
      ].map((entry) => {
        const name = names.get(entry.deviceId);
        return name === undefined ? entry : { ...entry, deviceName: name };
      });
      entries.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : x.store < y.store ? -1 : x.store > y.store ? 1 : 0));
      return { releases: entries };
    },
  );
}
