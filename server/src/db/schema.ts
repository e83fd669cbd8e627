// Row types of the databases (docs/services.md, "Data"). Binary values are base64url text and times
// ISO-8601 UTC text, so one migration serves SQLite and PostgreSQL and values compare the same in both.

import type { ColumnType } from "kysely";

/** ISO-8601 UTC time, `Date.toISOString()` form (sorts as time in both databases). */
export type IsoTime = string;
/** base64url without padding. */
export type B64url = string;

export interface AccountsTable {
  address: string;
  verified_at: IsoTime | null;
  protection: "none" | "opaque";
  opaque_record: B64url | null;
  /**
   * Set when a device is removed or a rotation is asked for: a current key made before this time must
   * be replaced (the key manager does it at once, maintenance retries); cleared once it is.
   */
  rotation_due: ColumnType<IsoTime | null, IsoTime | null | undefined, IsoTime | null>;
  /**
   * Set when the account opted into post-quantum keys (issue 15): from then on each key generation
   * is an RSA key and an ML-KEM-768 key, made and rotated together; null: RSA only.
   */
  pq_since: ColumnType<IsoTime | null, IsoTime | null | undefined, IsoTime | null>;
}

export interface DevicesTable {
  device_id: string;
  address: string;
  name: string;
  /** RFC 7638 thumbprint of the device key. */
  jkt: string;
  /** The device's public JWK, as JSON text. */
  public_jwk: string;
  status: "pending" | "active" | "removed";
  created_at: IsoTime;
  removed_at: IsoTime | null;
}

export interface ChallengesTable {
  challenge_id: string;
  address: string;
  device_id: string;
  token_hash: B64url;
  code_hash: B64url;
  tries: number;
  created_at: IsoTime;
  expires_at: IsoTime;
  used_at: IsoTime | null;
  /** The network that asked (`clientNetwork`, api/deps.ts); null for rows made before it was recorded. */
  network: string | null;
}

