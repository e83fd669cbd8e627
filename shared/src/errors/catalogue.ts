// The one list of mailseal's stable error codes. Every layer (the core's CryptoError, the S/MIME
// library, the wire protocol, the HTTP API, the client flows, the command, the server, its CA and
// HSM, the add-ins) throws codes from here, and every code has its plain words: what a person reads,
// what happened and what to do, no jargon. The codes are API: clients show them, map them to
// behaviour, and they cross worker and extension message ports unchanged. Never rename one; where two
// spellings meant the same thing, the merged code lists the other as an alias (below).
import type { CryptoErrorCode } from "@mailseal/core-wasm";

export interface CatalogueEntry {
  /** What a person reads: what happened and what to do, in plain words. */
  readonly words: string;
  /** One line for developers: when the code is raised. */
  readonly meaning: string;
  /**
   * Former spellings of the same failure. A host that promised one keeps printing it there (the
   * command's offline commands print WRONG_PASSWORD and NO_MATCHING_RECIPIENT, cli/src/cli-error.ts).
   */
  readonly aliases?: readonly string[];
}

const TRY_AGAIN = "Try again in a moment; if it keeps happening, ask your administrator.";
const ADMIN_SERVER = "The mailseal service is not set up right. Ask your administrator.";

export const ERROR_CATALOGUE = {
  // The crypto core (core-wasm/src/errors.ts keeps its own list: it cannot import this one).
  INVALID_ARGUMENT: {
    words: "Something went wrong inside mailseal. Try again; if it keeps happening, ask your administrator.",
    meaning: "A crypto core function got an argument of the wrong size or kind (a bug of its caller).",
  },
  INVALID_KEY: {
    words: "A key involved is damaged or of the wrong kind.",
    meaning: "A key cannot be parsed or used for the operation (wrong size, wrong type, broken encoding).",
  },
  AUTH_TAG_MISMATCH: {
    words: "The content of this message does not match what the sender encrypted, so it is not shown.",
    meaning: "An AES-GCM or AuthEnvelopedData tag does not verify (RFC 5084, RFC 5083): altered or wrong key.",
  },
  DECRYPTION_FAILED: {
    words: "The message was changed after it was encrypted, or it was encrypted to another key, so it is not shown.",
    meaning: "Decryption failed (bad CBC padding, RSA decryption, key unwrap): altered data or another key.",
  },
  MALFORMED_BASE64: {
    words: "A part of this message is damaged (its text encoding is broken), so it cannot be opened.",
    meaning: "Base64 input (RFC 4648 section 4, MIME wrapped) has invalid characters or padding.",
  },
  MESSAGE_TOO_LONG: {
    words: "This is too long to be encrypted or signed with the key involved.",
    meaning: "The input exceeds what an RSA key of this size can encrypt or sign (RFC 8017).",
  },
  BUFFER_TOO_SMALL: {
    words: "Something went wrong inside mailseal. Try again; if it keeps happening, ask your administrator.",
    meaning: "An output buffer given to the crypto core is too small (a bug of its caller).",
  },
  UNSUPPORTED_ALGORITHM: {
    words: "This message uses an encryption or signature method mailseal does not support.",
    meaning: "An algorithm identifier (cipher, digest, signature, key transport, JWS alg) is not supported.",
  },
  INVALID_STATE: {
    words: "Something went wrong inside mailseal. Try again; if it keeps happening, ask your administrator.",
    meaning: "A streaming context was used after it finished or failed (a bug of its caller).",
  },
  WORKER_FAILED: {
    words: "A background part of mailseal stopped unexpectedly. Try again.",
    meaning: "The crypto worker died or could not start; the call did not complete.",
  },

  // The S/MIME library: what the message, certificate or key itself is.
  MALFORMED_MIME: {
    words: "The structure of this message is not valid, so it is not shown.",
    meaning: "The MIME structure (RFC 2045, RFC 5322) cannot be parsed.",
  },
  NOT_SMIME: {
    words: "This message is not an encrypted or signed mailseal message.",
    meaning: "The message is not S/MIME (no application/pkcs7-mime or multipart/signed entity).",
  },
  MALFORMED_CMS: {
    words: "The encrypted part of this message is damaged, so it cannot be opened.",
    meaning: "The CMS structure (RFC 5652) or its BER/DER encoding is invalid.",
  },
  NESTING_TOO_DEEP: {
    words: "This message is wrapped in too many layers to be opened safely.",
    meaning: "BER, MIME or S/MIME layers nest deeper than the library's limit.",
  },
  INPUT_TOO_LARGE: {
    words: "This message is too large to be opened here.",
    meaning: "An input exceeds a size limit of the parser (message, certificate file, CRL).",
  },
  TRUNCATED: {
    words: "This message is incomplete: it was cut off on its way, so it is not shown.",
    meaning: "The input ends before the structure it started is complete.",
  },
  NO_KEY: {
    words:
      "None of your keys opens this message: it was not encrypted to you, or to a key this computer does not have.",
    meaning: "No recipient of the message matches a key at hand (or the device holds no key).",
    aliases: ["NO_MATCHING_RECIPIENT"],
  },
  BAD_SIGNATURE: {
    words: "The signature of this message does not match its content.",
    meaning: "A CMS signature (RFC 5652 5.6) or a JWS signature does not verify.",
  },
  UNTRUSTED_CERTIFICATE: {
    words: "The certificate of the sender is not one mailseal trusts.",
    meaning: "Path validation (RFC 5280 6.1) found no chain to a trusted root, or a chain rule is broken.",
  },
  CERTIFICATE_EXPIRED: {
    words: "The certificate involved has expired.",
    meaning: "A certificate of the path is outside its validity at the time asked about.",
  },
  CERT_REVOKED: {
    words:
      "The sender's certificate was withdrawn (for example, the device it belonged to was removed) before this message says it was signed: the signature does not count.",
    meaning: "The certificate is on its CA's CRL at the time asked about (shared/src/pki/crl.ts).",
  },
  PASSWORD_WRONG: {
    words: "That password is not right. Please try again.",
    meaning: "A password does not open what it protects: a key file, a PKCS #12 file, or the OPAQUE login.",
    aliases: ["WRONG_PASSWORD"],
  },

  // The services' wire protocol (shared/src/protocol).
  MALFORMED_BASE64URL: {
    words: "The mailseal service sent or received damaged data. Try again.",
    meaning: "A base64url field (RFC 4648 section 5) has invalid characters or padding.",
  },
  MALFORMED_JWS: {
    words: "The mailseal service sent or received damaged data. Try again.",
    meaning: "A JWS compact serialization (RFC 7515) does not parse.",
  },
  WRONG_TYPE: {
    words: "The mailseal service sent or received data of the wrong kind. Try again.",
    meaning: "A JWS has another typ than the one expected here.",
  },
  WRONG_AUDIENCE: {
    words: "The mailseal service sent or received data meant for another part of it. Try again.",
    meaning: "A token's aud names another service than the one checking it.",
  },
  EXPIRED: {
    words: "A permission from the mailseal service has expired. Try again.",
    meaning: "A token's exp is past.",
  },
  NOT_YET_VALID: {
    words: "A permission from the mailseal service is not valid yet. Check this computer's clock.",
    meaning: "A token's nbf or iat is in the future.",
  },
  PROOF_MISMATCH: {
    words: "The mailseal service did not accept this computer's proof of identity. Try again.",
    meaning: "A DPoP-style proof names another method, URL or token than the request it comes with.",
  },
  KEY_MISMATCH: {
    words: "The mailseal service did not accept this computer's proof of identity. Set up this address again.",
    meaning: "A proof is signed by another key than the one its token is bound to.",
  },
  MALFORMED_KEY: {
    words: "The mailseal service sent or received a damaged key. Try again.",
    meaning: "A JWK or public key field is invalid.",
  },
  MALFORMED_FIELD: {
    words: "The mailseal service sent or received damaged data. Try again.",
    meaning: "A protocol field has the wrong form or length.",
  },
  SEAL_OPEN_FAILED: {
    words: "A part of your key could not be unpacked. Try again; if it keeps happening, ask your administrator.",
    meaning: "A sealed share (ECDH + AES-GCM to the device) does not open.",
  },
  SHARE_MISMATCH: {
    words: "The parts of your key from the mailseal service do not fit together. Ask your administrator.",
    meaning: "Key shares do not combine into the key their commitment names.",
  },
  COMMITMENT_MISMATCH: {
    words: "The parts of your key from the mailseal service do not fit together. Ask your administrator.",
    meaning: "A share does not match the commitment published for the key.",
  },
  PROTECTION_KEY_WRONG: {
    words: "That password is not right, or your protected key is damaged. Please try again.",
    meaning: "The key derived from the OPAQUE export key does not unwrap the protected key.",
  },
  MALFORMED_CHALLENGE: {
    words: "The confirmation mail is damaged. Press “Set up” again to get a new one.",
    meaning: "A challenge mail or its code does not have the expected form.",
  },

  // The HTTP API (shared/src/api: the wire codes; the server maps each to its status).
  BAD_REQUEST: {
    words: "The mailseal service refused the request as invalid. Try again later or ask your administrator.",
    meaning: "The request does not match the API's schema or rules.",
  },
  NOT_FOUND: {
    words: "The mailseal service does not know what was asked for.",
    meaning: "No such route or resource.",
  },
  RATE_LIMITED: {
    words: "Too many attempts in a short time. Wait a few minutes and try again.",
    meaning: "A per-client or per-address limit was reached (429).",
  },
  INTERNAL: {
    words: "Something went wrong inside mailseal. Try again; if it keeps happening, ask your administrator.",
    meaning: "An unexpected failure (a bug); the details are in the log, or the stack with MAILSEAL_DEBUG=1.",
  },
  UNAUTHENTICATED: {
    words: "The mailseal service did not recognise this computer. Set up this address again.",
    meaning: "No or an unknown device credential.",
  },
  BAD_PROOF: {
    words: "The mailseal service did not accept this computer's proof of identity. Check the computer's clock.",
    meaning: "The request's proof of possession does not verify.",
  },
  PROOF_REPLAYED: {
    words: "The mailseal service saw the same request twice and refused it. Try again.",
    meaning: "A proof's jti was seen before.",
  },
  TOKEN_EXPIRED: {
    words: "The sign-in with the mailseal service has expired. Try again.",
    meaning: "The access token is past its exp.",
  },
  TOKEN_INVALID: {
    words: "The sign-in with the mailseal service is not valid. Try again.",
    meaning: "The access or service token does not verify or has the wrong scope.",
  },
  TOKEN_KEY_MISMATCH: {
    words: "The sign-in with the mailseal service belongs to another computer. Set up this address again.",
    meaning: "The token is bound to another device key than the proof's.",
  },
  CHALLENGE_INVALID: {
    words: "That code is not right. Check the confirmation mail and type it again.",
    meaning: "The challenge answer does not match.",
  },
  CHALLENGE_EXPIRED: {
    words: "The confirmation has expired. Press “Set up” again to get a new one.",
    meaning: "The challenge is past its lifetime.",
  },
  CHALLENGE_USED: {
    words: "That confirmation was used already. Press “Set up” again to get a new one.",
    meaning: "The challenge was answered before.",
  },
  TOO_MANY_CHALLENGES: {
    words:
      "This computer has asked for several confirmations that are still waiting. Use the newest mail, or wait a while and try again.",
    meaning: "Too many open challenges for the address.",
  },
  DEVICE_NOT_ACTIVE: {
    words: "This computer is no longer one of the address's devices (it was removed). Set it up again to use it.",
    meaning: "The device is pending or removed.",
  },
  ADDRESS_NOT_VERIFIED: {
    words: "This address has not been confirmed yet. Press “Set up” to confirm it.",
    meaning: "The device has not proved the address yet.",
  },
  TICKET_INVALID: {
    words: "The permission to fetch your key is not valid. Try again.",
    meaning: "A release ticket does not verify or names another store, key or device.",
  },
  TICKET_EXPIRED: {
    words: "The permission to fetch your key has expired. Try again.",
    meaning: "A release ticket is past its exp.",
  },
  TICKET_USED: {
    words: "The permission to fetch your key was used already. Try again.",
    meaning: "A release ticket was redeemed before.",
  },
  SHARE_NOT_FOUND: {
    words: "A part of your key is missing at the mailseal service. Ask your administrator.",
    meaning: "The share store holds no share for the key.",
  },
  STORE_UNAVAILABLE: {
    words: "A part of the mailseal service that keeps your keys cannot be reached. Try again in a moment.",
    meaning: "A share store does not answer (from the api, or from the client).",
  },
  PROTECTION_REQUIRED: {
    words: "Your keys are protected with a password. Enter it to continue.",
    meaning: "The key is protected: its release needs the OPAQUE login.",
  },
  PROTECTION_LOGIN_FAILED: {
    words: "That password is not right. Please try again.",
    meaning: "The server-side OPAQUE login failed, or no such login is in progress.",
  },
  PROTECTION_NOT_SET: {
    words: "Enhanced protection is not turned on for this address.",
    meaning: "No OPAQUE registration for the address.",
  },
  ADDRESS_PROOF_REQUIRED: {
    words:
      "Confirm this address again before setting a password: a new confirmation mail is needed. Try again in a moment.",
    meaning: "The operation needs a fresh proof of the address.",
  },
  CSR_INVALID: {
    words: "The mailseal service refused this computer's certificate request. Set up this address again.",
    meaning: "The certificate signing request is malformed or not acceptable.",
  },
  DOMAIN_NOT_SERVED: {
    words: "The configured mailseal service does not handle addresses of this domain. Ask your administrator.",
    meaning: "The address's domain is not among the service's domains (from the api, or found by the client).",
  },
  CONFLICT: {
    words: "Something changed at the mailseal service at the same time. Try again.",
    meaning: "A concurrent change won; the request can be retried.",
  },
  PROOF_TOKEN_INVALID: {
    words:
      "Your organisation's sign-in could not confirm this address for mailseal. Confirm it with the code mailed to you instead.",
    meaning:
      "An OpenID Connect token given as proof of an address does not verify: signature, audience, not-before, form.",
  },
  PROOF_TOKEN_EXPIRED: {
    words: "Your organisation's sign-in has expired. Try again, or confirm the address with the code mailed to you.",
    meaning: "An OpenID Connect token given as proof of an address is past its exp.",
  },
  PROOF_TOKEN_ISSUER: {
    words:
      "The mailseal service does not take your organisation's sign-in as a confirmation. Confirm this address with the code mailed to you.",
    meaning: "An OpenID Connect token given as proof of an address comes from an issuer the api is not configured for.",
  },
  PROOF_TOKEN_ADDRESS: {
    words:
      "Your organisation's sign-in is for another address (or has not confirmed this one). Confirm this address with the code mailed to you.",
    meaning:
      "An OpenID Connect token's email (if not email_verified false) or preferred_username is not the address asked for.",
  },
  PROOF_ISSUER_UNAVAILABLE: {
    words:
      "Your organisation's sign-in service cannot be reached by mailseal right now. Try again in a moment, or confirm this address with the code mailed to you.",
    meaning: "The api could not fetch an issuer's discovery document or JWKS to check an OpenID Connect token.",
  },

  // The client flows (shared/src/mailflow): what the device itself finds missing or wrong.
  NO_ACCOUNT: {
    words: "This address is not set up on this computer yet.",
    meaning: "The home holds no account for the address (or none at all).",
  },
  NOT_PROVISIONED: {
    words: "Setting up this address has not finished yet. Press “Set up” again to finish it.",
    meaning: "The account's provisioning has not finished (no device, keys or signing certificate).",
  },
  NO_CERTIFICATE: {
    words: "Some recipients have no mailseal certificate yet, so the message cannot be encrypted to them.",
    meaning: "Recipients without a certificate at the service: details.addresses names them.",
  },
  CHALLENGE_NOT_FOUND: {
    words:
      "The confirmation mail did not arrive in your inbox in time. If you can see it, type the code from it below; otherwise press “Set up” again.",
    meaning: "The challenge mail did not arrive in the mailbox before the timeout.",
  },
  CODE_REQUIRED: {
    words: "A confirmation mail was sent to this address. Type the code from that mail below.",
    meaning: "No mailbox to find the challenge in and no typed code.",
  },
  PASSWORD_REQUIRED: {
    words: "Your keys are protected with a password. Enter it to continue.",
    meaning: "A protected key must be released and no key-protection password was given.",
  },
  SERVICE_UNAVAILABLE: {
    words: "The mailseal service cannot be reached right now. Check your connection and try again in a moment.",
    meaning: "The api could not be reached (network failure, DNS, refused connection, timeout).",
  },
  DIRECTORY_UNAVAILABLE: {
    words:
      "The organisation's certificate directory (LDAP) cannot be reached right now. The mail waits and is tried again.",
    meaning:
      "The gateway's --ldap directory did not answer a certificate search (refused, timeout, a malformed or failed answer).",
  },
  BAD_RESPONSE: {
    words: "The mailseal service answered something unexpected. Try again later or ask your administrator.",
    meaning: "A server answered 2xx with a body that is not what the API defines.",
  },
  STATE_INVALID: {
    words: "The saved settings of this address are damaged. Remove mailseal's data for it and set it up again.",
    meaning: "A saved state file is not a mailseal state (edited, truncated, another version).",
  },
  SENDER_UNKNOWN: {
    words: "The sender of this message is not set up with mailseal on this computer.",
    meaning: "The message's From is not an account of this device, or it has no usable From.",
  },
  KEY_CERT_MISMATCH: {
    words:
      "The mailseal service handed out a key that does not belong to your certificate, so it was not kept. Ask your administrator.",
    meaning: "A released key (shares matching the commitment) is not the key of its certificate; nothing stored.",
  },
  ROOT_CHANGED: {
    words:
      "The mailseal service no longer shows the certificate authority this computer was set up with, so nothing was changed. This can mean someone is impersonating the service: ask your administrator before setting the address up again.",
    meaning: "Another root than the one pinned at enrolment, without a signed rollover; nothing saved.",
  },
  INSECURE_SERVICE_URL: {
    words:
      "The mailseal service address is not secure (it must start with https://). Ask your administrator for the right address.",
    meaning: "A service URL is plain http on a host other than a loopback address.",
  },

  // The mailseal command (cli/) and the server's start-up (server/src/errors.ts).
  USAGE: {
    words: "The command line is not right. See mailseal --help.",
    meaning: "The command line or the environment is wrong.",
  },
  IO: {
    words: "A file cannot be read or written. Check the path and its permissions.",
    meaning: "A file cannot be read or written (a Node system error such as ENOENT or EACCES).",
  },
  KEY_STORE: {
    words: "The system's secret store does not answer, or it holds no key for this mailseal folder.",
    meaning: "The home's files are encrypted under a key in the OS secret store, which does not answer.",
  },
  DATABASE: {
    words: `The service's database cannot be opened or updated. ${TRY_AGAIN}`,
    meaning: "A database cannot be opened or migrated.",
  },
  COMBINED_ROLES: {
    words: "This service setup undoes the split of keys between separate stores. Ask your administrator.",
    meaning: "A deployment runs two roles together without --dev (server config checkDeployment).",
  },
  TICKET_KEY_UNPINNED: {
    words: "This service setup does not pin the key that signs release tickets. Ask your administrator.",
    meaning: "A share store trusts no pinned ticket key without --dev (server config checkDeployment).",
  },
  DATA_LAYOUT: {
    words: "The service's data folder cannot be brought to its current layout. Ask your administrator.",
    meaning: "The data folder cannot be brought to the per-role layout.",
  },

  // The server's certificate authority (server/src/ca).
  CA_BAD_ADDRESS: {
    words: "This address cannot be put in a certificate. Check how it is written.",
    meaning: "The address is not a valid mailbox for a certificate.",
  },
  CA_BAD_CSR: {
    words: "The mailseal service refused this computer's certificate request. Set up this address again.",
    meaning: "The certificate signing request does not parse (RFC 2986).",
  },
  CA_BAD_CSR_SIGNATURE: {
    words: "The mailseal service refused this computer's certificate request. Set up this address again.",
    meaning: "The CSR's self-signature does not verify.",
  },
  CA_BAD_PUBLIC_KEY: {
    words: "The mailseal service refused this computer's key. Set up this address again.",
    meaning: "The public key to certify is invalid.",
  },
  CA_UNSUPPORTED_KEY: {
    words: "The mailseal service does not accept this kind of key. Set up this address again.",
    meaning: "The public key's algorithm is not one the CA certifies.",
  },
  CA_WEAK_KEY: {
    words: "The mailseal service refused this computer's key as too weak. Set up this address again.",
    meaning: "The public key is below the CA's minimum size.",
  },
  CA_UNKNOWN_SERIAL: {
    words: "The mailseal service does not know this certificate.",
    meaning: "No certificate with this serial number was issued by the CA.",
  },
  CA_BAD_CONFIG: { words: ADMIN_SERVER, meaning: "The CA's configuration is invalid." },
  CA_STATE_INVALID: {
    words: ADMIN_SERVER,
    meaning: "The CA's stored state (keys, certificates) is missing or inconsistent.",
  },

  // The server's key store (server/src/hsm): these reach logs and operators.
  HSM_BAD_SPEC: { words: ADMIN_SERVER, meaning: "The HSM specification (module, slot, PIN source) is invalid." },
  HSM_UNAVAILABLE: {
    words: `The service's key store cannot be reached. ${TRY_AGAIN}`,
    meaning: "The HSM cannot be loaded or reached, or the backend was closed.",
  },
  HSM_LOGIN_FAILED: { words: ADMIN_SERVER, meaning: "The HSM refused the login (wrong PIN, locked token)." },
  HSM_KEY_NOT_FOUND: { words: ADMIN_SERVER, meaning: "No key with the handle or label asked for." },
  HSM_WRONG_KEY_TYPE: { words: ADMIN_SERVER, meaning: "The key is not of the type the operation needs." },
  HSM_NOT_EXTRACTABLE: { words: ADMIN_SERVER, meaning: "The key cannot leave the HSM for this operation." },
  HSM_BAD_INPUT: {
    words: "Something went wrong inside mailseal. Try again; if it keeps happening, ask your administrator.",
    meaning: "An HSM call got invalid input (empty plaintext, bad label): a bug of its caller.",
  },
  HSM_DECRYPT_FAILED: {
    words: `The service's key store could not unpack stored data. ${TRY_AGAIN}`,
    meaning: "AES-GCM in the HSM did not verify (wrong key, IV, data or associated data).",
  },
  HSM_OPERATION_FAILED: {
    words: `The service's key store failed. ${TRY_AGAIN}`,
    meaning: "Another HSM failure (the PKCS #11 return value is in the message).",
  },

  // The add-ins.
  PASSWORD_MISMATCH: {
    words: "The two passwords are not the same. Type the same password twice.",
    meaning: "The password and its repetition differ (options page).",
  },
  ATTACHMENT_IS_PROGRAM: {
    words:
      "This attachment is a program, which mailseal does not open: a program in a mail is a common way to attack a computer. Save it only if you expected it from this sender.",
    meaning: "Open was asked for an attachment whose name or type is that of a program or script (the add-in refuses).",
  },
  ATTACHMENT_NOT_OPENED: {
    words: "This attachment could not be opened. Save it and open it from there.",
    meaning: "Writing a decrypted attachment to a private temporary file or handing it to its application failed.",
  },
  TIMEOUT: {
    words: "Opening this message took too long. Open it again to retry.",
    meaning: "Reading one message did not finish within the add-in's time limit (reader/time-limit.ts).",
  },
  MAIL_SERVICE_BUSY: {
    words: "Your mail service is busy and did not take the message. Nothing was sent; try again in a few minutes.",
    meaning: "Microsoft Graph answered 429 or 503 (throttling) again after the add-in waited its Retry-After.",
  },
  MAIL_SERVICE_DENIED: {
    words:
      "Your mail service did not let mailseal send or read mail for you. Nothing was sent; sign in to Outlook again, or ask your administrator to allow mailseal.",
    meaning: "Microsoft Graph answered 401 or 403: the token is missing, expired, or lacks Mail.Send / Mail.ReadWrite.",
  },
  MAIL_SERVICE_FAILED: {
    words: "Your mail service could not be reached or refused the message. Nothing was sent; try again in a moment.",
    meaning: "A Microsoft Graph request failed otherwise (network, 4xx, 5xx other than 503): details.status.",
  },
  MESSAGE_TOO_LARGE: {
    words: "This message is too large to send. Remove or shrink an attachment and try again.",
    meaning: "The sealed message exceeds what the mail service takes (Graph: 150 MB per message).",
  },
  ITEM_NOT_READ: {
    words: "Outlook did not hand over part of the message you are writing, so nothing was sent. Try again.",
    meaning:
      "An Office.js call for the message being written (recipients, body, attachments, the Encrypt and Sign settings) failed or gave a form mailseal cannot send: details.part names it.",
  },
  ATTACHMENT_IS_LINK: {
    words:
      "An attachment is a link to a file in the cloud, which cannot go inside an encrypted message. Attach the file itself instead.",
    meaning: "Outlook handed over an attachment as a URL (a cloud file), not its bytes: details.part is its name.",
  },
} as const satisfies Readonly<Record<string, CatalogueEntry>>;

