// SignerInfo (RFC 5652 section 5.3): signing with the signed attributes S/MIME expects (RFC 8551
// 2.5), and verifying a signer given the content digests computed while the content streamed.
import { CryptoError, type HashAlgorithm } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { MailsealError } from "../errors/index.js";
import {
  algorithmIdentifier,
  contentDigestAlgorithm,
  contentDigestOf,
  digestAlgorithm,
  explicitTag,
  hashFromOid,
  isHashAlgorithm,
  mgf1Algorithm,
  mgf1Hash,
  taggedFields,
  type ContentDigest,
} from "./algorithms.js";
import {
  matchesIssuerAndSerial,
  matchesSubjectKeyIdentifier,
  parseCertificate,
  rsaPublicKeyOf,
  type Certificate,
} from "../pki/certificate.js";
import { mlDsaByOid, mlDsaSign, pqPublicKeyOf, type MlDsaPrivateKey } from "../pki/pq.js";
import {
  DSA_WITH,
  ECDSA,
  ecdsaSigValue,
  verifyEcdsaSignature,
  verifyEdDsaSignature,
  verifyMlDsaSignature,
  type CertificateCrypto,
} from "../pki/signature.js";
import type { EcPrivateKey, EdPrivateKey } from "../pki/private-key.js";
import { issuerAndSerialNumber } from "./recipient-info.js";
import {
  ID_AA_ENCRYP_KEY_PREF,
  ID_CONTENT_TYPE,
  ID_DSA,
  ID_ED25519,
  ID_ED448,
  ID_MESSAGE_DIGEST,
  ID_RSASSA_PSS,
  ID_SIGNING_TIME,
  RSA_ENCRYPTION,
  SHA1_WITH_RSA_ENCRYPTION,
  SHA224_WITH_RSA_ENCRYPTION,
  SHA256_WITH_RSA_ENCRYPTION,
  SHA384_WITH_RSA_ENCRYPTION,
  SHA512_WITH_RSA_ENCRYPTION,
  PKCS_9_AT_SMIME_CAPABILITIES,
} from "../pki/oids.js";

const rsaWithHash: Record<string, HashAlgorithm> = {
  [SHA1_WITH_RSA_ENCRYPTION]: "SHA-1",
  [SHA224_WITH_RSA_ENCRYPTION]: "SHA-224",
  [SHA256_WITH_RSA_ENCRYPTION]: "SHA-256",
  [SHA384_WITH_RSA_ENCRYPTION]: "SHA-384",
  [SHA512_WITH_RSA_ENCRYPTION]: "SHA-512",
};

/** RSASSA-PKCS1-v1_5 or RSASSA-PSS (RFC 4056), MGF1 with the same hash as the message digest. */
export type SignatureScheme = { scheme: "rsa-pkcs1" } | { scheme: "rsa-pss"; saltLength: number };

/** What verification needs from the crypto core: the same as checking certificate signatures. */
export type VerifyCore = CertificateCrypto;

/** A signing key loaded in the core (see CoreService.loadRsaPrivateKey). */
/** An RSA private key of the crypto core: signs a digest. */
export interface RsaSigningKey {
  pkcs1v15Sign(hash: HashAlgorithm, digest: Uint8Array): Promise<Uint8Array>;
  pssSign(
    digest: Uint8Array,
    options: { hash: HashAlgorithm; mgfHash?: HashAlgorithm; saltLength?: number },
  ): Promise<Uint8Array>;
}

/**
 * RSA (the core), EC (ECDSA through WebCrypto, RFC 5753 2.1.1; the signature scheme is then ECDSA),
 * Ed25519 or Ed448 (PureEdDSA through WebCrypto, RFC 8419; the hash SHA-512 or SHAKE256) or ML-DSA
 * (pq.ts, RFC 9882; the scheme is then ML-DSA, the hash SHA-512).
 */
export type SigningKey = RsaSigningKey | EcPrivateKey | EdPrivateKey | MlDsaPrivateKey;

function isMlDsaKey(key: SigningKey): key is MlDsaPrivateKey {
  return "kind" in key && key.kind === "ml-dsa";
}

