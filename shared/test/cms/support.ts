// What the CMS suites share: a scratch folder, OpenSSL, self-signed RSA identities loaded into the
// crypto core, and a check for MailsealError codes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { MailsealError } from "../../src/errors/index.js";
import { readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { readPrivateKey } from "../../src/pki/private-key.js";
import type { LoadedRsaKey } from "../../src/mailflow/core.js";
import type { TestCore } from "../core-hosts.js";

export interface Scratch {
  path(name: string): string;
  remove(): void;
}

export function scratch(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `mailseal-${prefix}-`));
  return { path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openssl(...args: string[]): Buffer {
  return execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
}

/**
 * OpenSSL's EnvelopedData (or AuthEnvelopedData) of the file `input` to the certificate `certPath`,
 * DER: `openssl cms -encrypt -binary -outform DER -in input -recip certPath ...options` (a -keyopt
 * in `options` applies to that recipient; AES-256-CBC unless `options` names a cipher).
 */
export function opensslEnvelope(input: string, certPath: string, options: readonly string[] = ["-aes256"]): Uint8Array {
  return new Uint8Array(
    openssl("cms", "-encrypt", "-binary", "-outform", "DER", "-in", input, "-recip", certPath, ...options),
  );
}

/**
 * OpenSSL's SignedData (DER) of the file `input` by `signer`: `openssl cms -sign -binary -outform
 * DER -in input -signer certPath -inkey keyPath ...options` (detached unless `options` say -nodetach).
 */
export function opensslSignature(
  input: string,
  signer: { certPath: string; keyPath: string },
  options: readonly string[] = [],
): Uint8Array {
  return new Uint8Array(
    openssl(
      ...["cms", "-sign", "-binary", "-outform", "DER", "-in", input],
      ...["-signer", signer.certPath, "-inkey", signer.keyPath, ...options],
    ),
  );
}

export interface TestIdentity {
  keyPath: string;
  certPath: string;
  certificate: Certificate;
  /** The private key loaded into the core (for CMS decryption and signing). */
  privateKey: LoadedRsaKey;
}

/** A self-signed RSA-2048 identity `name@example.org` made by OpenSSL in `where`. */
export async function identity(core: TestCore, where: Scratch, name: string): Promise<TestIdentity> {
  const keyPath = where.path(`${name}.key`);
  const certPath = where.path(`${name}.pem`);
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-subj",
    `/CN=${name}@example.org`,
    "-days",
    "30",
  );
  return {
    keyPath,
    certPath,
    certificate: readCertificates(new Uint8Array(readFileSync(certPath)))[0]!,
    privateKey: await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(keyPath)))),
  };
}

export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(MailsealError);
  expect((error as MailsealError).code).toBe(code);
}

/** One line of `openssl asn1parse`: where the element is, how deep, its type and value as OpenSSL prints them. */
export interface Asn1Line {
  offset: number;
  depth: number;
  headerLength: number;
  /** Content length; undefined for an indefinite length. */
  length: number | undefined;
  constructed: boolean;
  /** "SEQUENCE", "OBJECT", "OCTET STRING", "cont [ 0 ]", ... */
  type: string;
  /** What follows the colon: an OID's name or number, an INTEGER in hex, "[HEX DUMP]:..." */
  value: string;
}

/**
 * `der` as OpenSSL's own parser cuts it (`openssl asn1parse -inform DER`), an independent view of
 * a structure mailseal wrote. `children` lists an element's direct children.
 */
export function asn1parse(der: Uint8Array): { lines: Asn1Line[]; children(of: Asn1Line): Asn1Line[] } {
  const text = execFileSync("openssl", ["asn1parse", "-inform", "DER"], { input: der, maxBuffer: 1 << 28 }).toString();
  const lines = text
    .split("\n")
    // A printable value with a line break in it continues on lines of its own: not elements.
    .filter((line) => /^\s*\d+:d=/.test(line))
    .map((line): Asn1Line => {
      const match = /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+|inf)\s+(prim|cons):\s+([^:]*?)\s*(?::([^\n]*))?$/.exec(
        line,
      );
      if (match === null) throw new Error(`asn1parse line not understood: ${line}`);
      // An OCTET STRING (or BIT STRING) prints as "OCTET STRING      [HEX DUMP]:0102...".
      const dump = /^(.*?)\s+\[HEX DUMP\]$/.exec(match[6]!);
      return {
        offset: Number(match[1]),
        depth: Number(match[2]),
        headerLength: Number(match[3]),
        length: match[4] === "inf" ? undefined : Number(match[4]),
        constructed: match[5] === "cons",
        type: dump === null ? match[6]! : dump[1]!,
        value: dump === null ? (match[7] ?? "") : `[HEX DUMP]:${match[7] ?? ""}`,
      };
    });
  const children = (of: Asn1Line): Asn1Line[] => {
    const out: Asn1Line[] = [];
    for (let i = lines.indexOf(of) + 1; i < lines.length && lines[i]!.depth > of.depth; i++) {
      if (lines[i]!.depth === of.depth + 1 && lines[i]!.type !== "EOC") out.push(lines[i]!);
    }
    return out;
  };
  return { lines, children };
}
