// The gateway's LDAP client against the project's own LDAP door (server/src/ldap, the real protocol
// code ldapsearch is tested with), holding a certificate mailseal did not issue; and against a
// listener that never answers (the timeout) or that is not there.
import { createServer, type Server } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkBudget } from "../../server/src/api/deps.js";
import { createLdapDoor, type LdapDoor } from "../../server/src/ldap/server.js";
import { ldapCertificates, parseLdapUrl } from "../src/gateway/ldap.js";

/** The LDAP door logs nothing here (as in the server tests). */
const SILENT = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  child: () => SILENT,
} as unknown as FastifyBaseLogger;

// Any bytes serve: the client returns the values as the directory holds them, unchecked.
const CERTIFICATE = Uint8Array.from({ length: 700 }, (_, i) => (i * 7) % 256);
let door: LdapDoor;
let port: number;
let silent: Server;
let silentPort: number;

beforeAll(async () => {
  door = createLdapDoor({
    directory: {
      entries: async (addresses) =>
        addresses
          .filter((a) => a === "grace@partner.test")
          .map((address) => ({ address, certificates: [CERTIFICATE] })),
    },
    baseDn: "o=partner",
    budget: new NetworkBudget(1000, 60_000, () => Date.now()),
    logger: SILENT,
  });
  port = await door.listen(0, "127.0.0.1");
  silent = createServer(() => undefined);
  silentPort = await new Promise<number>((resolve) =>
    silent.listen(0, "127.0.0.1", () => resolve((silent.address() as { port: number }).port)),
  );
});

afterAll(async () => {
  await door?.close();
  silent?.close();
});

describe("the gateway's LDAP client", () => {
  it("reads ldap://HOST[:PORT]/BASE and refuses anything else", () => {
    expect(parseLdapUrl("ldap://ldap.org.example/o=org,c=de")).toEqual({
      host: "ldap.org.example",
      port: 389,
      base: "o=org,c=de",
    });
    expect(parseLdapUrl("ldap://127.0.0.1:3389/o%3Dpartner")).toEqual({
      host: "127.0.0.1",
      port: 3389,
      base: "o=partner",
    });
    for (const bad of ["ldaps://x/o=a", "ldap://x", "ldap://x/", "ldap://x:99999/o=a", "http://x/o=a"]) {
      expect(() => parseLdapUrl(bad)).toThrow(/--ldap needs ldap:\/\/HOST\[:PORT\]\/BASE/);
    }
  });

  it("finds the userCertificate;binary of (mail=ADDRESS), and nothing for an unknown address", async () => {
    const at = { host: "127.0.0.1", port, base: "o=partner" };
    const found = await ldapCertificates(at, "grace@partner.test", 2000);
    expect(found.map((c) => Buffer.from(c).toString("hex"))).toEqual([Buffer.from(CERTIFICATE).toString("hex")]);
    expect(await ldapCertificates(at, "nobody@partner.test", 2000)).toEqual([]);
  });

  it("gives DIRECTORY_UNAVAILABLE when the directory does not answer in time or is not there", async () => {
    const started = Date.now();
    await expect(
      ldapCertificates({ host: "127.0.0.1", port: silentPort, base: "o=partner" }, "grace@partner.test", 300),
    ).rejects.toMatchObject({
      code: "DIRECTORY_UNAVAILABLE",
      message: expect.stringContaining("no answer within 300 ms"),
    });
    expect(Date.now() - started).toBeLessThan(2000);
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const free = (probe.address() as { port: number }).port;
        probe.close(() => resolve(free));
      });
    });
    await expect(
      ldapCertificates({ host: "127.0.0.1", port: closed, base: "o=partner" }, "grace@partner.test", 2000),
    ).rejects.toMatchObject({ code: "DIRECTORY_UNAVAILABLE" });
  });
});
