// The device proof, after RFC 9449 (DPoP): every request carries `Mailseal-Proof: <JWS>`, signed
// by the device key, naming the method and URL it is for, when it was made, a unique id and, with
// an access token, the token's hash. A stolen token is useless without the device key, and a
// captured proof is useless for another request or after a minute.
import { encodeBase64url } from "./base64url.js";
import { randomBytes, sha256, utf8 } from "./bytes.js";
import { MailsealError } from "../errors/index.js";
import { exportPublicJwk, importPublicJwk, jwkThumbprint, validatePublicJwk, type P256PublicJwk } from "./jwk.js";
import { decodeJws, signJws, verifyJws } from "./jws.js";

export const PROOF_TYPE = "mailseal-proof+jwt";
/** The HTTP request header that carries the proof. */
export const PROOF_HEADER = "Mailseal-Proof";
const MAX_JTI_LENGTH = 128;

export interface ProofPayload {
  readonly htm: string;
  readonly htu: string;
  readonly iat: number;
  readonly jti: string;
  readonly ath?: string;
}

export interface CreateProofOptions {
  /** The HTTP method, as sent ("POST"). */
  readonly htm: string;
  /** The request URL; query and fragment are left out of the proof (RFC 9449 4.2). */
  readonly htu: string;
  /** The access token sent with the request, if any: the proof then carries its hash `ath`. */
  readonly token?: string | undefined;
  readonly now: Date;
  /** The proof id; by default 128 random bits. */
  readonly jti?: string | undefined;
}

export interface VerifyProofOptions {
  /** The method of the request being served. */
  readonly htm: string;
  /** The URL of the request being served (its query and fragment are ignored). */
  readonly htu: string;
  /** The access token of the request: then `ath` must be its hash; without one, `ath` must be absent. */
  readonly token?: string | undefined;
  /** When given, the proof's key must have this thumbprint (`cnf.jkt` of a token or ticket): KEY_MISMATCH. */
  readonly jkt?: string | undefined;
  readonly now: Date;
  /** How far `iat` may lie from `now`, either way (default 60 s, docs/services.md). */
  readonly maxSkewSeconds?: number | undefined;
}

export interface VerifiedProof {
  /** RFC 7638 thumbprint of the device key that signed the proof. */
  readonly jkt: string;
  /** The proof id: the caller must refuse one seen before (see verifyProof). */
  readonly jti: string;
  readonly iat: number;
  readonly jwk: P256PublicJwk;
}

function mismatch(problem: string): never {
  throw new MailsealError("PROOF_MISMATCH", `device proof: ${problem}`);
}

/**
 * The `htu` form of a URL: scheme, host (both lower-cased by the URL parser, default port
 * dropped) and path, without user info, query and fragment (RFC 9449 4.2, 4.3 step 9).
 */
