// The error format of every path out of an app, the OpenAPI document, opt-in rate limits and the
// redaction of credentials in the log.
import { Writable } from "node:stream";
import { MailsealError } from "@mailseal/shared";
import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type MailsealApp } from "../src/http/app.js";
import { createLogger } from "../src/http/logger.js";

/** A logger writing JSON lines into `lines`. */
function capture(lines: Record<string, unknown>[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger("info", stream);
}

describe("createApp", () => {
  const logged: Record<string, unknown>[] = [];
  let app: MailsealApp;
  beforeAll(async () => {
    app = await createApp({ role: "api", logger: capture(logged) });
    app.post(
      "/v1/things",
      {
        schema: {
          body: Type.Object({ address: Type.String(), count: Type.Integer({ minimum: 1 }) }),
          response: { 200: Type.Object({ echoed: Type.String() }) },
        },
      },
      (request) => ({ echoed: `${request.body.address} ${request.body.count}` }),
    );
    app.get("/v1/denied", () => {
      throw new MailsealError("TOKEN_EXPIRED", "the access token has expired");
    });
    app.get("/v1/boom", () => {
      throw new Error("database password is hunter2");
    });
    app.get("/v1/limited", { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, () => ({ ok: true }));
    app.get("/v1/unlimited", () => ({ ok: true }));
    await app.ready();
  });
  afterAll(() => app.close());

  it("answers a valid request", async () => {
    const response = await app.inject({ method: "POST", url: "/v1/things", payload: { address: "a@b", count: 2 } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ echoed: "a@b 2" });
  });

  it("turns a schema violation into 400 BAD_REQUEST naming the field", async () => {
    const response = await app.inject({ method: "POST", url: "/v1/things", payload: { address: "a@b", count: 0 } });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.message).toContain("count");
    const missing = await app.inject({ method: "POST", url: "/v1/things", payload: { count: 1 } });
    expect(missing.json().error.message).toContain("address");
  });

  it("turns malformed JSON into 400 BAD_REQUEST", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/things",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("BAD_REQUEST");
  });

  it("answers an unknown route with 404 NOT_FOUND", async () => {
    const response = await app.inject({ method: "GET", url: "/v1/nothing?x=1" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: "NOT_FOUND", message: "no route GET /v1/nothing" } });
  });

  it("sends a thrown MailsealError with its status and code", async () => {
    const response = await app.inject({ method: "GET", url: "/v1/denied" });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: { code: "TOKEN_EXPIRED", message: "the access token has expired" } });
  });

  it("hides an unexpected error behind 500 INTERNAL and logs it", async () => {
    const response = await app.inject({ method: "GET", url: "/v1/boom" });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
    expect(response.body).not.toContain("hunter2");
    const entry = logged.find((line) => line["msg"] === "request failed");
    expect((entry?.["err"] as { message?: string } | undefined)?.message).toBe("database password is hunter2");
    expect(entry?.["role"]).toBe("api");
  });

  it("rate-limits only the routes that opt in, with 429 RATE_LIMITED and Retry-After", async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 3; i++) {
      last = await app.inject({ method: "GET", url: "/v1/limited" });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.json().error.code).toBe("RATE_LIMITED");
    expect(Number(last!.headers["retry-after"])).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++)
      expect((await app.inject({ method: "GET", url: "/v1/unlimited" })).statusCode).toBe(200);
  });

  it("serves OpenAPI at /docs/json listing the routes, and the UI at /docs", async () => {
    const response = await app.inject({ method: "GET", url: "/docs/json" });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe("mailseal api");
    expect(Object.keys(document.paths)).toContain("/v1/things");
    expect(document.paths["/v1/things"].post.requestBody.content["application/json"].schema.required).toEqual([
      "address",
      "count",
    ]);
    const ui = await app.inject({ method: "GET", url: "/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers["content-type"]).toContain("text/html");
  });

  it("answers a CORS preflight from another origin and marks answers readable by it", async () => {
    const origin = "moz-extension://0b6f6a0e-3c1e-4a57-9d0a-2f0d7e2d9c11";
    const preflight = await app.inject({
      method: "OPTIONS",
      url: "/v1/things",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "mailseal-proof" },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("*");
    expect(String(preflight.headers["access-control-allow-methods"])).toContain("POST");
    const allowed = String(preflight.headers["access-control-allow-headers"]).split(/, */);
    // The protection session header too: without it the add-in could not turn enhanced protection
    // on or bring a protected key (the browser refuses the request after the preflight).
    expect(allowed).toEqual(
      expect.arrayContaining(["authorization", "content-type", "mailseal-proof", "mailseal-protection-session"]),
    );
    const answer = await app.inject({
      method: "POST",
      url: "/v1/things",
      headers: { origin },
      payload: { address: "a@b", count: 1 },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["access-control-allow-origin"]).toBe("*");
    // Errors are readable too (the client needs the code); requests without Origin get no CORS headers.
    const denied = await app.inject({ method: "GET", url: "/v1/denied", headers: { origin } });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers["access-control-allow-origin"]).toBe("*");
    const plain = await app.inject({ method: "GET", url: "/v1/unlimited" });
    expect(plain.headers["access-control-allow-origin"]).toBeUndefined();
    // Not a preflight: an OPTIONS without Access-Control-Request-Method is an ordinary unknown route.
    expect((await app.inject({ method: "OPTIONS", url: "/v1/things" })).statusCode).toBe(404);
  });
});

describe("createLogger", () => {
  it("redacts the access token, the device proof and the protection session", () => {
    const lines: Record<string, unknown>[] = [];
    const logger = capture(lines);
    const headers = {
      authorization: "MailSeal eyJ.secret",
      "mailseal-proof": "eyJ.signedproof",
      "mailseal-protection-session": "sessionvalue",
      host: "h",
    };
    logger.info({ req: { headers } }, "x");
    logger.info({ headers }, "y");
    const text = JSON.stringify(lines);
    expect(text).not.toContain("secret");
    expect(text).not.toContain("signedproof");
    expect(text).not.toContain("sessionvalue");
    const redacted = {
      authorization: "[redacted]",
      "mailseal-proof": "[redacted]",
      "mailseal-protection-session": "[redacted]",
      host: "h",
    };
    expect(lines[0]?.["req"]).toEqual({ headers: redacted });
    expect(lines[1]?.["headers"]).toEqual(redacted);
  });
});
