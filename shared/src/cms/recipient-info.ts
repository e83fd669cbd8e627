// RecipientInfo (RFC 5652 section 6.2): how the content-encryption key (CEK) reaches each recipient
// and how a recipient gets it back. KeyTransRecipientInfo (6.2.1) for RSA certificates here;
// KeyAgreeRecipientInfo (6.2.2) for EC, X25519 and X448 certificates in key-agreement.ts,
// KEMRecipientInfo (RFC 9629, an OtherRecipientInfo) for ML-KEM certificates in kem-recipient-info.ts,
// chosen and matched here.
import type { HashAlgorithm, RsaPublicKey } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { MailsealError } from "../errors/index.js";
import {
  matchesIssuerAndSerial,
  matchesSubjectKeyIdentifier,
  rsaPublicKeyOf,
  type Certificate,
} from "../pki/certificate.js";
import type { EcPrivateKey, XdhPrivateKey } from "../pki/private-key.js";
import { keyTransportAlgorithm, keyTransportFromAlgorithm, type KeyTransport } from "./algorithms.js";
import {
  keyAgreeRecipientInfo,
  unwrapAgreedKey,
  type AgreementCurve,
  type AgreementRecipient,
  type KeyWrapCore,
} from "./key-agreement.js";
import { readKemRecipientInfo, unwrapKemRecipient, type KemRecipientKey } from "./kem-recipient-info.js";
import { ID_ORI_KEM } from "../pki/oids.js";

/** The RSA operations this module needs from the crypto core (CoreService or its worker proxy). */
export interface KeyTransportCore {
  rsaPkcs1v15Encrypt(key: RsaPublicKey, message: Uint8Array): Promise<Uint8Array>;
  rsaOaepEncrypt(
    key: RsaPublicKey,
    message: Uint8Array,
    options: { hash: HashAlgorithm; mgfHash?: HashAlgorithm; label?: Uint8Array },
  ): Promise<Uint8Array>;
}

/** A private key loaded in the core (see CoreService.loadRsaPrivateKey). */
export interface KeyTransportPrivateKey {
  pkcs1v15DecryptKey(ciphertext: Uint8Array, expectedLength: number): Promise<Uint8Array>;
  oaepDecrypt(
    ciphertext: Uint8Array,
    options: { hash: HashAlgorithm; mgfHash?: HashAlgorithm; label?: Uint8Array },
  ): Promise<Uint8Array>;
}

/** An RSA key of the reader (the current one or any from the key history) with its certificate. */
export interface RsaRecipientKey {
  kind?: "rsa";
  certificate: Certificate;
  privateKey: KeyTransportPrivateKey;
}

/** An EC key of the reader, in WebCrypto (see readEcPrivateKey), with its certificate. */
export interface EcRecipientKey {
  kind: "ec";
  certificate: Certificate;
  privateKey: EcPrivateKey;
}

/** An X25519 or X448 key of the reader (RFC 8418), in WebCrypto (see readRfc8410PrivateKey), with its certificate. */
export interface XdhRecipientKey {
  kind: "xdh";
  certificate: Certificate;
  privateKey: XdhPrivateKey;
}

export type RecipientKey = RsaRecipientKey | EcRecipientKey | XdhRecipientKey | KemRecipientKey;

/** RFC 5652 6.2.1: rid is issuerAndSerialNumber or subjectKeyIdentifier [0]. */
export function identifies(rid: pkijs.RecipientIdentifierType, certificate: Certificate): boolean {
  if (rid instanceof pkijs.IssuerAndSerialNumber) {
    return matchesIssuerAndSerial(
      certificate,
      new Uint8Array(rid.issuer.toSchema().toBER()),
      new Uint8Array(rid.serialNumber.valueBlock.valueHexView),
    );
  }
  return matchesSubjectKeyIdentifier(certificate, new Uint8Array(rid.valueBlock.valueHexView));
}

