// End to end, a device removal (issue 12, findings 3 and 13): the real `mailseal server` and the
// `mailseal` command as processes. Alice has a laptop and a phone; Bob one device. Removing the
// phone revokes its signing certificate and replaces Alice's encryption key at once: the laptop
// reads old mail (old key, kept in the history) and new mail (new key); the phone releases nothing,
// and mail sent after the removal, by Bob or by Alice's laptop, is not encrypted to any key the phone
// holds. Bob's reader applies the CA's CRL: the phone's mail signed before the removal reads as
// "revoked" (not valid), a message its key signed after the removal as invalid (CERT_REVOKED).
// `mailseal keys rotate` makes a further key. The CRL is served from the database: the same bytes
// until the revocation, then a new CRL listing it.
import { createPrivateKey } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MailsealError, ServiceClient, systemClock, type DeviceState } from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { FileStateStore } from "../../cli/src/home/state-store.js";
import { mailseal } from "../../cli/test/support.js";
import { pem, plainMessage, ServerSuite } from "./e2e-support.js";

const suite = new ServerSuite("removal");
const { tmp, devices } = suite;

const ALICE = "alice@example.test";
const BOB = "bob@example.test";

function file(name: string, content: string | Buffer): string {
  writeFileSync(join(tmp.dir, name), content);
  return join(tmp.dir, name);
}

