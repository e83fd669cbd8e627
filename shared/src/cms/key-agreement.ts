// KeyAgreeRecipientInfo (RFC 5652 6.2.2) with ephemeral-static ECDH as RFC 5753 (and RFC 8418's
// layout) defines it for CMS, as OpenSSL, Outlook and Apple Mail write it: the sender makes an
// ephemeral key, agrees a secret with each recipient's certificate key, derives a key-encryption key
// (KEK) from it with the ANSI X9.63 KDF, and wraps the content-encryption key (CEK) with AES key wrap
// (RFC 3394). ECDH and the KDF's hash run in WebCrypto (the crypto core has no elliptic curves); the
// key wrap runs in the core, which has every AES key size on every host. X25519 and X448 (RFC 7748)
// recipients get the same structure with HKDF as the KDF (RFC 8418 2).
import type { HashAlgorithm } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { MailsealError } from "../errors/index.js";
import type { EcCurve, XdhCurve } from "../pki/certificate.js";
import { explicitTag } from "./algorithms.js";
import {
  DH_SINGLE_PASS_COFACTOR_DH_SHA1KDF_SCHEME,
  DH_SINGLE_PASS_COFACTOR_DH_SHA256KDF_SCHEME,
  DH_SINGLE_PASS_COFACTOR_DH_SHA384KDF_SCHEME,
  DH_SINGLE_PASS_COFACTOR_DH_SHA512KDF_SCHEME,
  DH_SINGLE_PASS_STD_DH_SHA1KDF_SCHEME,
  DH_SINGLE_PASS_STD_DH_SHA256KDF_SCHEME,
  DH_SINGLE_PASS_STD_DH_SHA384KDF_SCHEME,
  DH_SINGLE_PASS_STD_DH_SHA512KDF_SCHEME,
  DH_SINGLE_PASS_STD_DH_HKDF_SHA256_SCHEME,
  DH_SINGLE_PASS_STD_DH_HKDF_SHA384_SCHEME,
  DH_SINGLE_PASS_STD_DH_HKDF_SHA512_SCHEME,
  ID_AES128_WRAP,
  ID_AES192_WRAP,
  ID_AES256_WRAP,
  ID_EC_PUBLIC_KEY,
  ID_X25519,
  ID_X448,
  SECP256R1,
  SECP384R1,
  SECP521R1,
} from "../pki/oids.js";

/** AES key wrap (RFC 3394) from the crypto core (CoreService or its worker proxy). */
export interface KeyWrapCore {
  wrapKey(kek: Uint8Array, keyData: Uint8Array): Promise<Uint8Array>;
  /** DECRYPTION_FAILED (a CryptoError) when the integrity check fails. */
  unwrapKey(kek: Uint8Array, wrapped: Uint8Array): Promise<Uint8Array>;
}

/** The curves of key agreement: NIST curves (RFC 5753) and the Montgomery curves of RFC 7748 (RFC 8418). */
export type AgreementCurve = EcCurve | XdhCurve;

/** A recipient's private key for key agreement, in WebCrypto (EcPrivateKey or XdhPrivateKey). */
export interface AgreementPrivateKey {
  readonly curve: AgreementCurve;
  readonly key: CryptoKey;
}

function isXdh(curve: AgreementCurve): curve is XdhCurve {
  return curve === "X25519" || curve === "X448";
}

/**
 * The key agreement schemes this module runs, with their KDF and its hash: those of RFC 5753 7.1.4
 * with the X9.63 KDF, and those of RFC 8418 2 with HKDF (RFC 5869). The cofactor variants give the
 * same secret as the standard ones on P-256/384/521 (cofactor 1). The SHA-224 ones are left out:
 * WebCrypto has no SHA-224. MQV (not ephemeral-static) too.
 */
