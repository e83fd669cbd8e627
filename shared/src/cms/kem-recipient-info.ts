// KEMRecipientInfo (RFC 9629) with ML-KEM (FIPS 203) as RFC 9936 (ML-KEM in CMS) uses it: an
// OtherRecipientInfo [4] of type id-ori-kem. The sender encapsulates a shared secret to the
// recipient's ML-KEM key, derives a key-encryption key (KEK) from it with HKDF (RFC 8619) over
// CMSORIforKEMOtherInfo, and wraps the content-encryption key (CEK) with AES key wrap (RFC 3394).
// ML-KEM runs in shared/src/pki/pq.ts, HKDF in WebCrypto, the key wrap in the crypto core.
import type { HashAlgorithm } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { encodeAsn1 } from "../asn1/ber-writer.js";
import { MailsealError } from "../errors/index.js";
import type { Certificate } from "../pki/certificate.js";
import {
  ID_AES128_WRAP,
  ID_AES192_WRAP,
  ID_AES256_WRAP,
  ID_ALG_HKDF_WITH_SHA256,
  ID_ALG_HKDF_WITH_SHA384,
  ID_ALG_HKDF_WITH_SHA512,
  ID_ORI_KEM,
} from "../pki/oids.js";
import {
  mlKemByOid,
  mlKemDecapsulate,
  mlKemEncapsulate,
  pqPublicKeyOf,
  type MlKemParameters,
  type MlKemPrivateKey,
} from "../pki/pq.js";
import { explicitTag } from "./algorithms.js";
import type { KeyWrapCore } from "./key-agreement.js";

/** An ML-KEM key of the reader with its certificate (the recipient's rid names the certificate). */
export interface KemRecipientKey {
  kind: "ml-kem";
  certificate: Certificate;
  privateKey: MlKemPrivateKey;
}

/** HKDF of RFC 8619 2 by hash. */
const KDFS: readonly { oid: string; hash: HashAlgorithm }[] = [
  { oid: ID_ALG_HKDF_WITH_SHA256, hash: "SHA-256" },
  { oid: ID_ALG_HKDF_WITH_SHA384, hash: "SHA-384" },
  { oid: ID_ALG_HKDF_WITH_SHA512, hash: "SHA-512" },
];

/** AES key wrap (RFC 3565 2.3.2): the KEK length each one needs. */
const WRAPS: readonly { oid: string; kekLength: number }[] = [
  { oid: ID_AES128_WRAP, kekLength: 16 },
  { oid: ID_AES192_WRAP, kekLength: 24 },
  { oid: ID_AES256_WRAP, kekLength: 32 },
];

/** RFC 9936 3: what each parameter set MUST support, and what mailseal sends: HKDF-SHA256, AES-128 wrap for 512, AES-256 wrap for 768 and 1024. */
function sendingWrap(parameters: MlKemParameters): { oid: string; kekLength: number } {
  return parameters.name === "ML-KEM-512" ? WRAPS[0]! : WRAPS[2]!;
}

/** KEMRecipientInfo (RFC 9629 3) as read: the fields this module uses, the wrap algorithm as encoded. */
export interface KemRecipientInfo {
  /** issuerAndSerialNumber, or the subjectKeyIdentifier [0] as its OCTET STRING value. */
  rid: pkijs.IssuerAndSerialNumber | Uint8Array;
  kem: MlKemParameters;
  kemct: Uint8Array;
  kdf: HashAlgorithm;
  kekLength: number;
  ukm?: Uint8Array;
  /** DER of the wrap AlgorithmIdentifier exactly as the sender wrote it (it enters CMSORIforKEMOtherInfo). */
  wrapDer: Uint8Array;
  encryptedKey: Uint8Array;
}

function malformed(what: string): MailsealError {
  return new MailsealError("MALFORMED_CMS", `KEMRecipientInfo: ${what} (RFC 9629 3)`);
}

function algorithm(field: asn1js.AsnType | undefined, what: string): pkijs.AlgorithmIdentifier {
  try {
    if (!(field instanceof asn1js.Sequence)) throw new TypeError(what);
    return new pkijs.AlgorithmIdentifier({ schema: field });
  } catch {
    throw malformed(`${what} is not an AlgorithmIdentifier`);
  }
}

/**
 * Reads the KEMRecipientInfo of an OtherRecipientInfo of type id-ori-kem: version 0, rid, kem
 * (ML-KEM, parameters absent), kemct of the parameter set's ciphertext size, kdf (HKDF),
 * kekLength the wrap's key size, optional ukm [0], wrap (AES key wrap), encryptedKey.
 */
