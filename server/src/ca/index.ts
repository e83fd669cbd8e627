// The certificate authority of the api role.
export { CertificateAuthority, CRL_RESIGN_MS } from "./authority.js";
export type {
  AuthorityName,
  CaStore,
  CertificateAuthorityOptions,
  CertificateRecord,
  IssuedCertificate,
  SignedCrl,
  StoredAuthority,
} from "./authority.js";
export { normalizeAddress } from "./address.js";
export { REVOCATION_REASONS, type RevocationReason } from "./crl.js";
export { CA_ERROR_CODES, type CaErrorCode } from "./errors.js";
export { PUBLIC_TRUST_MAX_DAYS, SMIME_MAILBOX_STRICT, type CaProfile, type CertificateKind } from "./profiles.js";
