// The subscriber keys the CA certifies: RSA, 2048 to 8192 bits, a multiple of 8, odd exponent
// of at least 3 (S/MIME BR 6.1.5, 6.1.6); and ML-KEM for the encryption certificates of issue 15.
import { createPublicKey, type KeyObject } from "node:crypto";
import { mlKemByOid, pqPublicKeyOf, pqSubjectPublicKeyInfo } from "@mailseal/shared/offline";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { MailsealError } from "./errors.js";

export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 8192;

/** Parses and checks an SPKI; returns the key and its canonical DER (what goes into the certificate). */
export function checkSubscriberKey(spki: Uint8Array): { key: KeyObject; spki: Uint8Array } {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (error) {
    throw new MailsealError("CA_BAD_PUBLIC_KEY", "the public key is not a valid SubjectPublicKeyInfo", {
      cause: error,
    });
  }
  // rsaEncryption only: an id-RSASSA-PSS key cannot transport keys (RFC 4055 1.2).
  if (key.asymmetricKeyType !== "rsa")
    throw new MailsealError(
      "CA_UNSUPPORTED_KEY",
      `only RSA (rsaEncryption) keys are certified, not ${key.asymmetricKeyType}`,
    );
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS || bits % 8 !== 0)
    throw new MailsealError(
      "CA_WEAK_KEY",
      `an RSA key must have ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits, a multiple of 8; got ${bits}`,
    );
  const exponent = key.asymmetricKeyDetails?.publicExponent ?? 0n;
  if (exponent < 3n || exponent % 2n === 0n)
    throw new MailsealError("CA_WEAK_KEY", `RSA public exponent ${exponent} is not odd and at least 3`);
  return { key, spki: new Uint8Array(key.export({ type: "spki", format: "der" })) };
}

/**
 * Checks an ML-KEM SubjectPublicKeyInfo (RFC 9935 4: id-alg-ml-kem-*, parameters absent, the raw
 * encapsulation key of the parameter set's size) for an ML-KEM encryption certificate (issue 15);
 * returns its DER re-encoded. node:crypto of the Node versions served reads no ML-KEM key, so the
 * check is shared's (pq.ts).
 */
export function checkKemSubscriberKey(spki: Uint8Array): { spki: Uint8Array } {
  let info: pkijs.PublicKeyInfo;
  try {
    info = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(spki).result });
  } catch (error) {
    throw new MailsealError("CA_BAD_PUBLIC_KEY", "the public key is not a valid SubjectPublicKeyInfo", {
      cause: error,
    });
  }
  const algorithm = info.algorithm.algorithmId;
  if (mlKemByOid(algorithm) === undefined)
    throw new MailsealError("CA_UNSUPPORTED_KEY", `an ML-KEM certificate needs an ML-KEM key, not ${algorithm}`);
  let key;
  try {
    key = pqPublicKeyOf({ kind: "other", algorithm, spki });
  } catch (error) {
    throw new MailsealError("CA_BAD_PUBLIC_KEY", "the ML-KEM public key is malformed", { cause: error });
  }
  if (key?.kind !== "ml-kem") throw new MailsealError("CA_BAD_PUBLIC_KEY", "the ML-KEM public key is malformed");
  return { spki: pqSubjectPublicKeyInfo(algorithm, key.key) };
}
