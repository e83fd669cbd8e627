// The organisation gateway (issue 16) behind a real Postfix, with a real Dovecot as final delivery and
// the real services: a plain SMTP client sends through Postfix -> `mailseal gateway` (content filter)
// -> Postfix -> Dovecot. Alice (org.test) has opted in: the gateway's home is one of her devices.
// Bob (example.test) has mailseal on his laptop; Carol has nothing.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createPrivateKey, X509Certificate, type JsonWebKey } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import SMTPConnection from "nodemailer/lib/smtp-connection/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../../cli/test/support.js";
import { startDovecot, type TestDovecot } from "../thunderbird/harness/dovecot.js";
import { freePort } from "../thunderbird/harness/ports.js";
import { startPostfix, type TestPostfix } from "../support/postfix.js";
import type { FastifyBaseLogger } from "fastify";
import { NetworkBudget } from "../../server/src/api/deps.js";
import { createLdapDoor, type LdapDoor } from "../../server/src/ldap/server.js";
import { NO_SECRET_STORE, ServerSuite } from "./e2e-support.js";

/** The LDAP door logs nothing here (as in the server tests). */
const SILENT = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  child: () => SILENT,
} as unknown as FastifyBaseLogger;

const run = promisify(execFile);
const suite = new ServerSuite("gateway");
const { tmp, devices } = suite;

let dovecot: TestDovecot;
let postfix: TestPostfix;
let gateway: RunningGateway;
let gatewayPort: number;
let partner: PartnerCa;
let ldap: LdapDoor;
let ldapPort: number;
/** The re-injection listener's recipient access table (a line refuses a recipient for now). */
const reinjectAccess = join(tmp.dir, "reinject-access");

/**
 * A partner organisation's own CA (openssl, not mailseal), which the gateway is told to trust
 * (--trust-anchors), with Dave's certificate (signing and encryption, emailProtection); and Eve's
 * self-signed certificate, which nothing trusts.
 */
interface PartnerCa {
  caCert: string;
  dave: { key: string; cert: string };
  frank: { key: string; cert: string };
  grace: { key: string; cert: string };
  eve: { key: string; cert: string };
}

async function partnerCa(): Promise<PartnerCa> {
  const dir = join(tmp.dir, "partner");
  await run("mkdir", ["-p", dir]);
  const file = (name: string) => join(dir, name);
  const ca = { key: file("ca.key"), cert: file("ca.pem") };
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    ca.key,
    "-out",
    ca.cert,
    "-days",
    "30",
    "-subj",
    "/O=Partner/CN=Partner Mail CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const userExt = (address: string) =>
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
    `extendedKeyUsage=emailProtection\nsubjectAltName=email:${address}\n`;
  const user = async (name: string, address: string, issuer?: { key: string; cert: string }) => {
    const key = file(`${name}.key`);
    const cert = file(`${name}.pem`);
    const ext = file(`${name}.ext`);
    writeFileSync(ext, userExt(address));
    if (issuer === undefined) {
      await run("openssl", [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "30",
        "-subj",
        `/CN=${name}`,
        "-extensions",
        "v3_user",
        "-config",
        await userConfig(ext),
      ]);
    } else {
      const csr = file(`${name}.csr`);
      await run("openssl", [
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        csr,
        "-subj",
        `/CN=${name}`,
      ]);
      await run("openssl", [
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        issuer.cert,
        "-CAkey",
        issuer.key,
        "-set_serial",
        `0x${Date.now().toString(16)}`,
        "-days",
        "30",
        "-out",
        cert,
        "-extfile",
        ext,
      ]);
    }
    return { key, cert };
  };
  const userConfig = async (ext: string) => {
    const config = `${ext}.cnf`;
    writeFileSync(config, `[req]\ndistinguished_name=dn\n[dn]\n[v3_user]\n${readFileSync(ext, "utf8")}`);
    return config;
  };
  return {
    caCert: ca.cert,
    dave: await user("dave", "dave@example.test", ca),
    frank: await user("frank", "frank@example.test", ca),
    grace: await user("grace", "grace@example.test", ca),
    eve: await user("eve", "eve@example.test"),
  };
}

/** The issuer serial numbers of the RecipientInfos of an enveloped message (openssl cms -cmsout -print). */
async function recipientSerials(mail: Buffer): Promise<string[]> {
  const file = join(tmp.dir, `ri-${Date.now()}.eml`);
  writeFileSync(file, mail);
  const { stdout } = await run("openssl", ["cms", "-cmsout", "-print", "-in", file], { maxBuffer: 64 * 1024 * 1024 });
  const infos = stdout.slice(stdout.indexOf("recipientInfos:"), stdout.indexOf("encryptedContentInfo:"));
  // openssl prints a serial number in decimal, or in hex after 0x when it is large.
  return [...infos.matchAll(/serialNumber: (0x[0-9A-Fa-f]+|\d+)/g)].map((m) =>
    BigInt(m[1]!).toString(16).toUpperCase(),
  );
}

