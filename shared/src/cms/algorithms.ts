// Algorithm identifiers of CMS as S/MIME uses them, mapped to what the crypto core runs:
// content encryption (RFC 3565 AES-CBC, RFC 5084 AES-GCM, RFC 8103 ChaCha20-Poly1305, RFC 3370 5.1
// 3DES, 5.2 RC2), key transport
// (RFC 3370 4.2.1 RSAES-PKCS1-v1_5, RFC 3560 RSAES-OAEP), digests (RFC 5754, RFC 3370 2.1; SHAKE256
// for Ed448, RFC 8419 3.1).
import type { CipherName, HashAlgorithm } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { MailsealError } from "../errors/index.js";
import {
  DES_EDE3_CBC,
  ID_AES128_CBC,
  ID_AES128_GCM,
  ID_AES192_CBC,
  ID_AES192_GCM,
  ID_AES256_CBC,
  ID_AES256_GCM,
  ID_ALG_AEAD_CHACHA20_POLY1305,
  ID_MGF1,
  ID_P_SPECIFIED,
  ID_RSAES_OAEP,
  ID_SHA1,
  ID_SHA224,
  ID_SHA256,
  ID_SHA384,
  ID_SHA512,
  ID_SHAKE256,
  ID_SHAKE256_LEN,
  RC2_CBC,
  RSA_ENCRYPTION,
} from "../pki/oids.js";

export interface ContentCipher {
  name: CipherName;
  oid: string;
  /** Bytes; 0 for RC2, whose key length its parameters give (rc2CbcParameters). */
  keyLength: number;
  /** IV / block length for CBC (RFC 3565 4.1, RFC 3370 5.1). */
  blockLength: number;
  /** "gcm" and "chacha20-poly1305" are authenticated: AuthEnvelopedData only (RFC 5083). */
  mode: "cbc" | "gcm" | "chacha20-poly1305";
  /** Read old mail only: never chosen for new messages. */
  decryptOnly?: true;
}

const contentCiphers: ContentCipher[] = [
  { name: "aes-128-cbc", oid: ID_AES128_CBC, keyLength: 16, blockLength: 16, mode: "cbc" },
  { name: "aes-192-cbc", oid: ID_AES192_CBC, keyLength: 24, blockLength: 16, mode: "cbc" },
  { name: "aes-256-cbc", oid: ID_AES256_CBC, keyLength: 32, blockLength: 16, mode: "cbc" },
  { name: "aes-128-gcm", oid: ID_AES128_GCM, keyLength: 16, blockLength: 16, mode: "gcm" },
  { name: "aes-192-gcm", oid: ID_AES192_GCM, keyLength: 24, blockLength: 16, mode: "gcm" },
  { name: "aes-256-gcm", oid: ID_AES256_GCM, keyLength: 32, blockLength: 16, mode: "gcm" },
  // RFC 8103: a stream cipher (block length 1), its parameters the 12-byte nonce.
  {
    name: "chacha20-poly1305",
    oid: ID_ALG_AEAD_CHACHA20_POLY1305,
    keyLength: 32,
    blockLength: 1,
    mode: "chacha20-poly1305",
  },
  // RFC 3370 5.1; old mail only (RFC 8551 2.7 no longer lists it for sending).
  { name: "des-ede3-cbc", oid: DES_EDE3_CBC, keyLength: 24, blockLength: 8, mode: "cbc", decryptOnly: true },
  // RFC 3370 5.2; what Outlook Express and old Outlook sent by default. Old mail only.
  { name: "rc2-cbc", oid: RC2_CBC, keyLength: 0, blockLength: 8, mode: "cbc", decryptOnly: true },
];

/** Whether the cipher authenticates (AuthEnvelopedData, RFC 5083) rather than only encrypts (EnvelopedData). */
export function isAuthenticated(cipher: ContentCipher): boolean {
  return cipher.mode !== "cbc";
}

/** What the parameters of rc2-cbc say: the IV, RFC 2268's effective key bits and the key length. */
export interface Rc2Parameters {
  iv: Uint8Array;
  effectiveKeyBits: number;
  /** Bytes of the content-encryption key: effective bits / 8, as OpenSSL and Windows make them. */
  keyLength: number;
}

