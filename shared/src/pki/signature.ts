// Verifying the signature on a certificate with its issuer's public key: RSASSA-PKCS1-v1_5 and
// RSASSA-PSS through the crypto core (RFC 8017, RFC 4055), ECDSA through WebCrypto (RFC 5758 3.2),
// DSA through the crypto core (RFC 3279 2.2.2, RFC 5758 3.1; old certificates and mail only), ML-DSA
// (RFC 9881) through pq.ts.
import {
  concatBytes,
  CryptoError,
  type DsaPublicKey,
  type HashAlgorithm,
  type PssOptions,
  type RsaPublicKey,
} from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { MailsealError } from "../errors/index.js";
import type { Certificate, CertificatePublicKey, EcCurve } from "./certificate.js";
import { readBer } from "../asn1/capture.js";
import { encodeAsn1 } from "../asn1/ber-writer.js";
import { bytesEqual } from "./bytes.js";
import { mlDsaByOid, mlDsaVerify, pqPublicKeyOf } from "./pq.js";
import {
  ECDSA_WITH_SHA256,
  ECDSA_WITH_SHA384,
  ECDSA_WITH_SHA512,
  ID_DSA_WITH_SHA1,
  ID_ED25519,
  ID_ED448,
  ID_DSA_WITH_SHA224,
  ID_DSA_WITH_SHA256,
  ID_DSA_WITH_SHA384,
  ID_DSA_WITH_SHA512,
  ID_MGF1,
  ID_RSASSA_PSS,
  ID_SHA1,
  ID_SHA224,
  ID_SHA256,
  ID_SHA384,
  ID_SHA512,
  SHA1_WITH_RSA_ENCRYPTION,
  SHA224_WITH_RSA_ENCRYPTION,
  SHA256_WITH_RSA_ENCRYPTION,
  SHA384_WITH_RSA_ENCRYPTION,
  SHA512_WITH_RSA_ENCRYPTION,
} from "./oids.js";

