// End to end, enhanced protection (docs/services.md, "Enhanced protection"): `mailseal protect
// --password-file` on Alice's first device wraps her key under the OPAQUE export key; a new device
// of hers without the password is set up (its challenge answered) but gets no key and says
// PASSWORD_REQUIRED, and with the password (file or MAILSEAL_PASSWORD) it reads her old mail;
// `protect --remove` takes the protection off again, after which a device needs no password.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { plainMessage, ServerSuite } from "./e2e-support.js";

const suite = new ServerSuite("protect");
const { tmp, devices } = suite;
const passwordFile = join(tmp.dir, "password");
const PASSWORD = "correct horse battery staple";

beforeAll(() => writeFileSync(passwordFile, `${PASSWORD}\n`));

describe("enhanced protection, end to end", () => {
  it("a new device needs the key-protection password to bring the keys; protect --remove undoes it", async () => {
    await devices.provision("alice@example.test", "alice-laptop");
    await devices.provision("bob@example.test", "bob-laptop");
    const sent = await devices.send(
      "bob-laptop",
      ["alice@example.test"],
      plainMessage("bob@example.test", "alice@example.test", "before", "Sent before the protection."),
    );

    const on = await devices.run("alice-laptop", ["protect", "--password-file", passwordFile]);
    expect(on.stderr).toBe("");
    expect(on.stdout.toString()).toBe("alice@example.test: enhanced protection on, 1 of 1 keys protected\n");
    expect(devices.state("alice-laptop", "alice@example.test").keys[0]).toMatchObject({ protection: "opaque" });

    // A new device without the password: enrolled by its challenge mail, but the key stays wrapped.
    const bare = await devices.addAccount("alice@example.test", "alice-tablet");
    expect(bare.status).toBe(1);
    expect(bare.stderr).toMatch(/^error PASSWORD_REQUIRED: /);
    const noKey = devices.state("alice-tablet", "alice@example.test");
    expect(noKey.deviceId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(noKey.keys.every((k) => k.pkcs8 === undefined)).toBe(true);
    // A wrong password is told apart from a missing one.
    const wrong = join(tmp.dir, "wrong");
    writeFileSync(wrong, "not the password\n");
    const wrongAdd = await devices.addAccount("alice@example.test", "alice-tablet", ["--password-file", wrong]);
    expect(wrongAdd.stderr).toMatch(/^error PASSWORD_WRONG: /);
    // Run again with the password: the setup finishes where it stopped, and the old mail reads.
    const added = await devices.addAccount("alice@example.test", "alice-tablet", ["--password-file", passwordFile]);
    expect(added.stderr).toBe("");
    expect(added.stdout.toString()).toMatch(
      /^alice@example.test: device \S+, 1 of 1 keys on this device\nkeys kept in .+\n$/,
    );
    const read = await devices.read("alice-tablet", sent);
    expect(read.stderr).toBe("mailseal: encrypted (aes-256-cbc); signed by bob@example.test\n");
    expect(read.stdout.toString()).toContain("Sent before the protection.");
    // The unwrapped key is the same PKCS#8 the first device holds.
    expect(devices.state("alice-tablet", "alice@example.test").keys[0]!.pkcs8).toBe(
      devices.state("alice-laptop", "alice@example.test").keys[0]!.pkcs8,
    );

    // `read` on another new device: PASSWORD_REQUIRED without it, MAILSEAL_PASSWORD brings the key.
    const phone = await devices.addAccount("alice@example.test", "alice-phone");
    expect(phone.stderr).toMatch(/^error PASSWORD_REQUIRED: /);
    const refused = await devices.read("alice-phone", sent);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error PASSWORD_REQUIRED: /);
    expect(refused.stdout.length).toBe(0);
    const unlocked = await devices.read("alice-phone", sent, [], { MAILSEAL_PASSWORD: PASSWORD });
    expect(unlocked.stderr).toBe("mailseal: encrypted (aes-256-cbc); signed by bob@example.test\n");
    expect(unlocked.stdout.toString()).toContain("Sent before the protection.");

    // Off again (the password proves the person, not just the device); then no password is needed.
    const off = await devices.run("alice-phone", ["protect", "--remove", "--password-file", passwordFile]);
    expect(off.stderr).toBe("");
    expect(off.stdout.toString()).toBe("alice@example.test: enhanced protection off\n");
    await devices.provision("alice@example.test", "alice-desktop");
    const plain = await devices.read("alice-desktop", sent);
    expect(plain.stderr).toBe("mailseal: encrypted (aes-256-cbc); signed by bob@example.test\n");
    expect(devices.state("alice-desktop", "alice@example.test").keys[0]).toMatchObject({ protection: "none" });
  });
});
