// The certificate authority of the api role.
export { CertificateAuthority } from "./authority.js";
export type {
  AuthorityName,
  CaStore,
  CertificateAuthorityOptions,
  CertificateRecord,
  IssuedCertificate,
  StoredAuthority,
} from "./authority.js";
export { normalizeAddress } from "./address.js";
export { REVOCATION_REASONS, type RevocationReason } from "./crl.js";
export { CaError, type CaErrorCode } from "./errors.js";
export { PUBLIC_TRUST_MAX_DAYS, SMIME_MAILBOX_STRICT, type CaProfile, type CertificateKind } from "./profiles.js";
