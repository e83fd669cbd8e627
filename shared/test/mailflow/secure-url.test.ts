// The service is reached over https only, plain http only to this machine (docs/services.md, "The
// pinned root"): discovery refuses a configured service or a well-known file naming a plain-http
// URL elsewhere, and ServiceClient sends nothing to one (INSECURE_SERVICE_URL). The well-known file
// is served by a real HTTP server on loopback; where the domain's own https file is needed, a fetch
// double answers for it (no https server of that name can run here).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  discoverService,
  MailsealError,
  manualClock,
  requireSecureUrl,
  ServiceClient,
  type Fetch,
} from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: Server;
let base: string;
let document: unknown;

beforeAll(async () => {
  server = createServer((request, response) => {
    response.writeHead(request.url === "/.well-known/mailseal.json" ? 200 : 404, {
      "content-type": "application/json",
    });
    response.end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** fetch as the hosts pass it, recording every URL asked for. */
function recordingFetch(): { fetch: Fetch; asked: string[] } {
  const asked: string[] = [];
  return { asked, fetch: (input, init) => (asked.push(input), globalThis.fetch(input, init)) };
}

function code(error: unknown): string | undefined {
  return error instanceof MailsealError ? error.code : undefined;
}

describe("https for the service", () => {
  it("takes https anywhere and plain http only to loopback addresses", () => {
    for (const ok of [
      "https://keys.example.org",
      "https://10.0.0.1:8443/mailseal",
      "http://127.0.0.1:7400",
      "http://127.8.9.10",
      "http://localhost:7400/",
      "http://[::1]:7400",
    ]) {
      expect(requireSecureUrl(ok, "the service")).toBe(ok);
    }
    for (const bad of [
      "http://keys.example.org",
      "http://10.0.0.1:7400",
      "http://127.0.0.1.example.org",
      "http://localhost.example.org",
      "http://[::ffff:127.0.0.1]",
      "http://[::2]",
      "ftp://127.0.0.1",
      "not a url",
    ]) {
      let error: unknown;
      try {
        requireSecureUrl(bad, "the service");
      } catch (e) {
        error = e;
      }
      expect(code(error), bad).toBe("INSECURE_SERVICE_URL");
    }
  });

  it("discovery refuses a configured plain-http service on another host, before asking it anything", async () => {
    const { fetch, asked } = recordingFetch();
    const error = await discoverService("alice@example.test", {
      fetch,
      fallback: "http://keys.example.test:7400",
      timeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(code(error)).toBe("INSECURE_SERVICE_URL");
    expect((error as Error).message).toMatch(/http:\/\/keys\.example\.test:7400 is not https/);
    expect(asked).toEqual(["https://example.test/.well-known/mailseal.json"]);
  });

  it("discovery refuses a well-known file naming a plain-http api or share store elsewhere", async () => {
    const good = { version: 1, api: base, shareStores: { "share-a": base, "share-b": base }, domains: [] };
    document = good;
    const { fetch } = recordingFetch();
    const found = await discoverService("alice@example.test", { fetch, fallback: base, timeoutMs: 500 });
    expect(found.api).toBe(base);
    for (const bad of [
      { ...good, api: "http://keys.example.test" },
      { ...good, shareStores: { ...good.shareStores, "share-b": "http://share-b.example.test" } },
    ]) {
      document = bad;
      const error = await discoverService("alice@example.test", { fetch, fallback: base, timeoutMs: 500 }).catch(
        (e: unknown) => e,
      );
      expect(code(error)).toBe("INSECURE_SERVICE_URL");
    }
  });

  it("discovery refuses a domain's own file naming a plain-http api (fetch double for https://example.test)", async () => {
    const fetch: Fetch = (input) =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            version: 1,
            api: "http://keys.example.test",
            shareStores: { "share-a": "https://a.example.test", "share-b": "https://b.example.test" },
            domains: ["example.test"],
          }),
          { status: input.startsWith("https://example.test/") ? 200 : 404 },
        ),
      );
    const error = await discoverService("alice@example.test", { fetch, fallback: base }).catch((e: unknown) => e);
    expect(code(error)).toBe("INSECURE_SERVICE_URL");
  });

  it("ServiceClient sends nothing to a plain-http service on another host", async () => {
    const { fetch, asked } = recordingFetch();
    const deviceKey = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    const client = new ServiceClient({
      fetch,
      clock: manualClock(new Date()),
      deviceKey,
      endpoints: {
        api: "http://keys.example.test",
        shareStores: { "share-a": "https://a.example.test", "share-b": "http://b.example.test" },
      },
    });
    expect(code(await client.caCertificates().catch((e: unknown) => e))).toBe("INSECURE_SERVICE_URL");
    expect(code(await client.ingestKey("share-b").catch((e: unknown) => e))).toBe("INSECURE_SERVICE_URL");
    expect(asked).toEqual([]);
  });
});
