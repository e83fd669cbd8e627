// The mailseal certificate authority: a root and an issuing CA whose keys live in the HSM backend
// (non-extractable), issuing S/MIME encryption and signing certificates for verified addresses and
// publishing a CRL. Persistence is the caller's (CaStore, over the api database).
import * as pkijs from "pkijs";
import { ID_AT_COMMON_NAME, ID_AT_ORGANIZATION_NAME } from "@mailseal/shared";
import type { HsmBackend } from "../hsm/backend.js";
import { normalizeAddress } from "./address.js";
import { distinguishedName, randomSerial, serialHex, signCertificate, type CaSigner } from "./certificate-builder.js";
import { signCrl, REVOCATION_REASONS, type RevocationReason } from "./crl.js";
import { verifyCsr } from "./csr.js";
import { MailsealError } from "./errors.js";
import {
  authorityKeyIdentifier,
  basicConstraints,
  certificatePolicies,
  crlDistributionPoint,
  emailProtection,
  emailSubjectAltName,
  keyIdentifier,
  keyUsage,
  subjectKeyIdentifier,
} from "./extensions.js";
import {
  addYears,
  AUTHORITY,
  END_ENTITY,
  endEntityValidity,
  SMIME_MAILBOX_STRICT,
  wholeSeconds,
  type CaProfile,
  type CertificateKind,
} from "./profiles.js";
import { checkKemSubscriberKey, checkSubscriberKey } from "./public-key.js";

export type { CaProfile, RevocationReason };

export interface StoredAuthority {
  keyHandle: string;
  certificate: Uint8Array;
}

export interface CertificateRecord {
  serial: string;
  address: string;
  deviceId?: string;
  kind: CertificateKind;
  der: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

/**
 * The stored CA rows: the root and issuing CA, and after a root rollover the link certificate (the
 * new root's key certified by the previous root; its key handle is the new root's).
 */
export type AuthorityName = "root" | "issuing" | "rollover";

/** Persistence of the CA, implemented over the api database; tests use an in-memory one. */
export interface CaStore {
  loadAuthority(name: AuthorityName): Promise<StoredAuthority | undefined>;
  saveAuthority(name: "root" | "issuing", value: StoredAuthority): Promise<void>;
  /** Replaces the three rows at once (one transaction): a rollover is kept whole or not at all. */
  replaceAuthorities(values: Record<AuthorityName, StoredAuthority>): Promise<void>;
  recordCertificate(record: CertificateRecord): Promise<void>;
  /** Marks the certificate revoked; false when no certificate has that serial. Revoking twice keeps the first. */
  revoke(serial: string, reason: RevocationReason, at: Date): Promise<boolean>;
  /** Serials of the device's signing certificates that are not revoked. */
  deviceCertificates(deviceId: string): Promise<string[]>;
  revoked(): Promise<{ serial: string; at: Date; reason: RevocationReason }[]>;
  /** How many certificates are revoked (revocation is never undone, so this only grows). */
  revokedCount(): Promise<number>;
  /** The CRL signed last, shared by every api node. */
  loadCrl(): Promise<SignedCrl | undefined>;
  /** Keeps `crl` unless a newer one (later thisUpdate) is stored already. */
  saveCrl(crl: SignedCrl): Promise<void>;
}

/** A signed CRL as kept between requests: what it lists is `revoked` certificates, as of `thisUpdate`. */
export interface SignedCrl {
  der: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: number;
}

export interface IssuedCertificate {
  der: Uint8Array;
  /** Upper-case hex, as openssl prints it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateAuthorityOptions {
  hsm: HsmBackend;
  store: CaStore;
  clock: { now(): Date };
  profile: CaProfile;
  /** Shown in the CA names: "<name> Root CA", "<name> S/MIME Issuing CA". Default "mailseal". */
  name?: string;
  /** Where the issuing CA's CRL is published (the api's /v1/ca/crl); required for public trust. */
  crlUrl?: string;
  /**
   * Where the root's CRL of the CA certificates it issued is published (the api's /v1/ca/root-crl),
   * named in the issuing CA's certificate: a client that checks every link of a path (RFC 5280
   * 6.3, gpgsm's dirmngr) finds it there.
   */
  rootCrlUrl?: string;
}

/** A CRL is valid for a day (RFC 5280 5.1.2.5 nextUpdate). */
const CRL_LIFETIME_MS = 24 * 3600 * 1000;
/**
 * A stored CRL is served until it is this old, then signed again: well before its nextUpdate, so a
 * client that cached it never holds an outdated one. A revocation makes it stale at once.
 */
export const CRL_RESIGN_MS = 3600 * 1000;
/** RFC 5280 4.1.2.6: ub-common-name is 64 characters. */
const MAX_COMMON_NAME = 64;

interface Authority {
  signer: CaSigner;
  der: Uint8Array;
  certificate: pkijs.Certificate;
  keyId: Uint8Array;
}

/** The issuing CA certificate's CRL distribution point: the root's CRL, when it is published. */
function rootCrlPoint(options: CertificateAuthorityOptions): pkijs.Extension[] {
  return options.rootCrlUrl === undefined ? [] : [crlDistributionPoint(options.rootCrlUrl)];
}

function parse(der: Uint8Array, what: string): pkijs.Certificate {
  try {
    return pkijs.Certificate.fromBER(new Uint8Array(der));
  } catch (error) {
    throw new MailsealError("CA_STATE_INVALID", `the stored ${what} certificate does not parse`, { cause: error });
  }
}

export class CertificateAuthority {
  readonly #options: CertificateAuthorityOptions;
  readonly #root: Authority;
  readonly #issuing: Authority;
  readonly #rollover: Uint8Array | undefined;
  #rootCrl: { der: Uint8Array; thisUpdate: number } | undefined;

