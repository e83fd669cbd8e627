// Reading an RSA private key from what people have: PEM or DER, PKCS #8 PrivateKeyInfo (RFC 5208),
// PKCS #1 RSAPrivateKey (RFC 8017 A.1.2), or PKCS #8 EncryptedPrivateKeyInfo with a password. And an
// EC private key for ECDH key agreement (RFC 5753): PKCS #8 or SEC 1 ECPrivateKey (RFC 5915), loaded
// into WebCrypto, which holds the key agreement the crypto core does not have.
import type { RsaPrivateKey } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import type { EcCurve, XdhCurve } from "./certificate.js";
import { decodeBase64url } from "../protocol/base64url.js";
import { pbes2Decrypt } from "./pbes2.js";
import { decodePem, isPem, textOf } from "./pem.js";
import { readBer } from "../asn1/capture.js";
import {
  ID_EC_PUBLIC_KEY,
  ID_ED25519,
  ID_ED448,
  ID_X25519,
  ID_X448,
  RSA_ENCRYPTION,
  SECP256R1,
  SECP384R1,
  SECP521R1,
} from "./oids.js";

/** A key file larger than this is not a key. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

function parseDer(der: Uint8Array, what: string): asn1js.AsnType {
  const parsed = readBer(der);
  if (parsed.offset === -1 || parsed.offset !== der.length) {
    throw new MailsealError("INVALID_KEY", `${what}: not valid DER`);
  }
  return parsed.result;
}

/**
 * `make` builds a pkijs structure from DER (parseDer and a pkijs schema check); a structure that is
 * not the one expected is INVALID_KEY "not a `what`", a code of our own passes through.
 */
function readStructure<T>(make: () => T, what: string): T {
  try {
    return make();
  } catch (error) {
    if (hasCode(error, ...SMIME_ERROR_CODES)) throw error;
    throw new MailsealError("INVALID_KEY", `not a ${what}`);
  }
}

function integerBytes(value: asn1js.Integer): Uint8Array {
  return new Uint8Array(value.valueBlock.valueHexView);
}

/** RSAPrivateKey (RFC 8017 A.1.2) to the components the crypto core loads. */
export function rsaPrivateKeyFromPkcs1(der: Uint8Array): RsaPrivateKey {
  const key = readStructure(
    () => new pkijs.RSAPrivateKey({ schema: parseDer(der, "RSA private key") }),
    "PKCS#1 RSAPrivateKey",
  );
  if (key.otherPrimeInfos !== undefined) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      "multi-prime RSA keys (RFC 8017 3.2, otherPrimeInfos) are not supported",
    );
  }
  return {
    n: integerBytes(key.modulus),
    e: integerBytes(key.publicExponent),
    d: integerBytes(key.privateExponent),
    p: integerBytes(key.prime1),
    q: integerBytes(key.prime2),
    dp: integerBytes(key.exponent1),
    dq: integerBytes(key.exponent2),
    qi: integerBytes(key.coefficient),
  };
}

/**
 * PrivateKeyInfo (RFC 5208 section 5) whose privateKeyAlgorithm is `algorithm`; a key of another
 * algorithm is UNSUPPORTED_ALGORITHM (callers may try another reader), garbage INVALID_KEY.
 */
function privateKeyInfo(der: Uint8Array, algorithm: string, name: string): pkijs.PrivateKeyInfo {
  const info = readStructure(
    () => new pkijs.PrivateKeyInfo({ schema: parseDer(der, "private key") }),
    "PKCS#8 PrivateKeyInfo",
  );
  if (info.privateKeyAlgorithm.algorithmId !== algorithm) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `private key algorithm ${info.privateKeyAlgorithm.algorithmId} is not ${name}`,
    );
  }
  return info;
}

/** PrivateKeyInfo (RFC 5208 section 5) holding an RSA key. */
export function rsaPrivateKeyFromPkcs8(der: Uint8Array): RsaPrivateKey {
  const info = privateKeyInfo(der, RSA_ENCRYPTION, "RSA");
  return rsaPrivateKeyFromPkcs1(new Uint8Array(info.privateKey.valueBlock.valueHexView));
}