const SCHEMES: readonly { oid: string; hash: HashAlgorithm; kdf: "x963" | "hkdf" }[] = [
  { oid: DH_SINGLE_PASS_STD_DH_SHA1KDF_SCHEME, hash: "SHA-1", kdf: "x963" },
  { oid: DH_SINGLE_PASS_STD_DH_SHA256KDF_SCHEME, hash: "SHA-256", kdf: "x963" },
  { oid: DH_SINGLE_PASS_STD_DH_SHA384KDF_SCHEME, hash: "SHA-384", kdf: "x963" },
  { oid: DH_SINGLE_PASS_STD_DH_SHA512KDF_SCHEME, hash: "SHA-512", kdf: "x963" },
  { oid: DH_SINGLE_PASS_COFACTOR_DH_SHA1KDF_SCHEME, hash: "SHA-1", kdf: "x963" },
  { oid: DH_SINGLE_PASS_COFACTOR_DH_SHA256KDF_SCHEME, hash: "SHA-256", kdf: "x963" },
  { oid: DH_SINGLE_PASS_COFACTOR_DH_SHA384KDF_SCHEME, hash: "SHA-384", kdf: "x963" },
  { oid: DH_SINGLE_PASS_COFACTOR_DH_SHA512KDF_SCHEME, hash: "SHA-512", kdf: "x963" },
  { oid: DH_SINGLE_PASS_STD_DH_HKDF_SHA256_SCHEME, hash: "SHA-256", kdf: "hkdf" },
  { oid: DH_SINGLE_PASS_STD_DH_HKDF_SHA384_SCHEME, hash: "SHA-384", kdf: "hkdf" },
  { oid: DH_SINGLE_PASS_STD_DH_HKDF_SHA512_SCHEME, hash: "SHA-512", kdf: "hkdf" },
];

/** Key wrap algorithms (RFC 3565 2.3.2): id-aes128-wrap, id-aes192-wrap, id-aes256-wrap. */
const KEY_WRAPS: readonly { oid: string; kekLength: number }[] = [
  { oid: ID_AES128_WRAP, kekLength: 16 },
  { oid: ID_AES192_WRAP, kekLength: 24 },
  { oid: ID_AES256_WRAP, kekLength: 32 },
];

/**
 * What we send per curve: the KDF hash matched to the curve's strength (RFC 5753 8, RFC 8551 2.7;
 * RFC 8418 2: HKDF-SHA-256 for X25519, HKDF-SHA-512 for X448), AES-256 wrap (the CEK's own size).
 */
const SENDING: Record<AgreementCurve, { scheme: string; wrap: string }> = {
  "P-256": { scheme: DH_SINGLE_PASS_STD_DH_SHA256KDF_SCHEME, wrap: ID_AES256_WRAP },
  "P-384": { scheme: DH_SINGLE_PASS_STD_DH_SHA384KDF_SCHEME, wrap: ID_AES256_WRAP },
  "P-521": { scheme: DH_SINGLE_PASS_STD_DH_SHA512KDF_SCHEME, wrap: ID_AES256_WRAP },
  X25519: { scheme: DH_SINGLE_PASS_STD_DH_HKDF_SHA256_SCHEME, wrap: ID_AES256_WRAP },
  X448: { scheme: DH_SINGLE_PASS_STD_DH_HKDF_SHA512_SCHEME, wrap: ID_AES256_WRAP },
};

/**
 * Bits of the shared secret Z per curve: the x-coordinate (SEC 1 3.3.1) on NIST curves, the whole
 * X25519/X448 output (RFC 7748 6.1, 6.2).
 */
const SECRET_BITS: Record<AgreementCurve, number> = {
  "P-256": 256,
  "P-384": 384,
  "P-521": 528,
  X25519: 256,
  X448: 448,
};

/** The originator key's algorithm and length for the Montgomery curves (RFC 8410 3, RFC 8418 2). */
const XDH_KEYS: Record<XdhCurve, { oid: string; length: number }> = {
  X25519: { oid: ID_X25519, length: 32 },
  X448: { oid: ID_X448, length: 56 },
};

