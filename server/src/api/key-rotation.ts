// Rotation on request (docs/services.md, "HTTP API"): POST /v1/keys/rotate replaces the address's
// encryption key at once, as a device removal does (`mailseal keys rotate`: the owner fears a key
// got out). The key manager makes the successor and retires the old key, which stays releasable to
// the active devices for old mail; a failure leaves the rotation due for maintenance.
import { MailsealError, RotateKeyResponse } from "@mailseal/shared";
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
}
