// What a device keeps per account (docs/services.md, "Client flows"): JSON-serialisable, so that a
// host stores it as it can (the CLI: one file per account under --home; an add-in: IndexedDB). It
// holds private keys: hosts must keep it private (the CLI writes it 0600 through temp file + rename).
import { decodeBase64url, encodeBase64url } from "../protocol/base64url.js";
import type { KeyProtection } from "../api/keys.js";
import type { StoreName } from "../protocol/tokens.js";
import { parseCertificate, type Certificate } from "../pki/certificate.js";
import { MailsealError } from "../errors/index.js";

export const STATE_VERSION = 1;

/** Where the service answers: the api and both share stores (from /.well-known/mailseal.json). */
export interface ServiceEndpoints {
  api: string;
  shareStores: Record<StoreName, string>;
}

/** One encryption key of the account, as listed by GET /v1/keys, with its PKCS#8 once released here. */
export interface StoredKey {
  keyId: string;
  /** base64url DER. */
  certificate: string;
  status: "current" | "retired";
  /** As listed: "pending-wrap" keys hold the PKCS#8 but need the password to be released. */
  protection: KeyProtection;
  commitment: string;
  /** base64url PKCS#8, once this device released and combined the key. */
  pkcs8?: string;
}

export interface SigningState {
  /** The RSA-2048 signing key as a private JWK (RFC 7518 6.3, with the CRT parameters). */
  privateKey: JsonWebKey;
  /** base64url DER of the signing certificate and of the chain up to (not including) the root. */
  certificate: string;
  chain: string[];
}

export interface DeviceState {
  version: typeof STATE_VERSION;
  address: string;
  deviceName: string;
  service: ServiceEndpoints;
  /** Set once the challenge is answered: the device is active from then on. */
  deviceId?: string;
  /** A started enrollment, kept so that an interrupted provisioning resumes with the same challenge. */
  enrollment?: { challengeId: string; expiresAt: string };
  signing?: SigningState;
  /**
   * base64url DER of the service's root certificate (the anchor for signatures), pinned at
   * enrolment: another is taken only with a rollover signed by this one (root-pin.ts).
   */
  root?: string;
  /** Roots pinned before a rollover: still anchors for mail signed under them. */
  formerRoots?: string[];
  keys: StoredKey[];
  /**
   * The account's ML-KEM keys (issue 15), listed by GET /v1/keys apart from the RSA ones, each with
   * its ML-KEM certificate and, once released here, its PKCS#8 (RFC 9935 6). Absent before the
   * account opted in, and in states of earlier versions.
   */
  kemKeys?: StoredKey[];
  /** The issuing CA's CRL as last fetched and checked (mailflow/crl.ts), applied to signatures. */
  crl?: CachedCrl;
}

export interface CachedCrl {
  /** base64url DER, checked against the service's CA before it was kept. */
  der: string;
  /** ISO-8601: the CRL's own nextUpdate (RFC 5280 5.1.2.5). */
  nextUpdate: string;
  /** ISO-8601: when this device fetched it. */
  fetchedAt: string;
}

/**
 * Where a host keeps device states and device keys. One device key per account: the api binds a
 * device key (its thumbprint) to one device of one address.
 */
export interface StateStore {
  /** Addresses with a saved state. */
  list(): Promise<string[]>;
  load(address: string): Promise<DeviceState | undefined>;
  /** Replaces the saved state whole (atomically: a crash leaves the old or the new one). */
  save(state: DeviceState): Promise<void>;
  loadDeviceKey(address: string): Promise<CryptoKeyPair | undefined>;
  saveDeviceKey(address: string, keyPair: CryptoKeyPair): Promise<void>;
  /** Whether the store keeps CryptoKey objects as they are (IndexedDB), so the key may be non-extractable. */
  readonly keepsCryptoKeys: boolean;
}

export function certificateFromWire(value: string, what = "certificate"): Certificate {
  try {
    return parseCertificate(decodeBase64url(value, what));
  } catch (error) {
    throw new MailsealError("BAD_RESPONSE", `${what}: ${(error as Error).message}`, { cause: error });
  }
}