function isEcKey(key: SigningKey): key is EcPrivateKey {
  return "publicJwk" in key;
}

function isEdKey(key: SigningKey): key is EdPrivateKey {
  return "edwards" in key;
}

/** One entry of SMIMECapabilities (RFC 8551 2.5.2), in order of preference. */
export interface Capability {
  oid: string;
  parameters?: asn1js.AsnType;
}

export interface SignerOptions {
  /** The digest of the content (and, but for EdDSA and ML-DSA, of the signed attributes). */
  hash: ContentDigest;
  signature: SignatureScheme;
  /** The signer's (device signing) certificate: sid is its issuerAndSerialNumber. */
  certificate: Certificate;
  /** eContentType of the SignedData; id-data for S/MIME. */
  contentType: string;
  signingTime: Date;
  capabilities: readonly Capability[];
  /** The sender's encryption certificate, named in SMIMEEncryptionKeyPreference (RFC 8551 2.5.3). */
  encryptionCertificate?: Certificate;
}

/** RFC 5652 11.3: UTCTime for 1950 through 2049, GeneralizedTime otherwise. */
function signingTimeValue(time: Date): asn1js.AsnType {
  const year = time.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? new asn1js.UTCTime({ valueDate: time })
    : new asn1js.GeneralizedTime({ valueDate: time });
}

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

/** The DER of SignedAttributes as signed: a SET OF (tag 0x31), not the [0] IMPLICIT of the SignerInfo (RFC 5652 5.4). */
function signedAttributesForSignature(attributes: pkijs.SignedAndUnsignedAttributes): Uint8Array {
  return new Uint8Array(new asn1js.Set({ value: attributes.attributes.map((a) => a.toSchema()) }).toBER());
}

async function digestOf(core: VerifyCore, hash: ContentDigest, data: Uint8Array): Promise<Uint8Array> {
  const stream = await core.createHash(hash);
  await stream.update(data);
  return stream.digest();
}

/**
 * The hash of an RSA, ECDSA, DSA or ML-DSA signature: SHA-1/SHA-2. SHAKE256 is Ed448's digest (RFC
 * 8419 3.1); with another scheme it is not supported.
 */
function schemeHash(hash: ContentDigest, what: string): HashAlgorithm {
  if (!isHashAlgorithm(hash)) throw new MailsealError("UNSUPPORTED_ALGORITHM", `${what} with ${hash} is not supported`);
  return hash;
}

function signatureAlgorithm(hash: HashAlgorithm, scheme: SignatureScheme): pkijs.AlgorithmIdentifier {
  if (scheme.scheme === "rsa-pkcs1") {
    // RFC 8551 2.2 / RFC 3370 3.2: rsaEncryption with NULL parameters is what every client reads.
    return new pkijs.AlgorithmIdentifier({ algorithmId: RSA_ENCRYPTION, algorithmParams: new asn1js.Null() });
  }
  // RSASSA-PSS-params (RFC 4055 3.1): hash, MGF1 with the same hash, salt length; trailer default.
  const fields = [
    explicitTag(0, digestAlgorithm(hash).toSchema()),
    explicitTag(1, mgf1Algorithm(hash).toSchema()),
    explicitTag(2, new asn1js.Integer({ value: scheme.saltLength })),
  ];
  return new pkijs.AlgorithmIdentifier({
    algorithmId: ID_RSASSA_PSS,
    algorithmParams: new asn1js.Sequence({ value: fields }),
  });
}

/** SMIMECapabilities attribute value: SEQUENCE OF SMIMECapability (RFC 8551 2.5.2). */
function capabilitiesValue(capabilities: readonly Capability[]): asn1js.Sequence {
  return new asn1js.Sequence({
    value: capabilities.map(
      (c) =>
        new asn1js.Sequence({
          value: [new asn1js.ObjectIdentifier({ value: c.oid }), ...(c.parameters ? [c.parameters] : [])],
        }),
    ),
  });
}