/** Every stable code: the keys of the catalogue. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes in the catalogue's order. */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

// The core keeps its own list (core-wasm cannot import shared): every one of its codes must be here.
// A CryptoErrorCode missing from the catalogue makes this line fail to compile.
type Covered<Sub extends string, All extends string> = [Exclude<Sub, All>] extends [never] ? true : Exclude<Sub, All>;
const CRYPTO_CODES_COVERED: Covered<CryptoErrorCode, ErrorCode> = true;
void CRYPTO_CODES_COVERED;

/** An alias (a former spelling) and the code it now stands for. */
export const ERROR_ALIASES: ReadonlyMap<string, ErrorCode> = new Map(
  Object.entries(ERROR_CATALOGUE).flatMap(([code, entry]) =>
    ((entry as CatalogueEntry).aliases ?? []).map((alias) => [alias, code as ErrorCode] as const),
  ),
);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CATALOGUE, value);
}

/** The code `value` stands for: itself, or the code an alias was merged into; undefined otherwise. */
export function canonicalCode(value: string): ErrorCode | undefined {
  return isErrorCode(value) ? value : ERROR_ALIASES.get(value);
}

/** The plain words of `code` (or of an alias of it); undefined for a string that is no code. */
export function plainWordsOf(code: string): string | undefined {
  const known = canonicalCode(code);
  return known === undefined ? undefined : ERROR_CATALOGUE[known].words;
}

