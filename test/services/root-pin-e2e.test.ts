// End to end, the pinned root (docs/services.md, "The pinned root"): a device set up with the real
// server keeps the root it saw at enrolment. The server is then restarted with a different CA (its
// `ca` rows removed from the api database, so it makes a new root and issuing CA at start, as a
// service whose CA was replaced would); when the device's signing certificate is due for renewal
// (the clock 340 days on), `mailseal send` refuses with ROOT_CHANGED and leaves the state as it was.
// A plain-http service on another host is refused before anything is sent.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Devices, freePorts, plainMessage, scratch, startServer, type RunningServer } from "./e2e-support.js";

const tmp = scratch("root-pin");
const data = join(tmp.dir, "server");
let server: RunningServer | undefined;
let devices: Devices;
let port: number;
/** 340 days on: the one-year signing certificate is within its 30 days of renewal. */
const RENEWAL_OFFSET = { MAILSEAL_CLOCK_OFFSET: String(340 * 86_400_000) };

beforeAll(async () => {
  port = await freePorts();
  server = await startServer(data, { port });
  devices = new Devices(tmp.dir, data, server.api);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  tmp.remove();
});

function stateFile(device: string, address: string): string {
  return readFileSync(join(devices.home(device), "accounts", `${encodeURIComponent(address)}.json`), "utf8");
}

describe("the root pinned at enrolment", () => {
  it("mailseal refuses a server restarted with a different CA (ROOT_CHANGED) and keeps its state", async () => {
    await devices.provision("alice@example.test", "alice-laptop");
    const pinned = devices.state("alice-laptop", "alice@example.test").root;
    const before = stateFile("alice-laptop", "alice@example.test");
    const message = plainMessage("alice@example.test", "alice@example.test", "hello", "To myself.");
    // The same server, the same root, renewal due: the send goes through (and renews).
    await server!.stop();
    server = await startServer(data, { port, env: RENEWAL_OFFSET });
    devices.env = RENEWAL_OFFSET;
    await devices.send("alice-laptop", ["alice@example.test"], message);
    const renewed = stateFile("alice-laptop", "alice@example.test");
    expect(renewed).not.toBe(before);
    expect(devices.state("alice-laptop", "alice@example.test").root).toBe(pinned);

    // The CA replaced: its rows gone, the server makes a new root and issuing CA at start. A year
    // on, the renewed certificate is due again: the device asks for the root, and refuses the new one.
    await server.stop();
    server = undefined;
    const db = new Database(join(data, "api.sqlite"));
    db.prepare("DELETE FROM ca").run();
    db.close();
    const later = { MAILSEAL_CLOCK_OFFSET: String(2 * 340 * 86_400_000) };
    server = await startServer(data, { port, env: later });
    devices.env = later;
    const answer = (await fetch(`${server.api}/v1/ca/certificates`).then((r) => r.json())) as { root: string };
    expect(answer.root).not.toBe(pinned);
    const input = join(tmp.dir, "refused.eml");
    writeFileSync(input, message);
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
    expect(stateFile("alice-laptop", "alice@example.test")).toBe(renewed);
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
