// Failures of the client flows that are neither the server's (ApiError, with the server's code) nor
// the libraries' (ProtocolError, SmimeError): what the device itself finds missing or wrong. The
// codes are API for the hosts, which map them to words and behaviour: never rename one.

export const MAILFLOW_ERROR_CODES = [
  /** The home holds no account for the address (or none at all). */
  "NO_ACCOUNT",
  /** The account exists but its provisioning has not finished (no device, no keys or no signing certificate). */
  "NOT_PROVISIONED",
  /** Recipients without a certificate at the service: `addresses` names them. */
  "NO_CERTIFICATE",
  /** The challenge mail did not arrive in the mailbox before the timeout. */
  "CHALLENGE_NOT_FOUND",
  /** No mailbox to find the challenge in and no way to ask for the typed code. */
  "CODE_REQUIRED",
  /** A protected key must be released and no key-protection password was given. */
  "PASSWORD_REQUIRED",
  /** The key-protection password is wrong (the OPAQUE login failed on the client). */
  "PASSWORD_WRONG",
  /** The configured service does not serve the address's domain. */
  "DOMAIN_NOT_SERVED",
  /** The api could not be reached (network failure, DNS, refused connection, timeout). */
  "SERVICE_UNAVAILABLE",
  /** A share store could not be reached. */
  "STORE_UNAVAILABLE",
  /** A server answered 2xx with a body that is not what the API defines. */
  "BAD_RESPONSE",
  /** A saved state file is not a mailseal state (edited, truncated, another version). */
  "STATE_INVALID",
  /** The message's From is not an account of this device, or it has no usable From. */
  "SENDER_UNKNOWN",
  /** None of the device's keys opens the message. */
  "NO_KEY",
  /**
   * A released key (its shares matching the commitment) is not the key of its certificate: the
   * services answered consistently for another key. Nothing of it is stored.
   */
  "KEY_CERT_MISMATCH",
  /**
   * The service presents another root than the one pinned at enrolment, without a rollover signed
   * by the pinned root, or its issuing CA does not chain to the root: nothing was saved.
   */
  "ROOT_CHANGED",
  /** A service URL is plain http on a host other than a loopback address (https is required). */
  "INSECURE_SERVICE_URL",
] as const;

export type MailflowErrorCode = (typeof MAILFLOW_ERROR_CODES)[number];

export class MailflowError extends Error {
  override readonly name = "MailflowError";
  constructor(
    readonly code: MailflowErrorCode,
    message: string,
    /** For NO_CERTIFICATE: the recipients without a certificate. */
    readonly addresses: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
