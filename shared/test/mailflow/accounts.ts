// Test accounts for the client flows, made with openssl: a root and issuing CA, device states with
// an openssl-made encryption key history and a device-made signing key certified from its CSR, and
// CRLs as `openssl ca -gencrl` makes them; a state's keys as the service lists them, and the plain
// message the suites seal and open. Used by the mailflow suites and the engine's.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import {
  encodeBase64url,
  newSigningKey,
  STATE_VERSION,
  type DeviceState,
  type KeyInfo,
  type StoredKey,
} from "@mailseal/shared";
import { expect } from "vitest";
import { EXT, type TestCa } from "../pki/test-ca.js";

/** A plain-text RFC 5322 message from `from` to `to` (the services' suites use it too). */
export function plainMessage(from: string, to: string, subject: string, body: string): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    body,
    "",
  ].join("\r\n");
}

/** A plain message from Alice to Bob, with `body` as its text. */
export function lunchMessage(body = "See you at noon."): string {
  return plainMessage("Alice <alice@example.test>", "bob@example.test", "lunch", body);
}

/** `keys` as GET /v1/keys lists them: without the private keys, and no validity (the flows do not read it). */
export function listedKeys(keys: readonly StoredKey[]): KeyInfo[] {
  return keys.map(({ keyId, certificate, status, protection, commitment }) => ({
    keyId,
    certificate,
    status,
    protection,
    commitment,
    notBefore: "",
    notAfter: "",
  }));
}

/** A root ("root") and an issuing CA ("issuing") in `ca`. */
export function makeCaHierarchy(ca: TestCa): void {
  const rootKey = ca.key("root", "rsa");
  ca.selfSigned("root", rootKey, { subject: "/CN=Test Root", ext: EXT.root, days: 3650 });
  ca.issue("issuing", ca.key("issuing", "rsa"), "root", rootKey, { subject: "/CN=Test Issuing", ext: EXT.ca });
}

function pemToDer(path: string): Uint8Array {
  return new Uint8Array(execFileSync("openssl", ["pkey", "-in", path, "-outform", "DER"], { stdio: "pipe" }));
}

/** An encryption key of `address` made by openssl and issued by "issuing", as a device state keeps it. */
export function encryptionKey(ca: TestCa, name: string, address: string, status: StoredKey["status"]): StoredKey {
  const encKey = ca.key(name, "rsa");
  const encCert = ca.issue(name, encKey, "issuing", ca.path("issuing.key"), {
    subject: `/CN=${address}`,
    ext: EXT.endEntity(address, "keyEncipherment"),
  });
  return {
    keyId: name,
    certificate: encodeBase64url(encCert),
    status,
    protection: "none",
    commitment: "x",
    pkcs8: encodeBase64url(pemToDer(encKey)),
  };
}

/**
 * An account with an openssl-made encryption key (`${name}-k1`, current; with `history` older retired
 * keys before it) and a device-made signing key certified from its CSR. Needs makeCaHierarchy first.
 */
export async function makeAccount(ca: TestCa, name: string, address: string, history = 0): Promise<DeviceState> {
  const retired = Array.from({ length: history }, (_, i) =>
    encryptionKey(ca, `${name}-old${i + 1}`, address, "retired"),
  );
  const current = encryptionKey(ca, `${name}-enc`, address, "current");
  const { privateKey, csr } = await newSigningKey(address);
  writeFileSync(ca.path(`${name}-sign.csr`), csr);
  // openssl checks the request's self-signature (the proof of possession) ...
  expect(ca.openssl("req", "-in", ca.path(`${name}-sign.csr`), "-inform", "DER", "-verify", "-noout")).toBe("");
  writeFileSync(ca.path(`${name}-sign.cnf`), ["[ext]", ...EXT.endEntity(address, "digitalSignature"), ""].join("\n"));
  // ... and issues the signing certificate from it.
  ca.openssl(
    "x509",
    "-req",
    "-in",
    ca.path(`${name}-sign.csr`),
    "-inform",
    "DER",
    "-CA",
    ca.path("issuing.pem"),
    "-CAkey",
    ca.path("issuing.key"),
    "-extfile",
    ca.path(`${name}-sign.cnf`),
    "-extensions",
    "ext",
    "-days",
    "365",
    "-out",
    ca.path(`${name}-sign.pem`),
  );
  const signCert = ca.der(`${name}-sign`);
  return {
    version: STATE_VERSION,
    address,
    deviceName: "test",
    service: {
      api: "http://127.0.0.1:1",
      shareStores: { "share-a": "http://127.0.0.1:1", "share-b": "http://127.0.0.1:1" },
    },
    deviceId: `${name}-device`,
    signing: { privateKey, certificate: encodeBase64url(signCert), chain: [encodeBase64url(ca.der("issuing"))] },
    root: encodeBase64url(ca.der("root")),
    keys: [...retired, { ...current, keyId: `${name}-k1` }],
  };
}

/** openssl's asn1 time form for its CA database (YYMMDDHHMMSSZ). */
function caTime(date: Date): string {
  return date.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, "$1$2$3$4$5$6Z");
}

/** A CRL as `openssl ca -gencrl` makes it, by `issuer`, listing `serial` revoked at `at` for `reason`. */
export function opensslCrl(
  ca: TestCa,
  serial: string,
  at: Date,
  reason: string,
  issuer = "issuing",
  issuerKey = ca.path("issuing.key"),
): Uint8Array {
  const name = `crl-${Math.random().toString(36).slice(2)}`;
  writeFileSync(
    ca.path(`${name}.index`),
    `R\t${caTime(new Date(Date.now() + 86_400_000))}\t${caTime(at)},${reason}\t${serial}\tunknown\t/CN=x\n`,
  );
  writeFileSync(ca.path(`${name}.number`), "01\n");
  writeFileSync(
    ca.path(`${name}.cnf`),
    [
      "[ca]",
      "default_ca = ca_default",
      "[ca_default]",
      `database = ${ca.path(`${name}.index`)}`,
      `crlnumber = ${ca.path(`${name}.number`)}`,
      "default_md = sha256",
      "default_crl_days = 1",
      "crl_extensions = crl_ext",
      "[crl_ext]",
      "authorityKeyIdentifier = keyid:always",
      "",
    ].join("\n"),
  );
  ca.openssl(
    "ca",
    "-gencrl",
    "-config",
    ca.path(`${name}.cnf`),
    "-cert",
    ca.path(`${issuer}.pem`),
    "-keyfile",
    issuerKey,
    "-out",
    ca.path(`${name}.crl`),
  );
  return new Uint8Array(execFileSync("openssl", ["crl", "-in", ca.path(`${name}.crl`), "-outform", "DER"]));
}
