// End to end, the pinned root (docs/services.md, "The pinned root"): a device set up with the real
// server keeps the root it saw at enrolment. When its signing certificate is due for renewal (the
// clock 340 days on) it asks for the CA's certificates again: a root the server rolled over
// (--roll-ca-root) is taken, with the link signed by the pinned root, and old mail still reads as
// signed. Then the server is restarted with a different CA (its `ca` rows removed from the api
// database, so it makes a new root and issuing CA at start, as a service whose CA was replaced
// would): `mailseal send` refuses with ROOT_CHANGED and leaves the state as it was.
// A plain-http service on another host is refused before anything is sent.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { plainMessage, ServerSuite } from "./e2e-support.js";

const suite = new ServerSuite("root-pin");
const { tmp, data, devices } = suite;
/** 340 days on: the one-year signing certificate is within its 30 days of renewal. */
const RENEWAL_OFFSET = { MAILSEAL_CLOCK_OFFSET: String(340 * 86_400_000) };

interface CaAnswer {
  root: string;
  issuing: string;
  rollover?: string;
}

function stateFile(device: string, address: string): string {
  return readFileSync(join(devices.home(device), "accounts", `${encodeURIComponent(address)}.json`), "utf8");
}

describe("the root pinned at enrolment", () => {
  it("mailseal takes a root rolled over by the server (--roll-ca-root): the link is signed by the pinned root", async () => {
    await devices.provision("alice@example.test", "alice-laptop");
    const pinned = devices.state("alice-laptop", "alice@example.test").root;
    const message = plainMessage("alice@example.test", "alice@example.test", "hello", "To myself.");
    const before = await devices.send("alice-laptop", ["alice@example.test"], message);
    // The root rolled over, and the clock 340 days on: the signing certificate is due for renewal,
    // so the device asks for the CA's certificates and meets the new root with its link.
    await suite.restart({ env: RENEWAL_OFFSET, args: ["--roll-ca-root"] });
    const answer = (await fetch(`${suite.server.api}/v1/ca/certificates`).then((r) => r.json())) as CaAnswer;
    expect(answer.root).not.toBe(pinned);
    expect(answer.rollover).toBeDefined();
    const after = await devices.send("alice-laptop", ["alice@example.test"], message);
    expect(devices.state("alice-laptop", "alice@example.test").root).toBe(answer.root);
    // Mail signed under the new root reads as signed, and so does mail signed before the rollover.
    for (const sent of [after, before]) {
      const read = await devices.read("alice-laptop", sent);
      expect(read.stderr).toMatch(/^mailseal: encrypted \(aes-256-cbc\); signed by alice@example\.test/);
      expect(read.status).toBe(0);
    }
  }, 120_000);

  it("mailseal refuses a server restarted with a different CA (ROOT_CHANGED) and keeps its state", async () => {
    const pinned = devices.state("alice-laptop", "alice@example.test").root;
    const kept = stateFile("alice-laptop", "alice@example.test");
    // The CA replaced: its rows gone, the server makes a new root and issuing CA at start. A year
    // on, the renewed certificate is due again: the device asks for the root, and refuses the new one.
    await suite.stop();
    const db = new Database(join(data, "api", "api.sqlite"));
    db.prepare("DELETE FROM ca").run();
    db.close();
    const later = { MAILSEAL_CLOCK_OFFSET: String(2 * 340 * 86_400_000) };
    await suite.restart({ env: later });
    const answer = (await fetch(`${suite.server.api}/v1/ca/certificates`).then((r) => r.json())) as CaAnswer;
    expect(answer.root).not.toBe(pinned);
    const input = join(tmp.dir, "refused.eml");
    writeFileSync(input, plainMessage("alice@example.test", "alice@example.test", "again", "Refused."));
    const result = await devices.run("alice-laptop", [
      "send",
      "--to",
      "alice@example.test",
      "--in",
      input,
      "--out",
      `${input}.sent`,
    ]);
    expect(result.stderr).toMatch(/^error ROOT_CHANGED: the service no longer presents the root/);
    expect(result.status).toBe(1);
    expect(stateFile("alice-laptop", "alice@example.test")).toBe(kept);
  }, 120_000);

  it("mailseal account add refuses a plain-http service on another host (INSECURE_SERVICE_URL)", async () => {
    const result = await devices.run("bob-laptop", [
      "account",
      "add",
      "bob@example.test",
      "--server",
      "http://keys.example.test:7400",
      "--code",
      "000000",
    ]);
    expect(result.stderr).toMatch(
      /^error INSECURE_SERVICE_URL: the configured service http:\/\/keys\.example\.test:7400/,
    );
    expect(result.status).toBe(1);
  }, 30_000);
});