/**
 * EncryptedPrivateKeyInfo (RFC 5208 section 6) decrypted with `password` and read by `read`. A wrong
 * password still passes the CBC padding check about once in 256 tries and leaves garbage: when `read`
 * then finds no key, that is a wrong password too, not a broken key.
 */
async function fromEncryptedPkcs8<T>(
  der: Uint8Array,
  password: string | undefined,
  read: (pkcs8: Uint8Array) => T | Promise<T>,
): Promise<T> {
  // PKCS8ShroudedKeyBag is exactly EncryptedPrivateKeyInfo (RFC 7292 4.2.2).
  const encrypted = readStructure(
    () => new pkijs.PKCS8ShroudedKeyBag({ schema: parseDer(der, "encrypted private key") }),
    "PKCS#8 EncryptedPrivateKeyInfo",
  );
  if (password === undefined)
    throw new MailsealError("PASSWORD_WRONG", "the private key is encrypted: a password is needed");
  const plain = await pbes2Decrypt(
    encrypted.encryptionAlgorithm,
    new Uint8Array(encrypted.encryptedData.valueBlock.valueHexView),
    password,
  );
  return afterPassword(() => read(plain));
}

/** Runs a read of password-decrypted bytes; "no key there" means the password was wrong. */
export async function afterPassword<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (hasCode(error, "INVALID_KEY")) {
      throw new MailsealError("PASSWORD_WRONG", "the password does not decrypt the key (or the file is damaged)");
    }
    throw error;
  }
}

/** EncryptedPrivateKeyInfo holding an RSA key. */
export function rsaPrivateKeyFromEncryptedPkcs8(der: Uint8Array, password: string | undefined): Promise<RsaPrivateKey> {
  return fromEncryptedPkcs8(der, password, rsaPrivateKeyFromPkcs8);
}

/**
 * Reads an RSA private key from a PEM or DER file: PKCS #8, PKCS #1, or encrypted PKCS #8 (needs
 * `password`). DER is told apart by structure.
 */
export async function readPrivateKey(data: Uint8Array, password?: string): Promise<RsaPrivateKey> {
  if (data.length > MAX_KEY_FILE_BYTES)
    throw new MailsealError("INPUT_TOO_LARGE", `a key file is at most ${MAX_KEY_FILE_BYTES} bytes`);
  if (isPem(data)) {
    const blocks = decodePem(textOf(data));
    const block = blocks.find((b) => /^(RSA |ENCRYPTED )?PRIVATE KEY$/.test(b.label));
    if (block === undefined) {
      throw new MailsealError(
        "INVALID_KEY",
        `no private key in the PEM file (found: ${blocks.map((b) => b.label).join(", ") || "nothing"})`,
      );
    }
    if (block.label === "RSA PRIVATE KEY") return rsaPrivateKeyFromPkcs1(block.der);
    if (block.label === "ENCRYPTED PRIVATE KEY") return rsaPrivateKeyFromEncryptedPkcs8(block.der, password);
    return rsaPrivateKeyFromPkcs8(block.der);
  }
  for (const read of [rsaPrivateKeyFromPkcs8, rsaPrivateKeyFromPkcs1]) {
    try {
      return read(data);
    } catch (error) {
      if (!hasCode(error, "INVALID_KEY")) throw error;
    }
  }
  try {
    return await rsaPrivateKeyFromEncryptedPkcs8(data, password);
  } catch (error) {
    if (!hasCode(error, "INVALID_KEY")) throw error;
    throw new MailsealError("INVALID_KEY", "not an RSA private key (PKCS#8, PKCS#1 or encrypted PKCS#8, PEM or DER)");
  }
}

