// End to end, the post-quantum hybrid (issue 15) with the real `mailseal server` and the `mailseal`
// command as processes: Bob opts in (`mailseal keys pq on`), the CA issues his ML-KEM certificate
// and CerDB publishes it beside the RSA one; Alice sends to Bob, and her `mailseal send` writes an
// RSA and an ML-KEM recipient for him; Bob reads it; a message carrying only his ML-KEM recipient
// opens on his device (so the device holds and uses the ML-KEM key); and openssl with his RSA key
// alone still opens Alice's message (an old client).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mailseal } from "../../cli/test/support.js";
import { NO_SECRET_STORE, pem, plainMessage, recipientKinds, ServerSuite } from "./e2e-support.js";

const suite = new ServerSuite("pq");
const { tmp, devices } = suite;
const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const CAROL = "carol@example.test";
const ML_KEM_768 = "2.16.840.1.101.3.4.4.2";

/** What NSS's cmsutil says decoding `message` with an empty database: the NSS error code. */
function nssDecodes(message: string): string {
  const db = join(tmp.dir, "nss-empty");
  if (!existsSync(db)) {
    mkdirSync(db);
    execFileSync("certutil", ["-N", "-d", `sql:${db}`, "--empty-password"]);
  }
  const der = file(
    "nss.der",
    Buffer.from(message.slice(message.indexOf("\r\n\r\n") + 4).replace(/\s+/g, ""), "base64"),
  );
  const run = spawnSync("cmsutil", ["-D", "-d", `sql:${db}`, "-i", der, "-o", "/dev/null"], { encoding: "latin1" });
  return /SEC_ERROR_[A-Z_]+/.exec(run.stderr)?.[0] ?? `exit ${run.status}`;
}

function file(name: string, text: string | Buffer): string {
  writeFileSync(join(tmp.dir, name), text);
  return join(tmp.dir, name);
}

