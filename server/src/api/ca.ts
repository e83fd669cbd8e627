// The CA's public side (docs/services.md, "HTTP API"): its certificates, and its CRLs as DER
// (RFC 5280 5; media type application/pkix-crl, RFC 2585 4.2): the issuing CA's, and the root's of
// the CA certificates it issued (named in the issuing CA's certificate). The CRL is signed once and served
// from the database (CertificateAuthority.crl): again after an hour, or at once after a revocation.
import { CaCertificatesResponse, encodeBase64url } from "@mailseal/shared";
import type { MailsealApp } from "../http/app.js";
import { MINUTE_MS, perIp, type ApiDeps } from "./deps.js";

export function registerCaRoutes(app: MailsealApp, deps: ApiDeps): void {
  const { ca } = deps;
  app.get(
    "/v1/ca/certificates",
    {
      schema: { summary: "The root and issuing CA certificates", response: { 200: CaCertificatesResponse } },
    },
    () => ({
      root: encodeBase64url(ca.root),
      issuing: encodeBase64url(ca.issuing),
      // After a root rollover: what a device that pinned the previous root checks (docs/services.md).
      ...(ca.rollover === undefined ? {} : { rollover: encodeBase64url(ca.rollover) }),
    }),
  );
  app.get(
    "/v1/ca/crl",
    {
      // CerDB's per-IP limit: the same clients ask; a stored CRL costs two small queries, never a signature.
      config: perIp(deps.ctx.config.rateLimits.certsPerIpPerMinute, MINUTE_MS),
      schema: { summary: "The issuing CA's CRL (DER, application/pkix-crl)" },
    },
    async (_, reply) =>
      reply
        .type("application/pkix-crl")
        .header("cache-control", "no-cache")
        .send(Buffer.from(await ca.crl())),
  );
  app.get(
    "/v1/ca/root-crl",
    {
      config: perIp(deps.ctx.config.rateLimits.certsPerIpPerMinute, MINUTE_MS),
      schema: { summary: "The root's CRL of the CA certificates it issued (DER, application/pkix-crl)" },
    },
    async (_, reply) =>
      reply
        .type("application/pkix-crl")
        .header("cache-control", "no-cache")
        .send(Buffer.from(await ca.rootCrl())),
  );
}
