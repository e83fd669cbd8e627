// Test certificates made with the openssl command at test time: keys, self-signed roots and issued
// certificates with the extensions each test needs.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type KeyType = "rsa" | "rsa-pss" | "p256" | "p384";

export interface CertOptions {
  subject: string;
  /** Lines of an openssl extension section, e.g. "basicConstraints=critical,CA:TRUE". */
  ext: string[];
  days?: number;
  /** openssl digest option: sha1, sha256, sha384, sha512. */
  digest?: string;
  /** openssl -sigopt values, e.g. ["rsa_padding_mode:pss", "rsa_pss_saltlen:32"]. */
  sigopt?: string[];
  /** Serial number as hex (default: random 16 bytes). */
  serial?: string;
}

export const EXT = {
  root: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"],
  ca: [
    "basicConstraints=critical,CA:TRUE",
    "keyUsage=critical,keyCertSign,cRLSign",
    "extendedKeyUsage=emailProtection",
    "subjectKeyIdentifier=hash",
    "authorityKeyIdentifier=keyid",
  ],
  endEntity: (email: string, keyUsage = "digitalSignature,keyEncipherment"): string[] => [
    "basicConstraints=critical,CA:FALSE",
    `keyUsage=critical,${keyUsage}`,
    "extendedKeyUsage=emailProtection",
    `subjectAltName=email:${email}`,
    "subjectKeyIdentifier=hash",
    "authorityKeyIdentifier=keyid",
  ],
};

export class TestCa {
  readonly dir = mkdtempSync(join(tmpdir(), "mailseal-certs-"));

  path(name: string): string {
    return join(this.dir, name);
  }

  openssl(...args: string[]): string {
    return execFileSync("openssl", args, { stdio: "pipe", encoding: "latin1" });
  }

  /** Makes `<name>.key`; returns its path. */
  key(name: string, type: KeyType): string {
    const out = this.path(`${name}.key`);
    const opts =
      type === "rsa" || type === "rsa-pss"
        ? ["-algorithm", type === "rsa" ? "RSA" : "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"]
        : ["-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${type === "p256" ? "P-256" : "P-384"}`];
    this.openssl("genpkey", ...opts, "-out", out);
    return out;
  }

  private config(name: string, ext: string[]): string {
    const file = this.path(`${name}.cnf`);
    writeFileSync(file, ["[req]", "distinguished_name = dn", "[dn]", "[ext]", ...ext, ""].join("\n"));
    return file;
  }

  private signing(options: CertOptions): string[] {
    return [
      `-${options.digest ?? "sha256"}`,
      "-days",
      String(options.days ?? 365),
      "-set_serial",
      `0x${options.serial ?? randomBytes(16).toString("hex")}`,
      ...(options.sigopt ?? []).flatMap((o) => ["-sigopt", o]),
    ];
  }

  /** A self-signed certificate `<name>.pem` with key `key`. */
  selfSigned(name: string, key: string, options: CertOptions): Uint8Array {
    const cnf = this.config(name, options.ext);
    this.openssl(
      "req",
      "-x509",
      "-new",
      "-key",
      key,
      "-subj",
      options.subject,
      "-config",
      cnf,
      "-extensions",
      "ext",
      ...this.signing(options),
      "-out",
      this.path(`${name}.pem`),
    );
    return this.der(name);
  }

  /** `<name>.pem` for key `key`, issued by certificate `<issuer>.pem` with key `issuerKey`. */
  issue(name: string, key: string, issuer: string, issuerKey: string, options: CertOptions): Uint8Array {
    const cnf = this.config(name, options.ext);
    const csr = this.path(`${name}.csr`);
    this.openssl("req", "-new", "-key", key, "-subj", options.subject, "-config", cnf, "-out", csr);
    this.openssl(
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      this.path(`${issuer}.pem`),
      "-CAkey",
      issuerKey,
      "-extfile",
      cnf,
      "-extensions",
      "ext",
      ...this.signing(options),
      "-out",
      this.path(`${name}.pem`),
    );
    return this.der(name);
  }

  pem(name: string): Uint8Array {
    return new Uint8Array(readFileSync(this.path(`${name}.pem`)));
  }

  der(name: string): Uint8Array {
    return new Uint8Array(
      execFileSync("openssl", ["x509", "-in", this.path(`${name}.pem`), "-outform", "DER"], { stdio: "pipe" }),
    );
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
