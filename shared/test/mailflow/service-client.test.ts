// ServiceClient against a real HTTP server on a free port that checks each request's device proof
// with verifyProof (method, URL, key, ath) and hands out short tokens: the proof is on every
// request, the token is renewed before it expires and after TOKEN_EXPIRED, error bodies become
// MailsealError with the server's code, and an unreachable server is SERVICE_UNAVAILABLE.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MailsealError, manualClock, PROOF_HEADER, ServiceClient, verifyProof, type PublicJwk } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Seen {
  method: string;
  path: string;
  jkt: string;
  token: string | undefined;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let tokens = 0;
let expireNext = false;
const start = new Date("2031-05-01T10:00:00Z");
const clock = manualClock(start);

async function body(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void (async () => {
      const send = (status: number, value?: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(value === undefined ? undefined : JSON.stringify(value));
      };
      const url = `${base}${request.url ?? ""}`;
      const authorization = request.headers.authorization;
      const token = authorization?.startsWith("MailSeal ") ? authorization.slice(9) : undefined;
      let jkt: string;
      try {
        ({ jkt } = await verifyProof(String(request.headers[PROOF_HEADER.toLowerCase()]), {
          htm: request.method ?? "",
          htu: url,
          token,
          now: clock.now(),
        }));
      } catch (error) {
        send(401, { error: { code: "BAD_PROOF", message: (error as Error).message } });
        return;
      }
      const path = new URL(url).pathname;
      seen.push({ method: request.method ?? "", path, jkt, token });
      const input = (await body(request)) as Record<string, unknown> | undefined;
      if (path === "/v1/sessions") {
        tokens++;
        const expiresAt = new Date(clock.now().getTime() + 10 * 60_000).toISOString();
        send(200, { accessToken: `token-${tokens}-${String(input?.deviceId)}`, expiresAt });
      } else if (path === "/v1/devices") {
        if (expireNext) {
          expireNext = false;
          send(401, { error: { code: "TOKEN_EXPIRED", message: "the access token expired" } });
        } else {
          const device = { deviceId: "dev-1", name: "laptop", status: "active", createdAt: "x", removedAt: null };
          send(200, { devices: [{ ...device, current: true }] });
        }
      } else if (path === "/v1/keys") {
        send(503, { error: { code: "STORE_UNAVAILABLE", message: "share-b does not answer" } });
      } else if (path === "/v1/audit") {
        response.writeHead(502, { "content-type": "text/html" });
        response.end("<html>bad gateway</html>");
      } else if (path === "/v1/certs/nobody%40example.test") {
        send(404, { error: { code: "NOT_FOUND", message: "no certificate" } });
      } else if (path === "/v1/ca/certificates") {
        send(200, { root: 42, issuing: "" });
      } else if (path === "/v1/certs/lookup") {
        send(200, { certificates: [{ address: "a@example.test", certificate: "AA", capabilities: [] }] });
      } else if (path === "/v1/keys/k1/release") {
        const ticket = { store: "share-a", url: base, ticket: "t" };
        send(200, { tickets: [ticket, { ...ticket, store: "share-c" }] });
      } else send(404, { error: { code: "NOT_FOUND", message: "no route" } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ecdh = () => crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);

async function client(api = base): Promise<ServiceClient> {
  const deviceKey = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  return new ServiceClient({
    fetch: (input, init) => fetch(input, init),
    clock,
    endpoints: { api, shareStores: { "share-a": api, "share-b": api } },
    deviceKey,
    deviceId: "dev-1",
    timeoutMs: 5000,
  });
}

describe("ServiceClient", () => {
  it("proves every request with the device key and renews the token shortly before it expires", async () => {
    seen.length = 0;
    const c = await client();
    await c.listDevices();
    await c.listDevices();
    expect(seen.map((s) => s.path)).toEqual(["/v1/sessions", "/v1/devices", "/v1/devices"]);
    expect(new Set(seen.map((s) => s.jkt)).size).toBe(1);
    expect(seen[0]!.token).toBeUndefined();
    expect(seen[1]!.token).toBe("token-1-dev-1");
    // 9:30 of the 10 minutes gone: less than a minute left, so a new session first.
    clock.advance(9.5 * 60_000);
    await c.listDevices();
    expect(seen.slice(3).map((s) => [s.path, s.token])).toEqual([
      ["/v1/sessions", undefined],
      ["/v1/devices", "token-2-dev-1"],
    ]);
  });

  it("renews once and retries when the server says TOKEN_EXPIRED", async () => {
    seen.length = 0;
    const c = await client();
    await c.listDevices();
    expireNext = true;
    expect(await c.listDevices()).toHaveLength(1);
    expect(seen[4]!.token).toBe(`token-${tokens}-dev-1`);
    expect(seen.map((s) => s.path)).toEqual([
      "/v1/sessions",
      "/v1/devices",
      "/v1/devices",
      "/v1/sessions",
      "/v1/devices",
    ]);
  });

  it("turns error bodies into MailsealError with the server's code and status", async () => {
    const c = await client();
    await expect(c.listKeys()).rejects.toMatchObject({
      name: "MailsealError",
      code: "STORE_UNAVAILABLE",
      details: { status: 503 },
    });
    // A proxy's HTML page is still a MailsealError, not a crash.
    const error = await c.audit().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailsealError);
    expect(error).toMatchObject({ code: "INTERNAL", details: { status: 502 } });
    expect(await c.certificate("nobody@example.test")).toBeUndefined();
  });

  it("checks every answer against the API's schema: BAD_RESPONSE names the wrong field", async () => {
    const c = await client();
    const wrong = async (call: Promise<unknown>) => {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailsealError);
      expect(error).toMatchObject({ code: "BAD_RESPONSE" });
      return (error as Error).message;
    };
    expect(await wrong(c.caCertificates())).toMatch(/GET \/v1\/ca\/certificates\.root: .*string/i);
    expect(await wrong(c.lookupCertificates(["a@example.test"]))).toContain(
      "POST /v1/certs/lookup.certificates[0].chain",
    );
    const epk = (await crypto.subtle.exportKey("jwk", (await ecdh()).publicKey)) as PublicJwk;
    expect(await wrong(c.releaseKey("k1", { kty: "EC", crv: "P-256", x: epk.x, y: epk.y }))).toContain(
      "POST /v1/keys/k1/release.tickets[1].store",
    );
  });

  it("says SERVICE_UNAVAILABLE / STORE_UNAVAILABLE when nothing answers", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const c = await client(`http://127.0.0.1:${port}`);
    const error = await c.lookupCertificates(["a@example.test"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailsealError);
    expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    await expect(c.ingestKey("share-a")).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
  });
});
