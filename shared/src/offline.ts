// The S/MIME part of the host-neutral library: CMS, MIME, certificates and keys, without the service
// protocol and client flows. The offline commands import only this ("@mailseal/shared/offline"), so
// they start without loading the service client's modules (TypeBox schemas, OPAQUE).
import { registerErrorClass } from "@mailseal/core-wasm";
import { isErrorCode, MailsealError, type ErrorDetails } from "./errors/index.js";

export * from "./errors/index.js";
export * from "./asn1/index.js";
export * from "./mime/index.js";
export * from "./pki/oids.js";

// A MailsealError thrown inside a worker arrives as one, code and details intact. A code this copy
// does not know (a newer worker) arrives as INTERNAL, the original code kept in the message.
registerErrorClass("MailsealError", (code, message, details) =>
  isErrorCode(code)
    ? new MailsealError(code, message, details === undefined ? {} : { details: details as ErrorDetails })
    : new MailsealError("INTERNAL", `${code}: ${message}`),
);

export { decodePem, isPem, type PemBlock } from "./pki/pem.js";
export { readPkcs12, writePkcs12, type Pkcs12Contents, type Pkcs12Core, type Pkcs12Input } from "./pki/pkcs12.js";
export {
  readEcPrivateKey,
  readPrivateKey,
  readRfc8410PrivateKey,
  type EcPrivateKey,
  type EdPrivateKey,
  type XdhPrivateKey,
} from "./pki/private-key.js";
export {
  mlKemByName,
  mlKemByOid,
  mlKemKeyFromSeed,
  ML_KEM_SEED_LENGTH,
  pqPrivateKeyFromPkcs8,
  pqPrivateKeyInfo,
  pqPublicKeyOf,
  pqSubjectPublicKeyInfo,
  readPqPrivateKey,
  type MlDsaPrivateKey,
  type MlKemPrivateKey,
} from "./pki/pq.js";
export {
  hasEmailAddress,
  matchesIssuerAndSerial,
  matchesSubjectKeyIdentifier,
  parseCertificate,
  readCertificates,
  rsaPublicKeyOf,
  serialNumbersEqual,
  MAX_CERTIFICATE_BYTES,
  MAX_CERTIFICATE_FILE_BYTES,
  MAX_CERTIFICATES_PER_FILE,
  type BasicConstraints,
  type Certificate,
  type CertificatePublicKey,
  type EcCurve,
  type KeyUsage,
  type XdhCurve,
} from "./pki/certificate.js";
export { formatName, namesEqual, parseName, type AttributeTypeAndValue, type Name } from "./pki/name.js";
export { verifyCertificateSignature, type CertificateCrypto, type SignatureCheck } from "./pki/signature.js";
export {
  validateCertificatePath,
  MAX_PATH_CERTIFICATES,
  type CertificateUsage,
  type PathValidationOptions,
} from "./pki/chain.js";
export {
  certificateRevoked,
  isCrlOf,
  parseCrl,
  revocationAt,
  MAX_CRL_BYTES,
  type Crl,
  type RevokedEntry,
} from "./pki/crl.js";
export { contentCipherByName, type ContentCipher, type KeyTransport } from "./cms/algorithms.js";
export type { DecryptedEnvelope, EnvelopeRecipient } from "./cms/enveloped-data.js";
export type { KeyTransportPrivateKey, RecipientKey } from "./cms/recipient-info.js";
export {
  ContentDigests,
  detachedSignedData,
  digesting,
  signDetached,
  signOpaque,
  verifySignedData,
  SIGNED_DATA_LIMITS,
  type SignedDataSigner,
  type VerifiedSignedData,
  type VerifySignedDataOptions,
} from "./cms/signed-data.js";
export type { Capability, SignatureScheme, SigningKey, VerifiedSigner, VerifyCore } from "./cms/signer-info.js";
export * from "./smime/index.js";

export { manualClock, systemClock, type Clock, type ManualClock } from "./clock.js";