export function proofUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    mismatch(`${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") mismatch(`${parsed.protocol} is not an HTTP URL`);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** `ath`: base64url of SHA-256 over the ASCII of the access token (RFC 9449 4.2). */
export async function tokenHash(token: string): Promise<string> {
  return encodeBase64url(await sha256(utf8(token)));
}

/** Makes the proof for one request, signed with the device key pair (ECDSA P-256). */
export async function createProof(keyPair: CryptoKeyPair, options: CreateProofOptions): Promise<string> {
  const jwk = await exportPublicJwk(keyPair.publicKey);
  const payload: ProofPayload = {
    htm: options.htm,
    htu: proofUrl(options.htu),
    iat: Math.floor(options.now.getTime() / 1000),
    jti: options.jti ?? encodeBase64url(randomBytes(16)),
    ...(options.token === undefined ? {} : { ath: await tokenHash(options.token) }),
  };
  return signJws({ typ: PROOF_TYPE, alg: "ES256", jwk }, payload, keyPair.privateKey);
}

/** How many device keys verifyProof keeps imported (a few hundred bytes each). */
const DEVICE_KEY_CACHE_SIZE = 4096;
/** Imported device keys with their thumbprints, by the JWK's coordinates, oldest use first. */
const deviceKeys = new Map<string, Promise<{ key: CryptoKey; jkt: string }>>();

/**
 * The device key of a proof, imported, and its thumbprint. A device signs every request with the same
 * key, and importing it (WebCrypto checks that the point is on the curve) and hashing it for its
 * thumbprint on every request is work a server under load repeats for nothing, so both are kept by
 * (x, y): validatePublicJwk admits one text form per point, and the thumbprint depends on nothing
 * else (RFC 7638 3.2). Failures are not kept. The least recently used key goes when the cache is full.
 */
function deviceKey(jwk: P256PublicJwk): Promise<{ key: CryptoKey; jkt: string }> {
  const id = `${jwk.x}.${jwk.y}`;
  let entry = deviceKeys.get(id);
  if (entry !== undefined) {
    deviceKeys.delete(id);
  } else {
    entry = (async () => ({
      key: await importPublicJwk(jwk, "ECDSA", "device proof jwk"),
      jkt: await jwkThumbprint(jwk),
    }))();
    entry.catch(() => deviceKeys.delete(id));
    if (deviceKeys.size >= DEVICE_KEY_CACHE_SIZE) deviceKeys.delete(deviceKeys.keys().next().value!);
  }
  deviceKeys.set(id, entry);
  return entry;
}

/**
 * Checks a proof against the request (RFC 9449 4.3): typ, a P-256 public `jwk` in the header that
 * verifies the signature, `htm` and `htu` of this request, `iat` within `maxSkewSeconds` of `now`,
 * and `ath` exactly when a token is sent. Returns the key's thumbprint and the proof id.
 *
 * Replay is the caller's job: it must refuse a `jti` it has seen within the window (the server
 * keeps them 2 x maxSkewSeconds in its replay table), since this function keeps no state.
 */
export async function verifyProof(proof: string, options: VerifyProofOptions): Promise<VerifiedProof> {
  const { header } = decodeJws(proof);
  if (header.typ !== PROOF_TYPE) {
    throw new MailsealError("WRONG_TYPE", `device proof: typ ${JSON.stringify(header.typ)}, expected ${PROOF_TYPE}`);
  }
  const jwk = validatePublicJwk(header.jwk, "device proof jwk");
  const { key, jkt } = await deviceKey(jwk);
  const { payload } = await verifyJws(proof, key);
  if (options.jkt !== undefined && options.jkt !== jkt) {
    throw new MailsealError("KEY_MISMATCH", "device proof: signed by another key than the token or ticket is bound to");
  }
  const { htm, htu, iat, jti, ath } = payload;
  if (typeof htm !== "string" || typeof htu !== "string" || typeof jti !== "string" || !Number.isSafeInteger(iat)) {
    throw new MailsealError("MALFORMED_JWS", "device proof: htm, htu, jti (strings) and iat (integer) are required");
  }
  if (jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw new MailsealError("MALFORMED_JWS", `device proof: jti must have 1 to ${MAX_JTI_LENGTH} characters`);
  }
  if (htm !== options.htm) mismatch(`made for ${htm}, not ${options.htm}`);
  if (proofUrl(htu) !== proofUrl(options.htu)) mismatch(`made for ${htu}, not ${proofUrl(options.htu)}`);
  const skew = options.maxSkewSeconds ?? 60;
  const now = Math.floor(options.now.getTime() / 1000); // whole seconds, as iat
  if ((iat as number) < now - skew) {
    throw new MailsealError("EXPIRED", `device proof: made at ${iat}, more than ${skew} s before now`);
  }
  if ((iat as number) > now + skew) {
    throw new MailsealError("NOT_YET_VALID", `device proof: made at ${iat}, more than ${skew} s after now`);
  }
  if (options.token === undefined) {
    if (ath !== undefined) mismatch("carries ath but no access token was sent");
  } else if (ath !== (await tokenHash(options.token))) {
    mismatch("ath does not match the access token sent");
  }
  return { jkt, jti, iat: iat as number, jwk };
}