describe("the post-quantum hybrid between two mailseal accounts", () => {
  it("opts in, publishes both certificates, sends hybrid, and the recipient reads through ML-KEM", async () => {
    await devices.provision(ALICE, "alice-laptop");
    await devices.provision(BOB, "bob-laptop");

    // Bob opts in: a new generation of an RSA and an ML-KEM key, both brought to his device.
    const optIn = await devices.run("bob-laptop", ["keys", "pq", "on"]);
    expect(optIn.stderr.toString()).toBe("");
    expect(optIn.status).toBe(0);
    expect(optIn.stdout.toString()).toMatch(
      new RegExp(`^${BOB}: key \\S+ and ML-KEM key \\S+ are current, 3 of 3 keys on this device\\n$`),
    );
    const state = devices.state("bob-laptop", BOB) as ReturnType<typeof devices.state> & {
      kemKeys?: { keyId: string; certificate: string; status: string; pkcs8?: string }[];
    };
    expect(state.kemKeys?.map((key) => [key.status, key.pkcs8 !== undefined])).toEqual([["current", true]]);

    // CerDB: the RSA certificate as before, and the ML-KEM one beside it: the ML-KEM-768 key,
    // keyUsage keyEncipherment only, for Bob's address.
    const entry = (await (await fetch(`${suite.server.api}/v1/certs/${BOB}`)).json()) as {
      certificate: string;
      kemCertificate?: string;
    };
    const current = state.keys.find((key) => key.status === "current")!;
    expect(entry.certificate).toBe(current.certificate);
    expect(entry.kemCertificate).toBe(state.kemKeys![0]!.certificate);
    const kemPem = file("bob-kem.crt", pem("CERTIFICATE", Buffer.from(entry.kemCertificate!, "base64url")));
    const text = execFileSync("openssl", ["x509", "-in", kemPem, "-noout", "-text"], { encoding: "latin1" });
    expect(text).toContain(ML_KEM_768);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Key Encipherment\n/);
    expect(text).toContain(`email:${BOB}`);

    // The LDAP door serves classic clients: Bob's RSA encryption certificate and his signing
    // certificate, never the ML-KEM one (docs/services.md, "CerDB over LDAP").
    const ldif = execFileSync(
      "ldapsearch",
      [
        "-x",
        "-LLL",
        "-o",
        "ldif-wrap=no",
        "-H",
        suite.server.ldap!,
        "-b",
        "o=mailseal",
        `(mail=${BOB})`,
        "userCertificate;binary",
      ],
      { encoding: "latin1" },
    );
    const served = [...ldif.matchAll(/^userCertificate;binary:: (\S+)$/gm)].map((m) => Buffer.from(m[1]!, "base64"));
    expect(served).toHaveLength(2);
    expect(served[0]!.toString("base64url")).toBe(entry.certificate);
    expect(served.some((der) => der.toString("base64url") === entry.kemCertificate)).toBe(false);

    // Alice sends to Bob: an RSA and an ML-KEM recipient for him, an RSA one for her own copy.
    const sent = await devices.send(
      "alice-laptop",
      [BOB],
      plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>`, "quantum", "The hybrid arrived."),
    );
    expect(recipientKinds(sent)).toEqual([1, 1, 5]);
    const read = await devices.read("bob-laptop", sent);
    expect(read.stderr.toString()).toBe(`mailseal: encrypted (aes-256-cbc); signed by ${ALICE}\n`);
    expect(read.stdout.toString()).toContain("The hybrid arrived.");

    // A message carrying only Bob's ML-KEM recipient (`mailseal encrypt --pq`, his certificate from
    // CerDB) opens on his device: it holds the ML-KEM key and reads the KEMRecipientInfo.
    const plain = file("plain.eml", plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>`, "kem only", "Only ML-KEM here."));
    const kemOnly = join(tmp.dir, "kem-only.eml");
    const encrypted = await mailseal(
      ["encrypt", "--pq", kemPem, "--in", plain, "--out", kemOnly],
      undefined,
      NO_SECRET_STORE,
    );
    expect(encrypted.status).toBe(0);
    const kemMessage = execFileSync("cat", [kemOnly], { encoding: "latin1" });
    expect(recipientKinds(kemMessage)).toEqual([5]);
    const kemRead = await devices.read("bob-laptop", kemMessage);
    expect(kemRead.status).toBe(0);
    expect(kemRead.stdout.toString()).toContain("Only ML-KEM here.");

    // An old client: openssl with Bob's RSA key alone opens Alice's hybrid message.
    const keyFile = file("bob.key", pem("PRIVATE KEY", Buffer.from(current.pkcs8!, "base64url")));
    const certFile = file("bob.crt", pem("CERTIFICATE", Buffer.from(current.certificate, "base64url")));
    const inner = execFileSync(
      "openssl",
      ["cms", "-decrypt", "-in", file("sent.eml", sent), "-inkey", keyFile, "-recip", certFile],
      { encoding: "latin1" },
    );
    expect(inner).toContain("The hybrid arrived.");
    // NSS (Thunderbird's own S/MIME) cannot decode an EnvelopedData with an OtherRecipientInfo at
    // all: cmsutil, even without any key, fails on the DER, where a classic message decodes and
    // then finds no key of its own. Hence the rule below.
    expect(nssDecodes(sent)).toBe("SEC_ERROR_BAD_DER");

    // Carol did not opt in: a message to Bob and Carol holds no ML-KEM recipient at all (Carol may
    // read with Thunderbird), and NSS decodes it.
    await devices.provision(CAROL, "carol-laptop");
    const both = await devices.send(
      "alice-laptop",
      [BOB, CAROL],
      plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>, Carol <${CAROL}>`, "both", "To a mixed audience."),
    );
    expect(recipientKinds(both)).toEqual([1, 1, 1]);
    expect(nssDecodes(both)).toBe("SEC_ERROR_NOT_A_RECIPIENT");
    expect((await devices.read("bob-laptop", both)).stdout.toString()).toContain("To a mixed audience.");

    // --no-pq: RSA recipients only.
    const input = file("classic.eml", plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>`, "classic", "RSA only."));
    const output = join(tmp.dir, "classic.sent");
    const classic = await devices.run("alice-laptop", ["send", "--to", BOB, "--no-pq", "--in", input, "--out", output]);
    expect(classic.status).toBe(0);
    expect(recipientKinds(execFileSync("cat", [output], { encoding: "latin1" }))).toEqual([1, 1]);
  });
});
