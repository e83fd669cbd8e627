// KeyTransRecipientInfo (RFC 5652 section 6.2.1): how the content-encryption key (CEK) reaches each
// recipient with an RSA certificate, and how a recipient gets it back.
import type { HashAlgorithm, RsaPublicKey } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { SmimeError } from "../errors.js";
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
  certificate: pkijs.Certificate;
  privateKey: KeyTransportPrivateKey;
}

const SUBJECT_KEY_IDENTIFIER = "2.5.29.14";

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function der(value: { toSchema(): asn1js.AsnType }): Uint8Array {
  return new Uint8Array(value.toSchema().toBER());
}

export function subjectKeyIdentifier(certificate: pkijs.Certificate): Uint8Array | undefined {
  const extension = certificate.extensions?.find((e) => e.extnID === SUBJECT_KEY_IDENTIFIER);
  const value = extension?.parsedValue as asn1js.OctetString | undefined;
  return value === undefined ? undefined : new Uint8Array(value.valueBlock.valueHexView);
}

/** RFC 5652 6.2.1: rid is issuerAndSerialNumber or subjectKeyIdentifier [0]. */
function identifies(rid: pkijs.RecipientIdentifierType, certificate: pkijs.Certificate): boolean {
  if (rid instanceof pkijs.IssuerAndSerialNumber) {
    return (
      equalBytes(der(rid.issuer), der(certificate.issuer)) &&
      equalBytes(
        new Uint8Array(rid.serialNumber.valueBlock.valueHexView),
        new Uint8Array(certificate.serialNumber.valueBlock.valueHexView),
      )
    );
  }
  const ski = subjectKeyIdentifier(certificate);
  return ski !== undefined && equalBytes(new Uint8Array(rid.valueBlock.valueHexView), ski);
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
  certificate: pkijs.Certificate,
  publicKey: RsaPublicKey,
  cek: Uint8Array,
  transport: KeyTransport,
): Promise<pkijs.RecipientInfo> {
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
    rid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
    keyEncryptionAlgorithm: keyTransportAlgorithm(transport),
    encryptedKey: new asn1js.OctetString({ valueHex: encryptedKey }),
  });
  return new pkijs.RecipientInfo({ variant: 1, value });
}