/** openssl cms -decrypt of `message` with one key of `device`: the inner entity, or undefined when it does not open. */
function opensslDecrypt(device: string, keyId: string, message: string): string | undefined {
  const key = devices.state(device, ALICE).keys.find((k) => k.keyId === keyId)!;
  const keyFile = file(`${device}-${keyId}.key`, pem("PRIVATE KEY", Buffer.from(key.pkcs8!, "base64url")));
  const certFile = file(`${device}-${keyId}.crt`, pem("CERTIFICATE", Buffer.from(key.certificate, "base64url")));
  try {
    return execFileSync(
      "openssl",
      ["cms", "-decrypt", "-in", file("msg.eml", message), "-inkey", keyFile, "-recip", certFile],
      { encoding: "latin1", stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch {
    return undefined;
  }
}

async function crl(): Promise<Buffer> {
  const response = await fetch(`${suite.server.api}/v1/ca/crl`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/** A ServiceClient of `device`'s account, with the key from its home (as the device itself would). */
async function clientOf(device: string): Promise<ServiceClient> {
  const store = new FileStateStore(devices.home(device));
  const state = (await store.load(ALICE))!;
  return new ServiceClient({
    fetch: (input, init) => fetch(input, init),
    clock: systemClock(),
    endpoints: state.service,
    deviceKey: (await store.loadDeviceKey(ALICE))!,
    deviceId: state.deviceId!,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("removing a device", () => {
  it("rotates the key at once, revokes the device, and readers apply the CRL", async () => {
    await devices.provision(ALICE, "alice-laptop");
    await devices.provision(ALICE, "alice-phone");
    await devices.provision(BOB, "bob-laptop");
    const oldKey = devices.state("alice-laptop", ALICE).keys[0]!.keyId;

    // Before the removal: mail to Alice (old key), and the phone's signed mail to Bob.
    const oldMail = await devices.send(
      "bob-laptop",
      [ALICE],
      plainMessage(`Bob <${BOB}>`, `Alice <${ALICE}>`, "old", "Sent before the removal."),
    );
    const fromPhone = await devices.send(
      "alice-phone",
      [BOB],
      plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>`, "from the phone", "Signed before the removal."),
    );
    const crlBefore = await crl();
    // Served from the database: not signed again per request.
    expect((await crl()).equals(crlBefore)).toBe(true);

    // The revocation time has whole seconds: keep the phone's signing time strictly before it.
    await sleep(1100);
    const phoneState = devices.state("alice-phone", ALICE) as unknown as DeviceState;
    const phoneId = phoneState.deviceId!;
    const removed = await devices.run("alice-laptop", ["devices", "--remove", phoneId]);
    expect(removed.stderr).toBe("");
    expect(removed.stdout.toString()).toBe(`${ALICE}: device ${phoneId} removed\n`);

    // A new current key, the old one retired; the laptop brought the new one home with the removal.
    const laptopKeys = devices.state("alice-laptop", ALICE).keys;
    expect(laptopKeys.map((k) => [k.keyId === oldKey, k.status, k.pkcs8 !== undefined])).toEqual([
      [true, "retired", true],
      [false, "current", true],
    ]);
    const newKey = laptopKeys[1]!.keyId;

    // The CRL after the revocation: a new one, listing the phone's signing certificate.
    const crlAfter = await crl();
    expect(crlAfter.equals(crlBefore)).toBe(false);
    const phoneCert = Buffer.from(phoneState.signing!.certificate, "base64url");
    const serial = execFileSync(
      "openssl",
      ["x509", "-inform", "DER", "-in", file("phone.der", phoneCert), "-noout", "-serial"],
      { encoding: "latin1" },
    )
      .trim()
      .replace(/^serial=/, "");
    const listed = execFileSync(
      "openssl",
      ["crl", "-inform", "DER", "-in", file("after.crl", crlAfter), "-noout", "-text"],
      {
        encoding: "latin1",
      },
    );
    expect(listed).toContain(`Serial Number: ${serial}`);
    expect((await crl()).equals(crlAfter)).toBe(true);

    // The removed device: no key list, no ticket for the new key (nor the old one).
    const phone = await clientOf("alice-phone");
    await expect(phone.listKeys()).rejects.toMatchObject({ code: "DEVICE_NOT_ACTIVE" });
    for (const keyId of [newKey, oldKey]) {
      const refused = await phone
        .releaseKey(keyId, { kty: "EC", crv: "P-256", x: "AA", y: "AA" })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(MailsealError);
      expect(refused).toMatchObject({ code: "DEVICE_NOT_ACTIVE" });
    }

    // New mail to Alice goes to the new key (CerDB), and Alice's own sent copy too.
    const newMail = await devices.send(
      "bob-laptop",
      [ALICE],
      plainMessage(`Bob <${BOB}>`, `Alice <${ALICE}>`, "new", "Sent after the removal."),
    );
    const laptopSent = await devices.send(
      "alice-laptop",
      [BOB],
      plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>`, "from the laptop", "Also after the removal."),
    );
    // The laptop reads old and new mail.
    for (const [message, text] of [
      [oldMail, "Sent before the removal."],
      [newMail, "Sent after the removal."],
      [laptopSent, "Also after the removal."],
    ] as const) {
      const read = await devices.read("alice-laptop", message);
      expect(read.stderr).toBe(
        `mailseal: encrypted (aes-256-cbc); signed by ${message === laptopSent ? ALICE : BOB}\n`,
      );
      expect(read.stdout.toString()).toContain(text);
    }
    // The phone's one key (the old one) opens the old mail, and none of the new.
    expect(opensslDecrypt("alice-phone", oldKey, oldMail)).toContain("Sent before the removal.");
    expect(opensslDecrypt("alice-phone", oldKey, newMail)).toBeUndefined();
    expect(opensslDecrypt("alice-phone", oldKey, laptopSent)).toBeUndefined();

    // Bob reads the phone's mail signed before the removal: revoked since, not valid.
    const before = await devices.read("bob-laptop", fromPhone);
    expect(before.status).toBe(0);
    expect(before.stdout.toString()).toContain("Signed before the removal.");
    expect(before.stderr).toMatch(
      new RegExp(
        `^mailseal: encrypted \\(aes-256-cbc\\); signed by ${ALICE}, but the certificate is revoked \\(CERT_REVOKED\\): ` +
          `revoked \\S+, after the signing time the signer claims, \\S+\\n$`,
      ),
    );

    // Whoever holds the phone's signing key signs after the removal: invalid, CERT_REVOKED.
    const keyPem = createPrivateKey({ key: phoneState.signing!.privateKey as never, format: "jwk" }).export({
      type: "pkcs8",
      format: "pem",
    });
    const signed = await mailseal(
      [
        "sign",
        "--key",
        file("phone.key", keyPem),
        "--cert",
        file("phone.crt", pem("CERTIFICATE", phoneCert)),
        "--certfile",
        file("issuing.crt", pem("CERTIFICATE", Buffer.from(phoneState.signing!.chain[0]!, "base64url"))),
        "--in",
        file("late.eml", plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>`, "late", "Signed after the removal.")),
      ],
      undefined,
    );
    expect(signed.status).toBe(0);
    const after = await devices.read("bob-laptop", signed.stdout.toString("latin1"));
    expect(after.stderr).toMatch(
      /^mailseal: not encrypted; signature invalid: CERT_REVOKED: certificate .* was revoked on /,
    );

    // Bob's device keeps the CRL with its nextUpdate, checked against the CA, for the next reads.
    const bobState = JSON.parse(
      readFileSync(join(devices.home("bob-laptop"), "accounts", `${encodeURIComponent(BOB)}.json`), "utf8"),
    ) as DeviceState;
    expect(Buffer.from(bobState.crl!.der, "base64url").equals(crlAfter)).toBe(true);
    expect(Date.parse(bobState.crl!.nextUpdate)).toBeGreaterThan(Date.now());
  });

  it("mailseal keys rotate makes a further key, brought to this device", async () => {
    const before = devices.state("alice-laptop", ALICE).keys;
    const rotated = await devices.run("alice-laptop", ["keys", "rotate"]);
    expect(rotated.stderr).toBe("");
    expect(rotated.status).toBe(0);
    const keys = devices.state("alice-laptop", ALICE).keys;
    expect(keys).toHaveLength(before.length + 1);
    expect(rotated.stdout.toString()).toBe(
      `${ALICE}: key ${keys.at(-1)!.keyId} is current, ${keys.length} of ${keys.length} keys on this device\n`,
    );
    expect(keys.map((k) => k.status)).toEqual([...before.map(() => "retired"), "current"]);
    // Mail sent now goes to it, and the laptop reads it.
    const message = await devices.send(
      "bob-laptop",
      [ALICE],
      plainMessage(`Bob <${BOB}>`, `Alice <${ALICE}>`, "rotated", "After the rotation."),
    );
    expect(opensslDecrypt("alice-laptop", keys.at(-1)!.keyId, message)).toContain("After the rotation.");
    expect((await devices.read("alice-laptop", message)).stdout.toString()).toContain("After the rotation.");
  });
});