/** The serial number of a PEM certificate file, as openssl prints it. */
async function serialOf(cert: string): Promise<string> {
  const { stdout } = await run("openssl", ["x509", "-in", cert, "-noout", "-serial"]);
  return stdout
    .trim()
    .replace(/^serial=/, "")
    .replace(/^0+/, "")
    .toUpperCase();
}

/** Whether the delivered mail is enveloped, and if so whether `key` (PEM) decrypts it (openssl cms). */
async function decryptsWith(mail: Buffer, key: string, cert: string): Promise<boolean> {
  const file = join(tmp.dir, `enveloped-${Date.now()}.eml`);
  writeFileSync(file, mail);
  try {
    await run("openssl", ["cms", "-decrypt", "-inkey", key, "-recip", cert, "-in", file, "-out", `${file}.out`]);
    return true;
  } catch {
    return false;
  }
}

interface RunningGateway {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

function database(): string {
  return `sqlite:${join(suite.data, "api", "api.sqlite")}`;
}

/** `mailseal gateway` as a child process; resolves once it listens. */
function startGateway(): Promise<RunningGateway> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      "gateway",
      "--home",
      devices.home("gateway"),
      "--db",
      database(),
      "--listen",
      `127.0.0.1:${gatewayPort}`,
      "--reinject",
      `127.0.0.1:${postfix.ports.reinject}`,
      "--trust-anchors",
      partner.caCert,
      "--ldap",
      `ldap://127.0.0.1:${ldapPort}/o=partner`,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...NO_SECRET_STORE } },
  );
  let out = "";
  let err = "";
  const exited = new Promise<number | null>((done) => child.once("exit", (status) => done(status)));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("accounts:")) resolve({ child, stderr: () => err, exited });
    });
    void exited.then((status) => reject(new Error(`gateway exited ${status}: ${err}`)));
  });
}

async function policy(subject: string, value: string): Promise<void> {
  const { stdout } = await run(process.execPath, [BIN, "gateway", "policy", subject, value, "--db", database()]);
  expect(stdout).toBe(`${subject} ${value}\n`);
}

/**
 * A plain SMTP client (no mailseal anywhere) sends `message` to Postfix's submission listener (the
 * after-queue filter), or to `port` (the before-queue one).
 */
async function submit(
  from: string,
  to: readonly string[],
  message: string | Buffer,
  port = postfix.ports.submit,
): Promise<void> {
  const connection = new SMTPConnection({ host: "127.0.0.1", port, ignoreTLS: true });
  await new Promise<void>((resolve, reject) => {
    connection.once("error", reject);
    connection.connect(() => resolve());
  });
  const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
    connection.send({ from, to: [...to] }, message, (error, sent) => (error ? reject(error) : resolve(sent))),
  );
  connection.quit();
  expect(info.accepted).toEqual([...to]);
}

function mailbox(user: string): string[] {
  const dir = join(dovecot.maildirs, user, "new");
  // Maildir names are SECONDS.M<MICROSECONDS>P<PID>...: in arrival order by those two numbers (the
  // microseconds are not zero-padded, so a text sort misorders two messages of the same second).
  const order = (name: string) => {
    const match = /^(\d+)\.M(\d+)/.exec(name);
    return match === null ? [0, 0] : [Number(match[1]), Number(match[2])];
  };
  const files = existsSync(dir) ? readdirSync(dir) : [];
  return files.sort((a, b) => {
    const [as, am] = order(a);
    const [bs, bm] = order(b);
    return as! - bs! || am! - bm!;
  });
}

