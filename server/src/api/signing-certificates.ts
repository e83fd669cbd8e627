// Signing certificates for enrolled devices (docs/services.md, "Keys and who holds what"): the device
// makes an RSA key and a PKCS#10 request; its signature is the proof of possession. The certificate
// names the token's address and device, never what the CSR asks for.
import {
  MailsealError,
  hasCode,
  decodeBase64url,
  SigningCertificateRequest,
  SigningCertificateResponse,
} from "@mailseal/shared";
import { deviceOf, requireDevice } from "../http/auth.js";
import type { MailsealApp } from "../http/app.js";
import { MINUTE_MS, perIp, type ApiDeps } from "./deps.js";

/** CA failures that come from the request, not from the CA's state. */
const CSR_FAULTS = [
  "CA_BAD_CSR",
  "CA_BAD_CSR_SIGNATURE",
  "CA_BAD_PUBLIC_KEY",
  "CA_UNSUPPORTED_KEY",
  "CA_WEAK_KEY",
] as const;

export function registerSigningCertificateRoutes(app: MailsealApp, deps: ApiDeps): void {
  const { ctx, ca } = deps;
  app.post(
    "/v1/signing-certificates",
    {
      schema: {
        summary: "Certify the device's signing key from a PKCS#10 request",
        body: SigningCertificateRequest,
        response: { 200: SigningCertificateResponse },
      },
      config: perIp(ctx.config.rateLimits.authPerIpPerMinute, MINUTE_MS),
      preHandler: requireDevice(ctx, deps.keys),
    },
    async (request) => {
      const device = deviceOf(request);
      let csr: Uint8Array;
      try {
        csr = decodeBase64url(request.body.csr, "csr");
      } catch (error) {
        throw new MailsealError("CSR_INVALID", (error as Error).message);
      }
      try {
        const issued = await ca.issueSigningCertificate({ address: device.address, deviceId: device.deviceId, csr });
        return {
          certificate: Buffer.from(issued.der).toString("base64url"),
          chain: ca.chain.map((der) => Buffer.from(der).toString("base64url")),
        };
      } catch (error) {
        if (hasCode(error, ...CSR_FAULTS)) throw new MailsealError("CSR_INVALID", error.message);
        throw error;
      }
    },
  );
}
