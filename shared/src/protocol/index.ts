// The host-neutral wire protocol of the mailseal services (docs/services.md, "Wire formats").
export { type RandomBytes } from "./bytes.js";
export { encodeBase64url, decodeBase64url } from "./base64url.js";
export {
  validatePublicJwk,
  importPublicJwk,
  exportPublicJwk,
  jwkThumbprint,
  type P256PublicJwk,
  type P256Use,
} from "./jwk.js";
export {
  signJws,
  decodeJws,
  verifyJws,
  MAX_JWS_LENGTH,
  type DecodedJws,
  type JsonObject,
  type JwsHeader,
} from "./jws.js";
export {
  createProof,
  verifyProof,
  proofUrl,
  tokenHash,
  PROOF_HEADER,
  PROOF_TYPE,
  type CreateProofOptions,
  type ProofPayload,
  type VerifiedProof,
  type VerifyProofOptions,
} from "./device-proof.js";
export {
  signToken,
  verifyToken,
  ACCESS_TOKEN_TYPE,
  RELEASE_TICKET_TYPE,
  SERVICE_TOKEN_TYPE,
  type AccessTokenClaims,
  type ReleaseTicketClaims,
  type ServiceTokenClaims,
  type StoreName,
  type TokenBinding,
  type TokenClaimsByType,
  type TokenType,
  type VerifyTokenOptions,
} from "./tokens.js";
export { seal, openSealed, type SealedBox } from "./seal.js";
export { splitSecret, combineShares, keyCommitment, checkCommitment } from "./split.js";
export { shareAad, releaseAad, protectionAad } from "./share-aad.js";
export { protectKey, unprotectKey } from "./protection.js";
export {
  newChallengeSecrets,
  normalizeCode,
  formatCode,
  challengeHeaderValue,
  parseChallengeHeaderValue,
  parseChallengeMail,
  challengeMailText,
  CHALLENGE_AUTO_SUBMITTED,
  CHALLENGE_CODE_LENGTH,
  CHALLENGE_HEADER,
  CHALLENGE_LIFETIME_SECONDS,
  type ChallengeMailText,
  type ChallengeRequester,
  type ChallengeMarker,
  type ChallengeSecrets,
} from "./challenge.js";
