// GnuPG `gpgsm` (Debian 12: 2.2.40) over a throwaway GNUPGHOME. Kept non-interactive: `--batch`,
// loopback pinentry with the passphrase on fd 3, no dirmngr (so no CRL/OCSP fetches), and the agent it
// starts is killed with `gpgconf --homedir ... --kill all` before the folder is removed.
// Facts of this version (measured in the self-tests):
// - PKCS#12 import takes only the legacy PBE-SHA1-3DES form (Identity.p12LegacyPath); the key is then
//   protected in the agent with the PKCS#12 password, which decrypt and sign must give again.
// - `--passphrase` is silently taken as an abbreviation of `--passphrase-fd`: always use the fd.
// - `--armor` writes "-----BEGIN ENCRYPTED MESSAGE-----" / "SIGNED MESSAGE" labels, which openssl's PEM
//   reader rejects (it expects CMS or PKCS7).
// - `--cipher-algo` takes AES, AES192, AES256, 3DES (and SEED, CAMELLIA); default AES (128) CBC; key
//   transport is always RSA PKCS#1 v1.5 with issuerAndSerialNumber.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CaFiles, Identity } from "./pki.js";
import { exportLegacyP12 } from "./pki.js";
import { PeerError, onRelease, run, runSync, scratch, tempDir } from "./run.js";

export type GpgsmCipher = "AES" | "AES192" | "AES256" | "3DES";
export type GpgsmDigest = "SHA1" | "SHA256" | "SHA384" | "SHA512";

export interface GpgsmSignOptions {
  readonly detached?: boolean;
  readonly digest?: GpgsmDigest;
  /** `--include-certs`: -2 all but the root (gpgsm's default), -1 all, 0 none, n up to n. */
  readonly includeCerts?: number;
}

export interface GpgsmVerified {
  /** The content of an opaque signature; for a detached one, the content given. */
  readonly content: Buffer;
  /** `[GNUPG:]` status lines of the verification. */
  readonly status: readonly string[];
}

const file = scratch("gpgsm");
/** At one failure in ~30 per file, four fresh files all failing is about one in a million. */
const P12_IMPORT_ATTEMPTS = 4;
const SALT_REJECTION = /decryption failed; trying charset|possibly bad passphrase/;

export class GpgsmHome {
  private readonly passphrases = new Map<string, string>();

  private constructor(readonly dir: string) {}

  /** A GNUPGHOME trusting `trusted` (agent trustlist.txt flag S: trusted for S/MIME). */
  static async create(trusted: readonly CaFiles[]): Promise<GpgsmHome> {
    const home = new GpgsmHome(tempDir("gnupg"));
    // Registered after tempDir, so it runs before the folder is removed (release steps run newest first).
    onRelease(() => runSync("gpgconf", ["--homedir", home.dir, "--kill", "all"]));
    // s2k-count: the agent re-protects imported keys with a passphrase hash calibrated to ~100 ms per use;
    // the minimum count keeps each decrypt/sign fast. These keys are throwaway.
    writeFileSync(join(home.dir, "gpg-agent.conf"), "allow-loopback-pinentry\ndisable-scdaemon\ns2k-count 65536\n");
    writeFileSync(join(home.dir, "gpgsm.conf"), "disable-crl-checks\ndisable-policy-checks\ndisable-dirmngr\n");
    writeFileSync(join(home.dir, "trustlist.txt"), trusted.map((ca) => `${ca.sha1Fingerprint} S\n`).join(""));
    // Start the agent ourselves and wait for it: gpgsm's own autostart gives up after a few seconds, which
    // a loaded 2-core machine can exceed.
    await run("gpgconf", ["--homedir", home.dir, "--launch", "gpg-agent"]);
    for (const ca of trusted) await home.gpgsm(["--import", ca.certPath]);
    return home;
  }