/** An EC private key in WebCrypto, for ECDH `deriveBits` only (not extractable). */
export interface EcPrivateKey {
  readonly curve: EcCurve;
  /** For ECDH (key agreement, RFC 5753 3.1): deriveBits. */
  readonly key: CryptoKey;
  /** The same key for ECDSA (signatures, RFC 5753 2.1.1): sign. */
  readonly signingKey: CryptoKey;
  /** The public point as JWK coordinates (RFC 7518 6.2.1), to match the key with its certificate. */
  readonly publicJwk: { readonly x: string; readonly y: string };
}

/** Named curves (RFC 5480 2.1.1.1) WebCrypto knows. */
const EC_CURVES: Record<string, EcCurve> = {
  [SECP256R1]: "P-256",
  [SECP384R1]: "P-384",
  [SECP521R1]: "P-521",
};

/** The named curve of ECParameters (RFC 5480 2.1.1: namedCurve only; implicit and specified curves are refused). */
function namedCurve(parameters: unknown): EcCurve {
  if (!(parameters instanceof asn1js.ObjectIdentifier)) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      "EC private key: only named curves are supported (RFC 5480 2.1.1)",
    );
  }
  const oid = parameters.valueBlock.toString();
  const curve = EC_CURVES[oid];
  if (curve === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `EC private key: curve ${oid} is not supported`);
  return curve;
}

async function importEcdh(pkcs8: Uint8Array, curve: EcCurve): Promise<EcPrivateKey> {
  try {
    const subtle = globalThis.crypto.subtle;
    const algorithm = { name: "ECDH", namedCurve: curve };
    // Imported twice: once to read the public point (then dropped), once non-extractable for use.
    const readable = await subtle.importKey("pkcs8", new Uint8Array(pkcs8), algorithm, true, ["deriveBits"]);
    const { x, y } = await subtle.exportKey("jwk", readable);
    const key = await subtle.importKey("pkcs8", new Uint8Array(pkcs8), algorithm, false, ["deriveBits"]);
    const signingKey = await subtle.importKey(
      "pkcs8",
      new Uint8Array(pkcs8),
      { name: "ECDSA", namedCurve: curve },
      false,
      ["sign"],
    );
    return { curve, key, signingKey, publicJwk: { x: x!, y: y! } };
  } catch {
    throw new MailsealError("INVALID_KEY", `not a valid ${curve} private key`);
  }
}

/** PrivateKeyInfo (RFC 5208 section 5, RFC 5915 section 2) holding an EC key with a named curve. */
export async function ecPrivateKeyFromPkcs8(der: Uint8Array): Promise<EcPrivateKey> {
  const info = privateKeyInfo(der, ID_EC_PUBLIC_KEY, "EC");
  return importEcdh(der, namedCurve(info.privateKeyAlgorithm.algorithmParams));
}

/**
 * ECPrivateKey (SEC 1 C.4, RFC 5915 section 3), OpenSSL's "EC PRIVATE KEY": WebCrypto reads only
 * PKCS #8, so the key is put in a PrivateKeyInfo with the curve from its own parameters [0].
 */
export async function ecPrivateKeyFromSec1(der: Uint8Array): Promise<EcPrivateKey> {
  const key = parseDer(der, "EC private key");
  const fields = key instanceof asn1js.Sequence ? key.valueBlock.value : [];
  const [version, privateKey] = fields;
  if (
    !(version instanceof asn1js.Integer) ||
    version.valueBlock.valueDec !== 1 ||
    !(privateKey instanceof asn1js.OctetString)
  ) {
    throw new MailsealError("INVALID_KEY", "not a SEC 1 ECPrivateKey");
  }
  const parameters = fields.find((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0);
  if (!(parameters instanceof asn1js.Constructed)) {
    throw new MailsealError(
      "INVALID_KEY",
      "EC private key: the curve is not given (ECPrivateKey parameters [0] absent)",
    );
  }
  const curve = namedCurve(parameters.valueBlock.value[0]);
  const curveOid = Object.keys(EC_CURVES).find((oid) => EC_CURVES[oid] === curve)!;
  const info = new pkijs.PrivateKeyInfo({
    version: 0,
    privateKeyAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: ID_EC_PUBLIC_KEY,
      algorithmParams: new asn1js.ObjectIdentifier({ value: curveOid }),
    }),
    privateKey: new asn1js.OctetString({ valueHex: der }),
  });
  return importEcdh(new Uint8Array(info.toSchema().toBER()), curve);
}