/** Waits for the `count`th message in the user's INBOX and gives its bytes. */
async function delivered(user: string, count: number, timeoutMs = 30_000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = mailbox(user);
    if (files.length >= count) return readFileSync(join(dovecot.maildirs, user, "new", files[count - 1]!));
    if (Date.now() > deadline) {
      throw new Error(`no message ${count} for ${user}: ${postfix.log().slice(-4000)}\ngateway: ${gateway.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Bob's current private key as PEM, from his laptop's state (what his mail client would hold). */
async function bobKey(): Promise<string> {
  const state = devices.state("bob-laptop", "bob@example.test");
  const key = state.keys.find((k) => k.status === "current" && k.pkcs8 !== undefined)!;
  const der = join(tmp.dir, "bob-key.der");
  writeFileSync(der, Buffer.from(key.pkcs8!, "base64url"));
  const pem = join(tmp.dir, "bob-key.pem");
  await run("openssl", ["pkey", "-inform", "DER", "-in", der, "-out", pem]);
  return pem;
}

/** The service's root and issuing CA as one PEM file (what an organisation deploys). */
async function caFile(): Promise<string> {
  const ca = (await (await fetch(`${suite.server.api}/v1/ca/certificates`)).json()) as Record<string, string>;
  let pem = "";
  for (const name of ["root", "issuing"]) {
    const der = join(tmp.dir, `${name}.der`);
    writeFileSync(der, Buffer.from(ca[name]!, "base64url"));
    pem += (await run("openssl", ["x509", "-inform", "DER", "-in", der])).stdout;
  }
  const file = join(tmp.dir, "ca.pem");
  writeFileSync(file, pem);
  return file;
}

/** Bob's signing key and certificate (with its chain) as PEM files, for openssl cms -sign. */
async function bobSigner(): Promise<{ key: string; cert: string; chain: string }> {
  const state = devices.state("bob-laptop", "bob@example.test") as unknown as {
    signing: { privateKey: JsonWebKey; certificate: string; chain: string[] };
  };
  const key = join(tmp.dir, "bob-signing-key.pem");
  writeFileSync(
    key,
    createPrivateKey({ key: state.signing.privateKey, format: "jwk" }).export({ type: "pkcs8", format: "pem" }),
  );
  const pem = async (b64: string, name: string) => {
    const der = join(tmp.dir, `${name}.der`);
    writeFileSync(der, Buffer.from(b64, "base64url"));
    return (await run("openssl", ["x509", "-inform", "DER", "-in", der])).stdout;
  };
  const cert = join(tmp.dir, "bob-signing.pem");
  writeFileSync(cert, await pem(state.signing.certificate, "bob-signing"));
  const chain = join(tmp.dir, "bob-chain.pem");
  writeFileSync(chain, (await Promise.all(state.signing.chain.map((c, i) => pem(c, `bob-chain-${i}`)))).join(""));
  return { key, cert, chain };
}

/** `message` signed (multipart/signed) by openssl cms with the given signer, outer header as given. */
async function opensslSigned(signer: { key: string; cert: string; chain?: string }, header: string, body: string) {
  const input = join(tmp.dir, `to-sign-${Date.now()}.txt`);
  writeFileSync(input, body);
  const { stdout } = await run(
    "openssl",
    [
      "cms",
      "-sign",
      "-signer",
      signer.cert,
      "-inkey",
      signer.key,
      ...(signer.chain === undefined ? [] : ["-certfile", signer.chain]),
      "-in",
      input,
      "-crlfeol",
    ],
    { encoding: "latin1" },
  );
  return header + stdout.replace(/\r?\n/g, CRLF);
}

/** Whether openssl cms verifies the delivered message against the service's CA. */
async function opensslVerifies(mail: Buffer): Promise<string> {
  const file = join(tmp.dir, `verify-${Date.now()}.eml`);
  writeFileSync(file, mail);
  return (await run("openssl", ["cms", "-verify", "-CAfile", await caFile(), "-in", file], { encoding: "latin1" }))
    .stdout;
}

/** openssl cms: decrypts the delivered mail with Bob's key, then verifies the signature; the content. */
async function openAsBob(mail: Buffer): Promise<Buffer> {
  const sealed = join(tmp.dir, `sealed-${Date.now()}.eml`);
  writeFileSync(sealed, mail);
  const signed = `${sealed}.signed`;
  await run("openssl", ["cms", "-decrypt", "-inkey", await bobKey(), "-in", sealed, "-out", signed]);
  const content = `${sealed}.content`;
  await run("openssl", ["cms", "-verify", "-CAfile", await caFile(), "-in", signed, "-out", content]);
  return readFileSync(content);
}

beforeAll(async () => {
  await devices.provision("alice@org.test", "gateway");
  await devices.provision("bob@example.test", "bob-laptop");
  partner = await partnerCa();
  // The partner's directory: the project's LDAP door over certificates mailseal did not issue. Grace's
  // is hers; for Mallory it gives Dave's, which does not name Mallory.
  const der = (cert: string) => new X509Certificate(readFileSync(cert)).raw;
  ldap = createLdapDoor({
    directory: {
      entries: async (addresses) =>
        addresses.flatMap((address) =>
          address === "grace@example.test"
            ? [{ address, certificates: [der(partner.grace.cert)] }]
            : address === "mallory@example.test"
              ? [{ address, certificates: [der(partner.dave.cert)] }]
              : [],
        ),
    },
    baseDn: "o=partner",
    budget: new NetworkBudget(1000, 60_000, () => Date.now()),
    logger: SILENT,
  });
  ldapPort = await ldap.listen(0, "127.0.0.1");
  writeFileSync(reinjectAccess, "");
  dovecot = await startDovecot(
    ["alice", "bob", "carol", "dave", "eve", "frank", "grace", "mallory"].map((name) => ({ name, password: "secret" })),
  );
  gatewayPort = await freePort();
  postfix = await startPostfix({
    filterPort: gatewayPort,
    ports: { submit: await freePort(), reinject: await freePort(), plain: await freePort(), proxy: await freePort() },
    domains: ["org.test", "example.test"],
    dovecotConfig: join(dovecot.dir, "dovecot.conf"),
    reinjectAccess,
  });
  gateway = await startGateway();
}, 90_000);

afterAll(async () => {
  gateway?.child.kill("SIGKILL");
  await postfix?.stop();
  await dovecot?.stop();
  await ldap?.close();
});

const CRLF = "\r\n";

function plainMessage(from: string, to: string, subject: string, body: string): string {
  return (
    [
      `From: ${from}`,
      `To: ${to}`,
      `Subject: ${subject}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
    ].join(CRLF) +
    CRLF +
    CRLF +
    body
  );
}

