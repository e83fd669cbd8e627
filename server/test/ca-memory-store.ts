// An in-memory CaStore for the CA tests, with the semantics the database store must have.
import type {
  AuthorityName,
  CaStore,
  CertificateRecord,
  RevocationReason,
  SignedCrl,
  StoredAuthority,
} from "../src/ca/index.js";

export class MemoryCaStore implements CaStore {
  readonly authorities = new Map<AuthorityName, StoredAuthority>();
  crl: SignedCrl | undefined;
  readonly certificates = new Map<string, CertificateRecord & { revoked?: { at: Date; reason: RevocationReason } }>();

  async loadAuthority(name: AuthorityName): Promise<StoredAuthority | undefined> {
    return this.authorities.get(name);
  }
  async saveAuthority(name: "root" | "issuing", value: StoredAuthority): Promise<void> {
    this.authorities.set(name, value);
  }
  async replaceAuthorities(values: Record<AuthorityName, StoredAuthority>): Promise<void> {
    for (const name of ["root", "issuing", "rollover"] as const) this.authorities.set(name, values[name]);
  }
  async recordCertificate(record: CertificateRecord): Promise<void> {
    if (this.certificates.has(record.serial)) throw new Error(`duplicate serial ${record.serial}`);
    this.certificates.set(record.serial, { ...record });
  }
  async revoke(serial: string, reason: RevocationReason, at: Date): Promise<boolean> {
    const record = this.certificates.get(serial);
    if (record === undefined) return false;
    record.revoked ??= { at, reason };
    return true;
  }
  async deviceCertificates(deviceId: string): Promise<string[]> {
    return [...this.certificates.values()]
      .filter((c) => c.deviceId === deviceId && c.kind === "signing" && c.revoked === undefined)
      .map((c) => c.serial);
  }
  async revoked(): Promise<{ serial: string; at: Date; reason: RevocationReason }[]> {
    return [...this.certificates.values()].flatMap((c) =>
      c.revoked === undefined ? [] : [{ serial: c.serial, ...c.revoked }],
    );
  }
  async revokedCount(): Promise<number> {
    return (await this.revoked()).length;
  }
  async loadCrl(): Promise<SignedCrl | undefined> {
    return this.crl;
  }
  async saveCrl(crl: SignedCrl): Promise<void> {
    if (this.crl === undefined || this.crl.thisUpdate.getTime() <= crl.thisUpdate.getTime()) this.crl = crl;
  }
}
