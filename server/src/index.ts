// The mailseal services (docs/services.md): what route modules and the mailseal command use.
export {
  listenerUrl,
  parseServerArgs,
  redactUrl,
  DEFAULT_RATE_LIMITS,
  KEY_BITS,
  LOG_LEVELS,
  PROFILES,
  ROLES,
  type HsmConfig,
  type LogLevel,
  type MailConfig,
  type Profile,
  type RateLimits,
  type Role,
  type ServerConfig,
  type StoreRole,
} from "./config.js";
export { clockFromEnv, clockOffsetFromEnv } from "./clock.js";
export { SERVER_ERROR_CODES, type ServerErrorCode } from "./errors.js";
export { databaseUrlFor, openDatabase, type Database } from "./db/index.js";
export type * from "./db/schema.js";
export { createApp, type AppOptions, type MailsealApp } from "./http/app.js";
export { API_ERROR_STATUS, apiErrorStatus, errorReply, type ErrorReply } from "./http/errors.js";
export { createLogger, REDACTED_HEADERS } from "./http/logger.js";
export { outboxMailer, smtpMailer, type Mailer, type MailerOptions, type OutgoingMail } from "./mail/index.js";
export {
  startServer,
  type ApiContext,
  type RunningServer,
  type ServerContext,
  type ServerHooks,
  type ShareContext,
} from "./main.js";
export { runServerCommand, type ServerCommandIo } from "./command.js";
export { serverHelp, SERVER_DETAILS, SERVER_FORM } from "./usage.js";
export { createServerHooks, registerApiRoutes, type KeyManagerDeps, type ServerHookOptions } from "./services.js";
export type { ApiDeps } from "./api/deps.js";
export { loadApiSigningKeys, API_KEK_LABEL, type ApiSigningKeys } from "./api/signing-keys.js";
export {
  deviceOf,
  issueAccessToken,
  proofOf,
  requireDevice,
  requireProof,
  type DeviceIdentity,
  type ProofIdentity,
  type TokenKeys,
} from "./http/auth.js";
export { DbCaStore } from "./ca/db-store.js";
export {
  createKeyManager,
  createStoreClient,
  startMaintenance,
  type KeyManager,
  type KeyManagerConfig,
  type MaintenanceReport,
  type StoreClient,
} from "./kms/index.js";
export { registerShareRoutes, ticketKeyFromApi, ticketKeyFromJwk, type ShareRouteDeps } from "./share/index.js";
export { registerKeyRoutes, type KeyRouteDeps } from "./api/keys.js";
export {
  DEFAULT_ENCRYPT_POLICY,
  ENCRYPT_POLICIES,
  encryptPolicyFor,
  isEncryptPolicy,
  listEncryptPolicies,
  policySubject,
  setEncryptPolicy,
  type EncryptPolicy,
} from "./gateway/policy.js";
export { learnedCertificates, rememberCertificate, type LearnedCertificate } from "./gateway/certificates.js";