/**
 * Reads an EC private key for ECDH from a PEM or DER file: PKCS #8 ("PRIVATE KEY"), SEC 1 ("EC PRIVATE
 * KEY", an "EC PARAMETERS" block beside it is ignored) or encrypted PKCS #8 (needs `password`).
 */
export async function readEcPrivateKey(data: Uint8Array, password?: string): Promise<EcPrivateKey> {
  if (data.length > MAX_KEY_FILE_BYTES)
    throw new MailsealError("INPUT_TOO_LARGE", `a key file is at most ${MAX_KEY_FILE_BYTES} bytes`);
  if (isPem(data)) {
    const blocks = decodePem(textOf(data));
    const block = blocks.find((b) => /^(EC |ENCRYPTED )?PRIVATE KEY$/.test(b.label));
    if (block === undefined) {
      throw new MailsealError(
        "INVALID_KEY",
        `no EC private key in the PEM file (found: ${blocks.map((b) => b.label).join(", ") || "nothing"})`,
      );
    }
    if (block.label === "EC PRIVATE KEY") return ecPrivateKeyFromSec1(block.der);
    if (block.label === "ENCRYPTED PRIVATE KEY") return ecPrivateKeyFromEncryptedPkcs8(block.der, password);
    return ecPrivateKeyFromPkcs8(block.der);
  }
  for (const read of [ecPrivateKeyFromPkcs8, ecPrivateKeyFromSec1]) {
    try {
      return await read(data);
    } catch (error) {
      if (!hasCode(error, "INVALID_KEY")) throw error;
    }
  }
  try {
    return await ecPrivateKeyFromEncryptedPkcs8(data, password);
  } catch (error) {
    if (!hasCode(error, "INVALID_KEY")) throw error;
    throw new MailsealError("INVALID_KEY", "not an EC private key (PKCS#8, SEC 1 or encrypted PKCS#8, PEM or DER)");
  }
}

/** EncryptedPrivateKeyInfo holding an EC key. */
function ecPrivateKeyFromEncryptedPkcs8(der: Uint8Array, password: string | undefined): Promise<EcPrivateKey> {
  return fromEncryptedPkcs8(der, password, ecPrivateKeyFromPkcs8);
}

/** An X25519 or X448 private key in WebCrypto, for key agreement with HKDF (RFC 8418): deriveBits only. */
export interface XdhPrivateKey {
  readonly curve: XdhCurve;
  readonly key: CryptoKey;
  /** The public key (RFC 7748 5, little-endian u), to match the key with its certificate. */
  readonly publicKey: Uint8Array;
}

/** An Ed25519 or Ed448 private key in WebCrypto, for PureEdDSA signatures (RFC 8032, RFC 8419): sign only. */
export interface EdPrivateKey {
  readonly edwards: "Ed25519" | "Ed448";
  readonly signingKey: CryptoKey;
  /** The public key (RFC 8032 5.1.5, 5.2.5), to match the key with its certificate. */
  readonly publicKey: Uint8Array;
}

/** RFC 8410 7: the private key algorithms and the length of their CurvePrivateKey. */
const RFC8410_KEYS: Record<string, { name: XdhCurve | "Ed25519" | "Ed448"; length: number }> = {
  [ID_X25519]: { name: "X25519", length: 32 },
  [ID_X448]: { name: "X448", length: 56 },
  [ID_ED25519]: { name: "Ed25519", length: 32 },
  [ID_ED448]: { name: "Ed448", length: 57 },
};

/**
 * A PKCS #8 PrivateKeyInfo (RFC 8410 7: privateKey is the DER of CurvePrivateKey, an OCTET STRING)
 * holding an X25519, X448, Ed25519 or Ed448 key, loaded into WebCrypto. Another algorithm is
 * UNSUPPORTED_ALGORITHM (callers may try another reader), garbage or a key of the wrong length
 * INVALID_KEY.
 */
