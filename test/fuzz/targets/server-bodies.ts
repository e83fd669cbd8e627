// The services' request bodies: every route of the real api and both share stores that takes a
// body, through Fastify's JSON parsing, the TypeBox schema check and the handler (app.inject, no
// network), on SQLite and the soft HSM in a temporary folder, rate limits raised, mail dropped. The input's first byte picks the
// route, the rest is the body. The property: never a 5xx (INTERNAL) answer, and every 4xx is the
// error format with a code (docs/services.md, "Errors").
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Value } from "typebox/value";
import type { TSchema } from "typebox";
import type { RouteOptions } from "fastify";
import { parseServerArgs, type ServerConfig } from "../../../server/src/config.js";
import type { MailsealApp } from "../../../server/src/http/app.js";
import { startServer, type RunningServer } from "../../../server/src/main.js";
import { createServerHooks } from "../../../server/src/services.js";
import type { FuzzTarget } from "../engine.js";
import { PropertyViolation } from "../property.js";

interface BodyRoute {
  app: MailsealApp;
  method: string;
  url: string;
  body: TSchema;
}

const routes: BodyRoute[] = [];
let server: RunningServer | undefined;
let dataDir: string | undefined;

/** Collects the routes with a body schema as `app` registers them. */
function watch(app: MailsealApp): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    const body = route.schema?.body as TSchema | undefined;
    const methods = [route.method].flat();
    if (body === undefined) return;
    // Path parameters get a plausible value: the body is what is fuzzed.
    const url = route.url
      .replace(/:keyId/g, "k0001")
      .replace(/:index/g, "1")
      .replace(/:(\w+)/g, "x$1");
    for (const method of methods) routes.push({ app, method, url, body });
  });
}

const encoder = new TextEncoder();

const target: FuzzTarget = {
  seeds: () =>
    routes.map((route, index) => {
      let body: unknown;
      try {
        body = Value.Create(route.body);
      } catch {
        body = {};
      }
      return Uint8Array.from([index, ...encoder.encode(JSON.stringify(body))]);
    }),
  dictionary: [
    '"',
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "null",
    "true",
    "-1",
    "1e999",
    "\\u0000",
    '"__proto__"',
    '"constructor"',
    "@example.org",
  ],
  maxLength: 16 * 1024,
  async setup() {
    dataDir = mkdtempSync(join(tmpdir(), "mailseal-fuzz-server-"));
    const parsed = parseServerArgs(["--data", dataDir, "--port", "0", "--log-level", "silent"], {});
    // The rate limits would answer most inputs 429 before their body is looked at.
    const unlimited = Object.fromEntries(Object.keys(parsed.rateLimits).map((name) => [name, 1e9]));
    const config: ServerConfig = { ...parsed, rateLimits: { ...parsed.rateLimits, ...unlimited } };
    const hooks = createServerHooks(config);
    server = await startServer(config, {
      ...hooks,
      // Challenge mails are dropped: a campaign would otherwise fill the outbox with one per input.
      mailer: { send: async () => undefined },
      registerApi(app, context) {
        watch(app);
        return hooks.registerApi!(app, context);
      },
      registerShare(app, context) {
        watch(app);
        return hooks.registerShare!(app, context);
      },
    });
    if (routes.length === 0) throw new Error("no route with a body was registered");
  },
  async teardown() {
    await server?.close();
    server = undefined;
    routes.length = 0;
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  },
  async run(data) {
    if (data.length === 0) return;
    const route = routes[data[0]! % routes.length]!;
    const response = await route.app.inject({
      method: route.method as "POST",
      url: route.url,
      headers: { "content-type": "application/json" },
      payload: Buffer.from(data.subarray(1)),
    });
    const answer = `${route.method} ${route.url} answered ${response.statusCode}: ${response.body.slice(0, 200)}`;
    if (response.statusCode >= 500) throw new PropertyViolation(answer);
    if (response.statusCode >= 400) {
      let code: unknown;
      try {
        code = (response.json() as { error?: { code?: unknown } }).error?.code;
      } catch {
        code = undefined;
      }
      if (typeof code !== "string") throw new PropertyViolation(`${answer} (not the error format)`);
    }
  },
};
export default target;