export interface KeysTable {
  key_id: string;
  address: string;
  status: "pending" | "current" | "retired";
  bits: number;
  /** DER as base64url; null while the key is pending and not yet certified. */
  certificate: B64url | null;
  not_before: IsoTime | null;
  not_after: IsoTime | null;
  /**
   * What the shares hold: "none" the PKCS#8, "opaque" the blob wrapped under the OPAQUE export key,
   * "pending-wrap" the PKCS#8 of a protected account (made by a rotation, or there before the
   * password was set), released only with a protection session until a device wraps it.
   */
  protection: "none" | "opaque" | "pending-wrap";
  commitment: B64url;
  created_at: IsoTime;
  /**
   * While pending: the process making the key, `ProcessInstance` JSON (kms/instance.ts); null for
   * rows made before the column existed and after the key became current.
   */
  owner: string | null;
  /** While pending: the HSM handle of the generated pair, until it is destroyed after the split. */
  hsm_handle: string | null;
  /** "rsa" (every key before issue 15), or "ml-kem-768": the post-quantum key of a generation. */
  algorithm: ColumnType<KeyAlgorithm, KeyAlgorithm | undefined, KeyAlgorithm>;
  /** Of an ML-KEM key: the RSA key of its generation (made, made current and retired with it). */
  pair_key_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export type KeyAlgorithm = "rsa" | "ml-kem-768";

export interface CertificatesTable {
  /** Serial number as lower-case hex. */
  serial: string;
  /** Null for CA certificates. */
  address: string | null;
  device_id: string | null;
  kind: "encryption" | "signing" | "ca";
  der: B64url;
  not_before: IsoTime;
  not_after: IsoTime;
  revoked_at: IsoTime | null;
  /** RFC 5280 section 5.3.1 CRLReason code. */
  revocation_reason: number | null;
}

export interface CaTable {
  /** root, issuing, and after a root rollover the link certificate (rollover). */
  name: "root" | "issuing" | "rollover";
  key_handle: string;
  certificate: B64url;
}

export interface SeenJtiTable {
  jti: string;
  expires_at: IsoTime;
}

export interface ReleaseRequestsTable {
  request_id: string;
  address: string;
  key_id: string;
  device_id: string;
  at: IsoTime;
}

export interface OpaqueLoginsTable {
  login_id: string;
  address: string;
  device_id: string;
  /** The server's OPAQUE login state (base64url), kept here so that any api node can finish the login. */
  state: string;
  created_at: IsoTime;
  expires_at: IsoTime;
  /** null while open; "ok" after a login that finished; "failed" after one that did not. */
  outcome: "ok" | "failed" | null;
}

export interface ProtectionSessionsTable {
  /** base64url SHA-256 of the session value (the value itself is only with the device). */
  session_hash: B64url;
  address: string;
  device_id: string;
  expires_at: IsoTime;
}

/** A release notice not mailed yet (the outbox of api/release-notices.ts); deleted once sent. */
export interface ReleaseNoticesTable {
  notice_id: string;
  /** The owner the notice goes to. */
  address: string;
  subject: string;
  body: string;
  created_at: IsoTime;
  /** Failed sends so far. */
  attempts: number;
  /** A node sending it holds it until then; null when nobody does. */
  claimed_until: IsoTime | null;
}

/** The CRL the api serves (GET /v1/ca/crl), signed once and shared by every api node. */
export interface CrlsTable {
  /** "issuing": the CA whose CRL it is. */
  issuer: string;
  der: B64url;
  this_update: IsoTime;
  next_update: IsoTime;
  /** How many revoked certificates it lists: fewer than the database holds means it is out of date. */
  revoked: number;
}

export interface SettingsTable {
  name: string;
  value: string;
}

/** The gateway's encryption policy of a domain (`org.example`) or an address (`alice@org.example`). */
export interface GatewayPoliciesTable {
  subject: string;
  encrypt: "never" | "possible" | "always";
  updated_at: IsoTime;
}

/** A certificate the gateway learned from a verified signed message of `address` (newest wins). */
export interface GatewayCertificatesTable {
  /** The address as learned, its domain lower-cased. */
  address: string;
  /** base64url DER of the certificate to encrypt to. */
  certificate: string;
  /** JSON array of base64url DER: the certificates the message carried (its path's intermediates). */
  chain: string;
  /** JSON array of the signed SMIMECapabilities OIDs. */
  capabilities: string;
  not_before: IsoTime;
  not_after: IsoTime;
  learned_at: IsoTime;
}

export interface ApiSchema {
  accounts: AccountsTable;
  devices: DevicesTable;
  challenges: ChallengesTable;
  keys: KeysTable;
  certificates: CertificatesTable;
  ca: CaTable;
  seen_jti: SeenJtiTable;
  release_requests: ReleaseRequestsTable;
  release_notices: ReleaseNoticesTable;
  opaque_logins: OpaqueLoginsTable;
  protection_sessions: ProtectionSessionsTable;
  settings: SettingsTable;
  crls: CrlsTable;
  gateway_policies: GatewayPoliciesTable;
  gateway_certificates: GatewayCertificatesTable;
}

export interface SharesTable {
  key_id: string;
  /** 0 in share-a, 1 in share-b. */
  idx: number;
  address: string;
  iv: B64url;
  /** AES-256-GCM ciphertext with its tag. */
  ct: B64url;
  updated_at: IsoTime;
}

/** A replacement share waiting for the api's commitment to name it (then it replaces the live one). */
export interface StagedSharesTable {
  key_id: string;
  idx: number;
  /** The commitment of the whole blob this share is half of. */
  commitment: B64url;
  address: string;
  iv: B64url;
  ct: B64url;
  created_at: IsoTime;
}

export interface ReleasesTable {
  ticket_jti: string;
  key_id: string;
  idx: number;
  address: string;
  device_id: string;
  at: IsoTime;
}

export interface ShareSchema {
  shares: SharesTable;
  staged_shares: StagedSharesTable;
  releases: ReleasesTable;
  seen_jti: SeenJtiTable;
  settings: SettingsTable;
}
