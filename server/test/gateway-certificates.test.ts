// The certificates the gateway learns from signed mail (migration 0010), on SQLite and PostgreSQL:
// one row per address, the newest (latest notBefore) kept whatever order they arrive in.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.js";
import { openDatabase, type Database } from "../src/db/index.js";
import type { ApiSchema } from "../src/db/schema.js";
import { learnedCertificates, rememberCertificate, type LearnedCertificate } from "../src/gateway/certificates.js";

const NOW = new Date("2026-12-04T12:00:00Z");

function learned(tag: number, notBefore: string): LearnedCertificate {
  return {
    address: "Dave@Example.NET",
    certificate: Uint8Array.of(0x30, tag),
    chain: [Uint8Array.of(0x30, 0xca)],
    capabilities: ["2.16.840.1.101.3.4.1.42"],
    notBefore: new Date(notBefore),
    notAfter: new Date("2028-01-01T00:00:00Z"),
  };
}

function certificateCases(open: () => Promise<Database<ApiSchema>>) {
  it("keeps the newest certificate of an address, whatever order they come in", async () => {
    const database = await open();
    try {
      const { db } = database;
      expect((await learnedCertificates(db, ["dave@example.net"])).size).toBe(0);
      await rememberCertificate(db, learned(1, "2026-01-01T00:00:00Z"), NOW);
      await rememberCertificate(db, learned(3, "2026-06-01T00:00:00Z"), NOW);
      // An older one seen later (a message that waited in a queue) changes nothing.
      await rememberCertificate(db, learned(2, "2026-03-01T00:00:00Z"), NOW);
      const found = await learnedCertificates(db, ["Dave@example.net", "nobody@example.net"]);
      expect([...found.keys()]).toEqual(["Dave@example.net"]);
      const row = found.get("Dave@example.net")!;
      expect([...row.certificate]).toEqual([0x30, 3]);
      expect(row.chain.map((c) => [...c])).toEqual([[0x30, 0xca]]);
      expect(row.capabilities).toEqual(["2.16.840.1.101.3.4.1.42"]);
      expect(row.notBefore.toISOString()).toBe("2026-06-01T00:00:00.000Z");
      // Two learning at once (two gateway nodes): the newer wins either way.
      await Promise.all([
        rememberCertificate(db, learned(5, "2026-09-01T00:00:00Z"), NOW),
        rememberCertificate(db, learned(4, "2026-08-01T00:00:00Z"), NOW),
      ]);
      expect([...(await learnedCertificates(db, ["Dave@example.net"])).get("Dave@example.net")!.certificate]).toEqual([
        0x30, 5,
      ]);
    } finally {
      await database.close();
    }
  });
}

describe("learned certificates on SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "mailseal-learned-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  certificateCases(() => openDatabase(`sqlite:${join(dir, "api.sqlite")}`, "api"));
});

describe("learned certificates on PostgreSQL", () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres?.stop());
  certificateCases(() => openDatabase(postgres.url.replace(/\/postgres$/, "/mailseal"), "api"));
});