export function readKemRecipientInfo(oriValue: unknown): KemRecipientInfo {
  if (!(oriValue instanceof asn1js.Sequence)) throw malformed("not a SEQUENCE");
  const fields = [...oriValue.valueBlock.value];
  const take = () => fields.shift();
  const version = take();
  if (!(version instanceof asn1js.Integer) || version.valueBlock.valueDec !== 0) throw malformed("version is not 0");
  const ridField = take();
  let rid: KemRecipientInfo["rid"];
  if (ridField instanceof asn1js.Sequence) {
    try {
      rid = new pkijs.IssuerAndSerialNumber({ schema: ridField });
    } catch {
      throw malformed("rid is not an IssuerAndSerialNumber");
    }
  } else if (
    ridField !== undefined &&
    ridField.idBlock.tagClass === 3 &&
    ridField.idBlock.tagNumber === 0 &&
    !ridField.idBlock.isConstructed
  ) {
    rid = new Uint8Array((ridField as asn1js.Primitive).valueBlock.valueHexView);
  } else {
    throw malformed("rid is neither issuerAndSerialNumber nor subjectKeyIdentifier [0]");
  }
  const kemAlgorithm = algorithm(take(), "kem");
  const kem = mlKemByOid(kemAlgorithm.algorithmId);
  if (kem === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `KEM algorithm ${kemAlgorithm.algorithmId} is not supported`);
  // RFC 9936 3: the ML-KEM AlgorithmIdentifier's parameters MUST be absent.
  if (kemAlgorithm.algorithmParams !== undefined) throw malformed(`${kem.name} with parameters`);
  const kemctField = take();
  if (!(kemctField instanceof asn1js.OctetString)) throw malformed("kemct is not an OCTET STRING");
  const kemct = new Uint8Array(kemctField.valueBlock.valueHexView);
  if (kemct.length !== kem.ciphertextLength) {
    throw new MailsealError(
      "MALFORMED_CMS",
      `the KEM ciphertext has ${kemct.length} bytes; an ${kem.name} ciphertext has ${kem.ciphertextLength} (FIPS 203 8)`,
    );
  }
  const kdfAlgorithm = algorithm(take(), "kdf");
  const kdf = KDFS.find((k) => k.oid === kdfAlgorithm.algorithmId);
  if (kdf === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `KEM key derivation ${kdfAlgorithm.algorithmId} is not supported`);
  // RFC 8619 3: the HKDF AlgorithmIdentifier's parameters MUST be absent.
  if (kdfAlgorithm.algorithmParams !== undefined) throw malformed("HKDF with parameters");
  const kekLengthField = take();
  if (!(kekLengthField instanceof asn1js.Integer)) throw malformed("kekLength is not an INTEGER");
  const kekLength = kekLengthField.valueBlock.valueDec;
  let ukm: Uint8Array | undefined;
  const maybeUkm = fields[0];
  if (maybeUkm !== undefined && maybeUkm.idBlock.tagClass === 3 && maybeUkm.idBlock.tagNumber === 0) {
    take();
    const inner = maybeUkm instanceof asn1js.Constructed ? maybeUkm.valueBlock.value[0] : undefined;
    if (!(inner instanceof asn1js.OctetString)) throw malformed("ukm is not [0] EXPLICIT OCTET STRING");
    ukm = new Uint8Array(inner.valueBlock.valueHexView);
  }
  const wrapField = take();
  const wrapAlgorithm = algorithm(wrapField, "wrap");
  const wrap = WRAPS.find((w) => w.oid === wrapAlgorithm.algorithmId);
  if (wrap === undefined)
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `key wrap algorithm ${wrapAlgorithm.algorithmId} is not supported`,
    );
  if (kekLength !== wrap.kekLength)
    throw malformed(`kekLength ${kekLength} is not the ${wrap.kekLength} bytes of its key wrap`);
  const encryptedKeyField = take();
  if (!(encryptedKeyField instanceof asn1js.OctetString)) throw malformed("encryptedKey is not an OCTET STRING");
  if (fields.length > 0) throw malformed("fields after encryptedKey");
  return {
    rid,
    kem,
    kemct,
    kdf: kdf.hash,
    kekLength,
    ...(ukm === undefined ? {} : { ukm }),
    wrapDer: encodeAsn1(wrapField!),
    encryptedKey: new Uint8Array(encryptedKeyField.valueBlock.valueHexView),
  };
}

/**
 * DER of CMSORIforKEMOtherInfo (RFC 9629 5): SEQUENCE { wrap, kekLength INTEGER, ukm [0] EXPLICIT
 * OPTIONAL }, the info of the KDF.
 */
export function kemOtherInfo(wrapDer: Uint8Array, kekLength: number, ukm?: Uint8Array): Uint8Array {
  const fields: asn1js.AsnType[] = [asn1js.fromBER(wrapDer).result, new asn1js.Integer({ value: kekLength })];
  if (ukm !== undefined) fields.push(explicitTag(0, new asn1js.OctetString({ valueHex: ukm })));
  return encodeAsn1(new asn1js.Sequence({ value: fields }));
}