/** Signs `contentDigest` (of the content, with options.hash) and returns the SignerInfo. */
export async function createSignerInfo(
  key: SigningKey,
  core: VerifyCore,
  contentDigest: Uint8Array,
  options: SignerOptions,
): Promise<pkijs.SignerInfo> {
  const attributes = [
    attribute(ID_CONTENT_TYPE, new asn1js.ObjectIdentifier({ value: options.contentType })),
    attribute(ID_SIGNING_TIME, signingTimeValue(options.signingTime)),
    attribute(ID_MESSAGE_DIGEST, new asn1js.OctetString({ valueHex: contentDigest })),
    attribute(PKCS_9_AT_SMIME_CAPABILITIES, capabilitiesValue(options.capabilities)),
  ];
  if (options.encryptionCertificate !== undefined) {
    // SMIMEEncryptionKeyPreference ::= CHOICE { issuerAndSerialNumber [0] IMPLICIT ... }
    const id = issuerAndSerialNumber(options.encryptionCertificate).toSchema();
    const preference = new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: id.valueBlock.value });
    attributes.push(attribute(ID_AA_ENCRYP_KEY_PREF, preference));
  }
  // DER SET OF: elements sorted by their encodings (X.690 11.6).
  attributes.sort((a, b) => compareBytes(new Uint8Array(a.toSchema().toBER()), new Uint8Array(b.toSchema().toBER())));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes });
  const signed = signedAttributesForSignature(signedAttrs);
  let signature: Uint8Array;
  let algorithm: pkijs.AlgorithmIdentifier;
  if (isMlDsaKey(key)) {
    // RFC 9882 3.3: pure ML-DSA, empty context, over the DER of the signed attributes; the
    // signature algorithm id-ml-dsa-* without parameters.
    schemeHash(options.hash, "ML-DSA signatures");
    signature = mlDsaSign(key, signed);
    algorithm = new pkijs.AlgorithmIdentifier({ algorithmId: key.parameters.oid });
  } else if (isEdKey(key)) {
    // RFC 8419 3.1: the digest algorithm (of the content, in messageDigest) is SHA-512 for Ed25519,
    // SHAKE256 with 512 bits of output for Ed448; PureEdDSA over the DER of the signed attributes
    // without context; id-Ed25519 or id-Ed448 without parameters (2.3).
    const digest = key.edwards === "Ed25519" ? "SHA-512" : "SHAKE256";
    if (options.hash !== digest) {
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        `${key.edwards} signatures with ${options.hash} are not made (RFC 8419 3.1: ${key.edwards} with ${digest})`,
      );
    }
    signature = new Uint8Array(
      await globalThis.crypto.subtle.sign({ name: key.edwards }, key.signingKey, new Uint8Array(signed)),
    );
    algorithm = new pkijs.AlgorithmIdentifier({ algorithmId: key.edwards === "Ed25519" ? ID_ED25519 : ID_ED448 });
  } else if (isEcKey(key)) {
    const hash = schemeHash(options.hash, "ECDSA signatures");
    // WebCrypto hashes what it signs: the DER of the signed attributes, not their digest.
    const raw = await globalThis.crypto.subtle.sign({ name: "ECDSA", hash }, key.signingKey, new Uint8Array(signed));
    signature = ecdsaSigValue(new Uint8Array(raw));
    // RFC 5758 3.2: ecdsa-with-SHA*, parameters absent.
    const oid = Object.keys(ECDSA).find((id) => ECDSA[id] === hash);
    if (oid === undefined) throw new MailsealError("UNSUPPORTED_ALGORITHM", `ECDSA with ${hash} is not offered`);
    algorithm = new pkijs.AlgorithmIdentifier({ algorithmId: oid });
  } else {
    const hash = schemeHash(options.hash, "RSA signatures");
    const toSign = await digestOf(core, hash, signed);
    signature =
      options.signature.scheme === "rsa-pkcs1"
        ? await key.pkcs1v15Sign(hash, toSign)
        : await key.pssSign(toSign, { hash, mgfHash: hash, saltLength: options.signature.saltLength });
    algorithm = signatureAlgorithm(hash, options.signature);
  }
  return new pkijs.SignerInfo({
    version: 1,
    sid: issuerAndSerialNumber(options.certificate),
    digestAlgorithm: contentDigestAlgorithm(options.hash),
    signedAttrs,
    signatureAlgorithm: algorithm,
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

export interface VerifiedSigner {
  certificate: Certificate;
  hash: ContentDigest;
  signingTime?: Date;
  /**
   * The certificate the signer asks to be encrypted to, as SMIMEEncryptionKeyPreference names it
   * (RFC 8551 2.5.3): by issuer and serial number, or by subject key identifier.
   */
  encryptionKeyPreference?: { issuer: Uint8Array; serial: Uint8Array } | { keyId: Uint8Array };
  /** The OIDs of the signed SMIMECapabilities (RFC 8551 2.5.2), in the signer's order of preference. */
  capabilities?: string[];
}

/**
 * SMIMEEncryptionKeyPreference ::= CHOICE { issuerAndSerialNumber [0], receipentKeyId [1],
 * subjectAltKeyIdentifier [2] } (RFC 8551 2.5.3). The [1] choice names a key agreement key, which
 * nothing here uses: it and anything unreadable are left out, as the attribute is only a preference.
 */
function encryptionKeyPreference(value: asn1js.AsnType | undefined): VerifiedSigner["encryptionKeyPreference"] {
  if (!(value instanceof asn1js.Constructed) || value.idBlock.tagClass !== 3) return undefined;
  const inner = value.valueBlock.value;
  if (value.idBlock.tagNumber === 0 && inner.length === 2 && inner[1] instanceof asn1js.Integer) {
    return {
      issuer: new Uint8Array(inner[0]!.toBER()),
      serial: new Uint8Array(inner[1].valueBlock.valueHexView),
    };
  }
  if (value.idBlock.tagNumber === 2 && inner.length === 1 && inner[0] instanceof asn1js.OctetString) {
    return { keyId: new Uint8Array(inner[0].valueBlock.valueHexView) };
  }
  return undefined;
}

/** SMIMECapabilities ::= SEQUENCE OF SEQUENCE { capabilityID OID, parameters ANY OPTIONAL }: the OIDs. */
function capabilityOids(value: asn1js.AsnType | undefined): string[] | undefined {
  if (!(value instanceof asn1js.Sequence)) return undefined;
  const oids: string[] = [];
  for (const capability of value.valueBlock.value) {
    const id = capability instanceof asn1js.Sequence ? capability.valueBlock.value[0] : undefined;
    if (id instanceof asn1js.ObjectIdentifier) oids.push(id.valueBlock.toString());
  }
  return oids;
}

function signerCertificate(signerInfo: pkijs.SignerInfo, certificates: readonly Certificate[]): Certificate {
  const sid = signerInfo.sid as unknown;
  const found = certificates.find((certificate) => {
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      return matchesIssuerAndSerial(
        certificate,
        new Uint8Array(sid.issuer.toSchema().toBER()),
        new Uint8Array(sid.serialNumber.valueBlock.valueHexView),
      );
    }
    // subjectKeyIdentifier [0] IMPLICIT OCTET STRING (RFC 5652 5.3), as pkijs leaves it.
    const keyId = sid instanceof asn1js.Constructed ? sid.valueBlock.value[0] : sid;
    if (keyId instanceof asn1js.OctetString)
      return matchesSubjectKeyIdentifier(certificate, new Uint8Array(keyId.valueBlock.valueHexView));
    if (keyId instanceof asn1js.Primitive)
      return matchesSubjectKeyIdentifier(certificate, new Uint8Array(keyId.valueBlock.valueHexView));
    return false;
  });
  if (found === undefined) {
    throw new MailsealError(
      "UNTRUSTED_CERTIFICATE",
      "the signer's certificate is not in the message nor among the given certificates",
    );
  }
  return found;
}

/** The certificates of a SignedData's `certificates` field (other choices, like attribute certificates, skipped). */
export function signedDataCertificates(signed: pkijs.SignedData): Certificate[] {
  return (signed.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map((c) => parseCertificate(new Uint8Array(c.toSchema().toBER())));
}

function single(attributes: pkijs.Attribute[], type: string): asn1js.AsnType | undefined {
  const matching = attributes.filter((a) => a.type === type);
  // pkijs leaves `values` undefined when the attribute's SET is missing from the encoding.
  const values = matching[0]?.values as unknown;
  if (matching.length > 1 || (matching[0] !== undefined && (!Array.isArray(values) || values.length !== 1))) {
    throw new MailsealError("MALFORMED_CMS", `signed attribute ${type} must occur once with one value (RFC 5652 5.3)`);
  }
  return matching[0]?.values[0];
}

/**
 * A DSA signer of old mail: RFC 3370 3.1 names id-dsa-with-sha1 (senders also wrote id-dsa itself),
 * RFC 5754 3.1 the SHA-2 forms; the signature algorithm's hash must be the signer's digest algorithm.
 * A key the core cannot use (sizes, g or y out of range) fails like a bad signature.
 */
async function verifyDsa(
  core: VerifyCore,
  key: Parameters<VerifyCore["dsaVerify"]>[0],
  algorithm: string,
  hash: HashAlgorithm,
  digest: Uint8Array,
  signature: Uint8Array,
): Promise<void> {
  if (algorithm !== ID_DSA && DSA_WITH[algorithm] !== hash) {
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `signature algorithm ${algorithm} with ${hash} is not supported`);
  }
  let valid: boolean;
  try {
    valid = await core.dsaVerify(key, digest, signature);
  } catch (error) {
    if (error instanceof CryptoError && (error.code === "INVALID_KEY" || error.code === "INVALID_ARGUMENT")) {
      throw new MailsealError("BAD_SIGNATURE", `the signer's DSA key is unusable (${error.message})`);
    }
    throw error;
  }
  if (!valid) throw new MailsealError("BAD_SIGNATURE", "the signature does not verify with the signer's certificate");
}

/**
 * An ML-DSA signer (RFC 9882 3.3): id-ml-dsa-* of the certificate's parameter set without
 * parameters, a SHA-2 digest of at least 256 bits, pure ML-DSA over the signed attributes (without
 * them the signature covers the content itself, which streamed past: not supported).
 */
function verifyMlDsaSigner(
  signerInfo: pkijs.SignerInfo,
  publicKey: Certificate["publicKey"],
  hash: ContentDigest,
  signature: Uint8Array,
): void {
  const algorithm = signerInfo.signatureAlgorithm;
  const named = mlDsaByOid(algorithm.algorithmId) !== undefined;
  if (!named || algorithm.algorithmParams !== undefined || hash === "SHA-1" || hash === "SHA-224") {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `signature algorithm ${algorithm.algorithmId} with ${hash} is not supported`,
    );
  }
  if (signerInfo.signedAttrs === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", "an ML-DSA signature without signed attributes is not supported");
  const signed = new Uint8Array(signerInfo.signedAttrs.encodedValue);
  const check = verifyMlDsaSignature(publicKey, algorithm.algorithmId, signed, signature);
  if (!check.ok) {
    throw new MailsealError(
      "BAD_SIGNATURE",
      `the signature does not verify with the signer's certificate (${check.reason})`,
    );
  }
}

/**
 * The content itself, kept while it streamed, for the one signature that covers it rather than a
 * digest: PureEdDSA without signed attributes (RFC 8419 3.1). `bytes()` is undefined when the
 * content passed `limit` bytes and was dropped (ContentHolder in signed-data.ts).
 */
export interface HeldContent {
  readonly limit: number;
  bytes(): Uint8Array | undefined;
}

/**
 * RFC 8419 3.1: without signed attributes an Ed25519/Ed448 signature is PureEdDSA over the content
 * itself (not its digest), so the content must be at hand whole: held up to a limit while it
 * streamed, refused past it with a stable code rather than buffered without bound.
 */
function pureEdDsaContent(name: string, content: HeldContent | undefined): Uint8Array {
  if (content === undefined) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `an ${name} signature without signed attributes covers the content, which was not kept`,
    );
  }
  const bytes = content.bytes();
  if (bytes === undefined) {
    throw new MailsealError(
      "INPUT_TOO_LARGE",
      `an ${name} signature without signed attributes covers the whole content, held only up to ${content.limit} bytes`,
    );
  }
  return bytes;
}

