// The HSM role: where the server's private keys live and are used. Two backends behind one interface:
// "soft" (node:crypto, keys in files under the role's data folder; the embedded default) and "pkcs11"
// (a PKCS#11 token such as SoftHSM2 or a network HSM). Handles are stable strings stored by callers (a
// CA key made today must sign next year), so they survive restarts of the process and of the token.
// Keys that leave (encryption keys the KMS splits) are never stored at all: they exist only for the
// one call that makes and exports them, so no file, token object, journal or backup ever holds one.
import { MailsealError, type ErrorCode } from "@mailseal/shared/offline";
import { parseHsmSpec, type HsmSpec } from "./spec.js";

export interface HsmKeyPair {
  /** Stable name of the key pair in this backend (32 lower-case hex digits). */
  handle: string;
  /** SubjectPublicKeyInfo DER of the public key. */
  spki: Uint8Array;
}

export interface HsmBackend {
  readonly kind: "soft" | "pkcs11";
  /**
   * A new stored RSA key pair (public exponent 65537), non-extractable: it never leaves (CA keys).
   */
  generateRsaKeyPair(options: { bits: number; label: string; extractable: false }): Promise<HsmKeyPair>;
  /**
   * A new RSA key (public exponent 65537) made to be exported, in one step: the private key is held
   * only for this call (soft: process memory; PKCS#11: session objects of a session closed before
   * returning), so a crash at any point leaves nothing behind. `pkcs8` is the exact PKCS#8 DER
   * (SoftHSM pads the wrapped form: it is re-encoded); the caller owns it and zeroes it after use.
   */
  generateExportableRsaKey(options: { bits: number; label: string }): Promise<{ spki: Uint8Array; pkcs8: Uint8Array }>;
  /** RSASSA-PKCS1-v1_5 (RFC 8017 8.2) over `data`, hashed here. */
  signRsaPkcs1v15(handle: string, hash: "SHA-256" | "SHA-384", data: Uint8Array): Promise<Uint8Array>;
  /** SubjectPublicKeyInfo DER of an RSA key pair. */
  publicKey(handle: string): Promise<Uint8Array>;
  /** Removes the key (both halves of a pair). Idempotent: an unknown handle is not an error. */
  destroyKey(handle: string): Promise<void>;
  /** A named AES-256 key, created non-extractable on first use, the same one ever after (share-store KEKs). */
  aesKey(label: string): Promise<string>;
  /** AES-256-GCM with a fresh random 96-bit IV; `ciphertext` ends with the 128-bit tag (NIST SP 800-38D). Plaintext not empty. */
  aesGcmEncrypt(
    handle: string,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }>;
  /** Fails with HSM_DECRYPT_FAILED when the tag does not verify (wrong key, IV, data or associated data). */
  aesGcmDecrypt(handle: string, iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Releases sessions and the library; the backend refuses further calls with HSM_UNAVAILABLE. */
  close(): Promise<void>;
}

/**
 * Stable error codes of the HSM layer, all in the error catalogue (shared/src/errors/catalogue.ts);
 * the backends throw them as MailsealError. They reach logs and operators; never rename one.
 */
export const HSM_ERROR_CODES = [
  "HSM_BAD_SPEC",
  "HSM_UNAVAILABLE",
  "HSM_LOGIN_FAILED",
  "HSM_KEY_NOT_FOUND",
  "HSM_WRONG_KEY_TYPE",
  "HSM_NOT_EXTRACTABLE",
  "HSM_BAD_INPUT",
  "HSM_DECRYPT_FAILED",
  "HSM_OPERATION_FAILED",
] as const satisfies readonly ErrorCode[];

export type HsmErrorCode = (typeof HSM_ERROR_CODES)[number];

/** RSA sizes accepted for new keys: 2048 to 8192 bits, a multiple of 8 (S/MIME BR 6.1.5). */
export const RSA_BITS_MIN = 2048;
export const RSA_BITS_MAX = 8192;

/** Handles are 16 bytes in lower-case hex: safe as file names and as PKCS#11 CKA_ID. */
const HANDLE = /^[0-9a-f]{32}$/;

export function checkHandle(handle: string): void {
  if (typeof handle !== "string" || !HANDLE.test(handle))
    throw new MailsealError("HSM_KEY_NOT_FOUND", `no key with handle ${JSON.stringify(String(handle).slice(0, 80))}`);
}

export function checkRsaOptions(options: { bits: number; label: string }): void {
  const { bits, label } = options;
  if (!Number.isInteger(bits) || bits < RSA_BITS_MIN || bits > RSA_BITS_MAX || bits % 8 !== 0)
    throw new MailsealError(
      "HSM_BAD_INPUT",
      `RSA key size must be ${RSA_BITS_MIN}-${RSA_BITS_MAX} bits, a multiple of 8: ${bits}`,
    );
  checkLabel(label);
}

export function checkLabel(label: string): void {
  if (
    typeof label !== "string" ||
    label.length === 0 ||
    label.length > 128 ||
    [...label].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  )
    throw new MailsealError("HSM_BAD_INPUT", "a key label is 1 to 128 characters without control characters");
}

/**
 * Empty plaintexts are refused by both backends alike: SoftHSM2 answers CKR_ARGUMENTS_BAD to an empty
 * C_Encrypt, and nothing the server seals is empty.
 */
export function checkGcmPlaintext(plaintext: Uint8Array): void {
  if (plaintext.length === 0) throw new MailsealError("HSM_BAD_INPUT", "AES-GCM: nothing to encrypt (empty plaintext)");
}

/** GCM inputs as both backends take them: a 96-bit IV (SP 800-38D 8.2) and a ciphertext holding the tag. */
export function checkGcmInput(iv: Uint8Array, ciphertext: Uint8Array): void {
  if (iv.length !== 12) throw new MailsealError("HSM_DECRYPT_FAILED", `AES-GCM IV must be 12 bytes, got ${iv.length}`);
  if (ciphertext.length <= 16)
    throw new MailsealError("HSM_DECRYPT_FAILED", "AES-GCM ciphertext is not longer than its 16-byte tag");
}

/**
 * Opens the backend a spec names:
 * - `soft`: keys in `<dataDir>/soft-hsm/`, protected by file permissions only;
 * - `pkcs11:<library path>?slot=N` or `?token=LABEL` (SoftHSM2 reassigns slot ids, so a token label is
 *   the stable choice); the PIN from MAILSEAL_HSM_PIN, or the variable `pin-env=NAME` names (spec.ts).
 */
export async function openHsm(spec: string | HsmSpec, options: { dataDir: string }): Promise<HsmBackend> {
  const parsed = typeof spec === "string" ? parseHsmSpec(spec) : spec;
  if (parsed.kind === "soft") {
    const { SoftHsm } = await import("./soft.js");
    return SoftHsm.open(options.dataDir);
  }
  // Loaded only when asked for: the native module is not needed by the soft backend.
  const { Pkcs11Hsm } = await import("./pkcs11.js");
  return Pkcs11Hsm.open(parsed);
}