  /**
   * Key and certificate from the legacy PKCS#12; the passphrase goes through loopback pinentry. gpgsm 2.2
   * rejects about one valid file in 30 ("decryption failed; trying charset ...", "possibly bad
   * passphrase"), depending only on the random salt: then the file is exported again and retried.
   */
  async importIdentity(identity: Identity): Promise<void> {
    let p12 = identity.p12LegacyPath;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.gpgsm(["--import", p12], identity.p12Password);
        break;
      } catch (e) {
        if (attempt === P12_IMPORT_ATTEMPTS || !(e instanceof PeerError) || !SALT_REJECTION.test(e.stderr)) throw e;
        p12 = file("retry.p12");
        await exportLegacyP12(identity, p12);
      }
    }
    this.passphrases.set(identity.sha1Fingerprint, identity.p12Password);
  }

  /** A correspondent's certificate alone. */
  async importCertificate(identity: Identity): Promise<void> {
    await this.gpgsm(["--import", identity.certPath]);
  }

  /** `gpgsm --encrypt` to recipients by fingerprint (or e-mail address); DER output. */
  async encrypt(
    content: Uint8Array,
    recipients: readonly Identity[],
    cipher: GpgsmCipher = "AES256",
    by: "fingerprint" | "email" = "fingerprint",
  ): Promise<Buffer> {
    const input = file("in");
    const output = file("out.p7m");
    writeFileSync(input, content);
    const ids = recipients.flatMap((r) => ["-r", by === "email" ? r.email : `0x${r.sha1Fingerprint}`]);
    await this.gpgsm(["--encrypt", "--cipher-algo", cipher, ...ids, "-o", output, input]);
    return readFileSync(output);
  }

  /** `gpgsm --decrypt` (DER, BER or PEM input) for a recipient imported here. */
  async decrypt(cms: Uint8Array, recipient: Identity): Promise<Buffer> {
    const input = file("in.p7m");
    const output = file("out");
    writeFileSync(input, cms);
    await this.gpgsm(["--decrypt", "-o", output, input], this.passphrase(recipient));
    return readFileSync(output);
  }

  /** `gpgsm --sign` (opaque) or `--detach-sign`; DER output. */
  async sign(content: Uint8Array, signer: Identity, options: GpgsmSignOptions = {}): Promise<Buffer> {
    const input = file("in");
    const output = file("out.p7s");
    writeFileSync(input, content);
    const args = [options.detached === true ? "--detach-sign" : "--sign", "-u", `0x${signer.sha1Fingerprint}`];
    if (options.digest !== undefined) args.push("--digest-algo", options.digest);
    if (options.includeCerts !== undefined) args.push("--include-certs", String(options.includeCerts));
    await this.gpgsm([...args, "-o", output, input], this.passphrase(signer));
    return readFileSync(output);
  }

  /**
   * `gpgsm --verify`; rejects with a PeerError unless the status shows GOODSIG, VALIDSIG and full trust
   * (a chain to a trustlist.txt root).
   */
  async verify(signed: Uint8Array, content?: Uint8Array): Promise<GpgsmVerified> {
    const input = file("in.p7s");
    writeFileSync(input, signed);
    const args = ["--status-fd", "1", "--verify"];
    let output: string | undefined;
    if (content === undefined) {
      output = file("out");
      args.push("-o", output, input);
    } else {
      const contentPath = file("content");
      writeFileSync(contentPath, content);
      args.push(input, contentPath);
    }
    const result = await this.gpgsm(args, undefined, [0, 1, 2]);
    const status = result.stdout
      .toString("utf8")
      .split("\n")
      .filter((line) => line.startsWith("[GNUPG:] "))
      .map((line) => line.slice("[GNUPG:] ".length));
    const has = (word: string) => status.some((line) => line.startsWith(`${word} `) || line === word);
    if (
      result.exitCode !== 0 ||
      !has("GOODSIG") ||
      !has("VALIDSIG") ||
      !(has("TRUST_FULLY") || has("TRUST_ULTIMATE"))
    ) {
      throw new PeerError("gpgsm", args, result.exitCode, `${status.join("\n")}\n${result.stderr}`, "not verified");
    }
    return { content: output === undefined ? Buffer.from(content!) : readFileSync(output), status };
  }

  private passphrase(identity: Identity): string {
    const passphrase = this.passphrases.get(identity.sha1Fingerprint);
    if (passphrase === undefined) throw new Error(`${identity.name} was not imported into this GNUPGHOME`);
    return passphrase;
  }

  private gpgsm(args: readonly string[], passphrase?: string, okCodes?: readonly number[]) {
    const common = ["--homedir", this.dir, "--batch"];
    const secret = passphrase === undefined ? [] : ["--pinentry-mode", "loopback", "--passphrase-fd", "3"];
    return run("gpgsm", [...common, ...secret, ...args], {
      ...(passphrase === undefined ? {} : { fd3: passphrase }),
      ...(okCodes === undefined ? {} : { okCodes }),
    });
  }
}