  private constructor(
    options: CertificateAuthorityOptions,
    root: Authority,
    issuing: Authority,
    rollover: Uint8Array | undefined,
  ) {
    this.#options = options;
    this.#root = root;
    this.#issuing = issuing;
    this.#rollover = rollover;
  }

  /**
   * DER of the link certificate of the last root rollover: the current root's key certified by the
   * previous root, which devices that pinned the previous root need to accept this one. Undefined
   * before any rollover.
   */
  get rollover(): Uint8Array | undefined {
    return this.#rollover;
  }

  /** DER of the root CA certificate (the trust anchor clients install). */
  get root(): Uint8Array {
    return this.#root.der;
  }

  /** DER of the issuing CA certificate (sent as the chain with every end-entity certificate). */
  get issuing(): Uint8Array {
    return this.#issuing.der;
  }

  /**
   * What goes with every end-entity certificate (signing certificates, CerDB entries): the issuing
   * CA, after a root rollover the link certificate (so that a device still pinning the previous root
   * finds a path: issuing CA, link, previous root), then the root.
   */
  get chain(): Uint8Array[] {
    return [this.#issuing.der, ...(this.#rollover === undefined ? [] : [this.#rollover]), this.#root.der];
  }

  /**
   * Loads the root and issuing CA, creating what is missing on first use (root RSA-4096 for 20 years,
   * issuing RSA-3072 for 10, both keys non-extractable in the HSM). A stored certificate whose key the
   * HSM no longer has, or holds a different key for, is refused (CA_STATE_INVALID) rather than replaced.
   */
  static async open(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    if (options.profile !== "private" && options.profile !== "public-trust")
      throw new MailsealError("CA_BAD_CONFIG", `unknown CA profile ${JSON.stringify(options.profile)}`);
    // S/MIME BR 7.1.2.3 (b): publicly trusted certificates carry a CRL distribution point.
    if (options.crlUrl === undefined && options.profile === "public-trust")
      throw new MailsealError("CA_BAD_CONFIG", "the public-trust profile needs a CRL URL");
    for (const url of [options.crlUrl, options.rootCrlUrl]) {
      if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url))
        throw new MailsealError("CA_BAD_CONFIG", `the CRL URL must be an http(s) URL: ${url}`);
    }
    const name = options.name ?? "mailseal";
    const root = await CertificateAuthority.#authority(options, "root", async (keyHandle, spki) => {
      const subject = distinguishedName([
        [ID_AT_COMMON_NAME, `${name} Root CA`],
        [ID_AT_ORGANIZATION_NAME, name],
      ]);
      const keyId = keyIdentifier(spki);
      const notBefore = wholeSeconds(options.clock.now());
      return signCertificate(
        { hsm: options.hsm, handle: keyHandle },
        {
          serial: randomSerial(),
          issuer: subject,
          subject,
          notBefore,
          notAfter: addYears(notBefore, AUTHORITY.root.years),
          spki,
          extensions: [basicConstraints(true), keyUsage(["keyCertSign", "cRLSign"]), subjectKeyIdentifier(keyId)],
        },
      );
    });
    const issuing = await CertificateAuthority.#authority(options, "issuing", async (keyHandle, spki) => {
      const notBefore = wholeSeconds(options.clock.now());
      const rootEnd = root.certificate.notAfter.value;
      const end = addYears(notBefore, AUTHORITY.issuing.years);
      return signCertificate(root.signer, {
        serial: randomSerial(),
        issuer: root.certificate.subject,
        subject: distinguishedName([
          [ID_AT_COMMON_NAME, `${name} S/MIME Issuing CA`],
          [ID_AT_ORGANIZATION_NAME, name],
        ]),
        notBefore,
        notAfter: end < rootEnd ? end : rootEnd,
        spki,
        // pathLen 0: it issues end entities only. EKU emailProtection: S/MIME BR 7.1.2.2 (g) for
        // subordinate CAs, and OpenSSL's smime purposes check it too.
        extensions: [
          basicConstraints(true, 0),
          keyUsage(["keyCertSign", "cRLSign"]),
          emailProtection(),
          subjectKeyIdentifier(keyIdentifier(spki)),
          authorityKeyIdentifier(root.keyId),
          ...rootCrlPoint(options),
        ],
      });
    });
    const rollover = await options.store.loadAuthority("rollover");
    if (rollover !== undefined) {
      const link = parse(rollover.certificate, "rollover");
      const linkSpki = new Uint8Array(link.subjectPublicKeyInfo.toSchema().toBER());
      if (
        rollover.keyHandle !== root.signer.handle ||
        Buffer.compare(Buffer.from(keyIdentifier(linkSpki)), Buffer.from(root.keyId)) !== 0
      )
        throw new MailsealError(
          "CA_STATE_INVALID",
          "the stored rollover certificate is not for the current root's key",
        );
    }
    return new CertificateAuthority(options, root, issuing, rollover?.certificate);
  }

  /**
   * Rolls the root over (after RFC 4210 4.4, root CA key update): a new root key in the HSM and its
   * self-signed certificate under the same name; a link certificate, the new key signed by the
   * current root ("new with old"), valid until the current root ends, which devices that pinned the
   * current root check before they take the new one; and the issuing CA, same key and name,
   * certified anew by the new root, so every certificate it issued chains to the new root. The
   * three rows are stored in one transaction; on failure the new key is destroyed and nothing
   * changes. The previous root's key stays in the HSM. Returns the CA as it now is; other api
   * nodes serve the new root once they open the CA again (restart).
   */
  static async rollRoot(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    const current = await CertificateAuthority.open(options);
    await current.#rollRoot();
    return CertificateAuthority.open(options);
  }

  async #rollRoot(): Promise<void> {
    const { hsm, clock } = this.#options;
    const old = this.#root;
    const pair = await hsm.generateRsaKeyPair({
      bits: AUTHORITY.root.bits,
      label: `${this.#options.name ?? "mailseal"} root CA`,
      extractable: false,
    });
    try {
      const signer = { hsm, handle: pair.handle };
      const keyId = keyIdentifier(pair.spki);
      const subject = old.certificate.subject;
      const notBefore = wholeSeconds(clock.now());
      const rootEnd = addYears(notBefore, AUTHORITY.root.years);
      const caExtensions = [basicConstraints(true), keyUsage(["keyCertSign", "cRLSign"]), subjectKeyIdentifier(keyId)];
      const root = await signCertificate(signer, {
        serial: randomSerial(),
        issuer: subject,
        subject,
        notBefore,
        notAfter: rootEnd,
        spki: pair.spki,
        extensions: caExtensions,
      });
      const oldEnd = old.certificate.notAfter.value;
      const rollover = await signCertificate(old.signer, {
        serial: randomSerial(),
        issuer: old.certificate.subject,
        subject,
        notBefore,
        notAfter: oldEnd < rootEnd ? oldEnd : rootEnd,
        spki: pair.spki,
        extensions: [...caExtensions, authorityKeyIdentifier(old.keyId)],
      });
      const issuingEnd = this.#issuing.certificate.notAfter.value;
      const issuing = await signCertificate(signer, {
        serial: randomSerial(),
        issuer: subject,
        subject: this.#issuing.certificate.subject,
        notBefore,
        notAfter: issuingEnd < rootEnd ? issuingEnd : rootEnd,
        spki: new Uint8Array(this.#issuing.certificate.subjectPublicKeyInfo.toSchema().toBER()),
        extensions: [
          basicConstraints(true, 0),
          keyUsage(["keyCertSign", "cRLSign"]),
          emailProtection(),
          subjectKeyIdentifier(this.#issuing.keyId),
          authorityKeyIdentifier(keyId),
          ...rootCrlPoint(this.#options),
        ],
      });
      await this.#options.store.replaceAuthorities({
        root: { keyHandle: pair.handle, certificate: root },
        issuing: { keyHandle: this.#issuing.signer.handle, certificate: issuing },
        rollover: { keyHandle: pair.handle, certificate: rollover },
      });
    } catch (error) {
      await hsm.destroyKey(pair.handle).catch(() => undefined);
      throw error;
    }
  }

  static async #authority(
    options: CertificateAuthorityOptions,
    which: "root" | "issuing",
    make: (keyHandle: string, spki: Uint8Array) => Promise<Uint8Array>,
  ): Promise<Authority> {
    const stored = await options.store.loadAuthority(which);
    if (stored !== undefined) {
      const certificate = parse(stored.certificate, which);
      const certSpki = new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER());
      let hsmSpki: Uint8Array;
      try {
        hsmSpki = await options.hsm.publicKey(stored.keyHandle);
      } catch (error) {
        throw new MailsealError("CA_STATE_INVALID", `the ${which} CA key ${stored.keyHandle} is not in the HSM`, {
          cause: error,
        });
      }
      if (Buffer.compare(Buffer.from(certSpki), Buffer.from(hsmSpki)) !== 0)
        throw new MailsealError(
          "CA_STATE_INVALID",
          `the ${which} CA certificate does not match its HSM key ${stored.keyHandle}`,
        );
      return {
        signer: { hsm: options.hsm, handle: stored.keyHandle },
        der: stored.certificate,
        certificate,
        keyId: keyIdentifier(certSpki),
      };
    }
    const { bits } = AUTHORITY[which];
    const pair = await options.hsm.generateRsaKeyPair({
      bits,
      label: `${options.name ?? "mailseal"} ${which} CA`,
      extractable: false,
    });
    try {
      const der = await make(pair.handle, pair.spki);
      await options.store.saveAuthority(which, { keyHandle: pair.handle, certificate: der });
      return {
        signer: { hsm: options.hsm, handle: pair.handle },
        der,
        certificate: parse(der, which),
        keyId: keyIdentifier(pair.spki),
      };
    } catch (error) {
      await options.hsm.destroyKey(pair.handle).catch(() => undefined);
      throw error;
    }
  }

  /** An encryption certificate for `address` over a key the KMS made (RFC 8550 4.4.2: keyEncipherment). */
  async issueEncryptionCertificate(input: {
    address: string;
    spki: Uint8Array;
    notBefore?: Date;
  }): Promise<IssuedCertificate> {
    const address = normalizeAddress(input.address);
    const { spki } = checkSubscriberKey(input.spki);
    return this.#issue("encryption", address, spki, input.notBefore ?? this.#options.clock.now(), undefined);
  }

  /**
   * An ML-KEM encryption certificate (issue 15; RFC 9935 5: keyUsage keyEncipherment only, as the
   * RSA encryption certificate's), signed with the issuing CA's usual signature algorithm, for the
   * post-quantum key the kms made beside the address's RSA key.
   */
  async issueKemEncryptionCertificate(input: { address: string; spki: Uint8Array }): Promise<IssuedCertificate> {
    const address = normalizeAddress(input.address);
    const { spki } = checkKemSubscriberKey(input.spki);
    return this.#issue("encryption", address, spki, this.#options.clock.now(), undefined);
  }

  /**
   * A signing certificate for a device key. The CSR's signature is the proof of possession; only its
   * key is used: the address is the one the server verified, never the CSR's subject.
   */
  async issueSigningCertificate(input: {
    address: string;
    deviceId: string;
    csr: Uint8Array;
  }): Promise<IssuedCertificate> {
    const address = normalizeAddress(input.address);
    const spki = verifyCsr(input.csr);
    return this.#issue("signing", address, spki, this.#options.clock.now(), input.deviceId);
  }

  async #issue(
    kind: CertificateKind,
    address: string,
    spki: Uint8Array,
    start: Date,
    deviceId: string | undefined,
  ): Promise<IssuedCertificate> {
    const { profile, crlUrl } = this.#options;
    const { notBefore, notAfter } = endEntityValidity(profile, kind, start, this.#issuing.certificate.notAfter.value);
    if (notAfter <= notBefore)
      throw new MailsealError(
        "CA_STATE_INVALID",
        "the issuing CA certificate expires before the new certificate would start",
      );
    // S/MIME BR 7.1.4.2.2: commonName, when present, is the mailbox address; an address longer than
    // ub-common-name goes without one, and then the empty subject makes the SAN critical.
    const withName = address.length <= MAX_COMMON_NAME;
    const extensions = [
      basicConstraints(false),
      keyUsage(END_ENTITY[kind].keyUsage),
      emailProtection(),
      emailSubjectAltName(address, !withName),
      subjectKeyIdentifier(keyIdentifier(spki)),
      authorityKeyIdentifier(this.#issuing.keyId),
    ];
    if (crlUrl !== undefined) extensions.push(crlDistributionPoint(crlUrl));
    if (profile === "public-trust") extensions.push(certificatePolicies([SMIME_MAILBOX_STRICT]));
    const serial = randomSerial();
    const der = await signCertificate(this.#issuing.signer, {
      serial,
      issuer: this.#issuing.certificate.subject,
      subject: distinguishedName(withName ? [[ID_AT_COMMON_NAME, address]] : []),
      notBefore,
      notAfter,
      spki,
      extensions,
    });
    const issued = { der, serial: serialHex(serial), notBefore, notAfter };
    await this.#options.store.recordCertificate({
      ...issued,
      address,
      kind,
      ...(deviceId === undefined ? {} : { deviceId }),
    });
    return issued;
  }

  /** Revokes one certificate (serial in hex, any case). CA_UNKNOWN_SERIAL when the store has no such certificate. */
  async revoke(serial: string, reason: RevocationReason): Promise<void> {
    if (typeof serial !== "string" || !/^[0-9A-Fa-f]{1,40}$/.test(serial))
      throw new MailsealError(
        "CA_UNKNOWN_SERIAL",
        `not a certificate serial number: ${JSON.stringify(String(serial).slice(0, 60))}`,
      );
    if (!(reason in REVOCATION_REASONS))
      throw new MailsealError("CA_BAD_CONFIG", `unknown revocation reason ${String(reason)}`);
    const known = await this.#options.store.revoke(
      serial.toUpperCase(),
      reason,
      wholeSeconds(this.#options.clock.now()),
    );
    if (!known) throw new MailsealError("CA_UNKNOWN_SERIAL", `no certificate with serial ${serial.toUpperCase()}`);
  }

  /** Revokes every unrevoked signing certificate of a removed device; returns their serials. */
  async revokeDevice(deviceId: string, reason: RevocationReason = "cessationOfOperation"): Promise<string[]> {
    const serials = await this.#options.store.deviceCertificates(deviceId);
    for (const serial of serials) await this.revoke(serial, reason);
    return serials;
  }

  /**
   * The issuing CA's v2 CRL: the stored one while it lists every revocation and is younger than
   * CRL_RESIGN_MS, else a new one (valid for a day; its number is thisUpdate in milliseconds,
   * monotonic), stored for the next request and for the other api nodes. So the HSM signs at most
   * once an hour plus once per revocation, however often the CRL is asked for. A revocation racing
   * the signature leaves a CRL that counts one too few: the next request signs again.
   */
  /**
   * The root's v2 CRL of the CA certificates it issued (RFC 5280 5; what X.509 calls an authority
   * revocation list): the root revokes none (a rollover certifies the issuing CA anew and the old
   * certificates simply end), so it lists none, and says so under the root's signature. Valid for a
   * day like the issuing CA's; signed again by each api node once an hour, kept in memory (one
   * signature with the root's key an hour, nothing stored).
   */
  async rootCrl(): Promise<Uint8Array> {
    const now = this.#options.clock.now();
    const kept = this.#rootCrl;
    if (kept !== undefined && kept.thisUpdate <= now.getTime() && now.getTime() - kept.thisUpdate < CRL_RESIGN_MS) {
      return kept.der;
    }
    const thisUpdate = wholeSeconds(now);
    const der = await signCrl(this.#root.signer, {
      issuer: this.#root.certificate.subject,
      issuerKeyId: this.#root.keyId,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + CRL_LIFETIME_MS),
      number: BigInt(now.getTime()),
      revoked: [],
    });
    this.#rootCrl = { der, thisUpdate: thisUpdate.getTime() };
    return der;
  }

  async crl(): Promise<Uint8Array> {
    const { store, clock } = this.#options;
    const now = clock.now();
    const [stored, count] = await Promise.all([store.loadCrl(), store.revokedCount()]);
    if (
      stored !== undefined &&
      stored.revoked === count &&
      stored.thisUpdate.getTime() <= now.getTime() &&
      now.getTime() - stored.thisUpdate.getTime() < CRL_RESIGN_MS
    ) {
      return stored.der;
    }
    const thisUpdate = wholeSeconds(now);
    const revoked = await store.revoked();
    const nextUpdate = new Date(thisUpdate.getTime() + CRL_LIFETIME_MS);
    const der = await signCrl(this.#issuing.signer, {
      issuer: this.#issuing.certificate.subject,
      issuerKeyId: this.#issuing.keyId,
      thisUpdate,
      nextUpdate,
      number: BigInt(now.getTime()),
      revoked: [...revoked].sort((a, b) => a.at.getTime() - b.at.getTime()),
    });
    await store.saveCrl({ der, thisUpdate, nextUpdate, revoked: revoked.length });
    return der;
  }
}