/**
 * Verifies one SignerInfo. `contentDigests` holds the digest of the content for each digest
 * algorithm of the SignedData (computed while it streamed); `content` the content when it was held
 * (an Ed25519/Ed448 signer without signed attributes needs it). Returns the signer; throws
 * BAD_SIGNATURE (or MALFORMED_CMS) otherwise. Trust in the certificate is checked separately (chain
 * validation).
 */
export async function verifySignerInfo(
  core: VerifyCore,
  signerInfo: pkijs.SignerInfo,
  contentDigests: ReadonlyMap<ContentDigest, Uint8Array>,
  eContentType: string,
  certificates: readonly Certificate[],
  content?: HeldContent,
): Promise<VerifiedSigner> {
  const hash = contentDigestOf(signerInfo.digestAlgorithm);
  const contentDigest = contentDigests.get(hash);
  if (contentDigest === undefined)
    throw new MailsealError(
      "MALFORMED_CMS",
      `the signer uses ${hash}, which is not among the SignedData's digest algorithms`,
    );
  const certificate = signerCertificate(signerInfo, certificates);
  let signedDigest = contentDigest;
  let signingTime: Date | undefined;
  let preferences: Pick<VerifiedSigner, "encryptionKeyPreference" | "capabilities"> = {};
  if (signerInfo.signedAttrs !== undefined) {
    const attributes = signerInfo.signedAttrs.attributes;
    // RFC 5652 5.3: with signed attributes, content-type and message-digest are required.
    const contentType = single(attributes, ID_CONTENT_TYPE);
    if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.valueBlock.toString() !== eContentType) {
      throw new MailsealError("BAD_SIGNATURE", "the signed content-type attribute does not match the content");
    }
    const messageDigest = single(attributes, ID_MESSAGE_DIGEST);
    if (
      !(messageDigest instanceof asn1js.OctetString) ||
      !equalBytes(new Uint8Array(messageDigest.valueBlock.valueHexView), contentDigest)
    ) {
      throw new MailsealError("BAD_SIGNATURE", "the content does not match the signed message digest: it was altered");
    }
    const time = single(attributes, ID_SIGNING_TIME);
    if (time instanceof asn1js.UTCTime || time instanceof asn1js.GeneralizedTime) signingTime = time.toDate();
    // Preferences only: a malformed one is ignored rather than failing a signature that verifies.
    const first = (type: string) => attributes.find((a) => a.type === type)?.values?.[0] as asn1js.AsnType | undefined;
    const preference = encryptionKeyPreference(first(ID_AA_ENCRYP_KEY_PREF));
    const capabilities = capabilityOids(first(PKCS_9_AT_SMIME_CAPABILITIES));
    preferences = {
      ...(preference === undefined ? {} : { encryptionKeyPreference: preference }),
      ...(capabilities === undefined ? {} : { capabilities }),
    };
    // Verify over the attributes exactly as received, re-tagged as SET OF (RFC 5652 5.4).
    signedDigest = await digestOf(core, hash, new Uint8Array(signerInfo.signedAttrs.encodedValue));
  }
  const signature = new Uint8Array(signerInfo.signature.valueBlock.valueHexView);
  const algorithm = signerInfo.signatureAlgorithm;
  if (certificate.publicKey.kind === "dsa") {
    const dsaHash = schemeHash(hash, `signature algorithm ${algorithm.algorithmId}`);
    await verifyDsa(core, certificate.publicKey.key, algorithm.algorithmId, dsaHash, signedDigest, signature);
    return { certificate, hash, ...(signingTime === undefined ? {} : { signingTime }), ...preferences };
  }
  const publicKey = certificate.publicKey;
  if (publicKey.kind === "ed25519" || publicKey.kind === "ed448" || publicKey.kind === "ec") {
    // Through WebCrypto, which takes the signed data, not a digest: the signed attributes are at
    // hand; a streamed content only as far as it was held (EdDSA; ECDSA is not done without them). RFC 8419 3.1: id-Ed25519 with SHA-512, id-Ed448 with SHAKE256
    // (512-bit output) as the digest algorithm, the signature algorithm without parameters (2.3),
    // PureEdDSA over the attributes' DER. A signer that names another digest (Ed448 with SHA-512,
    // say) is not RFC 8419's: refused, as the RFC's MUST leaves no other. RFC 5753 2.1.1:
    // ecdsa-with-SHA*, the same hash as the digest algorithm, without parameters.
    const name = publicKey.kind === "ed25519" ? "Ed25519" : publicKey.kind === "ed448" ? "Ed448" : "ECDSA";
    const named =
      publicKey.kind === "ed25519"
        ? algorithm.algorithmId === ID_ED25519 && hash === "SHA-512"
        : publicKey.kind === "ed448"
          ? algorithm.algorithmId === ID_ED448 && hash === "SHAKE256"
          : ECDSA[algorithm.algorithmId] === hash;
    if (!named || algorithm.algorithmParams !== undefined) {
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        `signature algorithm ${algorithm.algorithmId} with ${hash} is not supported`,
      );
    }
    const signed =
      signerInfo.signedAttrs !== undefined
        ? new Uint8Array(signerInfo.signedAttrs.encodedValue)
        : publicKey.kind === "ec"
          ? undefined
          : pureEdDsaContent(name, content);
    if (signed === undefined) {
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        `an ${name} signature without signed attributes is not supported`,
      );
    }
    const check =
      publicKey.kind === "ec"
        ? await verifyEcdsaSignature(publicKey, schemeHash(hash, "ECDSA signatures"), signed, signature)
        : await verifyEdDsaSignature(publicKey, signed, signature);
    if (!check.ok) {
      throw new MailsealError(
        "BAD_SIGNATURE",
        `the signature does not verify with the signer's certificate (${check.reason})`,
      );
    }
    return { certificate, hash, ...(signingTime === undefined ? {} : { signingTime }), ...preferences };
  }
  if (pqPublicKeyOf(publicKey)?.kind === "ml-dsa") {
    verifyMlDsaSigner(signerInfo, publicKey, hash, signature);
    return { certificate, hash, ...(signingTime === undefined ? {} : { signingTime }), ...preferences };
  }
  const key = rsaPublicKeyOf(certificate);
  const rsaHash = schemeHash(hash, `signature algorithm ${algorithm.algorithmId}`);
  let valid: boolean;
  if (algorithm.algorithmId === ID_RSASSA_PSS) {
    const fields = taggedFields("RSASSA-PSS-params", algorithm.algorithmParams, 3);
    const pssHash =
      fields[0] === undefined ? "SHA-1" : hashFromOid(algorithmIdentifier("hashAlgorithm", fields[0]).algorithmId);
    const mgfHash = fields[1] === undefined ? "SHA-1" : mgf1Hash(algorithmIdentifier("maskGenAlgorithm", fields[1]));
    const saltLength = fields[2] instanceof asn1js.Integer ? fields[2].valueBlock.valueDec : 20;
    if (pssHash !== hash)
      throw new MailsealError("BAD_SIGNATURE", "the PSS hash differs from the signer's digest algorithm");
    valid = await core.rsaPssVerify(key, signedDigest, signature, { hash: rsaHash, mgfHash, saltLength });
  } else if (algorithm.algorithmId === RSA_ENCRYPTION || rsaWithHash[algorithm.algorithmId] === hash) {
    valid = await core.rsaPkcs1v15Verify(key, rsaHash, signedDigest, signature);
  } else {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `signature algorithm ${algorithm.algorithmId} with ${hash} is not supported`,
    );
  }
  if (!valid) throw new MailsealError("BAD_SIGNATURE", "the signature does not verify with the signer's certificate");
  return { certificate, hash, ...(signingTime === undefined ? {} : { signingTime }), ...preferences };
}