/** The WebCrypto algorithm of a curve's key agreement. */
function agreementAlgorithm(curve: AgreementCurve): { name: string; namedCurve?: string } {
  return isXdh(curve) ? { name: curve } : { name: "ECDH", namedCurve: curve };
}

export interface KeyAgreement {
  hash: HashAlgorithm;
  /** X9.63 (RFC 5753) or HKDF (RFC 8418). */
  kdf: "x963" | "hkdf";
  /** The key wrap AlgorithmIdentifier exactly as the sender wrote it (it enters the KDF as keyInfo). */
  wrap: pkijs.AlgorithmIdentifier;
  kekLength: number;
}

/** Reads keyEncryptionAlgorithm of a KeyAgreeRecipientInfo: the scheme, its parameters the key wrap (RFC 5753 7.1.4). */
export function keyAgreementFromAlgorithm(algorithm: pkijs.AlgorithmIdentifier): KeyAgreement {
  const scheme = SCHEMES.find((s) => s.oid === algorithm.algorithmId);
  if (scheme === undefined) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `key agreement algorithm ${algorithm.algorithmId} is not supported`,
    );
  }
  let wrap: pkijs.AlgorithmIdentifier;
  try {
    if (!(algorithm.algorithmParams instanceof asn1js.Sequence)) throw new TypeError("no parameters");
    wrap = new pkijs.AlgorithmIdentifier({ schema: algorithm.algorithmParams });
  } catch {
    throw new MailsealError("MALFORMED_CMS", "key agreement parameters: not a key wrap AlgorithmIdentifier");
  }
  const known = KEY_WRAPS.find((w) => w.oid === wrap.algorithmId);
  if (known === undefined) {
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `key wrap algorithm ${wrap.algorithmId} is not supported`);
  }
  return { hash: scheme.hash, kdf: scheme.kdf, wrap, kekLength: known.kekLength };
}

/**
 * DER of ECC-CMS-SharedInfo (RFC 5753 7.2): keyInfo the key wrap algorithm, entityUInfo [0] the ukm
 * when there is one, suppPubInfo [2] the KEK length in bits as a 32-bit big-endian number.
 */
export function eccCmsSharedInfo(
  wrap: pkijs.AlgorithmIdentifier,
  ukm: Uint8Array | undefined,
  kekLength: number,
): Uint8Array {
  const bits = new Uint8Array(4);
  new DataView(bits.buffer).setUint32(0, kekLength * 8);
  const fields: asn1js.AsnType[] = [wrap.toSchema()];
  if (ukm !== undefined) fields.push(explicitTag(0, new asn1js.OctetString({ valueHex: ukm })));
  fields.push(explicitTag(2, new asn1js.OctetString({ valueHex: bits })));
  return new Uint8Array(new asn1js.Sequence({ value: fields }).toBER());
}

/**
 * ANSI X9.63 KDF (SEC 1 3.6.1, as RFC 5753 7.2 uses it): Hash(Z || counter || SharedInfo) for
 * counter = 1, 2, ... (32-bit big-endian), concatenated and cut to `length` bytes (a KEK: a block or two).
 */
export async function x963Kdf(
  hash: HashAlgorithm,
  secret: Uint8Array,
  sharedInfo: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const input = new Uint8Array(secret.length + 4 + sharedInfo.length);
  input.set(secret);
  input.set(sharedInfo, secret.length + 4);
  const counter = new DataView(input.buffer, secret.length, 4);
  const out = new Uint8Array(length);
  for (let offset = 0, i = 1; offset < length; i++) {
    counter.setUint32(0, i);
    const block = new Uint8Array(await globalThis.crypto.subtle.digest(hash, input));
    out.set(block.subarray(0, length - offset), offset);
    offset += block.length;
  }
  input.fill(0);
  return out;
}

/**
 * HKDF (RFC 5869) as RFC 8418 2 uses it: no salt (a string of zeros, RFC 5869 2.2), IKM the shared
 * secret, info the DER of ECC-CMS-SharedInfo, L the KEK length.
 */
