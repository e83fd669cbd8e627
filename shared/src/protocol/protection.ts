// Enhanced protection: the device wraps an encryption key's PKCS#8 under a key only the holder of
// the key-protection password can rebuild, the OPAQUE export key (RFC 9807 6.4.4, never sent to a
// server). The wrapped blob is then split and stored like a plain PKCS#8.
//
// key  = HKDF-SHA-256(IKM = exportKey, salt = empty, info = "mailseal-protection-v1", L = 32)
// blob = version (0x01) || iv (12 random bytes) || AES-256-GCM(key, iv, aad = protectionAad(address, keyId), pkcs8)
import { own, randomBytes, utf8 } from "./bytes.js";
import { MailsealError } from "../errors/index.js";
import { protectionAad } from "./share-aad.js";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The OPAQUE export key of @serenity-kit/opaque is 64 bytes; fewer than 32 cannot key AES-256 soundly. */
const MIN_EXPORT_KEY_BYTES = 32;

async function protectionKey(exportKey: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  if (!(exportKey instanceof Uint8Array) || exportKey.length < MIN_EXPORT_KEY_BYTES) {
    throw new MailsealError("MALFORMED_KEY", `the export key must be at least ${MIN_EXPORT_KEY_BYTES} bytes`);
  }
  const subtle = globalThis.crypto.subtle;
  const ikm = await subtle.importKey("raw", own(exportKey), "HKDF", false, ["deriveKey"]);
  return subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8("mailseal-protection-v1") },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    [usage],
  );
}

/** Wraps `pkcs8` for `address`/`keyId` under the OPAQUE export key (raw bytes; base64url-decode it first). */
export async function protectKey(
  pkcs8: Uint8Array,
  exportKey: Uint8Array,
  address: string,
  keyId: string,
): Promise<Uint8Array> {
  const aad = protectionAad(address, keyId);
  const key = await protectionKey(exportKey, "encrypt");
  const iv = randomBytes(IV_BYTES);
  const ct = new Uint8Array(
    await globalThis.crypto.subtle.encrypt({ name: "AES-GCM", iv: own(iv), additionalData: aad }, key, own(pkcs8)),
  );
  const blob = new Uint8Array(1 + IV_BYTES + ct.length);
  blob[0] = VERSION;
  blob.set(iv, 1);
  blob.set(ct, 1 + IV_BYTES);
  return blob;
}

/**
 * Unwraps a protected blob. PROTECTION_KEY_WRONG when GCM refuses it: another password (so another
 * export key), or a blob altered or made for another address or key id, which GCM cannot tell apart.
 */
export async function unprotectKey(
  blob: Uint8Array,
  exportKey: Uint8Array,
  address: string,
  keyId: string,
): Promise<Uint8Array> {
  const aad = protectionAad(address, keyId);
  if (blob.length < 1 + IV_BYTES + TAG_BYTES)
    throw new MailsealError("MALFORMED_KEY", "protected key blob is too short");
  if (blob[0] !== VERSION) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `protected key blob version ${blob[0]!}, this code reads ${VERSION}`,
    );
  }
  const key = await protectionKey(exportKey, "decrypt");
  try {
    const pkcs8 = await globalThis.crypto.subtle.decrypt(
      { name: "AES-GCM", iv: own(blob.subarray(1, 1 + IV_BYTES)), additionalData: aad },
      key,
      own(blob.subarray(1 + IV_BYTES)),
    );
    return new Uint8Array(pkcs8);
  } catch {
    throw new MailsealError(
      "PROTECTION_KEY_WRONG",
      "the protected key does not open: wrong key-protection password, or the blob was altered or belongs to another key",
    );
  }
}