/** IssuerAndSerialNumber (RFC 5652 10.2.4) naming `certificate`, with its issuer exactly as encoded. */
export function issuerAndSerialNumber(certificate: Certificate): pkijs.IssuerAndSerialNumber {
  const issuer = new pkijs.RelativeDistinguishedNames({
    schema: asn1js.fromBER(new Uint8Array(certificate.issuer.der)).result,
  });
  return new pkijs.IssuerAndSerialNumber({
    issuer,
    serialNumber: new asn1js.Integer({ valueHex: certificate.serialNumber }),
  });
}

/** RFC 5652 6.2.2: a RecipientEncryptedKey's rid is issuerAndSerialNumber or rKeyId [0] (its subjectKeyIdentifier). */
function identifiesAgreed(rid: pkijs.KeyAgreeRecipientIdentifier, certificate: Certificate): boolean {
  if (rid.variant === 1) return identifies(rid.value as pkijs.IssuerAndSerialNumber, certificate);
  return identifies((rid.value as pkijs.RecipientKeyIdentifier).subjectKeyIdentifier, certificate);
}

/**
 * Finds the RecipientInfo addressed to one of `keys` and returns the CEK, `cekLength` bytes long:
 * KeyTransRecipientInfo for RSA keys, KeyAgreeRecipientInfo (ECDH, key-agreement.ts) for EC keys.
 * RSAES-PKCS1-v1_5 uses implicit rejection with the expected length (RFC 3218 section 2.3): a wrong
 * key or a damaged encryptedKey yields a pseudo-random CEK, so the failure shows only when the
 * content does not decrypt, never as a padding oracle. Matching is by identifier only; with
 * implicit rejection a key cannot be "tried".
 */
export async function recoverContentKey(
  recipientInfos: readonly pkijs.RecipientInfo[],
  keys: readonly RecipientKey[],
  cekLength: number,
  core: KeyWrapCore,
): Promise<Uint8Array> {
  const rsaKeys = keys.filter((k): k is RsaRecipientKey => k.kind === undefined || k.kind === "rsa");
  const ecKeys = keys.filter((k): k is EcRecipientKey | XdhRecipientKey => k.kind === "ec" || k.kind === "xdh");
  const kemKeys = keys.filter((k): k is KemRecipientKey => k.kind === "ml-kem");
  // A KEMRecipientInfo for one of the reader's ML-KEM keys is taken before any other recipient of
  // the reader: in the hybrid (an RSA and an ML-KEM recipient for one person, issue 15) a reader
  // holding both keys goes through the post-quantum one, wherever the writer put it.
  const ordered = [
    ...recipientInfos.filter((info) => info.variant === 5),
    ...recipientInfos.filter((info) => info.variant !== 5),
  ];
  for (const info of ordered) {
    if (info.variant === 5) {
      // OtherRecipientInfo: KEMRecipientInfo (RFC 9629) is the one mailseal reads; read only when
      // the reader has an ML-KEM key, so a recipient for someone else never stops the others.
      const ori = info.value as pkijs.OtherRecipientInfo;
      if (ori.oriType !== ID_ORI_KEM || kemKeys.length === 0) continue;
      const kem = readKemRecipientInfo(ori.oriValue);
      const { rid } = kem;
      const key = kemKeys.find((k) =>
        rid instanceof Uint8Array ? matchesSubjectKeyIdentifier(k.certificate, rid) : identifies(rid, k.certificate),
      );
      if (key === undefined) continue;
      return unwrapKemRecipient(kem, key, cekLength, core);
    }
    if (info.variant === 2) {
      const kari = info.value as pkijs.KeyAgreeRecipientInfo;
      for (const encrypted of kari.recipientEncryptedKeys.encryptedKeys) {
        const key = ecKeys.find((k) => identifiesAgreed(encrypted.rid, k.certificate));
        if (key === undefined) continue;
        const encryptedKey = new Uint8Array(encrypted.encryptedKey.valueBlock.valueHexView);
        return unwrapAgreedKey(kari, encryptedKey, key.privateKey, cekLength, core);
      }
      continue;
    }
    if (info.variant !== 1) continue; // KEK, password and other recipients are not for certificates
    const keyTrans = info.value as pkijs.KeyTransRecipientInfo;
    const key = rsaKeys.find((k) => identifies(keyTrans.rid, k.certificate));
    if (key === undefined) continue;
    const transport = keyTransportFromAlgorithm(keyTrans.keyEncryptionAlgorithm);
    const encryptedKey = new Uint8Array(keyTrans.encryptedKey.valueBlock.valueHexView);
    if (transport.scheme === "rsa-pkcs1") {
      // The core refuses an encryptedKey that is not k octets or not below the modulus (RFC 8017 7.2.2
      // step 1, RSADP 5.1.2 step 1) as INVALID_ARGUMENT. Both are public facts about the message, not
      // a padding oracle: implicit rejection covers the padding only.
      return key.privateKey.pkcs1v15DecryptKey(encryptedKey, cekLength).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== "INVALID_ARGUMENT") throw error;
        throw new MailsealError("DECRYPTION_FAILED", "the encryptedKey is not an RSA ciphertext for this key");
      });
    }
    const cek = await key.privateKey
      .oaepDecrypt(encryptedKey, { hash: transport.hash, mgfHash: transport.mgfHash, label: transport.label })
      .catch(() => {
        throw new MailsealError("DECRYPTION_FAILED", "the content-encryption key does not decrypt with this key");
      });
    // A wrong-length OAEP result is a public fact (OAEP is not malleable): say so plainly.
    if (cek.length !== cekLength)
      throw new MailsealError(
        "DECRYPTION_FAILED",
        `the content-encryption key has ${cek.length} bytes, expected ${cekLength}`,
      );
    return cek;
  }
  throw new MailsealError("NO_KEY", "the message is not encrypted to any of the available keys");
}