export async function hkdf(
  hash: HashAlgorithm,
  secret: Uint8Array,
  info: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const ikm = await subtle.importKey("raw", new Uint8Array(secret), "HKDF", false, ["deriveBits"]);
  const bits = await subtle.deriveBits(
    { name: "HKDF", hash, salt: new Uint8Array(0), info: new Uint8Array(info) },
    ikm,
    length * 8,
  );
  return new Uint8Array(bits);
}

/**
 * The shared secret: ECDH (SEC 1 3.3.1), the x-coordinate of the shared point; X25519/X448 (RFC 7748
 * 6.1, 6.2). An all-zero X25519/X448 result (a public key of small order) MUST be refused (RFC 7748
 * 6.1); WebCrypto throws for it, and the check below keeps that true on a platform that would not.
 */
export async function sharedSecret(
  privateKey: CryptoKey,
  publicKey: CryptoKey,
  curve: AgreementCurve,
): Promise<Uint8Array> {
  const { name } = agreementAlgorithm(curve);
  const bits = await globalThis.crypto.subtle.deriveBits({ name, public: publicKey }, privateKey, SECRET_BITS[curve]);
  const secret = new Uint8Array(bits);
  if (isXdh(curve) && secret.every((b) => b === 0))
    throw new MailsealError("DECRYPTION_FAILED", `${curve}: the shared secret is all zeros (RFC 7748 6.1)`);
  return secret;
}

async function kek(agreement: KeyAgreement, secret: Uint8Array, ukm: Uint8Array | undefined): Promise<Uint8Array> {
  const sharedInfo = eccCmsSharedInfo(agreement.wrap, ukm, agreement.kekLength);
  const key =
    agreement.kdf === "hkdf"
      ? await hkdf(agreement.hash, secret, sharedInfo, agreement.kekLength)
      : await x963Kdf(agreement.hash, secret, sharedInfo, agreement.kekLength);
  secret.fill(0);
  return key;
}

const CURVE_OIDS: Record<string, EcCurve> = {
  [SECP256R1]: "P-256",
  [SECP384R1]: "P-384",
  [SECP521R1]: "P-521",
};

/**
 * The sender's ephemeral public key: originator must be originatorKey (RFC 5753 3.1.1) with
 * id-ecPublicKey; its parameters are absent or NULL (the recipient's curve, as OpenSSL writes it) or
 * that same named curve. For X25519/X448 (RFC 8418 2): id-X25519 or id-X448, parameters absent, a
 * 32- or 56-byte key.
 */
async function originatorPublicKey(kari: pkijs.KeyAgreeRecipientInfo, curve: AgreementCurve): Promise<CryptoKey> {
  if (kari.originator.variant !== 3) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      "key agreement with the originator's certificate (static-static ECDH) is not supported; RFC 5753 3.1.1 asks for originatorKey",
    );
  }
  const originator = kari.originator.value as pkijs.OriginatorPublicKey;
  if (isXdh(curve)) return xdhOriginatorKey(originator, curve);
  if (originator.algorithm.algorithmId !== ID_EC_PUBLIC_KEY) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `originator key algorithm ${originator.algorithm.algorithmId} is not id-ecPublicKey`,
    );
  }
  const params = originator.algorithm.algorithmParams as unknown;
  if (params !== undefined && !(params instanceof asn1js.Null)) {
    const named = params instanceof asn1js.ObjectIdentifier ? CURVE_OIDS[params.valueBlock.toString()] : undefined;
    if (named !== curve) {
      throw new MailsealError("MALFORMED_CMS", `the originator's key is not on the recipient's curve ${curve}`);
    }
  }
  const point = new Uint8Array(originator.publicKey.valueBlock.valueHexView);
  try {
    return await globalThis.crypto.subtle.importKey("raw", point, { name: "ECDH", namedCurve: curve }, false, []);
  } catch {
    // An off-curve or malformed point: refused before any use of the private key.
    throw new MailsealError("DECRYPTION_FAILED", `the originator's key is not a point on ${curve}`);
  }
}

