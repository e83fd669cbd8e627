// Bringing the account's encryption keys to this device (docs/services.md, "Release", "Client
// flows"): for every key not held yet, an ephemeral P-256 key, release tickets from the api, both
// stores asked in parallel, each share opened with releaseAad, the two combined, the result checked
// against the api's commitment and, for a protected key, unwrapped with the OPAQUE export key. No
// server ever holds both shares; the device checks what it was given, down to the key matching its
// certificate.
import { rsaPublicKeyOf } from "../pki/certificate.js";
import { rsaPrivateKeyFromPkcs8 } from "../pki/private-key.js";
import { pqPrivateKeyFromPkcs8, pqPublicKeyOf } from "../pki/pq.js";
import { decodeBase64url, encodeBase64url } from "../protocol/base64url.js";
import { exportPublicJwk, type P256PublicJwk } from "../protocol/jwk.js";
import { decodeJws } from "../protocol/jws.js";
import { protectKey, unprotectKey } from "../protocol/protection.js";
import { openSealed } from "../protocol/seal.js";
import { releaseAad } from "../protocol/share-aad.js";
import { checkCommitment, combineShares } from "../protocol/split.js";
import { MailsealError } from "../errors/index.js";
import type { ProtectionLogin } from "./protection.js";
import type { KeyInfo } from "../api/keys.js";
import type { ServiceClient } from "./service-client.js";
import { uploadShares } from "./shares.js";
import { certificateFromWire, type DeviceState, type StateStore, type StoredKey } from "./state.js";

export interface RefreshOptions {
  /**
   * Logs in with the key-protection password (see passwordUnlock). Called at most once, with
   * `required` true when a protected key must be released (then undefined means PASSWORD_REQUIRED),
   * false when only keys made by a rotation wait to be wrapped (then undefined skips that).
   */
  unlock?: (required: boolean) => Promise<ProtectionLogin | undefined>;
  /** A login already made (protect does one). */
  login?: ProtectionLogin;
}

/** The ECDH-ES ephemeral key of one release: the private half never leaves WebCrypto. */
async function ephemeralKey(): Promise<{ privateKey: CryptoKey; publicJwk: P256PublicJwk }> {
  const pair = await globalThis.crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  return { privateKey: pair.privateKey, publicJwk: await exportPublicJwk(pair.publicKey) };
}

function ticketJti(ticket: string): string {
  const { jti } = decodeJws(ticket).payload as { jti?: unknown };
  if (typeof jti !== "string" || jti.length === 0) {
    throw new MailsealError("BAD_RESPONSE", "a release ticket without jti");
  }
  return jti;
}