export function certificateToWire(certificate: Certificate): string {
  return encodeBase64url(certificate.der);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function invalid(why: string): never {
  throw new MailsealError("STATE_INVALID", `the saved account state is not valid: ${why}`);
}

function checkKey(value: unknown, index: number, list = "keys"): StoredKey {
  if (!isObject(value)) invalid(`${list}[${index}] is not an object`);
  const { keyId, certificate, status, protection, commitment, pkcs8 } = value;
  if (!isString(keyId) || !isString(certificate) || !isString(commitment)) invalid(`${list}[${index}] lacks a field`);
  if (status !== "current" && status !== "retired") invalid(`${list}[${index}].status`);
  if (protection !== "none" && protection !== "opaque" && protection !== "pending-wrap") {
    invalid(`${list}[${index}].protection`);
  }
  if (pkcs8 !== undefined && !isString(pkcs8)) invalid(`${list}[${index}].pkcs8`);
  return { keyId, certificate, status, protection, commitment, ...(pkcs8 === undefined ? {} : { pkcs8 }) };
}

/** A state read back from storage (JSON.parse'd): checked field by field, else STATE_INVALID. */
export function checkState(value: unknown): DeviceState {
  if (!isObject(value)) invalid("not an object");
  if (value.version !== STATE_VERSION) invalid(`version ${String(value.version)}, this code reads ${STATE_VERSION}`);
  const { address, deviceName, service, deviceId, enrollment, signing, root, formerRoots, keys, kemKeys, crl } = value;
  if (!isString(address) || !isString(deviceName)) invalid("address or deviceName missing");
  if (!isObject(service) || !isString(service.api) || !isObject(service.shareStores)) invalid("service");
  const stores = service.shareStores;
  if (!isString(stores["share-a"]) || !isString(stores["share-b"])) invalid("service.shareStores");
  if (deviceId !== undefined && !isString(deviceId)) invalid("deviceId");
  if (
    enrollment !== undefined &&
    (!isObject(enrollment) || !isString(enrollment.challengeId) || !isString(enrollment.expiresAt))
  )
    invalid("enrollment");
  if (
    signing !== undefined &&
    (!isObject(signing) ||
      !isObject(signing.privateKey) ||
      !isString(signing.certificate) ||
      !Array.isArray(signing.chain) ||
      !signing.chain.every(isString))
  )
    invalid("signing");
  if (root !== undefined && !isString(root)) invalid("root");
  if (formerRoots !== undefined && (!Array.isArray(formerRoots) || !formerRoots.every(isString)))
    invalid("formerRoots");
  if (!Array.isArray(keys)) invalid("keys");
  if (kemKeys !== undefined && !Array.isArray(kemKeys)) invalid("kemKeys");
  if (
    crl !== undefined &&
    (!isObject(crl) || !isString(crl.der) || !isString(crl.nextUpdate) || !isString(crl.fetchedAt))
  )
    invalid("crl");
  return {
    version: STATE_VERSION,
    address,
    deviceName,
    service: { api: service.api, shareStores: { "share-a": stores["share-a"], "share-b": stores["share-b"] } },
    ...(deviceId === undefined ? {} : { deviceId }),
    ...(enrollment === undefined
      ? {}
      : { enrollment: { challengeId: enrollment.challengeId as string, expiresAt: enrollment.expiresAt as string } }),
    ...(signing === undefined ? {} : { signing: signing as unknown as SigningState }),
    ...(root === undefined ? {} : { root }),
    ...(formerRoots === undefined ? {} : { formerRoots: formerRoots as string[] }),
    keys: keys.map((key, index) => checkKey(key, index)),
    ...(kemKeys === undefined ? {} : { kemKeys: kemKeys.map((key, index) => checkKey(key, index, "kemKeys")) }),
    ...(crl === undefined
      ? {}
      : { crl: { der: crl.der as string, nextUpdate: crl.nextUpdate as string, fetchedAt: crl.fetchedAt as string } }),
  };
}

/** The account of `address` in `store`, or NO_ACCOUNT naming the ones there are. */
export async function loadAccount(store: StateStore, address: string): Promise<DeviceState> {
  const state = await store.load(address);
  if (state !== undefined) return state;
  const known = await store.list();
  throw new MailsealError(
    "NO_ACCOUNT",
    known.length === 0
      ? `no account for ${address} on this device (mailseal account add first)`
      : `no account for ${address} on this device; it has ${known.join(", ")}`,
  );
}

/** A provisioned account: active device, signing certificate and root; else NOT_PROVISIONED. */
export function requireProvisioned(
  state: DeviceState,
): DeviceState & { deviceId: string; signing: SigningState; root: string } {
  if (state.deviceId === undefined || state.signing === undefined || state.root === undefined) {
    throw new MailsealError(
      "NOT_PROVISIONED",
      `the account ${state.address} is not fully set up on this device (run mailseal account add again to finish)`,
    );
  }
  return state as DeviceState & { deviceId: string; signing: SigningState; root: string };
}

/** The account's address as the service certifies it: domain lower-cased (RFC 5321 2.4), local part kept. */
export function normalizeAccountAddress(address: string): string {
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1 || /\s/.test(address)) {
    throw new MailsealError("NO_ACCOUNT", `${JSON.stringify(address)} is not an email address`);
  }
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}
