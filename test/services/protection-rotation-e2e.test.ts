// End to end, enhanced protection and time (docs/services.md, "Enhanced protection"): Alice turns
// protection on twenty minutes after her setup, which needs a fresh proof of her address (a new
// challenge, answered from the outbox); three years later the server rotates her key, and the new
// key waits for a wrap: her laptop without the password gets PASSWORD_REQUIRED for it but reads her
// mail with the key it holds, CerDB keeps giving senders the wrapped key, and a read with the
// password brings the new key, wraps it and uploads it, after which CerDB gives the new one.
// The server and the command run as processes; MAILSEAL_CLOCK_OFFSET moves both clocks.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { plainMessage, ROTATION_OFFSET_MS, ServerSuite } from "./e2e-support.js";

const suite = new ServerSuite("protect-rotation");
const { tmp, data, devices } = suite;
const passwordFile = join(tmp.dir, "password");
const PASSWORD = "correct horse battery staple";
const ALICE = "alice@example.test";
const BOB = "bob@example.test";

/** Restarts the server with both clocks `offsetMs` ahead. */
async function restartAt(offsetMs: number): Promise<void> {
  await suite.restart({ env: { MAILSEAL_CLOCK_OFFSET: String(offsetMs) } });
}

/** The certificate CerDB gives senders for `address`. */
async function published(address: string): Promise<string> {
  const answer = await fetch(`${suite.server.api}/v1/certs/${encodeURIComponent(address)}`);
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { certificate: string }).certificate;
}

beforeAll(() => writeFileSync(passwordFile, `${PASSWORD}\n`));

describe("enhanced protection over a key rotation", () => {
  it("a first password needs a fresh address proof; a rotated key waits for a device with the password", async () => {
    await devices.provision(ALICE, "alice-laptop");
    await devices.provision(BOB, "bob-laptop");

    // Twenty minutes after the setup the challenge is stale: the first password needs a new one.
    await restartAt(20 * 60_000);
    const stale = await devices.run("alice-laptop", ["protect", "--password-file", passwordFile]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/^error CODE_REQUIRED: /);
    const on = await devices.run("alice-laptop", [
      "protect",
      "--password-file",
      passwordFile,
      "--outbox",
      join(data, "outbox"),
    ]);
    expect(on.stderr).toBe("");
    expect(on.stdout.toString()).toBe(`${ALICE}: enhanced protection on, 1 of 1 keys protected\n`);
    const [first] = devices.state("alice-laptop", ALICE).keys;
    expect(first).toMatchObject({ protection: "opaque" });

    // Three years less 29 days on: the maintenance pass at start rotates the key.
    await restartAt(ROTATION_OFFSET_MS);
    const before = await devices.send(
      "bob-laptop",
      [ALICE],
      plainMessage(BOB, ALICE, "late", "Sent after the rotation."),
    );
    let read = await devices.read("alice-laptop", before);
    for (let i = 0; i < 50 && !read.stderr.includes("PASSWORD_REQUIRED"); i++) {
      // The pass runs once the api listens: until the new key exists, nothing waits for the password.
      await new Promise((resolve) => setTimeout(resolve, 200));
      read = await devices.read("alice-laptop", before);
    }
    // Without the password: the new key is not released, the mail (to the wrapped key CerDB still
    // gives senders) reads with the key the laptop holds.
    expect(read.status).toBe(0);
    expect(read.stderr).toMatch(/^mailseal: alice@example.test: keys not refreshed \(.*password.*\)\n/);
    expect(read.stderr).toMatch(/mailseal: encrypted \(aes-256-cbc\); signed by bob@example.test\n$/);
    expect(read.stdout.toString()).toContain("Sent after the rotation.");
    const waiting = devices.state("alice-laptop", ALICE).keys;
    expect(waiting.map((k) => [k.keyId === first!.keyId, k.status, k.protection, k.pkcs8 !== undefined])).toEqual([
      [true, "retired", "opaque", true],
      [false, "current", "pending-wrap", false],
    ]);
    expect(await published(ALICE)).toBe(first!.certificate);

    // With the password: the new key comes, is wrapped and uploaded; CerDB gives it from now on.
    const unlocked = await devices.read("alice-laptop", before, [], { MAILSEAL_PASSWORD: PASSWORD });
    expect(unlocked.stderr).toBe("mailseal: encrypted (aes-256-cbc); signed by bob@example.test\n");
    const wrapped = devices.state("alice-laptop", ALICE).keys;
    expect(wrapped.map((k) => [k.status, k.protection, k.pkcs8 !== undefined])).toEqual([
      ["retired", "opaque", true],
      ["current", "opaque", true],
    ]);
    expect(await published(ALICE)).toBe(wrapped[1]!.certificate);

    // A new device of Alice's without the password gets neither key.
    const bare = await devices.addAccount(ALICE, "alice-tablet");
    expect(bare.stderr).toMatch(/^error PASSWORD_REQUIRED: /);
    expect(devices.state("alice-tablet", ALICE).keys.every((k) => k.pkcs8 === undefined)).toBe(true);
  }, 300_000);
});
