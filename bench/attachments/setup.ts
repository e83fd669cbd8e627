// What every tool gets alike: one throwaway PKI (RSA-2048 CA, signer alice, recipient bob), an
// OpenPGP key for bob, one input message per size, and the peer scripts bundled to plain JavaScript.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, writeFileSync } from "node:fs";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import * as openpgp from "openpgp";

export interface Pki {
  readonly caCert: string;
  readonly caKey: string;
  readonly aliceCert: string;
  readonly aliceKey: string;
  readonly bobCert: string;
  readonly bobKey: string;
  readonly pgpPublic: string;
  readonly pgpPrivate: string;
}

export interface Input {
  /** The size asked for; the file is within a few hundred bytes of it. */
  readonly nominal: number;
  readonly path: string;
  readonly bytes: number;
  /** SHA-256 of the whole message: what `openssl cms`, PKI.js, OpenPGP.js and forge give back. */
  readonly messageSha256: string;
  /**
   * SHA-256 of its MIME entity (Content-* fields and body): what `mailseal decrypt` and `verify` give
   * back, since the outer header fields (From, To, Subject, MIME-Version) stay outside the envelope.
   */
  readonly entitySha256: string;
  /** Where the entity starts: after the outer header fields. */
  readonly entityOffset: number;
}

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

export async function makePki(dir: string): Promise<Pki> {
  const path = (name: string): string => join(dir, name);
  openssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem")],
    ...["-days", "30", "-subj", "/CN=mailseal bench CA", "-addext", "basicConstraints=critical,CA:TRUE"],
    ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  );
  for (const person of ["alice", "bob"]) {
    writeFileSync(
      path(`${person}.ext`),
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=emailProtection",
        `subjectAltName=email:${person}@example.org`,
        "",
      ].join("\n"),
    );
    openssl(
      ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path(`${person}.key`), "-out", path(`${person}.csr`)],
      ...["-subj", `/CN=${person}`],
    );
    openssl(
      ...["x509", "-req", "-in", path(`${person}.csr`), "-CA", path("ca.pem"), "-CAkey", path("ca.key")],
      ...["-set_serial", person === "alice" ? "4097" : "4098", "-days", "30", "-sha256"],
      ...["-extfile", path(`${person}.ext`), "-out", path(`${person}.pem`)],
    );
  }
  // RSA-2048 like the S/MIME recipient. aeadProtect on the key advertises SEIPDv2 with AES-256-GCM,
  // so encrypting to it gives a SEIPDv2 packet (checked by the peer script on every decrypt).
  const pgp = await openpgp.generateKey({
    type: "rsa",
    rsaBits: 2048,
    userIDs: [{ email: "bob@example.org" }],
    format: "armored",
    config: { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.gcm },
  });
  writeFileSync(path("bob.pgp.pub"), pgp.publicKey);
  writeFileSync(path("bob.pgp.key"), pgp.privateKey);
  return {
    caCert: path("ca.pem"),
    caKey: path("ca.key"),
    aliceCert: path("alice.pem"),
    aliceKey: path("alice.key"),
    bobCert: path("bob.pem"),
    bobKey: path("bob.key"),
    pgpPublic: path("bob.pgp.pub"),
    pgpPrivate: path("bob.pgp.key"),
  };
}

/** A key of bob's history: its certificate (PEM) and private key (PEM), both files in the PKI's folder. */
export interface HistoryKey {
  readonly cert: string;
  readonly key: string;
}

/**
 * `count` more RSA-2048 encryption keys of bob, certified by the bench CA with serials of their own
 * (a RecipientInfo names its key by issuer and serial number, RFC 5652 6.2.1): the retired keys of an
 * account with a long history.
 */
export function makeKeyHistory(pki: Pki, count: number): HistoryKey[] {
  const dir = dirname(pki.caCert);
  const path = (name: string): string => join(dir, name);
  return Array.from({ length: count }, (_, i) => {
    const name = `bob-old${i + 1}`;
    openssl(
      ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path(`${name}.key`), "-out", path(`${name}.csr`)],
      ...["-subj", `/CN=bob (retired ${i + 1})`],
    );
    openssl(
      ...["x509", "-req", "-in", path(`${name}.csr`), "-CA", pki.caCert, "-CAkey", pki.caKey],
      ...["-set_serial", String(8193 + i), "-days", "30", "-sha256"],
      ...["-extfile", path("bob.ext"), "-out", path(`${name}.pem`)],
    );
    return { cert: path(`${name}.pem`), key: path(`${name}.key`) };
  });
}

const RAW_PER_LINE = 57; // 76 base64 characters

/**
 * A message with a large attachment, as a mail client sends it: CRLF, multipart/mixed, a short text
 * part and random bytes in base64 lines of 76. Random, so no tool can gain from compressible input.
 */
export async function makeInput(dir: string, nominal: number): Promise<Input> {
  const path = join(dir, `message-${nominal}.eml`);
  const outer =
    "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: the numbers\r\nMIME-Version: 1.0\r\n";
  const head =
    'Content-Type: multipart/mixed; boundary="=-bench-boundary"\r\n\r\n' +
    "--=-bench-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe numbers are attached.\r\n\r\n" +
    '--=-bench-boundary\r\nContent-Type: application/octet-stream; name="numbers.bin"\r\n' +
    'Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="numbers.bin"\r\n\r\n';
  const tail = "--=-bench-boundary--\r\n";
  const lines = Math.max(1, Math.floor((nominal - outer.length - head.length - tail.length) / 78));
  const message = createHash("sha256");
  const entity = createHash("sha256");
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string, outerPart = false): Promise<void> => {
    const data = Buffer.from(text, "latin1");
    message.update(data);
    if (!outerPart) entity.update(data);
    bytes += data.length;
    if (!out.write(data)) await once(out, "drain");
  };
  await write(outer, true);
  await write(head);
  const linesPerChunk = 16384;
  for (let done = 0; done < lines; done += linesPerChunk) {
    const n = Math.min(linesPerChunk, lines - done);
    const base64 = randomBytes(n * RAW_PER_LINE).toString("base64");
    let text = "";
    for (let i = 0; i < n; i++) text += `${base64.slice(i * 76, i * 76 + 76)}\r\n`;
    await write(text);
  }
  await write(tail);
  out.end();
  await once(out, "close");
  return {
    nominal,
    path,
    bytes,
    messageSha256: message.digest("hex"),
    entitySha256: entity.digest("hex"),
    entityOffset: outer.length,
  };
}

export type Peer = "pkijs" | "openpgp" | "forge";

/**
 * The peer scripts bundled with their library, as the mailseal command is, so every Node-based tool
 * starts the same way (plain `node FILE.mjs`, no TypeScript loader in the measured process).
 */
export async function bundlePeers(dir: string): Promise<Record<Peer, string>> {
  const here = dirname(fileURLToPath(import.meta.url));
  const peers = ["pkijs", "openpgp", "forge"] as const;
  const paths = Object.fromEntries(peers.map((peer) => [peer, join(dir, `${peer}.mjs`)])) as Record<Peer, string>;
  await Promise.all(
    peers.map((peer) =>
      build({
        entryPoints: [join(here, "peers", `${peer}.ts`)],
        outfile: paths[peer],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        logLevel: "error",
        // node-forge is CommonJS and requires Node built-ins; this gives its bundle a require().
        banner: {
          js: "import { createRequire as benchRequire } from 'node:module'; const require = benchRequire(import.meta.url);",
        },
      }),
    ),
  );
  return paths;
}
