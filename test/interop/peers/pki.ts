// A throwaway test PKI made with openssl at test time: a root CA, S/MIME end entities (RFC 8550 §4.4
// certificate profile: keyUsage, extendedKeyUsage emailProtection, subjectAltName rfc822Name), an expired
// certificate and one from a CA nobody trusts. Built once per test worker, lazily for the bigger keys,
// and removed by `releaseAll()`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onRelease, run, tempDir } from "./run.js";

/** dsa2048: DSA with 2048-bit p and 256-bit q, for the signatures of old mail (mailseal only verifies them). */
export type KeyType = "rsa2048" | "rsa3072" | "rsa4096" | "ec-p256" | "ec-p384" | "ec-p521" | "dsa2048";

export interface CaFiles {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  /** SHA-1 fingerprint, upper-case hex with colons (gpg-agent's trustlist.txt form). */
  readonly sha1Fingerprint: string;
}

export interface Identity {
  /** Unique label, also the PKCS#12 friendly name (NSS nickname): "alice", "bob-rsa4096", "expired". */
  readonly name: string;
  readonly email: string;
  readonly keyType: KeyType;
  readonly certPath: string;
  /** Unencrypted PKCS#8 PEM. */
  readonly keyPath: string;
  /** OpenSSL 3 default PKCS#12 (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256): read by pk12util and openssl. */
  readonly p12Path: string;
  /** PKCS#12 with PBE-SHA1-3DES and a SHA-1 MAC: gpgsm 2.2 rejects the PBES2 form above. */
  readonly p12LegacyPath: string;
  readonly p12Password: string;
  readonly certPem: string;
  /** The issuing CA: the trusted root, or the unknown CA for `untrusted`. */
  readonly issuer: CaFiles;
  /** Certificate serial number, upper-case hex as openssl prints it. */
  readonly serialHex: string;
  /** subjectKeyIdentifier, upper-case hex without separators. */
  readonly skiHex: string;
  /** SHA-1 fingerprint, upper-case hex without separators (gpgsm selects certificates by it). */
  readonly sha1Fingerprint: string;
}

export interface TestPki {
  readonly dir: string;
  /** The root every peer trusts. */
  readonly ca: CaFiles;
  /** A root no peer trusts. */
  readonly unknownCa: CaFiles;
  /** alice@example.org, RSA 2048. */
  readonly alice: Identity;
  /** bob@example.org, RSA 2048. */
  readonly bob: Identity;
  /** alice@example.org from the trusted root, validity ended in 2021. */
  readonly expired: Identity;
  /** alice@example.org again, but issued by the unknown CA: an impostor. */
  readonly untrusted: Identity;
  /** alice or bob with another key type, made on first request and cached. */
  identity(person: "alice" | "bob", keyType: KeyType): Promise<Identity>;
}

export const P12_PASSWORD = "interop-p12";
const CERT_DAYS = 30;

const KEYGEN: Record<KeyType, string[]> = {
  rsa2048: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  rsa3072: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
  rsa4096: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
  "ec-p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  "ec-p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  "ec-p521": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
  // DSA keys come from domain parameters made first (genpkey -genparam), see makeIdentity.
  dsa2048: ["-algorithm", "DSA", "-pkeyopt", "pbits:2048", "-pkeyopt", "qbits:256"],
};

// RSA keys transport content-encryption keys (keyEncipherment); EC keys agree on them (keyAgreement,
// RFC 5753); DSA keys only sign. keyUsage is critical as the S/MIME Baseline Requirements §7.1.2.3 recommend.
function extensions(keyType: KeyType, email: string): string {
  const usage = keyType.startsWith("rsa")
    ? "digitalSignature,keyEncipherment"
    : keyType === "dsa2048"
      ? "digitalSignature"
      : "digitalSignature,keyAgreement";
  return [
    "[ee]",
    "basicConstraints = critical,CA:FALSE",
    `keyUsage = critical,${usage}`,
    "extendedKeyUsage = emailProtection",
    `subjectAltName = email:${email}`,
    "subjectKeyIdentifier = hash",
    "authorityKeyIdentifier = keyid",
    "",
  ].join("\n");
}