/** RFC 9629 5 with HKDF (RFC 8619, RFC 5869): KEK = HKDF(IKM = shared secret, salt absent, info = other info, L = kekLength). */
export async function deriveKemKek(
  hash: HashAlgorithm,
  sharedSecret: Uint8Array,
  otherInfo: Uint8Array,
  kekLength: number,
): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const ikm = await subtle.importKey("raw", new Uint8Array(sharedSecret), "HKDF", false, ["deriveBits"]);
  const bits = await subtle.deriveBits(
    { name: "HKDF", hash, salt: new Uint8Array(0), info: new Uint8Array(otherInfo) },
    ikm,
    kekLength * 8,
  );
  return new Uint8Array(bits);
}

/** The intermediate values of a KEM recipient (RFC 9629 2.1 steps 1-2): exposed for the published example's check. */
export async function kemRecipientSecrets(
  info: KemRecipientInfo,
  privateKey: MlKemPrivateKey,
): Promise<{ sharedSecret: Uint8Array; otherInfo: Uint8Array; kek: Uint8Array }> {
  if (privateKey.parameters !== info.kem) {
    throw new MailsealError(
      "DECRYPTION_FAILED",
      `the recipient's key is ${privateKey.parameters.name}, the message uses ${info.kem.name}`,
    );
  }
  const sharedSecret = mlKemDecapsulate(privateKey, info.kemct);
  const otherInfo = kemOtherInfo(info.wrapDer, info.kekLength, info.ukm);
  const kek = await deriveKemKek(info.kdf, sharedSecret, otherInfo, info.kekLength);
  return { sharedSecret, otherInfo, kek };
}

/**
 * The CEK of a KEMRecipientInfo addressed to `key`. A wrong key or altered kemct decapsulates to an
 * unrelated secret (ML-KEM's implicit rejection), so the failure shows at the key unwrap as
 * DECRYPTION_FAILED, like any other wrong key.
 */
export async function unwrapKemRecipient(
  info: KemRecipientInfo,
  key: KemRecipientKey,
  cekLength: number,
  core: KeyWrapCore,
): Promise<Uint8Array> {
  const { sharedSecret, kek } = await kemRecipientSecrets(info, key.privateKey);
  sharedSecret.fill(0);
  const cek = await core.unwrapKey(kek, info.encryptedKey).catch(() => {
    throw new MailsealError("DECRYPTION_FAILED", "the content-encryption key does not unwrap with this key");
  });
  kek.fill(0);
  if (cek.length !== cekLength) {
    throw new MailsealError(
      "DECRYPTION_FAILED",
      `the content-encryption key has ${cek.length} bytes, expected ${cekLength}`,
    );
  }
  return cek;
}

/** Whether a certificate's key is an ML-KEM key (a KEMRecipientInfo recipient). */
export function isKemCertificate(certificate: Certificate): boolean {
  return pqPublicKeyOf(certificate.publicKey)?.kind === "ml-kem";
}

/**
 * A RecipientInfo ([4] OtherRecipientInfo, id-ori-kem) carrying `cek` to the ML-KEM key of
 * `certificate`, its rid the issuerAndSerialNumber given. Returned as the ASN.1 of the
 * RecipientInfo CHOICE: pkijs does not write OtherRecipientInfo.
 */
export async function kemRecipientInfo(
  core: KeyWrapCore,
  certificate: Certificate,
  rid: pkijs.IssuerAndSerialNumber,
  cek: Uint8Array,
): Promise<asn1js.AsnType> {
  const publicKey = pqPublicKeyOf(certificate.publicKey);
  if (publicKey?.kind !== "ml-kem")
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `"${certificate.displayName}" has no ML-KEM key`);
  const { parameters } = publicKey;
  const wrap = sendingWrap(parameters);
  const wrapAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: wrap.oid }); // RFC 3565 2.3.2: parameters absent
  const wrapDer = encodeAsn1(wrapAlgorithm.toSchema());
  const { ciphertext, sharedSecret } = mlKemEncapsulate(parameters, publicKey.key);
  const kek = await deriveKemKek("SHA-256", sharedSecret, kemOtherInfo(wrapDer, wrap.kekLength), wrap.kekLength);
  sharedSecret.fill(0);
  const encryptedKey = await core.wrapKey(kek, cek);
  kek.fill(0);
  const value = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      rid.toSchema(),
      new pkijs.AlgorithmIdentifier({ algorithmId: parameters.oid }).toSchema(),
      new asn1js.OctetString({ valueHex: ciphertext }),
      new pkijs.AlgorithmIdentifier({ algorithmId: ID_ALG_HKDF_WITH_SHA256 }).toSchema(),
      new asn1js.Integer({ value: wrap.kekLength }),
      wrapAlgorithm.toSchema(),
      new asn1js.OctetString({ valueHex: encryptedKey }),
    ],
  });
  // RecipientInfo ::= CHOICE { ..., ori [4] OtherRecipientInfo } (RFC 5652 6.2, IMPLICIT tags):
  // the SEQUENCE of OtherRecipientInfo { oriType, oriValue } re-tagged [4].
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 4 },
    value: [new asn1js.ObjectIdentifier({ value: ID_ORI_KEM }), value],
  });
}