/** What certificate signatures need from the crypto core (CoreService, in process or through a worker). */
export interface CertificateCrypto {
  /** SHA-1/SHA-2; SHAKE256 (64 bytes of output) for Ed448 SignedData's content digest (RFC 8419 3.1). */
  createHash(alg: HashAlgorithm | "SHAKE256"): Promise<{
    update(data: Uint8Array): Promise<void>;
    digest(): Promise<Uint8Array>;
    /** Frees a stream left unfinished (ContentDigests does when the content breaks off). */
    dispose?(): unknown;
  }>;
  rsaPkcs1v15Verify(
    key: RsaPublicKey,
    hash: HashAlgorithm,
    digest: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean>;
  rsaPssVerify(key: RsaPublicKey, digest: Uint8Array, signature: Uint8Array, options: PssOptions): Promise<boolean>;
  /** DSA verification of a DER Dss-Sig-Value over a digest (WebCrypto has no DSA). */
  dsaVerify(key: DsaPublicKey, digest: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

const RSA_PKCS1: Record<string, HashAlgorithm> = {
  [SHA1_WITH_RSA_ENCRYPTION]: "SHA-1",
  [SHA224_WITH_RSA_ENCRYPTION]: "SHA-224",
  [SHA256_WITH_RSA_ENCRYPTION]: "SHA-256",
  [SHA384_WITH_RSA_ENCRYPTION]: "SHA-384",
  [SHA512_WITH_RSA_ENCRYPTION]: "SHA-512",
};

export const ECDSA: Record<string, HashAlgorithm> = {
  [ECDSA_WITH_SHA256]: "SHA-256",
  [ECDSA_WITH_SHA384]: "SHA-384",
  [ECDSA_WITH_SHA512]: "SHA-512",
};

/** DSA signature algorithms and their hashes (RFC 3279 2.2.2, RFC 5758 3.1). */
export const DSA_WITH: Record<string, HashAlgorithm> = {
  [ID_DSA_WITH_SHA1]: "SHA-1",
  [ID_DSA_WITH_SHA224]: "SHA-224",
  [ID_DSA_WITH_SHA256]: "SHA-256",
  [ID_DSA_WITH_SHA384]: "SHA-384",
  [ID_DSA_WITH_SHA512]: "SHA-512",
};

const HASHES: Record<string, HashAlgorithm> = {
  [ID_SHA1]: "SHA-1",
  [ID_SHA224]: "SHA-224",
  [ID_SHA256]: "SHA-256",
  [ID_SHA384]: "SHA-384",
  [ID_SHA512]: "SHA-512",
};

const FIELD_BYTES: Record<EcCurve, number> = { "P-256": 32, "P-384": 48, "P-521": 66 };

/** What carries an issuer's signature: a certificate, or a CRL (crl.ts), signed the same way. */
export type SignedObject = Pick<Certificate, "tbs" | "signatureAlgorithm" | "signature" | "displayName">;

/** The result of checking one signature: ok, or why not (for the error message). */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const BAD: SignatureCheck = { ok: false, reason: "the signature does not verify" };

function unsupported(cert: SignedObject, what: string): MailsealError {
  return new MailsealError("UNSUPPORTED_ALGORITHM", `certificate "${cert.displayName}": ${what}`);
}

async function digestOf(crypto: CertificateCrypto, hash: HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  const stream = await crypto.createHash(hash);
  await stream.update(data);
  return stream.digest();
}

/** RSASSA-PSS-params (RFC 4055 3.1) to the core's options; undefined if they are outside RFC 4055. */
function pssOptions(parameters: asn1js.AsnType | undefined): PssOptions | undefined {
  if (parameters === undefined) return undefined;
  let params: pkijs.RSASSAPSSParams;
  try {
    params = new pkijs.RSASSAPSSParams({ schema: parameters });
  } catch {
    return undefined;
  }
  const hash = HASHES[params.hashAlgorithm.algorithmId];
  if (params.maskGenAlgorithm.algorithmId !== ID_MGF1 || params.trailerField !== 1) return undefined;
  let mgfHash: HashAlgorithm | undefined;
  try {
    const mgfParams = new pkijs.AlgorithmIdentifier({ schema: params.maskGenAlgorithm.algorithmParams });
    mgfHash = HASHES[mgfParams.algorithmId];
  } catch {
    return undefined;
  }
  if (hash === undefined || mgfHash === undefined) return undefined;
  return { hash, mgfHash, saltLength: params.saltLength };
}

/** r || s of fixed width (WebCrypto) as an Ecdsa-Sig-Value (RFC 5753 2.1.1, RFC 3279 2.2.3), DER. */
export function ecdsaSigValue(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.subarray(start);
    // DER INTEGER is two's complement: a leading 1 bit needs a zero byte in front.
    const value = (trimmed[0]! & 0x80) !== 0 ? concatBytes([Uint8Array.of(0), trimmed]) : trimmed;
    return new asn1js.Integer({ valueHex: value });
  };
  return encodeAsn1(new asn1js.Sequence({ value: [integer(raw.subarray(0, half)), integer(raw.subarray(half))] }));
}

/** Ecdsa-Sig-Value (RFC 5480 / RFC 3279 2.2.3) to WebCrypto's r || s of fixed width. */
function ecdsaRawSignature(der: Uint8Array, fieldBytes: number): Uint8Array<ArrayBuffer> | undefined {
  const parsed = readBer(der);
  if (parsed.offset !== der.length || !(parsed.result instanceof asn1js.Sequence)) return undefined;
  const parts = parsed.result.valueBlock.value;
  if (parts.length !== 2) return undefined;
  const out = new Uint8Array(2 * fieldBytes);
  for (const [i, part] of parts.entries()) {
    if (!(part instanceof asn1js.Integer)) return undefined;
    let bytes = part.valueBlock.valueHexView;
    if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) return undefined; // r and s are positive
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes.length > fieldBytes) return undefined;
    out.set(bytes, (i + 1) * fieldBytes - bytes.length);
  }
  // DER only (RFC 5753 2.1.1, X.690 10): a BER form of the same r and s (long-form or indefinite
  // lengths, zero bytes before an integer, non-minimal tags) is another encoding of the signature, so
  // refused, as Wycheproof's BerEncodedSignature and InvalidEncoding vectors ask.
  return bytesEqual(ecdsaSigValue(out), der) ? out : undefined;
}

/**
 * An ECDSA signature (DER Ecdsa-Sig-Value) over `data` with `hash`, by the EC key of a certificate,
 * through WebCrypto (RFC 5758 3.2 for certificates, RFC 5753 2.1.1 for SignerInfos). WebCrypto
 * hashes the data itself, so this takes the data, not a digest.
 */