let serial = 0x1000;
let cached: Promise<TestPki> | undefined;

/** The test PKI of this worker, built on first call. */
export function testPki(): Promise<TestPki> {
  if (cached === undefined) {
    cached = buildPki();
    // Its folder goes with releaseAll(); the next suite in this worker builds a new one.
    onRelease(() => (cached = undefined));
  }
  return cached;
}

async function buildPki(): Promise<TestPki> {
  const dir = tempDir("pki");
  const [ca, unknownCa] = await Promise.all([
    makeCa(dir, "root", "Interop Test Root CA"),
    makeCa(dir, "unknown", "Unknown CA"),
  ]);
  const [alice, bob, expired, untrusted] = await Promise.all([
    makeIdentity(dir, ca, "alice", "alice@example.org", "rsa2048"),
    makeIdentity(dir, ca, "bob", "bob@example.org", "rsa2048"),
    makeIdentity(dir, ca, "expired", "alice@example.org", "rsa2048", {
      start: "20200101000000Z",
      end: "20210101000000Z",
    }),
    makeIdentity(dir, unknownCa, "untrusted", "alice@example.org", "rsa2048"),
  ]);
  const extra = new Map<string, Promise<Identity>>();
  return {
    dir,
    ca,
    unknownCa,
    alice,
    bob,
    expired,
    untrusted,
    identity(person, keyType) {
      if (keyType === "rsa2048") return Promise.resolve(person === "alice" ? alice : bob);
      const name = `${person}-${keyType}`;
      let made = extra.get(name);
      if (made === undefined) {
        made = makeIdentity(dir, ca, name, `${person}@example.org`, keyType);
        extra.set(name, made);
      }
      return made;
    },
  };
}

async function makeCa(dir: string, name: string, commonName: string): Promise<CaFiles> {
  const keyPath = join(dir, `${name}-ca.key`);
  const certPath = join(dir, `${name}-ca.pem`);
  await run("openssl", ["genpkey", ...KEYGEN.rsa2048, "-out", keyPath]);
  await run("openssl", [
    ...["req", "-x509", "-new", "-key", keyPath, "-out", certPath, "-days", String(CERT_DAYS), "-sha256"],
    ...["-subj", `/CN=${commonName}/O=mailseal interop`],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ...["-addext", "subjectKeyIdentifier=hash"],
  ]);
  return {
    certPath,
    keyPath,
    certPem: readFileSync(certPath, "utf8"),
    sha1Fingerprint: await fingerprint(certPath, true),
  };
}

interface Validity {
  /** ASN.1 GeneralizedTime, e.g. 20200101000000Z. */
  readonly start: string;
  readonly end: string;
}