/**
 * The codes the S/MIME library (asn1, mime, pki, cms, smime) raises. The places that used to catch
 * "any S/MIME error" catch exactly these, so a failure of another layer (the client flows' BAD_RESPONSE,
 * a service's code) that happens in the same try block still propagates as it did.
 */
export const SMIME_ERROR_CODES = [
  "MALFORMED_MIME",
  "NOT_SMIME",
  "MALFORMED_CMS",
  "NESTING_TOO_DEEP",
  "INPUT_TOO_LARGE",
  "TRUNCATED",
  "NO_KEY",
  "DECRYPTION_FAILED",
  "AUTH_TAG_MISMATCH",
  "UNSUPPORTED_ALGORITHM",
  "BAD_SIGNATURE",
  "UNTRUSTED_CERTIFICATE",
  "CERTIFICATE_EXPIRED",
  "CERT_REVOKED",
  "INVALID_KEY",
  "PASSWORD_WRONG",
] as const satisfies readonly ErrorCode[];

/** The codes the services' wire protocol (shared/src/protocol: JWS, tokens, proofs, seals) raises. */
export const PROTOCOL_ERROR_CODES = [
  "MALFORMED_BASE64URL",
  "MALFORMED_JWS",
  "UNSUPPORTED_ALGORITHM",
  "BAD_SIGNATURE",
  "WRONG_TYPE",
  "WRONG_AUDIENCE",
  "EXPIRED",
  "NOT_YET_VALID",
  "PROOF_MISMATCH",
  "KEY_MISMATCH",
  "MALFORMED_KEY",
  "MALFORMED_FIELD",
  "SEAL_OPEN_FAILED",
  "SHARE_MISMATCH",
  "COMMITMENT_MISMATCH",
  "PROTECTION_KEY_WRONG",
  "MALFORMED_CHALLENGE",
] as const satisfies readonly ErrorCode[];

/** The codes the client flows (shared/src/mailflow) raise themselves, beside the server's. */
export const MAILFLOW_ERROR_CODES = [
  "NO_ACCOUNT",
  "NOT_PROVISIONED",
  "NO_CERTIFICATE",
  "CHALLENGE_NOT_FOUND",
  "CODE_REQUIRED",
  "PASSWORD_REQUIRED",
  "PASSWORD_WRONG",
  "DOMAIN_NOT_SERVED",
  "SERVICE_UNAVAILABLE",
  "STORE_UNAVAILABLE",
  "BAD_RESPONSE",
  "STATE_INVALID",
  "SENDER_UNKNOWN",
  "NO_KEY",
  "KEY_CERT_MISMATCH",
  "ROOT_CHANGED",
  "INSECURE_SERVICE_URL",
] as const satisfies readonly ErrorCode[];
