// The LDAP door with a client that has no add-in (issue 16): GnuPG's gpgsm, whose dirmngr is
// configured with the door as its LDAP server, finds Bob's certificate by his address, encrypts to
// it, and Bob's `mailseal read` opens the message. The real `mailseal server` (all roles, SQLite,
// soft HSM, outbox) and the real command; the organisation's part is to deploy the mailseal root to
// its clients (trustlist.txt here), as for any internal CA.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ServerSuite } from "./e2e-support.js";

const run = promisify(execFile);
const suite = new ServerSuite("ldap");
const { tmp, devices } = suite;
const gnupg = join(tmp.dir, "gnupg");

function gpg(command: string, args: string[], input?: Buffer) {
  // dirmngr-client has no --homedir: it finds its dirmngr through GNUPGHOME.
  const child = run(command, command === "gpgsm" ? ["--homedir", gnupg, ...args] : args, {
    env: { ...process.env, GNUPGHOME: gnupg },
    encoding: "buffer",
  });
  if (input !== undefined) child.child.stdin!.end(input);
  return child;
}

afterAll(async () => {
  await run("gpgconf", ["--homedir", gnupg, "--kill", "all"]).catch(() => undefined);
});

describe("CerDB over LDAP for a client without the add-in", () => {
  it("gpgsm finds Bob's certificate through dirmngr, encrypts to it, and Bob reads the message", async () => {
    await devices.provision("bob@example.test", "bob-laptop");
    const ldap = new URL(suite.server.ldap!);

    mkdirSync(gnupg, { mode: 0o700 });
    // dirmngr 2.2's ldapserver form: HOST:PORT:USER:PASS:BASE_DN:FLAGS.
    writeFileSync(join(gnupg, "dirmngr.conf"), `ldapserver ${ldap.hostname}:${ldap.port}:::o=mailseal:\n`);
    // With CRL checks on (gpgsm's default): dirmngr checks the leaf against the issuing CA's CRL and
    // the issuing CA against the root's, each fetched from the distribution point its certificate names.
    writeFileSync(join(gnupg, "gpg-agent.conf"), "disable-scdaemon\n");
    // Started here and waited for: gpgsm's own autostart gives up after a few seconds on a loaded machine.
    await run("gpgconf", ["--homedir", gnupg, "--launch", "gpg-agent"]);
    await run("gpgconf", ["--homedir", gnupg, "--launch", "dirmngr"]);

    // The organisation deploys the mailseal root and issuing CA; gpgsm trusts the root for S/MIME.
    const ca = (await (await fetch(`${suite.server.api}/v1/ca/certificates`)).json()) as {
      root: string;
      issuing: string;
    };
    for (const [name, b64url] of Object.entries(ca)) {
      writeFileSync(join(tmp.dir, `${name}.der`), Buffer.from(b64url, "base64url"));
      await gpg("gpgsm", ["--batch", "--import", join(tmp.dir, `${name}.der`)]);
    }
    const root = (
      await run("openssl", [
        "x509",
        "-inform",
        "DER",
        "-in",
        join(tmp.dir, "root.der"),
        "-noout",
        "-fingerprint",
        "-sha1",
      ])
    ).stdout
      .replace(/^.*=/, "")
      .replace(/:/g, "")
      .trim();
    writeFileSync(join(gnupg, "trustlist.txt"), `${root} S\n`);

    // Found by the address alone, through dirmngr's LDAP lookup.
    const listed = (await gpg("gpgsm", ["--batch", "--list-external-keys", "bob@example.test"])).stdout.toString();
    expect(listed).toContain("aka: bob@example.test");
    expect(listed).toContain("key usage: keyEncipherment");
    const fetched = (await gpg("dirmngr-client", ["--lookup", "--pem", "bob@example.test"])).stdout.toString();
    const der = Buffer.from(fetched.replace(/\s+/g, ""), "base64");
    writeFileSync(join(tmp.dir, "bob-from-ldap.der"), der);
    // It is the certificate CerDB's HTTP lookup gives.
    const http = (await (await fetch(`${suite.server.api}/v1/certs/bob@example.test`)).json()) as {
      certificate: string;
    };
    expect(der.toString("base64url")).toBe(http.certificate);
    await gpg("gpgsm", ["--batch", "--import", join(tmp.dir, "bob-from-ldap.der")]);

    const inner = "Content-Type: text/plain; charset=utf-8\r\n\r\nHello Bob, from a client without the add-in.\r\n";
    writeFileSync(join(tmp.dir, "inner.txt"), inner);
    await gpg("gpgsm", [
      "--batch",
      "-r",
      "bob@example.test",
      "--encrypt",
      "-o",
      join(tmp.dir, "sealed.p7m"),
      join(tmp.dir, "inner.txt"),
    ]);
    const body = readFileSync(join(tmp.dir, "sealed.p7m"))
      .toString("base64")
      .replace(/(.{76})/g, "$1\r\n");
    const message =
      "From: Carol <carol@elsewhere.example>\r\nTo: Bob <bob@example.test>\r\nSubject: found you in the directory\r\n" +
      "MIME-Version: 1.0\r\n" +
      "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n" +
      `Content-Transfer-Encoding: base64\r\n\r\n${body}\r\n`;
    const read = await devices.read("bob-laptop", message);
    expect(read.status).toBe(0);
    expect(read.stderr).toBe("mailseal: encrypted (aes-128-cbc); not signed\n");
    expect(read.stdout.toString()).toContain("Hello Bob, from a client without the add-in.");
  });
});