export async function rfc8410PrivateKeyFromPkcs8(der: Uint8Array): Promise<XdhPrivateKey | EdPrivateKey> {
  const info = readStructure(
    () => new pkijs.PrivateKeyInfo({ schema: parseDer(der, "private key") }),
    "PKCS#8 PrivateKeyInfo",
  );
  const oid = info.privateKeyAlgorithm.algorithmId;
  const known = Object.hasOwn(RFC8410_KEYS, oid) ? RFC8410_KEYS[oid] : undefined;
  if (known === undefined)
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `private key algorithm ${oid} is not X25519, X448, Ed25519 or Ed448`,
    );
  const inner = readBer(info.privateKey.valueBlock.valueHexView);
  const keyBytes = inner.result instanceof asn1js.OctetString ? inner.result.valueBlock.valueHexView : undefined;
  if (info.privateKeyAlgorithm.algorithmParams !== undefined || keyBytes?.length !== known.length) {
    throw new MailsealError("INVALID_KEY", `not a valid ${known.name} private key (RFC 8410 7)`);
  }
  const { name } = known;
  const usages: KeyUsage[] = name === "X25519" || name === "X448" ? ["deriveBits"] : ["sign"];
  let key: CryptoKey;
  let publicKey: Uint8Array;
  try {
    const subtle = globalThis.crypto.subtle;
    // Imported twice, as the EC keys: once to read the public key from its JWK (then dropped), once
    // non-extractable for use.
    const readable = await subtle.importKey("pkcs8", new Uint8Array(der), { name }, true, usages);
    publicKey = decodeBase64url((await subtle.exportKey("jwk", readable)).x ?? "", "public key");
    key = await subtle.importKey("pkcs8", new Uint8Array(der), { name }, false, usages);
  } catch {
    throw new MailsealError("INVALID_KEY", `not a valid ${name} private key, or this platform has no ${name}`);
  }
  if (name === "Ed25519" || name === "Ed448") return { edwards: name, signingKey: key, publicKey };
  return { curve: name, key, publicKey };
}

/**
 * Reads an RFC 8410 private key (X25519, X448, Ed25519, Ed448) from a PEM or DER file: PKCS #8
 * ("PRIVATE KEY", what `openssl genpkey` writes) or encrypted PKCS #8 (needs `password`).
 */
export async function readRfc8410PrivateKey(
  data: Uint8Array,
  password?: string,
): Promise<XdhPrivateKey | EdPrivateKey> {
  if (data.length > MAX_KEY_FILE_BYTES)
    throw new MailsealError("INPUT_TOO_LARGE", `a key file is at most ${MAX_KEY_FILE_BYTES} bytes`);
  if (isPem(data)) {
    const blocks = decodePem(textOf(data));
    const block = blocks.find((b) => /^(ENCRYPTED )?PRIVATE KEY$/.test(b.label));
    if (block === undefined) {
      throw new MailsealError(
        "INVALID_KEY",
        `no PKCS#8 private key in the PEM file (found: ${blocks.map((b) => b.label).join(", ") || "nothing"})`,
      );
    }
    if (block.label === "ENCRYPTED PRIVATE KEY")
      return fromEncryptedPkcs8(block.der, password, rfc8410PrivateKeyFromPkcs8);
    return rfc8410PrivateKeyFromPkcs8(block.der);
  }
  let plainError: unknown;
  try {
    return await rfc8410PrivateKeyFromPkcs8(data);
  } catch (error) {
    if (!hasCode(error, "INVALID_KEY")) throw error;
    plainError = error;
  }
  try {
    return await fromEncryptedPkcs8(data, password, rfc8410PrivateKeyFromPkcs8);
  } catch (error) {
    // Not encrypted either: what the plain reader found wrong says more.
    if (hasCode(error, "INVALID_KEY")) throw plainError;
    throw error;
  }
}