async function makeIdentity(
  dir: string,
  issuer: CaFiles,
  name: string,
  email: string,
  keyType: KeyType,
  validity?: Validity,
): Promise<Identity> {
  const base = join(dir, name);
  const keyPath = `${base}.key`;
  const certPath = `${base}.pem`;
  const extPath = `${base}.ext`;
  const csrPath = `${base}.csr`;
  const serialHex = (serial++).toString(16).toUpperCase();
  writeFileSync(extPath, extensions(keyType, email));
  if (keyType === "dsa2048") {
    const paramsPath = `${base}.params`;
    await run("openssl", ["genpkey", "-genparam", ...KEYGEN[keyType], "-out", paramsPath]);
    await run("openssl", ["genpkey", "-paramfile", paramsPath, "-out", keyPath]);
  } else {
    await run("openssl", ["genpkey", ...KEYGEN[keyType], "-out", keyPath]);
  }
  // NSS gives every certificate with the same subject the same nickname, so each identity other than the
  // plain alice and bob gets its own subject through serialNumber (allowed by S/MIME BR §7.1.4.2.2).
  const subject = `/CN=${email}/emailAddress=${email}${name === person(email) ? "" : `/serialNumber=${name}`}`;
  await run("openssl", ["req", "-new", "-key", keyPath, "-out", csrPath, "-subj", subject]);
  if (validity === undefined) {
    await run("openssl", [
      ...["x509", "-req", "-in", csrPath, "-CA", issuer.certPath, "-CAkey", issuer.keyPath, "-sha256"],
      ...["-set_serial", `0x${serialHex}`, "-days", String(CERT_DAYS), "-extfile", extPath, "-extensions", "ee"],
      ...["-out", certPath],
    ]);
  } else {
    await signWithDates(issuer, csrPath, extPath, serialHex, validity, certPath);
  }
  const p12Path = `${base}.p12`;
  const p12LegacyPath = `${base}-legacy.p12`;
  const files = { name, certPath, keyPath, issuer, p12Password: P12_PASSWORD };
  await run("openssl", [...p12Export(files), "-out", p12Path]);
  await exportLegacyP12(files, p12LegacyPath);
  const text = (await run("openssl", ["x509", "-in", certPath, "-noout", "-ext", "subjectKeyIdentifier"])).stdout;
  const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(text.toString("utf8"));
  if (ski === null) throw new Error(`no subjectKeyIdentifier in ${certPath}`);
  return {
    name,
    email,
    keyType,
    certPath,
    keyPath,
    p12Path,
    p12LegacyPath,
    p12Password: P12_PASSWORD,
    certPem: readFileSync(certPath, "utf8"),
    issuer,
    serialHex,
    skiHex: ski[1]!.replaceAll(":", ""),
    sha1Fingerprint: await fingerprint(certPath, false),
  };
}

type P12Source = Pick<Identity, "name" | "certPath" | "keyPath" | "issuer" | "p12Password">;

function p12Export(identity: P12Source): string[] {
  const { name, certPath, keyPath, issuer, p12Password } = identity;
  return [
    "pkcs12",
    "-export",
    "-in",
    certPath,
    "-inkey",
    keyPath,
    "-certfile",
    issuer.certPath,
    "-name",
    name,
    "-passout",
    `pass:${p12Password}`,
  ];
}

/** The PBE-SHA1-3DES / SHA-1 MAC PKCS#12 (gpgsm's form) with a fresh random salt on each call. */
export async function exportLegacyP12(identity: P12Source, outPath: string): Promise<void> {
  const legacy = ["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"];
  await run("openssl", [...p12Export(identity), ...legacy, "-out", outPath]);
}

// `openssl x509 -req` in OpenSSL 3.0 cannot backdate a certificate; `openssl ca` can (-startdate/-enddate).
async function signWithDates(
  issuer: CaFiles,
  csrPath: string,
  extPath: string,
  serialHex: string,
  validity: Validity,
  certPath: string,
): Promise<void> {
  const caDir = tempDir("ca-db");
  const config = join(caDir, "ca.cnf");
  writeFileSync(join(caDir, "index.txt"), "");
  writeFileSync(join(caDir, "serial"), `${serialHex.length % 2 === 0 ? "" : "0"}${serialHex}\n`);
  writeFileSync(
    config,
    [
      "[ca]",
      "default_ca = test",
      "[test]",
      `database = ${join(caDir, "index.txt")}`,
      `new_certs_dir = ${caDir}`,
      `serial = ${join(caDir, "serial")}`,
      "default_md = sha256",
      "policy = any",
      "unique_subject = no",
      "[any]",
      "commonName = supplied",
      "emailAddress = optional",
      "",
    ].join("\n"),
  );
  await run("openssl", [
    ...["ca", "-batch", "-notext", "-config", config, "-cert", issuer.certPath, "-keyfile", issuer.keyPath],
    ...["-startdate", validity.start, "-enddate", validity.end, "-extfile", extPath, "-extensions", "ee"],
    ...["-in", csrPath, "-out", certPath],
  ]);
}

function person(email: string): string {
  return email.slice(0, email.indexOf("@"));
}

async function fingerprint(certPath: string, colons: boolean): Promise<string> {
  const out = (await run("openssl", ["x509", "-in", certPath, "-noout", "-fingerprint", "-sha1"])).stdout;
  const hex = out.toString("utf8").trim().split("=")[1]!;
  return colons ? hex : hex.replaceAll(":", "");
}
