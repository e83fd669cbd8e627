// End to end, key rotation over three years (docs/services.md, "Data": a certificate ending within
// 30 days gets a successor; retired keys stay listed and releasable). Bob's first encryption key is
// made now; the server is restarted with its clock (MAILSEAL_CLOCK_OFFSET) three years less 29 days
// ahead, so the maintenance pass at start rotates it. A device of Bob's set up after the rotation
// still reads mail encrypted to the old key, and mail sent after it goes to the new one.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ServiceClient, systemClock, type KeyInfo } from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { FileStateStore } from "../../cli/src/home/state-store.js";
import { pem, plainMessage, ROTATION_OFFSET_MS, ServerSuite } from "./e2e-support.js";

const suite = new ServerSuite("rotation");
const { tmp, devices } = suite;

/** GET /v1/keys as a device of `address` (its key from its home) with the shifted clock. */
async function listKeys(device: string, address: string): Promise<KeyInfo[]> {
  const store = new FileStateStore(devices.home(device));
  const state = (await store.load(address))!;
  const client = new ServiceClient({
    fetch: (input, init) => fetch(input, init),
    clock: systemClock(ROTATION_OFFSET_MS),
    endpoints: state.service,
    deviceKey: (await store.loadDeviceKey(address))!,
    deviceId: state.deviceId!,
  });
  return client.listKeys();
}

/** openssl cms -decrypt with one key of `device`'s home: the inner message, or undefined when that key does not open it. */
function opensslDecrypt(device: string, address: string, keyId: string, message: string): string | undefined {
  const key = devices.state(device, address).keys.find((k) => k.keyId === keyId)!;
  const file = (name: string, text: string) => {
    writeFileSync(join(tmp.dir, name), text);
    return join(tmp.dir, name);
  };
  const args = [
    "cms",
    "-decrypt",
    "-in",
    file("message.eml", message),
    "-inkey",
    file("key.pem", pem("PRIVATE KEY", Buffer.from(key.pkcs8!, "base64url"))),
    "-recip",
    file("cert.pem", pem("CERTIFICATE", Buffer.from(key.certificate, "base64url"))),
  ];
  try {
    return execFileSync("openssl", args, { encoding: "latin1", stdio: ["ignore", "pipe", "pipe"] });
  } catch {
    return undefined;
  }
}

describe("three years later", () => {
  it("a key rotated by the server still opens old mail on a device added after the rotation", async () => {
    await devices.provision("alice@example.test", "alice-laptop");
    await devices.provision("bob@example.test", "bob-laptop");
    const before = await devices.send(
      "alice-laptop",
      ["bob@example.test"],
      plainMessage("alice@example.test", "bob@example.test", "old", "Encrypted to the first key."),
    );
    const oldKey = devices.state("bob-laptop", "bob@example.test").keys[0]!.keyId;

    // Three years less 29 days on: the first certificates (three years) are due for a successor.
    await suite.restart({ env: { MAILSEAL_CLOCK_OFFSET: String(ROTATION_OFFSET_MS) } });
    // The maintenance pass runs once the api listens: wait for it (key making takes a moment).
    let keys = await listKeys("bob-laptop", "bob@example.test");
    for (let i = 0; i < 100 && keys.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      keys = await listKeys("bob-laptop", "bob@example.test");
    }
    expect(keys.map((k) => [k.keyId === oldKey, k.status])).toEqual([
      [true, "retired"],
      [false, "current"],
    ]);
    const newKey = keys[1]!.keyId;
    expect(Date.parse(keys[1]!.notAfter)).toBeGreaterThan(Date.parse(keys[0]!.notAfter));

    // A device Bob sets up now brings both keys, and reads the mail sent to the old one.
    await devices.provision("bob@example.test", "bob-tablet", 2);
    const read = await devices.read("bob-tablet", before);
    expect(read.status).toBe(0);
    // Alice's one-year signing certificate of then has long expired; it was valid when she signed
    // (the signed signingTime): still signed by her, and the status says the rest.
    expect(read.stderr).toMatch(
      /^mailseal: encrypted \(aes-256-cbc\); signed by alice@[^ ]+ \(certificate since expired; valid when signed, /,
    );
    expect(read.stdout.toString()).toContain("Encrypted to the first key.");
    expect(opensslDecrypt("bob-tablet", "bob@example.test", oldKey, before)).toContain("Encrypted to the first key.");

    // Mail sent now goes to the new key (CerDB serves the successor), signed under a renewed certificate.
    const after = await devices.send(
      "alice-laptop",
      ["bob@example.test"],
      plainMessage("alice@example.test", "bob@example.test", "new", "Encrypted to the second key."),
    );
    expect(opensslDecrypt("bob-tablet", "bob@example.test", newKey, after)).toContain("Encrypted to the second key.");
    expect(opensslDecrypt("bob-tablet", "bob@example.test", oldKey, after)).toBeUndefined();
    // Bob's first device picks the new key up when it reads.
    const laptop = await devices.read("bob-laptop", after);
    expect(laptop.stderr).toBe("mailseal: encrypted (aes-256-cbc); signed by alice@example.test\n");
    expect(laptop.stdout.toString()).toContain("Encrypted to the second key.");
    expect(devices.state("bob-laptop", "bob@example.test").keys.map((k) => [k.keyId, k.status])).toEqual([
      [oldKey, "retired"],
      [newKey, "current"],
    ]);
  });
});