describe("the organisation gateway behind Postfix", () => {
  it("lists the gateway among Alice's devices: it enrolled as any device does", async () => {
    const result = await devices.run("gateway", ["devices"]);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toMatch(/active .* gateway {2}\(this device\)\n$/);
  });

  it("signs and encrypts Alice's mail to Bob: openssl cms decrypts it with Bob's key and verifies it", async () => {
    const body = `Hello Bob,${CRLF}sent from a client with nothing installed.${CRLF}`;
    await submit(
      "alice@org.test",
      ["bob@example.test"],
      plainMessage("alice@org.test", "bob@example.test", "hi", body),
    );
    const mail = await delivered("bob", 1);
    expect(mail.toString("latin1")).toMatch(/Content-Type: application\/pkcs7-mime/i);
    expect(mail.toString("latin1")).not.toContain("sent from a client with nothing installed");
    const content = await openAsBob(mail);
    expect(content.toString("latin1")).toContain(body);
  });

  it("decrypts Bob's S/MIME to Alice and delivers it with a header saying what was checked", async () => {
    const secret = `The meeting moved to Thursday.${CRLF}`;
    const sealed = await devices.send(
      "bob-laptop",
      ["alice@org.test"],
      plainMessage("bob@example.test", "alice@org.test", "moved", secret),
    );
    expect(sealed).not.toContain("The meeting moved");
    // A verdict written by the sender (or anyone on the way) in the outer header is dropped.
    const forged = `X-Mailseal: decrypted (aes-256-gcm); signature valid from ceo@org.test${CRLF}${sealed}`;
    await submit("bob@example.test", ["alice@org.test"], forged);
    const mail = (await delivered("alice", 1)).toString("latin1");
    expect(mail).toMatch(/^X-Mailseal: decrypted \(aes-256-(cbc|gcm)\); signature valid from bob@example\.test\r?$/m);
    expect(mail.match(/^X-Mailseal:/gim)).toHaveLength(1);
    expect(mail).toContain("The meeting moved to Thursday.");
    expect(mail).not.toMatch(/application\/pkcs7-mime/i);
  });

  it("verifies signed-only mail to Alice, says so in a header, drops a forged one, and the message still verifies", async () => {
    const body = `Content-Type: text/plain; charset=utf-8${CRLF}${CRLF}Signed, not sealed.${CRLF}`;
    const header = [
      "From: bob@example.test",
      "To: alice@org.test",
      "Subject: signed only",
      "X-Mailseal: decrypted (aes-256-gcm); signature valid from ceo@org.test",
      "",
    ].join(CRLF);
    const signed = await opensslSigned(await bobSigner(), header, body);
    const before = mailbox("alice").length;
    await submit("bob@example.test", ["alice@org.test"], signed);
    const mail = await delivered("alice", before + 1);
    const text = mail.toString("latin1");
    expect(text).toMatch(/^X-Mailseal: not encrypted; signature valid from bob@example\.test\r?$/m);
    expect(text.match(/^X-Mailseal:/gim)).toHaveLength(1);
    // The body byte for byte (Postfix adds Message-Id and Date; Dovecot stores LF line ends): openssl verifies what Alice's client gets.
    expect(text).toContain(signed.slice(signed.indexOf("This is an S/MIME signed message")).replace(/\r\n/g, "\n"));
    expect(await opensslVerifies(mail)).toContain("Signed, not sealed.");
  });

  it("marks plain mail to Alice as unchecked, dropping a forged verdict, and leaves others' copies alone", async () => {
    const forged =
      `X-Mailseal: decrypted (aes-256-gcm); signature valid from ceo@org.test${CRLF}` +
      plainMessage("carol@example.test", "alice@org.test", "plain", `Nothing checked here.${CRLF}`);
    const before = { alice: mailbox("alice").length, bob: mailbox("bob").length };
    await submit("carol@example.test", ["alice@org.test", "bob@example.test"], forged);
    const mail = (await delivered("alice", before.alice + 1)).toString("latin1");
    expect(mail).toMatch(/^X-Mailseal: not encrypted; not signed\r?$/m);
    expect(mail.match(/^X-Mailseal:/gim)).toHaveLength(1);
    // Bob is no account of the gateway: his copy is as it came.
    const bob = (await delivered("bob", before.bob + 1)).toString("latin1");
    expect(bob).toContain(forged.slice(0, forged.indexOf(CRLF)));
  });

  it("learns the encryption certificate of a signer a trusted CA certified, and encrypts to it after", async () => {
    const before = { dave: mailbox("dave").length, alice: mailbox("alice").length };
    // Nothing known of Dave yet: the default policy signs only.
    await submit(
      "alice@org.test",
      ["dave@example.test"],
      plainMessage("alice@org.test", "dave@example.test", "first", `Do we know you?${CRLF}`),
    );
    const first = await delivered("dave", before.dave + 1);
    expect(first.toString("latin1")).not.toMatch(/enveloped-data/i);
    // Dave signs with his organisation's CA (which the gateway trusts) and writes to Alice.
    const header = ["From: dave@example.test", "To: alice@org.test", "Subject: my certificate", ""].join(CRLF);
    const signed = await opensslSigned(
      partner.dave,
      header,
      `Content-Type: text/plain${CRLF}${CRLF}Hello Alice.${CRLF}`,
    );
    await submit("dave@example.test", ["alice@org.test"], signed);
    const verified = (await delivered("alice", before.alice + 1)).toString("latin1");
    expect(verified).toMatch(/^X-Mailseal: not encrypted; signature valid from dave@example\.test\r?$/m);
    expect(gateway.stderr()).toMatch(/remembered the certificate [0-9A-F]+ of dave@example\.test/);
    // Now Alice's mail to Dave is encrypted to that certificate: his own key opens it.
    await submit(
      "alice@org.test",
      ["dave@example.test"],
      plainMessage("alice@org.test", "dave@example.test", "second", `Now sealed.${CRLF}`),
    );
    const second = await delivered("dave", before.dave + 2);
    expect(second.toString("latin1")).toMatch(/enveloped-data/i);
    expect(await decryptsWith(second, partner.dave.key, partner.dave.cert)).toBe(true);
  });

  it("learns nothing from a self-signed certificate no anchor vouches for", async () => {
    const before = { eve: mailbox("eve").length, alice: mailbox("alice").length };
    const header = ["From: eve@example.test", "To: alice@org.test", "Subject: trust me", ""].join(CRLF);
    const signed = await opensslSigned(partner.eve, header, `Content-Type: text/plain${CRLF}${CRLF}Trust me.${CRLF}`);
    await submit("eve@example.test", ["alice@org.test"], signed);
    const verdict = (await delivered("alice", before.alice + 1)).toString("latin1");
    expect(verdict).toMatch(/^X-Mailseal: not encrypted; signature invalid \(UNTRUSTED_CERTIFICATE\)\r?$/m);
    expect(gateway.stderr()).not.toMatch(/of eve@example\.test/);
    await submit(
      "alice@org.test",
      ["eve@example.test"],
      plainMessage("alice@org.test", "eve@example.test", "reply", `Not to you.${CRLF}`),
    );
    const reply = await delivered("eve", before.eve + 1);
    expect(reply.toString("latin1")).not.toMatch(/enveloped-data/i);
  });

  it("remembers, from mailseal mail, the encryption certificate its SMIMEEncryptionKeyPreference names", () => {
    // Bob's mail to Alice (decrypted above) is signed with his signing certificate, which is not
    // for encryption; the preference names his encryption certificate: that one is remembered.
    const state = devices.state("bob-laptop", "bob@example.test");
    const current = state.keys.find((k) => k.status === "current")!;
    const serial = new X509Certificate(Buffer.from(current.certificate, "base64url")).serialNumber;
    expect(gateway.stderr()).toContain(`remembered the certificate ${serial} of bob@example.test`);
  });

  it("encrypts to a certificate the organisation's LDAP directory holds, after checking it like any other", async () => {
    const before = { grace: mailbox("grace").length, mallory: mailbox("mallory").length };
    await submit(
      "alice@org.test",
      ["grace@example.test"],
      plainMessage("alice@org.test", "grace@example.test", "from LDAP", `Found you in the directory.${CRLF}`),
    );
    const toGrace = await delivered("grace", before.grace + 1);
    expect(toGrace.toString("latin1")).toMatch(/enveloped-data/i);
    expect(await decryptsWith(toGrace, partner.grace.key, partner.grace.cert)).toBe(true);
    // The directory's certificate for Mallory names Dave: not used, the mail leaves signed only.
    await submit(
      "alice@org.test",
      ["mallory@example.test"],
      plainMessage("alice@org.test", "mallory@example.test", "from LDAP", `Not to Dave's key.${CRLF}`),
    );
    const toMallory = await delivered("mallory", before.mallory + 1);
    expect(toMallory.toString("latin1")).not.toMatch(/enveloped-data/i);
  });

  it("encrypts one copy for To and Cc and one per Bcc recipient; a failed copy is retried alone, none twice", async () => {
    // Frank (the partner's) becomes known to the gateway by his signed mail.
    const before = {
      alice: mailbox("alice").length,
      bob: mailbox("bob").length,
      dave: mailbox("dave").length,
      frank: mailbox("frank").length,
    };
    const header = ["From: frank@example.test", "To: alice@org.test", "Subject: hello", ""].join(CRLF);
    await submit(
      "frank@example.test",
      ["alice@org.test"],
      await opensslSigned(partner.frank, header, `Content-Type: text/plain${CRLF}${CRLF}Hi.${CRLF}`),
    );
    await delivered("alice", before.alice + 1);
    // The re-injection refuses Frank's copy for now (451): Postfix keeps the message and retries.
    writeFileSync(reinjectAccess, "frank@example.test 451 4.7.1 not now\n");
    await postfix.reload();
    const message = [
      "From: alice@org.test",
      "To: Bob <bob@example.test>",
      'Cc: "dave@example.test, really" <dave@example.test>',
      "Subject: three ways",
      "MIME-Version: 1.0",
      "Content-Type: text/plain",
      "",
      "Frank is in Bcc.",
      "",
    ].join(CRLF);
    await submit("alice@org.test", ["bob@example.test", "dave@example.test", "frank@example.test"], message);
    const toBob = await delivered("bob", before.bob + 1);
    const toDave = await delivered("dave", before.dave + 1);
    // Bob and Dave got one copy, the same: it names Bob's, Dave's and Alice's own certificates only.
    const bobSerial = new X509Certificate(
      Buffer.from(
        devices.state("bob-laptop", "bob@example.test").keys.find((k) => k.status === "current")!.certificate,
        "base64url",
      ),
    ).serialNumber.replace(/^0+/, "");
    const serials = await recipientSerials(toBob);
    expect(serials).toHaveLength(3);
    expect(serials).toContain(bobSerial);
    expect(serials).toContain(await serialOf(partner.dave.cert));
    expect(serials).not.toContain(await serialOf(partner.frank.cert));
    expect(await decryptsWith(toBob, partner.frank.key, partner.frank.cert)).toBe(false);
    expect(await recipientSerials(toDave)).toEqual(serials);
    expect(mailbox("frank")).toHaveLength(before.frank);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await postfix.queue()).toMatch(/frank@example\.test/);
    // Frank's copy is let through: the retry hands back only his copy.
    writeFileSync(reinjectAccess, "");
    await postfix.reload();
    await postfix.flush();
    const toFrank = await delivered("frank", before.frank + 1);
    const frankSerials = await recipientSerials(toFrank);
    expect(frankSerials).toHaveLength(2);
    expect(frankSerials).toContain(await serialOf(partner.frank.cert));
    expect(await decryptsWith(toFrank, partner.frank.key, partner.frank.cert)).toBe(true);
    expect(gateway.stderr()).toMatch(/the copy to bob@example\.test, dave@example\.test went back before, not again/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(mailbox("bob")).toHaveLength(before.bob + 1);
    expect(mailbox("dave")).toHaveLength(before.dave + 1);
  }, 60_000);

  it("signs only when a recipient has no certificate and the policy is possible (the default)", async () => {
    const body = `Carol has no mailseal.${CRLF}`;
    await submit(
      "alice@org.test",
      ["carol@example.test"],
      plainMessage("alice@org.test", "carol@example.test", "hi", body),
    );
    const mail = await delivered("carol", 1);
    expect(mail.toString("latin1")).not.toMatch(/enveloped-data/i);
    const file = join(tmp.dir, "signed-only.eml");
    writeFileSync(file, mail);
    const content = await run("openssl", ["cms", "-verify", "-CAfile", await caFile(), "-in", file], {
      encoding: "latin1",
    });
    expect(content.stdout).toContain("Carol has no mailseal.");
  });

  it("bounces mail to a recipient without a certificate when the policy is always", async () => {
    await policy("org.test", "always");
    const before = mailbox("alice").length;
    try {
      await submit(
        "alice@org.test",
        ["carol@example.test"],
        plainMessage("alice@org.test", "carol@example.test", "clear?", "never in the clear\r\n"),
      );
      // Postfix took it (after-queue), the gateway refused it with 550: Alice gets the bounce, Carol nothing.
      const bounce = (await delivered("alice", before + 1)).toString("latin1");
      expect(bounce).toMatch(/Undelivered Mail Returned to Sender/);
      expect(bounce).toMatch(/550 5\.7\.1 policy for\s+alice@org\.test is to always\s+encrypt/);
      expect(mailbox("carol")).toHaveLength(1);
    } finally {
      await policy("org.test", "default");
    }
  });

  it("works as Postfix's before-queue filter (smtpd_proxy_filter): the client's 250 comes after the gateway's, a policy refusal is the client's 550", async () => {
    const proxy = postfix.ports.proxy!;
    const before = mailbox("bob").length;
    const body = `Through the before-queue filter.${CRLF}`;
    await submit(
      "alice@org.test",
      ["bob@example.test"],
      plainMessage("alice@org.test", "bob@example.test", "proxy", body),
      proxy,
    );
    const mail = await delivered("bob", before + 1);
    expect(mail.toString("latin1")).toMatch(/enveloped-data/i);
    expect((await openAsBob(mail)).toString("latin1")).toContain(body);
    // "always" and a recipient without a certificate: the client itself is refused, nothing queued.
    await policy("org.test", "always");
    try {
      const refused = await submit(
        "alice@org.test",
        ["carol@example.test"],
        plainMessage("alice@org.test", "carol@example.test", "clear?", "never in the clear\r\n"),
        proxy,
      ).then(
        () => undefined,
        (error: unknown) => error as { responseCode?: number; response?: string },
      );
      expect(refused?.responseCode).toBe(550);
      expect(refused?.response).toMatch(/5\.7\.1 policy for alice@org\.test is to always encrypt/);
    } finally {
      await policy("org.test", "default");
    }
    expect(await postfix.queue()).toMatch(/Mail queue is empty/);
  });

  it("keeps a message queued in Postfix when the gateway is killed mid-message, and delivers it after the restart", async () => {
    // 2 MiB of text: signing and encrypting it takes the gateway long enough to be killed in the middle.
    const line = "0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?\r\n";
    const body = line.repeat(Math.ceil((2 * 1024 * 1024) / line.length));
    const before = mailbox("bob").length;
    const killed = new Promise<void>((resolve) => {
      const watch = setInterval(() => {
        // The whole message has arrived (Postfix waits for the answer to its end of data) and is
        // being signed and encrypted: a gateway that answered 250 now would lose it here.
        if (/processing \d+ bytes from <alice@org\.test>/.test(gateway.stderr())) {
          clearInterval(watch);
          gateway.child.kill("SIGKILL");
          resolve();
        }
      }, 1);
    });
    await submit(
      "alice@org.test",
      ["bob@example.test"],
      plainMessage("alice@org.test", "bob@example.test", "big", body),
    );
    await killed;
    await gateway.exited;
    // Not delivered, not lost: Postfix holds it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(mailbox("bob").length).toBe(before);
    expect(await postfix.queue()).toMatch(/alice@org\.test/);

    gateway = await startGateway();
    await postfix.flush();
    const mail = await delivered("bob", before + 1, 60_000);
    const content = await openAsBob(mail);
    const text = content.toString("latin1");
    expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe(body);
    expect(await postfix.queue()).toMatch(/Mail queue is empty/);
  }, 120_000);

  it("delivers S/MIME to Alice that the gateway cannot decrypt unchanged, with a header saying so", async () => {
    // Encrypted by openssl to Eve's certificate, not to any key of Alice's: the gateway holds no key for it.
    const inner = join(tmp.dir, "not-for-alice.txt");
    writeFileSync(inner, `Content-Type: text/plain${CRLF}${CRLF}Not for the gateway's keys.${CRLF}`);
    const { stdout } = await run("openssl", ["cms", "-encrypt", "-aes-256-cbc", "-in", inner, partner.eve.cert], {
      encoding: "latin1",
    });
    const header = ["From: eve@example.test", "To: alice@org.test", "Subject: sealed elsewhere", ""].join(CRLF);
    const sealed = header + stdout.replace(/\r?\n/g, CRLF);
    const before = mailbox("alice").length;
    await submit("eve@example.test", ["alice@org.test"], sealed);
    const text = (await delivered("alice", before + 1)).toString("latin1");
    expect(text).toMatch(/^X-Mailseal: encrypted, not decrypted \(NO_KEY\)\r?$/m);
    expect(text.match(/^X-Mailseal:/gim)).toHaveLength(1);
    // The body byte for byte (Dovecot stores LF line ends): Eve's own key still opens what Alice got.
    const body = (mail: string, newline: string) => mail.slice(mail.indexOf(newline + newline) + 2 * newline.length);
    expect(body(text, "\n")).toBe(body(sealed, CRLF).replace(/\r\n/g, "\n"));
    expect(await decryptsWith(Buffer.from(text, "latin1"), partner.eve.key, partner.eve.cert)).toBe(true);
  });

  it("defers Alice's mail while the service cannot be reached, delivers nothing in clear, and seals it on the retry", async () => {
    const before = mailbox("bob").length;
    const body = `Sent while the service was down.${CRLF}`;
    const logged = postfix.log().length;
    await suite.stop();
    try {
      await submit(
        "alice@org.test",
        ["bob@example.test"],
        plainMessage("alice@org.test", "bob@example.test", "down", body),
      );
      // The gateway answered 4xx: Postfix holds the message, Bob has nothing (neither clear nor signed only).
      const deadline = Date.now() + 15_000;
      while (!/4\.3\.0 gateway/.test(postfix.log().slice(logged)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(postfix.log().slice(logged)).toMatch(
        /status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 451 4\.3\.0 gateway/,
      );
      expect(mailbox("bob")).toHaveLength(before);
      expect(await postfix.queue()).toMatch(/bob@example\.test/);
    } finally {
      await suite.restart();
    }
    await postfix.flush();
    const mail = await delivered("bob", before + 1);
    expect(mail.toString("latin1")).toMatch(/enveloped-data/i);
    expect(mail.toString("latin1")).not.toContain("Sent while the service was down.");
    expect((await openAsBob(mail)).toString("latin1")).toContain(body);
    expect(mailbox("bob")).toHaveLength(before + 1);
  }, 60_000);

  it("signs only, never encrypts, when the policy is never, though the recipient has a certificate", async () => {
    for (const subject of ["alice@org.test", "org.test"]) {
      await policy(subject, "never");
      try {
        const before = mailbox("bob").length;
        const body = `Policy never for ${subject}.${CRLF}`;
        await submit(
          "alice@org.test",
          ["bob@example.test"],
          plainMessage("alice@org.test", "bob@example.test", "never", body),
        );
        const mail = await delivered("bob", before + 1);
        expect(mail.toString("latin1")).not.toMatch(/enveloped-data/i);
        // Signed by the gateway device's key: openssl verifies it against the service's CA.
        expect(await opensslVerifies(mail)).toContain(`Policy never for ${subject}.`);
      } finally {
        await policy(subject, "default");
      }
    }
  });

  it("shows the gateway's key releases in Alice's audit, as her laptop reads it, named as the gateway", async () => {
    await devices.provision("alice@org.test", "alice-laptop");
    const gatewayId = devices.state("gateway", "alice@org.test").deviceId;
    const keyId = devices.state("gateway", "alice@org.test").keys.find((k) => k.status === "current")!.keyId;
    const audit = await devices.run("alice-laptop", ["audit"]);
    expect(audit.stderr).toBe("");
    expect(audit.status).toBe(0);
    const releases = audit.stdout.toString().trim().split("\n");
    for (const [store, index] of [
      ["share-a", 0],
      ["share-b", 1],
    ]) {
      expect(releases).toContainEqual(
        expect.stringMatching(
          new RegExp(`^\\S+  ${store}  key ${keyId}  share ${index}  device ${gatewayId} \\(gateway\\)$`),
        ),
      );
    }
  });
});