export async function verifyEcdsaSignature(
  publicKey: Extract<CertificatePublicKey, { kind: "ec" }>,
  hash: HashAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<SignatureCheck> {
  const raw = ecdsaRawSignature(signature, FIELD_BYTES[publicKey.curve]);
  if (raw === undefined) return { ok: false, reason: "the ECDSA signature is malformed" };
  const subtle = globalThis.crypto.subtle;
  let key: CryptoKey;
  try {
    key = await subtle.importKey(
      "spki",
      new Uint8Array(publicKey.spki),
      { name: "ECDSA", namedCurve: publicKey.curve },
      false,
      ["verify"],
    );
  } catch {
    return { ok: false, reason: "the EC key is invalid" };
  }
  const ok = await subtle.verify({ name: "ECDSA", hash }, key, raw, new Uint8Array(data));
  return ok ? { ok: true } : BAD;
}

/**
 * A PureEdDSA signature, Ed25519 (RFC 8032 5.1, 64 bytes) or Ed448 (5.2, 114 bytes, empty context),
 * over `data` (RFC 8410 for certificates, RFC 8419 3.1 for SignerInfos: over the signed attributes),
 * through WebCrypto.
 */
export async function verifyEdDsaSignature(
  publicKey: Extract<CertificatePublicKey, { kind: "ed25519" | "ed448" }>,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<SignatureCheck> {
  const [name, length] = publicKey.kind === "ed25519" ? ["Ed25519", 64] : ["Ed448", 114];
  if (signature.length !== length) return { ok: false, reason: `an ${name} signature is ${length} bytes` };
  const subtle = globalThis.crypto.subtle;
  let key: CryptoKey;
  try {
    key = await subtle.importKey("spki", new Uint8Array(publicKey.spki), { name }, false, ["verify"]);
  } catch {
    return { ok: false, reason: `the ${name} key is invalid, or this platform has no ${name}` };
  }
  const ok = await subtle.verify({ name }, key, new Uint8Array(signature), new Uint8Array(data));
  return ok ? { ok: true } : BAD;
}

/**
 * A pure ML-DSA signature (FIPS 204 5.3, empty context) over `data` by `publicKey`, the signature
 * algorithm `oid` (RFC 9881 2 for certificates, RFC 9882 3.3 for SignerInfos: over the signed
 * attributes). The key must be ML-DSA of the same parameter set; a signature of another length
 * than the set's fails with its own reason.
 */
export function verifyMlDsaSignature(
  publicKey: CertificatePublicKey,
  oid: string,
  data: Uint8Array,
  signature: Uint8Array,
): SignatureCheck {
  const parameters = mlDsaByOid(oid);
  const key = pqPublicKeyOf(publicKey);
  if (parameters === undefined || key?.kind !== "ml-dsa" || key.parameters !== parameters) {
    return {
      ok: false,
      reason: `an ${parameters?.name ?? oid} signature but the key is not ${parameters?.name ?? oid}`,
    };
  }
  const failure = mlDsaVerify(parameters, key.key, data, signature);
  if (failure === null) return { ok: true };
  if (failure === "signature-length") {
    return {
      ok: false,
      reason: `an ${parameters.name} signature is ${parameters.signatureLength} bytes, this one ${signature.length}`,
    };
  }
  return BAD;
}

async function verifyEcdsa(
  cert: SignedObject,
  issuerKey: CertificatePublicKey,
  hash: HashAlgorithm,
): Promise<SignatureCheck> {
  if (issuerKey.kind !== "ec") return { ok: false, reason: "an ECDSA signature but the issuer's key is not EC" };
  if (cert.signatureAlgorithm.parameters !== undefined) return { ok: false, reason: "ECDSA with parameters" };
  return verifyEcdsaSignature(issuerKey, hash, cert.tbs, cert.signature);
}

/** The core rejects keys it cannot use (size, even modulus) with CryptoError: that is a failed check. */
async function coreVerdict(run: () => Promise<boolean>, keyType = "RSA"): Promise<SignatureCheck> {
  try {
    return (await run()) ? { ok: true } : BAD;
  } catch (error) {
    if (error instanceof CryptoError && (error.code === "INVALID_KEY" || error.code === "INVALID_ARGUMENT")) {
      return { ok: false, reason: `the issuer's ${keyType} key is unusable (${error.message})` };
    }
    throw error;
  }
}

/**
 * Checks the signature of `cert` with `issuerKey`. Signature algorithms: sha1/224/256/384/512 with
 * RSA PKCS#1 v1.5, RSASSA-PSS with its parameters (RFC 4055 3.1), ECDSA with SHA-256/384/512, DSA
 * with SHA-1 and SHA-2 (old certificates: RFC 4134's CarlDSS signs with DSA and SHA-1), Ed25519
 * and Ed448 (RFC 8410), ML-DSA-44/65/87 (RFC 9881).
 * An algorithm outside these is UNSUPPORTED_ALGORITHM; a signature that does not hold is `ok: false`.
 * Restrictions an id-RSASSA-PSS issuer key may carry in its own parameters (RFC 4055 3.3) are not
 * compared with the signature's parameters; such a key only ever verifies PSS signatures here.
 */
export async function verifyCertificateSignature(
  cert: SignedObject,
  issuerKey: CertificatePublicKey,
  crypto: CertificateCrypto,
): Promise<SignatureCheck> {
  const { algorithm, parameters } = cert.signatureAlgorithm;
  const pkcs1Hash = RSA_PKCS1[algorithm];
  if (pkcs1Hash !== undefined) {
    if (issuerKey.kind !== "rsa") return { ok: false, reason: "an RSA signature but the issuer's key is not RSA" };
    if (issuerKey.pssOnly) return { ok: false, reason: "a PKCS#1 v1.5 signature by an RSASSA-PSS-only key" };
    // RFC 8017 A.2.4 / RFC 4055 5: the parameters are NULL (absent is tolerated, as OpenSSL does).
    if (parameters !== undefined && !(parameters instanceof asn1js.Null))
      return { ok: false, reason: "RSA signature algorithm with parameters other than NULL" };
    const digest = await digestOf(crypto, pkcs1Hash, cert.tbs);
    return coreVerdict(() => crypto.rsaPkcs1v15Verify(issuerKey.key, pkcs1Hash, digest, cert.signature));
  }
  if (algorithm === ID_RSASSA_PSS) {
    if (issuerKey.kind !== "rsa") return { ok: false, reason: "an RSA-PSS signature but the issuer's key is not RSA" };
    const options = pssOptions(parameters);
    if (options === undefined) throw unsupported(cert, "RSASSA-PSS parameters outside RFC 4055 (hash, MGF1, trailer)");
    const digest = await digestOf(crypto, options.hash, cert.tbs);
    return coreVerdict(() => crypto.rsaPssVerify(issuerKey.key, digest, cert.signature, options));
  }
  const ecdsaHash = ECDSA[algorithm];
  if (ecdsaHash !== undefined) return verifyEcdsa(cert, issuerKey, ecdsaHash);
  if (algorithm === ID_ED25519 || algorithm === ID_ED448) {
    const [name, kind] = algorithm === ID_ED25519 ? ["Ed25519", "ed25519"] : ["Ed448", "ed448"];
    if ((issuerKey.kind !== "ed25519" && issuerKey.kind !== "ed448") || issuerKey.kind !== kind)
      return { ok: false, reason: `an ${name} signature but the issuer's key is not ${name}` };
    // RFC 8410 3: the parameters MUST be absent.
    if (parameters !== undefined) return { ok: false, reason: `${name} with parameters` };
    return verifyEdDsaSignature(issuerKey, cert.tbs, cert.signature);
  }
  if (mlDsaByOid(algorithm) !== undefined) {
    // RFC 9881 2: the parameters MUST be absent.
    if (parameters !== undefined) return { ok: false, reason: "ML-DSA with parameters" };
    return verifyMlDsaSignature(issuerKey, algorithm, cert.tbs, cert.signature);
  }
  const dsaHash = DSA_WITH[algorithm];
  if (dsaHash !== undefined) {
    if (issuerKey.kind !== "dsa") return { ok: false, reason: "a DSA signature but the issuer's key is not DSA" };
    // RFC 3279 2.2.2: the parameters are absent.
    if (parameters !== undefined) return { ok: false, reason: "DSA signature algorithm with parameters" };
    const digest = await digestOf(crypto, dsaHash, cert.tbs);
    return coreVerdict(() => crypto.dsaVerify(issuerKey.key, digest, cert.signature), "DSA");
  }
  throw unsupported(cert, `signature algorithm ${algorithm} is not supported`);
}
