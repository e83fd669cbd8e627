// The gateway's encryption policy in the api database (migration 0008), on SQLite and PostgreSQL:
// an address's row overrides its domain's, no row means "possible", "default" removes a row.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.js";
import { openDatabase, type Database } from "../src/db/index.js";
import type { ApiSchema } from "../src/db/schema.js";
import { encryptPolicyFor, listEncryptPolicies, policySubject, setEncryptPolicy } from "../src/gateway/policy.js";

const NOW = new Date("2026-12-04T12:00:00Z");

function policyCases(open: () => Promise<Database<ApiSchema>>) {
  it("uses the address's row, else its domain's, else possible", async () => {
    const database = await open();
    try {
      const { db } = database;
      expect(await encryptPolicyFor(db, "alice@org.example")).toBe("possible");
      await setEncryptPolicy(db, "ORG.example", "always", NOW);
      expect(await encryptPolicyFor(db, "alice@Org.Example")).toBe("always");
      await setEncryptPolicy(db, "alice@ORG.EXAMPLE", "never", NOW);
      expect(await encryptPolicyFor(db, "alice@org.example")).toBe("never");
      expect(await encryptPolicyFor(db, "bob@org.example")).toBe("always");
      // Set again: replaced, not a second row.
      await setEncryptPolicy(db, "alice@org.example", "possible", NOW);
      expect(await listEncryptPolicies(db)).toEqual([
        { subject: "alice@org.example", encrypt: "possible" },
        { subject: "org.example", encrypt: "always" },
      ]);
      await setEncryptPolicy(db, "org.example", undefined, NOW);
      expect(await encryptPolicyFor(db, "bob@org.example")).toBe("possible");
    } finally {
      await database.close();
    }
  });
}

describe("gateway policy on SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "mailseal-policy-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  policyCases(() => openDatabase(`sqlite:${join(dir, "api.sqlite")}`, "api"));

  it("refuses a subject that is neither a domain nor an address", () => {
    for (const bad of ["", "@org.example", "alice@", "a b.example", "alice@org@example"]) {
      expect(() => policySubject(bad)).toThrow(/neither a domain nor an address/);
    }
  });
});

describe("gateway policy on PostgreSQL", () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres?.stop());
  policyCases(() => openDatabase(postgres.url.replace(/\/postgres$/, "/mailseal"), "api"));
});
