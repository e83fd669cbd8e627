// openssl cms, NSS's cmsutil and gpgsm reading a message the add-in sent (as Graph received it):
// each decrypts it with a recipient's key and checks the signature to the service's root, so what Outlook's pane writes is standard S/MIME for three other implementations.
// Used by test/compose-pane.test.ts and ../test/thunderbird/outlook-thunderbird.test.ts.
import type { DeviceState } from "@mailseal/shared";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { splitMultipartSigned, toDer } from "../../test/interop/peers/forms.js";
import { GpgsmHome } from "../../test/interop/peers/gpgsm.js";
import { NssDb } from "../../test/interop/peers/nss.js";
import type { CaFiles, Identity } from "../../test/interop/peers/pki.js";
import { pem } from "../../test/services/e2e-support.js";

/** Who reads: a recipient's key (certificate and PKCS#8), the service's root and chain, and who must have signed. */
export interface PeerReader {
  /** A directory for the files the tools take. */
  dir: string;
  address: string;
  /** base64url DER of the certificate, and of the PKCS#8 private key. */
  key: { certificate: string; pkcs8: string };
  /** base64url DER of the service's root, and of the issuing CA then the root. */
  root: string;
  chain: string[];
  signer: string;
}

/** The reader of an account's state: its current key (with its PKCS#8), its pinned root and its CA chain. */
export function readerOf(state: DeviceState, dir: string, signer: string): PeerReader {
  const key = state.keys.find((k) => k.status === "current" && k.pkcs8 !== undefined);
  if (key === undefined) throw new Error(`${state.address} holds no current key with its PKCS#8`);
  return {
    dir,
    address: state.address,
    key: { certificate: key.certificate, pkcs8: key.pkcs8! },
    root: state.root!,
    chain: state.signing!.chain,
    signer,
  };
}

function writer(dir: string) {
  return (name: string, data: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };
}

/** openssl: decrypts with the reader's key, then verifies the signer's signature to the service's root. */
export function opensslReads(reader: PeerReader, name: string, message: Buffer): string {
  const file = writer(reader.dir);
  const { key } = reader;
  const inner = execFileSync(
    "openssl",
    [
      "cms",
      "-decrypt",
      "-in",
      file(`${name}.eml`, message),
      "-inkey",
      file(`${name}.recipient.key`, pem("PRIVATE KEY", Buffer.from(key.pkcs8, "base64url"))),
      "-recip",
      file(`${name}.recipient.crt`, pem("CERTIFICATE", Buffer.from(key.certificate, "base64url"))),
    ],
    { encoding: "latin1", maxBuffer: 64 << 20 },
  );
  expect(inner).toMatch(/^Content-Type: multipart\/signed;/m);
  const signer = join(reader.dir, `${name}.signer.crt`);
  const verified = execFileSync(
    "openssl",
    [
      "cms",
      "-verify",
      "-in",
      file(`${name}.inner.eml`, inner),
      "-CAfile",
      file(`${name}.root.crt`, pem("CERTIFICATE", Buffer.from(reader.root, "base64url"))),
      "-purpose",
      "smimesign",
      "-signer",
      signer,
    ],
    { encoding: "latin1", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 },
  );
  expect(
    execFileSync("openssl", ["x509", "-in", signer, "-noout", "-ext", "subjectAltName"], { encoding: "latin1" }),
  ).toContain(`email:${reader.signer}`);
  return verified;
}

function sha1(certPath: string, colons: boolean): string {
  const hex = execFileSync("openssl", ["x509", "-in", certPath, "-noout", "-fingerprint", "-sha1"], {
    encoding: "latin1",
  })
    .trim()
    .split("=")[1]!;
  return colons ? hex : hex.replaceAll(":", "");
}

/**
 * The recipient's current key and the service's root as the interop peers take them
 * (test/interop/peers/): PEM files, both PKCS#12 forms (with the issuing CA), fingerprints.
 */
function forPeers(reader: PeerReader): { root: CaFiles; identity: Identity } {
  const { key } = reader;
  const file = writer(reader.dir);
  const certPem = pem("CERTIFICATE", Buffer.from(key.certificate, "base64url"));
  const rootPem = pem("CERTIFICATE", Buffer.from(reader.root, "base64url"));
  const rootPath = file("peer-root.crt", rootPem);
  const root: CaFiles = { certPath: rootPath, keyPath: "", certPem: rootPem, sha1Fingerprint: sha1(rootPath, true) };
  // The issuing CA signed the encryption certificate as it signed the signing one.
  const chain = file(
    "peer-chain.crt",
    reader.chain.map((c) => pem("CERTIFICATE", Buffer.from(c, "base64url"))).join(""),
  );
  const name = reader.address.slice(0, reader.address.indexOf("@"));
  const certPath = file(`peer-${name}.crt`, certPem);
  const keyPath = file(`peer-${name}.key`, pem("PRIVATE KEY", Buffer.from(key.pkcs8, "base64url")));
  const password = "peer-readers";
  const p12 = (out: string, legacy: string[]) => {
    const path = join(reader.dir, out);
    const args = ["pkcs12", "-export", "-in", certPath, "-inkey", keyPath, "-certfile", chain, "-name", name];
    execFileSync("openssl", [...args, "-passout", `pass:${password}`, ...legacy, "-out", path]);
    return path;
  };
  const identity = {
    name,
    email: reader.address,
    keyType: "rsa2048",
    certPath,
    keyPath,
    p12Path: p12(`peer-${name}.p12`, []),
    p12LegacyPath: p12(`peer-${name}-legacy.p12`, [
      "-certpbe",
      "PBE-SHA1-3DES",
      "-keypbe",
      "PBE-SHA1-3DES",
      "-macalg",
      "sha1",
    ]),
    p12Password: password,
    certPem,
    issuer: root,
    serialHex: "",
    skiHex: "",
    sha1Fingerprint: sha1(certPath, false),
  } satisfies Identity;
  return { root, identity };
}

/** NSS's cmsutil and gpgsm, with the recipient's key, decrypt `message`; each checks the signature to the service's root. */
export async function peersRead(reader: PeerReader, message: Buffer): Promise<{ nss: string; gpgsm: string }> {
  const { root, identity } = forPeers(reader);
  const der = toDer(message);
  const nss = await NssDb.create([root]);
  await nss.importIdentity(identity);
  const nssInner = splitMultipartSigned(await nss.decrypt(der));
  const nssVerified = await nss.verify(nssInner.signature, nssInner.content);
  expect(nssVerified.signers.map((s) => s.status)).toEqual(["GoodSignature"]);
  const gpgsm = await GpgsmHome.create([root]);
  await gpgsm.importIdentity(identity);
  const gpgsmInner = splitMultipartSigned(await gpgsm.decrypt(der, identity));
  const gpgsmVerified = await gpgsm.verify(gpgsmInner.signature, gpgsmInner.content);
  expect(gpgsmVerified.status.some((l) => l.includes("GOODSIG"))).toBe(true);
  return { nss: nssInner.content.toString("latin1"), gpgsm: gpgsmInner.content.toString("latin1") };
}