/**
 * RC2CBCParameter (RFC 3370 5.2): SEQUENCE { rc2ParameterVersion INTEGER, iv OCTET STRING (8) },
 * or the bare IV of RFC 2268 6 (effective key bits 32). The version encodes the effective key bits
 * through RFC 2268 6's table for bits < 256 (40 -> 160, 64 -> 120, 128 -> 58, the sizes S/MIME
 * senders used) and is the number of bits itself from 256 to 1024. The key is as long as the
 * effective bits (OpenSSL sets the key length from the version the same way).
 */
export function rc2CbcParameters(params: unknown): Rc2Parameters {
  let iv: unknown = params;
  let effectiveKeyBits = 32;
  if (params instanceof asn1js.Sequence) {
    const [version, ivField, ...rest] = params.valueBlock.value;
    if (!(version instanceof asn1js.Integer) || rest.length > 0)
      throw new MailsealError("MALFORMED_CMS", "RC2CBCParameter: not { rc2ParameterVersion INTEGER, iv OCTET STRING }");
    const value = version.valueBlock.valueDec;
    const byVersion: Record<number, number> = { 160: 40, 120: 64, 58: 128 };
    const bits = byVersion[value] ?? (value >= 256 && value <= 1024 ? value : undefined);
    if (bits === undefined) {
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        `RC2 parameter version ${value} is not supported (160, 120, 58: 40, 64, 128 effective bits; or 256..1024)`,
      );
    }
    effectiveKeyBits = bits;
    iv = ivField;
  }
  if (!(iv instanceof asn1js.OctetString) || iv.valueBlock.valueHexView.length !== 8) {
    throw new MailsealError(
      "MALFORMED_CMS",
      "rc2-cbc parameters: the IV must be an 8-byte OCTET STRING (RFC 3370 5.2)",
    );
  }
  return {
    iv: new Uint8Array(iv.valueBlock.valueHexView),
    effectiveKeyBits,
    keyLength: Math.ceil(effectiveKeyBits / 8),
  };
}

export function contentCipherFromOid(oid: string): ContentCipher {
  const cipher = contentCiphers.find((c) => c.oid === oid);
  if (cipher === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `content encryption algorithm ${oid} is not supported`);
  return cipher;
}

/** A cipher for new messages (decrypt-only ones are refused). */
export function contentCipherByName(name: CipherName): ContentCipher {
  const cipher = contentCiphers.find((c) => c.name === name && c.decryptOnly === undefined);
  if (cipher === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `content encryption algorithm ${name} is not supported`);
  return cipher;
}

const digests: { hash: HashAlgorithm; oid: string }[] = [
  { hash: "SHA-1", oid: ID_SHA1 },
  { hash: "SHA-224", oid: ID_SHA224 },
  { hash: "SHA-256", oid: ID_SHA256 },
  { hash: "SHA-384", oid: ID_SHA384 },
  { hash: "SHA-512", oid: ID_SHA512 },
];

export function hashFromOid(oid: string): HashAlgorithm {
  const digest = digests.find((d) => d.oid === oid);
  if (digest === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `digest algorithm ${oid} is not supported`);
  return digest.hash;
}

/** AlgorithmIdentifier of a digest; parameters absent, as RFC 5754 section 2 prefers. */
export function digestAlgorithm(hash: HashAlgorithm): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: digests.find((d) => d.hash === hash)!.oid });
}

/**
 * The digests a SignedData computes over its content (digestAlgorithms, a SignerInfo's
 * digestAlgorithm): SHA-1 and SHA-2, and SHAKE256 with 512 bits of output, the one Ed448 signers use
 * (RFC 8419 3.1). The core's createHash gives SHAKE256 those 64 bytes.
 */
export type ContentDigest = HashAlgorithm | "SHAKE256";

/** SHA-1/SHA-2, the hashes every signature scheme but EdDSA and ML-DSA takes; not SHAKE256. */
export function isHashAlgorithm(digest: ContentDigest): digest is HashAlgorithm {
  return digest !== "SHAKE256";
}

/** RFC 8419 3.1: id-shake256-len's ShakeOutputLen for Ed448, in bits. */
const SHAKE256_BITS = 512;

