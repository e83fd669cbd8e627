// NSS `cmsutil` (Debian 12: NSS 3.87, the CMS code Thunderbird uses) over a throwaway NSS database.
// What this cmsutil can and cannot do (cmsutil has no option for it, measured in the self-tests):
// - -E picks the content cipher itself (AES-128-CBC when the database holds no S/MIME profile for the
//   recipient) and always uses RSA PKCS#1 v1.5 with issuerAndSerialNumber; no GCM, no OAEP, no -keyid.
// - -S signs with RSA PKCS#1 v1.5 only (no PSS); -H picks the digest.
// - -D reads only DER/BER, never PEM or MIME; verification always happens at the current time.
// - -D exits 0 even on a bad signature when -h is given; without -h a bad digest exits 1. So `verify`
//   reads the per-signer status from `-h` and never trusts the exit code alone.
import { readFileSync, writeFileSync } from "node:fs";
import type { CaFiles, Identity } from "./pki.js";
import { PeerError, run, scratch, tempDir } from "./run.js";

/** Trust flags (SSL, S/MIME, code signing); "C" in the middle field makes a CA trusted for e-mail. */
export const CA_TRUST = "CT,C,C";
export type NssHash = "SHA1" | "SHA256" | "SHA384" | "SHA512";

export interface NssSignOptions {
  /** true: `-T`, the content is not included (detached). */
  readonly detached?: boolean;
  readonly hash?: NssHash;
  /** `-G`: signingTime attribute. */
  readonly signingTime?: boolean;
  /** `-P`: SMIMECapabilities attribute. */
  readonly smimeCapabilities?: boolean;
}

export interface NssSignerStatus {
  readonly id: string;
  /** NSS's name for the result: GoodSignature, DigestMismatch, SigningCertNotTrusted, ... */
  readonly status: string;
}

export interface NssVerified {
  readonly content: Buffer;
  readonly signers: readonly NssSignerStatus[];
}

const file = scratch("nss");

/** A temporary NSS database with trusted CAs and imported identities (nickname = Identity.name). */
export class NssDb {
  private constructor(readonly dir: string) {}

  /** `certutil -N --empty-password`, then each CA imported with `CA_TRUST`. */
  static async create(trusted: readonly CaFiles[]): Promise<NssDb> {
    const db = new NssDb(tempDir("nssdb"));
    await run("certutil", ["-N", "-d", db.spec, "--empty-password"]);
    for (const [i, ca] of trusted.entries()) {
      await run("certutil", ["-A", "-d", db.spec, "-n", `ca${i}`, "-t", CA_TRUST, "-i", ca.certPath]);
    }
    return db;
  }

  /** NSS wants the database type as a prefix; "sql:" is the SQLite (cert9/key4) format. */
  get spec(): string {
    return `sql:${this.dir}`;
  }

  /** Key and certificate from the identity's PKCS#12 (`pk12util -W` file password, `-K` empty DB password). */
  async importIdentity(identity: Identity): Promise<void> {
    await run("pk12util", ["-i", identity.p12Path, "-d", this.spec, "-W", identity.p12Password, "-K", ""]);
  }

  /** The certificate alone (a correspondent's), no trust flags of its own. */
  async importCertificate(identity: Identity): Promise<void> {
    await run("certutil", ["-A", "-d", this.spec, "-n", identity.name, "-t", ",,", "-i", identity.certPath]);
  }

  /** `cmsutil -E`; recipients by nickname, or by e-mail address (NSS then picks the matching cert). */
  async encrypt(content: Uint8Array, recipients: readonly Identity[], by: "nickname" | "email" = "nickname") {
    const input = file("in");
    const output = file("out.p7m");
    writeFileSync(input, content);
    const ids = recipients.map((r) => (by === "email" ? r.email : r.name)).join(",");
    await run("cmsutil", ["-E", "-d", this.spec, "-r", ids, "-i", input, "-o", output]);
    return readFileSync(output);
  }

  /** `cmsutil -D` of EnvelopedData (DER/BER) with whatever key of this database matches. */
  async decrypt(cms: Uint8Array): Promise<Buffer> {
    const input = file("in.p7m");
    const output = file("out");
    writeFileSync(input, cms);
    await run("cmsutil", ["-D", "-d", this.spec, "-i", input, "-o", output]);
    return readFileSync(output);
  }

  /** `cmsutil -S` by the identity (must have been imported with its key). */
  async sign(content: Uint8Array, signer: Identity, options: NssSignOptions = {}): Promise<Buffer> {
    const input = file("in");
    const output = file("out.p7s");
    writeFileSync(input, content);
    const args = ["-S", "-d", this.spec, "-N", signer.name, "-H", options.hash ?? "SHA256", "-i", input, "-o", output];
    if (options.detached === true) args.push("-T");
    if (options.signingTime === true) args.push("-G");
    if (options.smimeCapabilities === true) args.push("-P");
    await run("cmsutil", args);
    return readFileSync(output);
  }

  /**
   * `cmsutil -D` of SignedData (DER/BER), `-c` with the content when detached. Rejects with a PeerError
   * unless every signer's status is GoodSignature (signature and chain for certUsageEmailSigner).
   */
  async verify(signed: Uint8Array, content?: Uint8Array): Promise<NssVerified> {
    const input = file("in.p7s");
    writeFileSync(input, signed);
    const args = ["-D", "-d", this.spec, "-i", input];
    if (content !== undefined) {
      const contentPath = file("content");
      writeFileSync(contentPath, content);
      args.push("-c", contentPath);
    }
    const report = await run("cmsutil", [...args, "-n", "-h", "2"], { okCodes: [0, 1] });
    const signers = [
      ...report.stdout.toString("utf8").matchAll(/signer\d+\.id="([^"]*)"; signer\d+\.status=(\w+)/g),
    ].map((m) => ({ id: m[1]!, status: m[2]! }));
    if (report.exitCode !== 0 || signers.length === 0 || signers.some((s) => s.status !== "GoodSignature")) {
      throw new PeerError(
        "cmsutil",
        args,
        report.exitCode,
        `${report.stdout.toString("utf8")}${report.stderr}`,
        "not verified",
      );
    }
    if (content !== undefined) return { content: Buffer.from(content), signers };
    const output = file("out");
    await run("cmsutil", [...args, "-o", output]);
    return { content: readFileSync(output), signers };
  }
}