/** Builds a KeyTransRecipientInfo for `certificate` (rid = issuerAndSerialNumber, version 0). */
export async function keyTransRecipientInfo(
  core: KeyTransportCore,
  certificate: Certificate,
  cek: Uint8Array,
  transport: KeyTransport,
): Promise<pkijs.RecipientInfo> {
  const publicKey = rsaPublicKeyOf(certificate);
  const encryptedKey =
    transport.scheme === "rsa-pkcs1"
      ? await core.rsaPkcs1v15Encrypt(publicKey, cek)
      : await core.rsaOaepEncrypt(publicKey, cek, {
          hash: transport.hash,
          mgfHash: transport.mgfHash,
          label: transport.label,
        });
  const value = new pkijs.KeyTransRecipientInfo({
    version: 0,
    rid: issuerAndSerialNumber(certificate),
    keyEncryptionAlgorithm: keyTransportAlgorithm(transport),
    encryptedKey: new asn1js.OctetString({ valueHex: encryptedKey }),
  });
  return new pkijs.RecipientInfo({ variant: 1, value });
}

/**
 * KeyAgreeRecipientInfos for recipients with EC, X25519 or X448 certificates: one per curve, in the
 * order the curves first appear, each under its own ephemeral key; recipients named by
 * issuerAndSerialNumber.
 */
export async function keyAgreeRecipientInfos(
  core: KeyWrapCore,
  certificates: readonly Certificate[],
  cek: Uint8Array,
): Promise<pkijs.RecipientInfo[]> {
  const byCurve = new Map<AgreementCurve, AgreementRecipient[]>();
  for (const certificate of certificates) {
    const key = certificate.publicKey;
    if (key.kind !== "ec" && key.kind !== "xdh")
      throw new MailsealError("UNSUPPORTED_ALGORITHM", `"${certificate.displayName}" has no key-agreement key`);
    const group = byCurve.get(key.curve) ?? [];
    group.push({ spki: key.spki, rid: issuerAndSerialNumber(certificate) });
    byCurve.set(key.curve, group);
  }
  const infos: pkijs.RecipientInfo[] = [];
  for (const [curve, recipients] of byCurve) infos.push(await keyAgreeRecipientInfo(core, curve, recipients, cek));
  return infos;
}