async function xdhOriginatorKey(originator: pkijs.OriginatorPublicKey, curve: XdhCurve): Promise<CryptoKey> {
  const expected = XDH_KEYS[curve];
  if (originator.algorithm.algorithmId !== expected.oid) {
    throw new MailsealError(
      "MALFORMED_CMS",
      `originator key algorithm ${originator.algorithm.algorithmId} is not ${curve}, the recipient's curve`,
    );
  }
  if (originator.algorithm.algorithmParams !== undefined)
    throw new MailsealError("MALFORMED_CMS", `the originator's ${curve} key has parameters (RFC 8410 3: absent)`);
  if (originator.publicKey.valueBlock.unusedBits !== 0)
    throw new MailsealError("MALFORMED_CMS", `the originator's ${curve} key is not a whole number of bytes`);
  return importXdhPublicKey(curve, new Uint8Array(originator.publicKey.valueBlock.valueHexView));
}

/**
 * An X25519/X448 public key (RFC 7748 5: 32 or 56 bytes, little-endian u) for deriveBits; another
 * length is MALFORMED_CMS. Every u of that length is taken (RFC 7748 5: the top bit of an X25519 u
 * is masked, non-canonical values are reduced); one of small order shows as an all-zero secret.
 */
export async function importXdhPublicKey(curve: XdhCurve, key: Uint8Array): Promise<CryptoKey> {
  const expected = XDH_KEYS[curve];
  if (key.length !== expected.length) {
    throw new MailsealError(
      "MALFORMED_CMS",
      `the originator's ${curve} key has ${key.length} bytes, expected ${expected.length}`,
    );
  }
  try {
    return await globalThis.crypto.subtle.importKey("raw", new Uint8Array(key), { name: curve }, false, []);
  } catch {
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `this platform has no ${curve}`);
  }
}

/**
 * The CEK of one RecipientEncryptedKey of `kari` (the one addressed to `key`): ECDH with the
 * originator's ephemeral key, the X9.63 KDF, AES key unwrap. Every cryptographic failure is
 * DECRYPTION_FAILED, whatever the step.
 */
export async function unwrapAgreedKey(
  kari: pkijs.KeyAgreeRecipientInfo,
  encryptedKey: Uint8Array,
  key: AgreementPrivateKey,
  cekLength: number,
  core: KeyWrapCore,
): Promise<Uint8Array> {
  const agreement = keyAgreementFromAlgorithm(kari.keyEncryptionAlgorithm);
  const publicKey = await originatorPublicKey(kari, key.curve);
  const ukm = kari.ukm === undefined ? undefined : new Uint8Array(kari.ukm.valueBlock.valueHexView);
  const failed = () =>
    new MailsealError("DECRYPTION_FAILED", "the content-encryption key does not decrypt with this key");
  let secret: Uint8Array;
  try {
    secret = await sharedSecret(key.key, publicKey, key.curve);
  } catch (error) {
    // RFC 7748 6.1: an all-zero secret (WebCrypto throws for it) is refused, nothing is derived from it.
    if (isXdh(key.curve)) {
      throw new MailsealError(
        "DECRYPTION_FAILED",
        `no ${key.curve} shared secret with the originator's key: all zeros (a key of small order, RFC 7748 6.1)`,
        { cause: error },
      );
    }
    throw failed();
  }
  const kekBytes = await kek(agreement, secret, ukm);
  try {
    const cek = await core.unwrapKey(kekBytes, encryptedKey).catch(() => {
      throw failed();
    });
    if (cek.length !== cekLength) {
      cek.fill(0);
      throw new MailsealError(
        "DECRYPTION_FAILED",
        `the content-encryption key has ${cek.length} bytes, expected ${cekLength}`,
      );
    }
    return cek;
  } finally {
    kekBytes.fill(0);
  }
}