/** An unsigned big-endian integer's bytes without leading zeros (DER INTEGERs carry one before a high bit). */
function magnitude(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function sameInteger(a: Uint8Array, b: Uint8Array): boolean {
  const x = magnitude(a);
  const y = magnitude(b);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/**
 * KEY_CERT_MISMATCH unless the released PKCS#8 is the private key of the key's certificate: the same
 * RSA modulus and public exponent (RFC 8017 3.1, 3.2). The commitment only says that the shares are
 * the ones the api recorded: without this check, services that recorded shares of another key than
 * they certified would have the device keep a key they chose, while senders encrypt to the
 * certificate's.
 */
export function checkKeyMatchesCertificate(pkcs8: Uint8Array, certificate: string, keyId: string): void {
  const parsed = certificateFromWire(certificate, `key ${keyId} certificate`);
  // An ML-KEM key (issue 15): the encapsulation key its seed makes must be the certificate's.
  const kem = pqPublicKeyOf(parsed.publicKey);
  if (kem !== undefined) {
    let held;
    try {
      held = pqPrivateKeyFromPkcs8(pkcs8);
    } catch (error) {
      throw new MailsealError("KEY_CERT_MISMATCH", `the released key ${keyId} is not an ML-KEM private key`, {
        cause: error,
      });
    }
    const same =
      held.kind === "ml-kem" &&
      kem.kind === "ml-kem" &&
      held.parameters === kem.parameters &&
      held.encapsulationKey.length === kem.key.length &&
      held.encapsulationKey.every((byte, i) => byte === kem.key[i]);
    if (held.kind === "ml-kem") held.decapsulationKey.fill(0);
    else held.secretKey.fill(0);
    if (!same) {
      throw new MailsealError(
        "KEY_CERT_MISMATCH",
        `the released key ${keyId} is not the key of its certificate: nothing was stored`,
      );
    }
    return;
  }
  const certified = rsaPublicKeyOf(parsed);
  let held;
  try {
    held = rsaPrivateKeyFromPkcs8(pkcs8);
  } catch (error) {
    throw new MailsealError("KEY_CERT_MISMATCH", `the released key ${keyId} is not an RSA private key`, {
      cause: error,
    });
  }
  const same = sameInteger(held.n, certified.n) && sameInteger(held.e, certified.e);
  for (const part of [held.d, held.p, held.q, held.dp, held.dq, held.qi]) part.fill(0);
  if (!same) {
    throw new MailsealError(
      "KEY_CERT_MISMATCH",
      `the released key ${keyId} is not the key of its certificate: nothing was stored`,
    );
  }
}

/**
 * Releases one key: the PKCS#8, checked against the commitment, unwrapped when protected, and then
 * checked against the key's certificate (KEY_CERT_MISMATCH), before the caller stores anything.
 */
export async function releaseKey(
  client: ServiceClient,
  address: string,
  key: Pick<KeyInfo, "keyId" | "commitment" | "protection" | "certificate">,
  login: ProtectionLogin | undefined,
): Promise<Uint8Array> {
  const ephemeral = await ephemeralKey();
  const tickets = await client.releaseKey(key.keyId, ephemeral.publicJwk, login?.session);
  const released = await Promise.all(
    tickets.map(async (ticket) => {
      const share = await client.releaseShare(ticket);
      if (share.keyId !== key.keyId) {
        throw new MailsealError("BAD_RESPONSE", `${ticket.store} released key ${share.keyId}, not ${key.keyId}`);
      }
      const aad = releaseAad(address, key.keyId, share.index, ticketJti(ticket.ticket));
      return {
        index: share.index,
        bytes: await openSealed(ephemeral.privateKey, ephemeral.publicJwk, share.sealed, aad),
      };
    }),
  );
  const share0 = released.find((s) => s.index === 0);
  const share1 = released.find((s) => s.index === 1);
  if (share0 === undefined || share1 === undefined) {
    throw new MailsealError("BAD_RESPONSE", `the release of ${key.keyId} did not bring shares 0 and 1`);
  }
  const blob = combineShares(share0.bytes, share1.bytes);
  share0.bytes.fill(0);
  share1.bytes.fill(0);
  await checkCommitment(blob, key.commitment);
  let pkcs8 = blob;
  // "pending-wrap": released under the session, but the shares still hold the PKCS#8.
  if (key.protection === "opaque") {
    if (login === undefined) {
      throw new MailsealError(
        "PASSWORD_REQUIRED",
        `key ${key.keyId} is protected: the key-protection password is needed`,
      );
    }
    pkcs8 = await unprotectKey(blob, login.exportKey, address, key.keyId);
    blob.fill(0);
  }
  try {
    checkKeyMatchesCertificate(pkcs8, key.certificate, key.keyId);
  } catch (error) {
    pkcs8.fill(0);
    throw error;
  }
  return pkcs8;
}

/** The state's key list brought up to the api's: new keys added, status and protection updated, PKCS#8 kept. */
export function mergeKeys(held: readonly StoredKey[], listed: readonly KeyInfo[]): StoredKey[] {
  return listed.map((key) => {
    const old = held.find((k) => k.keyId === key.keyId);
    return {
      keyId: key.keyId,
      certificate: key.certificate,
      status: key.status,
      protection: key.protection,
      commitment: key.commitment,
      ...(old?.pkcs8 === undefined ? {} : { pkcs8: old.pkcs8 }),
    };
  });
}

/**
 * Lists the keys, releases every one not held yet (saving after each, so an interruption loses no
 * work), and, when logged in with the key-protection password, wraps every key not wrapped yet
 * ("pending-wrap": made by a rotation while protection was on, the server cannot wrap) and uploads
 * its new shares. Keys the api no longer lists are dropped. On a protected account every release
 * needs the password: without it, a new key is PASSWORD_REQUIRED, after the list (and the keys
 * held) were saved, so the device goes on with the keys it has.
 */
export async function refreshKeys(
  client: ServiceClient,
  store: StateStore,
  state: DeviceState,
  options: RefreshOptions = {},
): Promise<DeviceState> {
  const list = await client.keyList();
  const listed = list.keys;
  listed.forEach((key, i) => certificateFromWire(key.certificate, `GET /v1/keys keys[${i}].certificate`));
  // The ML-KEM keys (issue 15) go through the same release, check and wrap as the RSA ones, into
  // their own list of the state. A service before issue 15 lists none.
  const listedKem = list.kemKeys ?? [];
  listedKem.forEach((key, i) => certificateFromWire(key.certificate, `GET /v1/keys kemKeys[${i}].certificate`));
  const kemKeys = mergeKeys(state.kemKeys ?? [], listedKem);
  let current: DeviceState = {
    ...state,
    keys: mergeKeys(state.keys, listed),
    ...(kemKeys.length === 0 && state.kemKeys === undefined ? {} : { kemKeys }),
  };
  let login = options.login;
  const every = (s: DeviceState) => [...s.keys, ...(s.kemKeys ?? [])];
  const missing = every(current).filter((k) => k.pkcs8 === undefined);
  // Any key other than "none" means the account is protected, and then every release needs a session.
  const protectedMissing = missing.some((k) => k.protection !== "none");
  const accountProtected = every(current).some((k) => k.protection !== "none");
  const waitingToWrap = accountProtected && every(current).some((k) => k.protection !== "opaque");
  if (login === undefined && (protectedMissing || waitingToWrap) && options.unlock !== undefined) {
    login = await options.unlock(protectedMissing);
  }
  if (protectedMissing && login === undefined) {
    await store.save(current);
    throw new MailsealError(
      "PASSWORD_REQUIRED",
      `the keys of ${state.address} are protected: give the key-protection password to bring them to this device`,
    );
  }
  for (const key of missing) {
    const pkcs8 = await releaseKey(client, state.address, key, login);
    current = withKey(current, key.keyId, { pkcs8: encodeBase64url(pkcs8) });
    pkcs8.fill(0);
    await store.save(current);
  }
  if (login !== undefined && accountProtected) current = await wrapUnprotected(client, store, current, login);
  await store.save(current);
  return current;
}

/** The state with the fields of key `keyId` (in `keys` or `kemKeys`) changed. */
function withKey(state: DeviceState, keyId: string, change: Partial<StoredKey>): DeviceState {
  const update = (keys: StoredKey[]) => keys.map((k) => (k.keyId === keyId ? { ...k, ...change } : k));
  return {
    ...state,
    keys: update(state.keys),
    ...(state.kemKeys === undefined ? {} : { kemKeys: update(state.kemKeys) }),
  };
}

/** Wraps every held key not wrapped yet under the export key and uploads its new shares. */
export async function wrapUnprotected(
  client: ServiceClient,
  store: StateStore,
  state: DeviceState,
  login: ProtectionLogin,
): Promise<DeviceState> {
  let current = state;
  for (const key of [...state.keys, ...(state.kemKeys ?? [])]) {
    if (key.protection === "opaque" || key.pkcs8 === undefined) continue;
    const pkcs8 = decodeBase64url(key.pkcs8, "pkcs8");
    const blob = await protectKey(pkcs8, login.exportKey, state.address, key.keyId);
    pkcs8.fill(0);
    const commitment = await uploadShares(client, state.address, key.keyId, blob, "opaque", login.session);
    current = withKey(current, key.keyId, { protection: "opaque", commitment });
    await store.save(current);
  }
  return current;
}