/**
 * The content digest an AlgorithmIdentifier names. SHAKE256 only with 512 bits of output: as
 * id-shake256-len with ShakeOutputLen 512, which RFC 8419 3.1 names for Ed448 (the parameter MUST be
 * present and 512), or as id-shake256 without parameters, whose output in CMS is 512 bits (RFC 8702
 * 3.1): both are the same function. Another length is a digest not implemented
 * (UNSUPPORTED_ALGORITHM), a parameter that is no INTEGER MALFORMED_CMS. SHA-1/SHA-2 as hashFromOid.
 */
export function contentDigestOf(algorithm: pkijs.AlgorithmIdentifier): ContentDigest {
  const params = algorithm.algorithmParams as asn1js.AsnType | undefined;
  if (algorithm.algorithmId === ID_SHAKE256_LEN) {
    if (params !== undefined && !(params instanceof asn1js.Integer))
      throw new MailsealError("MALFORMED_CMS", "id-shake256-len: ShakeOutputLen is not an INTEGER (RFC 8419 3.1)");
    // DER's INTEGER 512 is 02 02 02 00; any other content is another length (or a non-minimal encoding).
    const value = params === undefined ? undefined : new Uint8Array(params.valueBlock.valueHexView);
    if (value === undefined || value.length !== 2 || value[0] !== SHAKE256_BITS >> 8 || value[1] !== 0) {
      const length = value === undefined ? "no output length" : "an output length other than 512 bits";
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        `digest algorithm id-shake256-len with ${length} is not supported (RFC 8419 3.1)`,
      );
    }
    return "SHAKE256";
  }
  if (algorithm.algorithmId === ID_SHAKE256) {
    if (params !== undefined)
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        "id-shake256 with parameters is not supported (RFC 8702 3.1: absent)",
      );
    return "SHAKE256";
  }
  return hashFromOid(algorithm.algorithmId);
}

/**
 * AlgorithmIdentifier of a content digest: SHAKE256 as id-shake256-len with ShakeOutputLen 512, the
 * form RFC 8419 3.1 names for Ed448; the others as digestAlgorithm.
 */
export function contentDigestAlgorithm(digest: ContentDigest): pkijs.AlgorithmIdentifier {
  if (isHashAlgorithm(digest)) return digestAlgorithm(digest);
  return new pkijs.AlgorithmIdentifier({
    algorithmId: ID_SHAKE256_LEN,
    algorithmParams: new asn1js.Integer({ value: SHAKE256_BITS }),
  });
}

/** How the content-encryption key travels to a recipient with an RSA key. */
export type KeyTransport =
  { scheme: "rsa-pkcs1" } | { scheme: "rsa-oaep"; hash: HashAlgorithm; mgfHash: HashAlgorithm; label: Uint8Array };

/** Reads keyEncryptionAlgorithm of a KeyTransRecipientInfo (RFC 3370 4.2.1, RFC 3560 section 3). */
export function keyTransportFromAlgorithm(algorithm: pkijs.AlgorithmIdentifier): KeyTransport {
  if (algorithm.algorithmId === RSA_ENCRYPTION) return { scheme: "rsa-pkcs1" };
  if (algorithm.algorithmId !== ID_RSAES_OAEP) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `key transport algorithm ${algorithm.algorithmId} is not supported`,
    );
  }
  // RSAES-OAEP-params (RFC 8017 A.2.1): [0] hashFunc, [1] maskGenFunc, [2] pSourceFunc, each
  // DEFAULT (SHA-1, MGF1 with SHA-1, empty label). Read by hand: pkijs's built-in default for
  // pSourceFunc carries a non-empty label.
  const fields = taggedFields("RSAES-OAEP-params", algorithm.algorithmParams, 2);
  const hash = fields[0] === undefined ? "SHA-1" : hashFromOid(algorithmIdentifier("hashFunc", fields[0]).algorithmId);
  const mgfHash = fields[1] === undefined ? "SHA-1" : mgf1Hash(algorithmIdentifier("maskGenFunc", fields[1]));
  let label = new Uint8Array(0);
  if (fields[2] !== undefined) {
    const source = algorithmIdentifier("pSourceFunc", fields[2]);
    if (source.algorithmId !== ID_P_SPECIFIED) {
      throw new MailsealError("UNSUPPORTED_ALGORITHM", `OAEP label source ${source.algorithmId} is not supported`);
    }
    if (!(source.algorithmParams instanceof asn1js.OctetString))
      throw new MailsealError("MALFORMED_CMS", "OAEP label: not an OCTET STRING");
    label = new Uint8Array(source.algorithmParams.valueBlock.valueHexView);
  }
  return { scheme: "rsa-oaep", hash, mgfHash, label };
}