/** A recipient of one KeyAgreeRecipientInfo: the SubjectPublicKeyInfo of its certificate and how to name it. */
export interface AgreementRecipient {
  spki: Uint8Array;
  rid: pkijs.IssuerAndSerialNumber;
}

/**
 * One KeyAgreeRecipientInfo (version 3, RFC 5652 6.2.2) for every recipient on `curve`, all under a
 * fresh ephemeral key: each recipient's KEK comes from its own shared secret (RFC 5753 3.1.1), no ukm.
 */
export async function keyAgreeRecipientInfo(
  core: KeyWrapCore,
  curve: AgreementCurve,
  recipients: readonly AgreementRecipient[],
  cek: Uint8Array,
): Promise<pkijs.RecipientInfo> {
  const subtle = globalThis.crypto.subtle;
  const { scheme, wrap } = SENDING[curve];
  // Read back through the decoder so that sending and receiving use one table and one keyInfo encoding.
  const agreement = keyAgreementFromAlgorithm(
    new pkijs.AlgorithmIdentifier({
      algorithmId: scheme,
      algorithmParams: new pkijs.AlgorithmIdentifier({ algorithmId: wrap }).toSchema(),
    }),
  );
  const algorithm = agreementAlgorithm(curve);
  let ephemeral: CryptoKeyPair;
  try {
    ephemeral = (await subtle.generateKey(algorithm, false, ["deriveBits"])) as CryptoKeyPair;
  } catch {
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `this platform has no ${curve}`);
  }
  const encryptedKeys: pkijs.RecipientEncryptedKey[] = [];
  for (const recipient of recipients) {
    let publicKey: CryptoKey;
    try {
      publicKey = await subtle.importKey("spki", new Uint8Array(recipient.spki), algorithm, false, []);
    } catch {
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        `the recipient's certificate does not hold a usable ${curve} key`,
      );
    }
    const secret = await sharedSecret(ephemeral.privateKey, publicKey, curve).catch(() => {
      // A recipient key of small order (RFC 7748 6.1): nothing is sent to it.
      throw new MailsealError("INVALID_KEY", `the recipient's ${curve} key gives no shared secret`);
    });
    const kekBytes = await kek(agreement, secret, undefined);
    const wrapped = await core.wrapKey(kekBytes, cek).finally(() => kekBytes.fill(0));
    encryptedKeys.push(
      new pkijs.RecipientEncryptedKey({
        rid: new pkijs.KeyAgreeRecipientIdentifier({ variant: 1, value: recipient.rid }),
        encryptedKey: new asn1js.OctetString({ valueHex: wrapped }),
      }),
    );
  }
  // Uncompressed (SEC 1 2.3.3) on NIST curves; the 32 or 56 bytes of RFC 7748 5 on X25519/X448.
  const point = new Uint8Array(await subtle.exportKey("raw", ephemeral.publicKey));
  const value = new pkijs.KeyAgreeRecipientInfo({
    version: 3,
    originator: new pkijs.OriginatorIdentifierOrKey({
      variant: 3,
      // RFC 5753 7.1.2 / RFC 5480 2.1.1: the curve is the recipient's; parameters left out as OpenSSL
      // does. RFC 8418 2: id-X25519 or id-X448, parameters absent.
      value: new pkijs.OriginatorPublicKey({
        algorithm: new pkijs.AlgorithmIdentifier({
          algorithmId: isXdh(curve) ? XDH_KEYS[curve].oid : ID_EC_PUBLIC_KEY,
        }),
        publicKey: new asn1js.BitString({ valueHex: point }),
      }),
    }),
    keyEncryptionAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: scheme,
      algorithmParams: agreement.wrap.toSchema(),
    }),
    recipientEncryptedKeys: new pkijs.RecipientEncryptedKeys({ encryptedKeys }),
  });
  return new pkijs.RecipientInfo({ variant: 2, value });
}
