// The online commands as users run them, without a service: their command lines, the codes they fail
// with before any network, and an unreachable service.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, mailseal } from "./support.js";

let home: string;
beforeAll(() => {
  ensureBundle();
  home = mkdtempSync(join(tmpdir(), "mailseal-online-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("online commands without a service", () => {
  it.each([
    [["account"], "account needs an action"],
    [["account", "add", "a@example.test"], "account add needs --server URL"],
    [["account", "add", "a@example.test", "b@example.test", "--server", "http://x"], "exactly one ADDRESS"],
    [["account", "add", "a@example.test", "--server", "http://x", "--outbox", "d", "--code", "c"], "not both"],
    [["account", "add", "--bogus"], "Unknown option '--bogus'"],
    [["send", "--in", "m.eml"], "send needs --to ADDRESS"],
    [["protect"], "protect needs --password-file FILE (turn on) or --remove"],
    [["read", "stray"], "Unexpected argument 'stray'"],
  ])("%j is USAGE", async (args, words) => {
    const result = await mailseal(args, "", { MAILSEAL_HOME: home });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error USAGE: /);
    expect(result.stderr).toContain(words);
  });

  it("commands needing an account say NO_ACCOUNT on an empty home", async () => {
    for (const args of [["read"], ["devices"], ["audit"], ["protect", "--remove"]]) {
      const result = await mailseal([...args, "--home", home], "x");
      expect(result.status, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(/^error NO_ACCOUNT: /);
    }
    const send = await mailseal(
      ["send", "--to", "b@example.test", "--home", home],
      "From: a@example.test\r\n\r\nhi\r\n",
    );
    expect(send.stderr).toMatch(/^error NO_ACCOUNT: no account for a@example.test/);
    expect(send.stdout.length).toBe(0);
  });

  it("an unreachable service is SERVICE_UNAVAILABLE, and MAILSEAL_CLOCK_OFFSET must be milliseconds", async () => {
    const result = await mailseal([
      "account",
      "add",
      "a@example.test",
      "--server",
      "http://127.0.0.1:9",
      "--home",
      home,
      "--code",
      "x",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error SERVICE_UNAVAILABLE: cannot reach http:\/\/127.0.0.1:9/);
    const clock = await mailseal(["devices", "--home", home], "", { MAILSEAL_CLOCK_OFFSET: "3 years" });
    expect(clock.stderr).toMatch(/^error USAGE: MAILSEAL_CLOCK_OFFSET/);
  });

  it("lists the online commands in the help", async () => {
    const result = await mailseal(["--help"]);
    for (const form of [
      "mailseal account add ADDRESS --server URL",
      "mailseal send --to ADDRESS",
      "mailseal read",
      "mailseal protect",
      "mailseal devices",
      "mailseal audit",
    ]) {
      expect(result.stdout.toString()).toContain(form);
    }
  });
});
