// End to end: the real `mailseal server` (all three roles, SQLite, soft HSM, outbox mailer) and the
// `mailseal` command as processes. Alice sets up two devices and Bob one, each answering its
// challenge mail from the outbox with no typed input; Alice sends to Bob (his certificate from
// CerDB); Bob reads it and sees it signed by Alice; and openssl, with Bob's key from his home,
// decrypts the same message and verifies Alice's signature against the service's root: the mail
// is standard S/MIME (RFC 8551), not something only mailseal reads.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pem, plainMessage, ServerSuite } from "./e2e-support.js";

const suite = new ServerSuite("e2e");
const { tmp, devices } = suite;
let sentToBob = "";

describe("mailseal against mailseal server", () => {
  it("provisions by challenge mail, sends signed and encrypted mail, reads it, and openssl reads it too", async () => {
    await devices.provision("alice@example.test", "alice-laptop");
    await devices.provision("alice@example.test", "alice-phone");
    await devices.provision("bob@example.test", "bob-laptop");

    const sent = (sentToBob = await devices.send(
      "alice-laptop",
      ["bob@example.test"],
      plainMessage("Alice <alice@example.test>", "Bob <bob@example.test>", "plans", "Meet at the station at nine."),
    ));
    // Both recipients (Bob, and Alice for her sent copy) are mailseal accounts, whose CerDB
    // capabilities leave out AES-GCM (Thunderbird's own S/MIME reads these accounts' mail too):
    // EnvelopedData with AES-256-CBC.
    expect(sent).toMatch(/^Content-Type: application\/pkcs7-mime; smime-type=enveloped-data/m);
    expect(sent).not.toContain("Meet at the station");

    const read = await devices.read("bob-laptop", sent);
    expect(read.stderr).toBe("mailseal: encrypted (aes-256-cbc); signed by alice@example.test\n");
    expect(read.status).toBe(0);
    expect(read.stdout.toString()).toContain("Subject: plans");
    expect(read.stdout.toString()).toContain("Meet at the station at nine.");
    // Alice's other device reads her sent copy: it was encrypted to her own key too.
    const own = await devices.read("alice-phone", sent);
    expect(own.status).toBe(0);
    expect(own.stderr).toContain("signed by alice@example.test");
    expect(own.stdout.toString()).toContain("Meet at the station at nine.");

    // openssl, with Bob's key and certificate as his home keeps them.
    const bob = devices.state("bob-laptop", "bob@example.test");
    const key = bob.keys[0]!;
    const file = (name: string, text: string) => {
      writeFileSync(join(tmp.dir, name), text);
      return join(tmp.dir, name);
    };
    const sentFile = file("sent.eml", sent);
    const keyFile = file("bob.key", pem("PRIVATE KEY", Buffer.from(key.pkcs8!, "base64url")));
    const certFile = file("bob.crt", pem("CERTIFICATE", Buffer.from(key.certificate, "base64url")));
    const inner = execFileSync("openssl", ["cms", "-decrypt", "-in", sentFile, "-inkey", keyFile, "-recip", certFile], {
      encoding: "latin1",
    });
    expect(inner).toMatch(/^Content-Type: multipart\/signed;/m);
    expect(inner).toContain("Meet at the station at nine.");
    // Alice's signature verifies against the root Bob's home got from the service (no other trust).
    const rootFile = file("root.crt", pem("CERTIFICATE", Buffer.from(bob.root, "base64url")));
    const signerFile = join(tmp.dir, "signer.crt");
    const verified = execFileSync(
      "openssl",
      [
        "cms",
        "-verify",
        "-in",
        file("inner.eml", inner),
        "-CAfile",
        rootFile,
        "-purpose",
        "smimesign",
        "-signer",
        signerFile,
      ],
      { encoding: "latin1", stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(verified).toContain("Meet at the station at nine.");
    const signer = execFileSync("openssl", ["x509", "-in", signerFile, "-noout", "-ext", "subjectAltName"], {
      encoding: "latin1",
    });
    expect(signer).toContain("email:alice@example.test");
    // And a root that is not the service's does not verify it.
    expect(() =>
      execFileSync("openssl", ["cms", "-verify", "-in", join(tmp.dir, "inner.eml"), "-CAfile", certFile], {
        stdio: "pipe",
      }),
    ).toThrow(/Verification failure|verify error/);
  });

  // Uses the first test's accounts: Alice on two devices, each of which released her key.
  it("lists the devices, records every release, and a removed device can no longer act", async () => {
    const listed = await devices.run("alice-laptop", ["devices"]);
    expect(listed.stderr).toBe("");
    const lines = listed.stdout.toString().trim().split("\n");
    expect(lines).toHaveLength(2);
    const laptop = devices.state("alice-laptop", "alice@example.test").deviceId;
    const phone = devices.state("alice-phone", "alice@example.test").deviceId;
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${laptop}  active  \\S+  alice-laptop  \\(this device\\)$`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${phone}  active  \\S+  alice-phone$`)));

    // Both devices released both shares of Alice's one key, each share recorded by its own store.
    const audit = await devices.run("alice-laptop", ["audit"]);
    expect(audit.stderr).toBe("");
    const releases = audit.stdout.toString().trim().split("\n");
    const keyId = devices.state("alice-laptop", "alice@example.test").keys[0]!.keyId;
    expect(releases).toHaveLength(4);
    for (const [device, name] of [
      [laptop, "alice-laptop"],
      [phone, "alice-phone"],
    ]) {
      for (const [store, index] of [
        ["share-a", 0],
        ["share-b", 1],
      ]) {
        expect(releases).toContainEqual(
          expect.stringMatching(
            new RegExp(`^\\S+  ${store}  key ${keyId}  share ${index}  device ${device} \\(${name}\\)$`),
          ),
        );
      }
    }

    const removed = await devices.run("alice-laptop", ["devices", "--remove", phone]);
    expect(removed.stderr).toBe("");
    expect(removed.stdout.toString()).toBe(`alice@example.test: device ${phone} removed\n`);
    const after = await devices.run("alice-laptop", ["devices"]);
    expect(after.stdout.toString()).toMatch(new RegExp(`^${phone}  removed  \\S+  alice-phone$`, "m"));
    // The removed device: its session is refused, whatever it tries.
    for (const args of [["devices"], ["audit"]]) {
      const refused = await devices.run("alice-phone", args);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^error DEVICE_NOT_ACTIVE: /);
    }
    const read = await devices.read("alice-phone", sentToBob);
    expect(read.status).toBe(1);
    expect(read.stderr).toMatch(/^error DEVICE_NOT_ACTIVE: /);
  });
});