/** keyEncryptionAlgorithm for a KeyTransRecipientInfo. OAEP parameters spelled out (RFC 4055 section 4.1). */
export function keyTransportAlgorithm(transport: KeyTransport): pkijs.AlgorithmIdentifier {
  if (transport.scheme === "rsa-pkcs1") {
    // RFC 3370 4.2.1: the parameters MUST be NULL.
    return new pkijs.AlgorithmIdentifier({ algorithmId: RSA_ENCRYPTION, algorithmParams: new asn1js.Null() });
  }
  // DER leaves out fields equal to their DEFAULT (X.690 11.5).
  const fields: asn1js.AsnType[] = [];
  if (transport.hash !== "SHA-1") fields.push(explicitTag(0, digestAlgorithm(transport.hash).toSchema()));
  if (transport.mgfHash !== "SHA-1") fields.push(explicitTag(1, mgf1Algorithm(transport.mgfHash).toSchema()));
  if (transport.label.length > 0) {
    const source = new pkijs.AlgorithmIdentifier({
      algorithmId: ID_P_SPECIFIED,
      algorithmParams: new asn1js.OctetString({ valueHex: transport.label }),
    });
    fields.push(explicitTag(2, source.toSchema()));
  }
  const params = new asn1js.Sequence({ value: fields });
  return new pkijs.AlgorithmIdentifier({ algorithmId: ID_RSAES_OAEP, algorithmParams: params });
}

/**
 * The fields of a SEQUENCE of EXPLICIT context-tagged optional fields [0]..[maxTag], by tag; absent
 * or NULL parameters give no fields (all DEFAULT).
 */
export function taggedFields(what: string, raw: unknown, maxTag: number): (asn1js.AsnType | undefined)[] {
  const fields: (asn1js.AsnType | undefined)[] = [];
  if (raw === undefined || raw instanceof asn1js.Null) return fields;
  if (!(raw instanceof asn1js.Sequence)) throw new MailsealError("MALFORMED_CMS", `${what}: not a SEQUENCE`);
  for (const field of raw.valueBlock.value) {
    const tag = field.idBlock.tagNumber;
    const inner = field instanceof asn1js.Constructed ? field.valueBlock.value[0] : undefined;
    if (field.idBlock.tagClass !== 3 || tag > maxTag || inner === undefined || fields[tag] !== undefined) {
      throw new MailsealError("MALFORMED_CMS", `${what}: unexpected field`);
    }
    fields[tag] = inner;
  }
  return fields;
}

export function algorithmIdentifier(what: string, schema: asn1js.AsnType): pkijs.AlgorithmIdentifier {
  return parseOrThrow(what, () => new pkijs.AlgorithmIdentifier({ schema }));
}

/** The hash of an MGF1 AlgorithmIdentifier (RFC 8017 B.2.1); other mask generators are refused. */
export function mgf1Hash(mgf: pkijs.AlgorithmIdentifier): HashAlgorithm {
  if (mgf.algorithmId !== ID_MGF1) {
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `mask generation function ${mgf.algorithmId} is not supported`);
  }
  return hashFromOid(algorithmIdentifier("MGF1 parameters", mgf.algorithmParams as asn1js.AsnType).algorithmId);
}

/** The EXPLICIT [tag] wrapper of a DER field. */
export function explicitTag(tag: number, value: asn1js.AsnType): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: tag }, value: [value] });
}

/** MGF1 with `hash` as an AlgorithmIdentifier. */
export function mgf1Algorithm(hash: HashAlgorithm): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({
    algorithmId: ID_MGF1,
    algorithmParams: digestAlgorithm(hash).toSchema(),
  });
}

function parseOrThrow<T>(what: string, make: () => T): T {
  try {
    return make();
  } catch {
    throw new MailsealError("MALFORMED_CMS", `${what}: not the expected ASN.1 structure`);
  }
}
