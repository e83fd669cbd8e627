// The client flows of the mailseal services (docs/services.md, "Client flows"), host-neutral: the
// host passes fetch, a Clock, a StateStore, a ChallengeMailbox and the crypto core.
export type { LoadedRsaKey, MailflowCore } from "./core.js";
export {
  STATE_VERSION,
  certificateFromWire,
  certificateToWire,
  checkState,
  loadAccount,
  normalizeAccountAddress,
  requireProvisioned,
  type DeviceState,
  type ServiceEndpoints,
  type SigningState,
  type StateStore,
  type StoredKey,
  type CachedCrl,
} from "./state.js";
export {
  ServiceClient,
  checkResponse,
  joinUrl,
  requireSecureUrl,
  type Fetch,
  type ServiceClientOptions,
} from "./service-client.js";
export { acceptServiceRoot, issuedBy } from "./root-pin.js";
export {
  discoverService,
  parseWellKnown,
  WELL_KNOWN_PATH,
  type DiscoveredService,
  type DiscoverOptions,
} from "./discovery.js";
export { openAccount, pickAccount, type Host, type OpenAccount } from "./account.js";
export {
  proveAddress,
  provision,
  type AddressTokenSource,
  type ChallengeMailbox,
  type ProvisionOptions,
} from "./provision.js";
export { mergeKeys, refreshKeys, releaseKey, wrapUnprotected, type RefreshOptions } from "./keys.js";
export { uploadShares } from "./shares.js";
export { acceptCrl, CRL_MAX_AGE_MS, crlCheckWith, crlDue, keptCrl, refreshCrl, type CrlCheck } from "./crl.js";
export {
  disableProtection,
  enableProtection,
  loginProtection,
  type EnableProtectionOptions,
  passwordUnlock,
  type PasswordSource,
  type ProtectionLogin,
} from "./protection.js";
export {
  issueSigningCertificate,
  newSigningKey,
  renewSigningCertificate,
  signingRenewalDue,
  RENEW_BEFORE_MS,
} from "./renew.js";
export {
  DirectoryCache,
  chooseCipher,
  currentCertificate,
  ownCurrentCertificate,
  fromAddress,
  pathCheckWith,
  prepareSend,
  encryptionRecipe,
  recipientCertificates,
  sealMessage,
  sealWithKey,
  sendMessage,
  senderOf,
  type CertificateSource,
  type DirectoryEntry,
  type PathCheck,
  type SealRecipe,
  LOOKUP_BATCH,
  NEGATIVE_TTL_MS,
  POSITIVE_TTL_MS,
  type SendOptions,
} from "./send.js";
export { describeStatus, readMessage, type ReadOptions, type ReadStatus, type SignatureStatus } from "./receive.js";
