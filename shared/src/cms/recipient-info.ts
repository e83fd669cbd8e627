// KeyTransRecipientInfo (RFC 5652 section 6.2.1): how the content-encryption key (CEK) reaches each
// recipient with an RSA certificate, and how a recipient gets it back.
import type { HashAlgorithm, RsaPublicKey } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { SmimeError } from "../errors.js";
import {
  matchesIssuerAndSerial,
  matchesSubjectKeyIdentifier,
  rsaPublicKeyOf,
  type Certificate,
} from "../pki/certificate.js";
import { keyTransportAlgorithm, keyTransportFromAlgorithm, type KeyTransport } from "./algorithms.js";

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

/** One of the reader's keys (the current one or any from the key history) with its certificate. */
export interface RecipientKey {
  certificate: Certificate;
  privateKey: KeyTransportPrivateKey;
}

/** RFC 5652 6.2.1: rid is issuerAndSerialNumber or subjectKeyIdentifier [0]. */
function identifies(rid: pkijs.RecipientIdentifierType, certificate: Certificate): boolean {
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

/**
 * Finds the RecipientInfo addressed to one of `keys` and returns the CEK, `cekLength` bytes long.
 * RSAES-PKCS1-v1_5 uses implicit rejection with the expected length (RFC 3218 section 2.3): a wrong
 * key or a damaged encryptedKey yields a pseudo-random CEK, so the failure shows only when the
 * content does not decrypt, never as a padding oracle. Matching is by identifier only; with
 * implicit rejection a key cannot be "tried".
 */
export async function recoverContentKey(
  recipientInfos: readonly pkijs.RecipientInfo[],
  keys: readonly RecipientKey[],
  cekLength: number,
): Promise<Uint8Array> {
  for (const info of recipientInfos) {
    if (info.variant !== 1) continue; // only KeyTransRecipientInfo here; key agreement comes separately
    const keyTrans = info.value as pkijs.KeyTransRecipientInfo;
    const key = keys.find((k) => identifies(keyTrans.rid, k.certificate));
    if (key === undefined) continue;
    const transport = keyTransportFromAlgorithm(keyTrans.keyEncryptionAlgorithm);
    const encryptedKey = new Uint8Array(keyTrans.encryptedKey.valueBlock.valueHexView);
    if (transport.scheme === "rsa-pkcs1") return key.privateKey.pkcs1v15DecryptKey(encryptedKey, cekLength);
    const cek = await key.privateKey
      .oaepDecrypt(encryptedKey, { hash: transport.hash, mgfHash: transport.mgfHash, label: transport.label })
      .catch(() => {
        throw new SmimeError("DECRYPTION_FAILED", "the content-encryption key does not decrypt with this key");
      });
    // A wrong-length OAEP result is a public fact (OAEP is not malleable): say so plainly.
    if (cek.length !== cekLength)
      throw new SmimeError(
        "DECRYPTION_FAILED",
        `the content-encryption key has ${cek.length} bytes, expected ${cekLength}`,
      );
    return cek;
  }
  throw new SmimeError("NO_MATCHING_RECIPIENT", "the message is not encrypted to any of the available keys");
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
