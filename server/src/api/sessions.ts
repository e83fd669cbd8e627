// A fresh access token for an enrolled device (docs/services.md, "HTTP API"): the device proof alone
// authenticates, so the device key is the long-term credential and tokens live 10 minutes.
import { MailsealError, SessionRequest, SessionResponse } from "@mailseal/shared";
import { issueAccessToken, proofOf, requireProof } from "../http/auth.js";
import type { MailsealApp } from "../http/app.js";
import { MINUTE_MS, perIp, type ApiDeps } from "./deps.js";

export function registerSessionRoutes(app: MailsealApp, deps: ApiDeps): void {
  const { ctx } = deps;
  app.post(
    "/v1/sessions",
    {
      schema: {
        summary: "A new access token for an active device, signed for by its key",
        body: SessionRequest,
        response: { 200: SessionResponse },
      },
      config: perIp(ctx.config.rateLimits.authPerIpPerMinute, MINUTE_MS),
      preHandler: requireProof(ctx),
    },
    async (request) => {
      const proof = proofOf(request);
      const device = await ctx.db
        .selectFrom("devices")
        .select(["device_id", "address", "jkt", "status"])
        .where("device_id", "=", request.body.deviceId)
        .executeTakeFirst();
      if (device === undefined || device.status !== "active") {
        throw new MailsealError("DEVICE_NOT_ACTIVE", "this device is not enrolled or was removed: enrol it again");
      }
      if (device.jkt !== proof.jkt) {
        throw new MailsealError("TOKEN_KEY_MISMATCH", "the proof is not signed by this device's key");
      }
      return issueAccessToken(ctx, deps.keys, { address: device.address, deviceId: device.device_id, jkt: proof.jkt });
    },
  );
}
