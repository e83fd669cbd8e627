// One Fastify application per role: TypeBox schemas (validation, types, OpenAPI at /docs), opt-in
// rate limits, and the error format of docs/services.md on every path out.
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { MailsealError, PROOF_HEADER, PROTECTION_SESSION_HEADER } from "@mailseal/shared";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from "fastify";
import packageJson from "../../package.json" with { type: "json" };
import type { Role, ServerConfig } from "../config.js";
import { errorReply } from "./errors.js";

/** A role's Fastify instance, with the TypeBox type provider. */
export type MailsealApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface AppOptions {
  role: Role;
  /** The logger (see createLogger); a child with the role is made for the app. */
  logger: FastifyBaseLogger;
  trustProxy?: ServerConfig["trustProxy"];
  /** Largest request body in bytes (default 1 MiB, Fastify's). */
  bodyLimit?: number;
}

const TITLES: Record<Role, string> = {
  api: "mailseal api",
  "share-a": "mailseal share store A",
  "share-b": "mailseal share store B",
};

/** A hop count means: trust the nearest `hops` proxies (Fastify's types lack the number form). */
function trustProxy(
  value: ServerConfig["trustProxy"],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value !== "number") return value;
  return (_address, hop) => hop < value;
}

/**
 * The Fastify app of a role, with its plugins ready: add routes after this resolves (for @fastify/swagger
 * to see them). A route opts into rate limiting with `config: { rateLimit: { max, timeWindow } }`.
 */
export async function createApp(options: AppOptions): Promise<MailsealApp> {
  const app = Fastify({
    loggerInstance: options.logger.child({ role: options.role }),
    trustProxy: trustProxy(options.trustProxy ?? false),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Proofs carry the URL (htu); one canonical form of each path.
    // maxParamLength: an address in a path (GET /v1/certs/{address}) may have 254 characters, more
    // percent-encoded (RFC 5321 4.5.3.1); Fastify's default of 100 would answer 414.
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 1024 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // CORS (Fetch standard, "CORS protocol"): browser-hosted clients (the Thunderbird add-in runs in a
  // moz-extension:// origin, webmail add-ins in theirs) call the api and the stores from another
  // origin. Any origin may: no route relies on ambient credentials (cookies), every request is
  // authenticated by its device proof and token headers, which another origin cannot make. The
  // hook runs for unmatched paths too, so a preflight needs no OPTIONS route of its own.
  app.addHook("onRequest", async (request, reply) => {
    if (request.headers.origin === undefined) return;
    reply.header("access-control-allow-origin", "*");
    reply.header("access-control-expose-headers", "retry-after");
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) {
      reply
        .status(204)
        .header("access-control-allow-methods", "GET, POST, PUT, DELETE")
        // Every request header a client sends: the protection session's too (enhanced protection
        // from the add-in), else its preflight fails and the browser reports a network error.
        .header(
          "access-control-allow-headers",
          ["authorization", "content-type", PROOF_HEADER, PROTECTION_SESSION_HEADER].join(", ").toLowerCase(),
        )
        .header("access-control-max-age", "600");
      return reply.send();
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorReply(error, request.log);
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    return reply.status(404).send({ error: { code: "NOT_FOUND", message: `no route ${request.method} ${path}` } });
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: TITLES[options.role], version: packageJson.version },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(rateLimit, {
    global: false,
    // RFC 6585 section 4: 429 with Retry-After (set by the plugin before this is thrown).
    errorResponseBuilder: (_request, context) =>
      new MailsealError("RATE_LIMITED", `too many requests: try again in ${context.after}`, {
        details: { status: context.statusCode },
      }),
  });
  return app;
}
