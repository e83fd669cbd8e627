// The service CA's CRL on the device (docs/services.md, "Client flows"): fetched from GET
// /v1/ca/crl, checked against the CA this device knows (the issuing CA of its signing certificate's
// chain, itself signed by the pinned root), kept in the device state, and applied when a signature
// is verified (receive.ts): so that a signing certificate of a removed device shows as revoked.
import type { Clock } from "../clock.js";
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import type { Certificate } from "../pki/certificate.js";
import { isCrlOf, parseCrl, type Crl } from "../pki/crl.js";
import { namesEqual } from "../pki/name.js";
import { verifyCertificateSignature, type CertificateCrypto } from "../pki/signature.js";
import { decodeBase64url, encodeBase64url } from "../protocol/base64url.js";
import type { ServiceClient } from "./service-client.js";
import { certificateFromWire, type CachedCrl, type DeviceState, type StateStore } from "./state.js";

/**
 * A kept CRL is fetched again once past its nextUpdate, or once it is this old: the api signs a new
 * one within the hour after a revocation is made (at once, in fact), so a device learns of a
 * removed device within the hour instead of within the CRL's day.
 */
export const CRL_MAX_AGE_MS = 3600 * 1000;

/** Whether the kept CRL is due for a fetch at `now`. */
export function crlDue(state: DeviceState, now: Date): boolean {
  const kept = state.crl;
  if (kept === undefined) return true;
  const nextUpdate = Date.parse(kept.nextUpdate);
  const fetchedAt = Date.parse(kept.fetchedAt);
  return !(now.getTime() < nextUpdate) || !(now.getTime() - fetchedAt < CRL_MAX_AGE_MS) || now.getTime() < fetchedAt;
}

/**
 * The CAs whose CRLs this account accepts: the certificates of the signing chain that the pinned
 * root signed (the service's issuing CA), and the root itself.
 */
async function knownIssuers(state: DeviceState, crypto: CertificateCrypto): Promise<Certificate[]> {
  if (state.root === undefined) return [];
  const root = certificateFromWire(state.root, "root certificate");
  const issuers = [root];
  for (const [i, der] of (state.signing?.chain ?? []).entries()) {
    const cert = certificateFromWire(der, `signing chain[${i}]`);
    if (!namesEqual(cert.issuer, root.subject)) continue;
    if ((await verifyCertificateSignature(cert, root.publicKey, crypto)).ok) issuers.push(cert);
  }
  return issuers;
}

/**
 * Checks a CRL the service gave against the CAs this account knows: parsed, signed by one of them
 * (knownIssuers), not older than the kept one; the record to keep, or undefined when the account is
 * not set up far enough to know its CA. BAD_RESPONSE for anything else (the kept one stays).
 */
export async function acceptCrl(
  state: DeviceState,
  der: Uint8Array,
  now: Date,
  crypto: CertificateCrypto,
): Promise<CachedCrl | undefined> {
  const issuers = await knownIssuers(state, crypto);
  if (issuers.length === 0) return undefined;
  let crl: Crl;
  try {
    crl = parseCrl(der);
  } catch (error) {
    if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
    throw new MailsealError("BAD_RESPONSE", `GET /v1/ca/crl: ${error.message}`, { cause: error });
  }
  let signed = false;
  for (const issuer of issuers) if (!signed) signed = await isCrlOf(crl, issuer, crypto);
  if (!signed) {
    throw new MailsealError("BAD_RESPONSE", "GET /v1/ca/crl: the CRL is not signed by the service's CA");
  }
  const kept = keptCrl(state);
  // An older CRL than the one kept (a replayed answer, a lagging node) would forget revocations.
  if (kept !== undefined && crl.thisUpdate.getTime() < kept.thisUpdate.getTime()) {
    throw new MailsealError("BAD_RESPONSE", "GET /v1/ca/crl: the CRL is older than the one this device has");
  }
  return {
    der: encodeBase64url(der),
    nextUpdate: (crl.nextUpdate ?? new Date(now.getTime() + CRL_MAX_AGE_MS)).toISOString(),
    fetchedAt: now.toISOString(),
  };
}

/**
 * Where the CRL check runs: acceptCrl with a crypto core in process (crlCheckWith), or the engine's
 * acceptCrl in its worker. Same contract as acceptCrl.
 */
export type CrlCheck = (state: DeviceState, der: Uint8Array, now: Date) => Promise<CachedCrl | undefined>;

/** acceptCrl with `crypto` in this thread. */
export function crlCheckWith(crypto: CertificateCrypto): CrlCheck {
  return (state, der, now) => acceptCrl(state, der, now, crypto);
}

/**
 * Fetches the CRL when the kept one is due (crlDue), checks it (acceptCrl, through `check`) and
 * saves it in the state. BAD_RESPONSE when the service answers with something that is not such a
 * CRL (the kept one stays).
 */
export async function refreshCrl(
  client: ServiceClient,
  store: StateStore,
  state: DeviceState,
  clock: Clock,
  check: CrlCheck,
): Promise<DeviceState> {
  const now = clock.now();
  if (!crlDue(state, now)) return state;
  if (state.root === undefined) return state; // not set up far enough to know its CA yet
  const der = await client.crl();
  const crl = await check(state, der, now);
  if (crl === undefined) return state;
  const next: DeviceState = { ...state, crl };
  await store.save(next);
  return next;
}

/** The account's kept CRL, parsed; undefined when none is kept or it no longer parses. */
export function keptCrl(state: DeviceState): Crl | undefined {
  if (state.crl === undefined) return undefined;
  try {
    return parseCrl(decodeBase64url(state.crl.der, "crl"));
  } catch {
    return undefined;
  }
}
