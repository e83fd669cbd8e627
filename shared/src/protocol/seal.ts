// Sealing a secret to a P-256 public key: ECDH-ES with a fresh ephemeral key (as JOSE's ECDH-ES,
// RFC 7518 4.6, and HPKE's base mode, RFC 9180, do), HKDF-SHA-256 (RFC 5869) to an AES-256-GCM
// key, AES-GCM with a random 96-bit IV and the caller's associated data. Used for shares in
// transit: api/device -> store (ingest key) and store -> device (release ephemeral key).
//
// KDF: HKDF-SHA-256(IKM = Z, salt = empty, L = 32 bytes,
//        info = ASCII("mailseal-seal-v1") || epk.x || epk.y || recipient.x || recipient.y)
// where Z is the ECDH shared secret (the 32-byte x-coordinate, SEC 1 3.3.1) and each coordinate is
// the 32-byte big-endian value of the JWK. Both public keys enter the KDF so that the AES key is
// bound to this exchange: a box opened with a mismatched recipient JWK, or whose epk was swapped
// for an equivalent encoding, derives another key and fails.
import { decodeBase64url, encodeBase64url } from "./base64url.js";
import { concatBytes, own, randomBytes, utf8 } from "./bytes.js";
import { MailsealError } from "../errors/index.js";
import { exportPublicJwk, importPublicJwk, validatePublicJwk, type P256PublicJwk } from "./jwk.js";

/** The wire form of a sealed secret: `ct` is the AES-GCM ciphertext with its 16-byte tag appended. */
export interface SealedBox {
  readonly epk: P256PublicJwk;
  readonly iv: string;
  readonly ct: string;
}

const INFO_LABEL = "mailseal-seal-v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

function info(epk: P256PublicJwk, recipient: P256PublicJwk): Uint8Array<ArrayBuffer> {
  const coordinates = [epk.x, epk.y, recipient.x, recipient.y].map((c) => decodeBase64url(c));
  return own(concatBytes([utf8(INFO_LABEL), ...coordinates]));
}

async function sealingKey(
  privateKey: CryptoKey,
  peer: CryptoKey,
  epk: P256PublicJwk,
  recipient: P256PublicJwk,
  usage: KeyUsage,
): Promise<CryptoKey> {
  const subtle = globalThis.crypto.subtle;
  const z = await subtle.deriveBits({ name: "ECDH", public: peer }, privateKey, 256);
  const ikm = await subtle.importKey("raw", z, "HKDF", false, ["deriveKey"]);
  return subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: info(epk, recipient) },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    [usage],
  );
}

/** Seals `plaintext` to `recipient` (a P-256 public JWK) with associated data `aad`. */
export async function seal(recipient: JsonWebKey, plaintext: Uint8Array, aad: Uint8Array): Promise<SealedBox> {
  const subtle = globalThis.crypto.subtle;
  const recipientJwk = validatePublicJwk(recipient, "recipient key");
  const recipientKey = await importPublicJwk(recipientJwk, "ECDH", "recipient key");
  const ephemeral = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const epk = await exportPublicJwk(ephemeral.publicKey);
  const key = await sealingKey(ephemeral.privateKey, recipientKey, epk, recipientJwk, "encrypt");
  const iv = randomBytes(IV_BYTES);
  const ct = await subtle.encrypt(
    { name: "AES-GCM", iv: own(iv), additionalData: own(aad), tagLength: TAG_BYTES * 8 },
    key,
    own(plaintext),
  );
  return { epk, iv: encodeBase64url(iv), ct: encodeBase64url(new Uint8Array(ct)) };
}

function openFailed(problem: string): never {
  throw new MailsealError("SEAL_OPEN_FAILED", `sealed box: ${problem}`);
}

/**
 * Opens a box sealed to the recipient's key pair: `recipientPrivateKey` (ECDH P-256, usage
 * deriveBits) and its public JWK. A wrong key, a changed byte of the box or other associated data
 * all give SEAL_OPEN_FAILED (GCM authenticates all of them), as does a malformed box; an `epk`
 * that is no P-256 point is MALFORMED_KEY.
 */
export async function openSealed(
  recipientPrivateKey: CryptoKey,
  recipientPublicJwk: JsonWebKey,
  box: SealedBox,
  aad: Uint8Array,
): Promise<Uint8Array> {
  if (typeof box !== "object" || box === null) openFailed("not an object");
  const recipientJwk = validatePublicJwk(recipientPublicJwk, "recipient key");
  const epk = validatePublicJwk(box.epk, "sealed box epk");
  let iv: Uint8Array;
  let ct: Uint8Array;
  try {
    iv = decodeBase64url(box.iv, "iv");
    ct = decodeBase64url(box.ct, "ct");
  } catch (error) {
    openFailed((error as Error).message);
  }
  if (iv.length !== IV_BYTES) openFailed(`iv is ${iv.length} bytes, not ${IV_BYTES}`);
  if (ct.length < TAG_BYTES) openFailed("ct is shorter than the GCM tag");
  const algorithm = recipientPrivateKey.algorithm as EcKeyAlgorithm;
  if (algorithm.name !== "ECDH" || algorithm.namedCurve !== "P-256" || recipientPrivateKey.type !== "private") {
    throw new MailsealError("MALFORMED_KEY", "sealed box: the recipient key must be an ECDH P-256 private key");
  }
  const peer = await importPublicJwk(epk, "ECDH", "sealed box epk");
  const key = await sealingKey(recipientPrivateKey, peer, epk, recipientJwk, "decrypt");
  try {
    const plaintext = await globalThis.crypto.subtle.decrypt(
      { name: "AES-GCM", iv: own(iv), additionalData: own(aad), tagLength: TAG_BYTES * 8 },
      key,
      own(ct),
    );
    return new Uint8Array(plaintext);
  } catch {
    openFailed("it does not open: another recipient key, altered bytes or other associated data");
  }
}
