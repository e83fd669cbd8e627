// Certification path validation for S/MIME (RFC 5280 6.1, RFC 8550 4): from a certificate up to one
// of the trust anchors the caller gives, through a pool of intermediates, at a given time.
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import { bytesEqual } from "./bytes.js";
import type { Certificate } from "./certificate.js";
import { certificateRevoked, isCrlOf, revocationAt, type Crl } from "./crl.js";
import { formatName, namesEqual } from "./name.js";
import { verifyCertificateSignature, type CertificateCrypto } from "./signature.js";
import {
  ANY_EXTENDED_KEY_USAGE,
  ID_CE_AUTHORITY_KEY_IDENTIFIER,
  ID_CE_BASIC_CONSTRAINTS,
  ID_CE_CERTIFICATE_POLICIES,
  ID_CE_EXT_KEY_USAGE,
  ID_CE_KEY_USAGE,
  ID_CE_SUBJECT_ALT_NAME,
  ID_CE_SUBJECT_KEY_IDENTIFIER,
  ID_KP_EMAIL_PROTECTION,
} from "./oids.js";

/** At most this many certificates in a path, end entity and trust anchor included. */
export const MAX_PATH_CERTIFICATES = 8;
/** At most this many certificates in the pool (anchors and intermediates together). */
export const MAX_POOL_CERTIFICATES = 256;
/** Path building visits at most this many candidate certificates (bounds work on hostile pools). */
export const MAX_BUILD_STEPS = 1000;
/** At most this many complete candidate paths are checked before giving up. */
export const MAX_CANDIDATE_PATHS = 16;

/** What the end entity will be used for: it decides which key usages it must allow (RFC 8550 4.4.2). */
export type CertificateUsage = "signing" | "encryption";

export interface PathValidationOptions {
  /** Trusted certificates: a path ends at one of them; their own signature is not checked. */
  anchors: readonly Certificate[];
  /** Certificates that may be intermediates: the CMS `certificates` field, files given by the user. */
  intermediates?: readonly Certificate[];
  /** The time at which every certificate must be valid; now by default. */
  time?: Date;
  usage: CertificateUsage;
  crypto: CertificateCrypto;
  /**
   * CRLs to apply (RFC 5280 6.3): a certificate of the path listed on a CRL of its issuer (checked
   * against the issuer's key in the path) as revoked at `time` is CERT_REVOKED. A certificate with no
   * CRL of its issuer here is not checked.
   */
  crls?: readonly Crl[];
}

/**
 * Critical extensions this validation processes or may safely accept. certificatePolicies is accepted
 * because no policy is required (RFC 5280 6.1.1: user-initial-policy-set anyPolicy, no explicit policy).
 * nameConstraints, policyConstraints, policyMappings and inhibitAnyPolicy are not processed, so a
 * certificate marking one critical is refused (RFC 5280 4.2).
 */
const UNDERSTOOD_CRITICAL = new Set<string>([
  ID_CE_BASIC_CONSTRAINTS,
  ID_CE_KEY_USAGE,
  ID_CE_EXT_KEY_USAGE,
  ID_CE_SUBJECT_ALT_NAME,
  ID_CE_SUBJECT_KEY_IDENTIFIER,
  ID_CE_AUTHORITY_KEY_IDENTIFIER,
  ID_CE_CERTIFICATE_POLICIES,
]);

function untrusted(message: string): MailsealError {
  return new MailsealError("UNTRUSTED_CERTIFICATE", message);
}

function label(cert: Certificate): string {
  return `"${formatName(cert.subject)}" (serial ${cert.serialHex})`;
}

function isSelfIssued(cert: Certificate): boolean {
  return namesEqual(cert.subject, cert.issuer);
}

function validAt(cert: Certificate, time: Date): boolean {
  return cert.notBefore.getTime() <= time.getTime() && time.getTime() <= cert.notAfter.getTime();
}

/** Whether `issuer` may have issued `cert`: names chain (RFC 5280 6.1.3 (a)(4)) and key identifiers agree. */
function mayHaveIssued(issuer: Certificate, cert: Certificate): boolean {
  if (!namesEqual(issuer.subject, cert.issuer)) return false;
  // RFC 5280 4.2.1.1: the authority key identifier names the issuer's subject key identifier.
  const aki = cert.authorityKeyIdentifier;
  const ski = issuer.subjectKeyIdentifier;
  return aki === undefined || ski === undefined || bytesEqual(aki, ski);
}

/** EKU present: it must allow email protection (RFC 8550 4.4.4); anyExtendedKeyUsage does. */
function ekuAllowsEmail(cert: Certificate): boolean {
  const eku = cert.extendedKeyUsage;
  return eku === undefined || eku.includes(ID_KP_EMAIL_PROTECTION) || eku.includes(ANY_EXTENDED_KEY_USAGE);
}

interface BuildResult {
  paths: Certificate[][];
  /** The last certificate of the longest dead end, for the error message. */
  deadEnd: Certificate;
  /** Whether that dead end is a loop: its only issuers are already in the path. */
  deadEndLoops: boolean;
  tooLong: boolean;
}

/**
 * Depth-first search from the end entity through the pool to an anchor: no certificate twice in a path
 * (loops), at most MAX_PATH_CERTIFICATES long, issuers valid at `time` tried first.
 */
function buildPaths(
  endEntity: Certificate,
  anchors: readonly Certificate[],
  pool: readonly Certificate[],
  time: Date,
): BuildResult {
  const isAnchor = (cert: Certificate): boolean => anchors.some((a) => bytesEqual(a.der, cert.der));
  const result: BuildResult = { paths: [], deadEnd: endEntity, deadEndLoops: false, tooLong: false };
  let deepest = 0;
  let steps = 0;
  const visit = (path: Certificate[]): void => {
    const last = path[path.length - 1]!;
    if (isAnchor(last)) {
      result.paths.push([...path]);
      return;
    }
    if (path.length >= MAX_PATH_CERTIFICATES) {
      result.tooLong = true;
      return;
    }
    const named = pool.filter((c) => mayHaveIssued(c, last));
    const issuers = named
      .filter((c) => !path.some((p) => bytesEqual(p.der, c.der)))
      .sort((a, b) => Number(validAt(b, time)) - Number(validAt(a, time)));
    if (issuers.length === 0 && path.length > deepest) {
      deepest = path.length;
      result.deadEnd = last;
      result.deadEndLoops = named.length > 0;
    }
    for (const issuer of issuers) {
      if (result.paths.length >= MAX_CANDIDATE_PATHS || ++steps > MAX_BUILD_STEPS) return;
      visit([...path, issuer]);
    }
  };
  visit([endEntity]);
  return result;
}

function checkStructure(path: readonly Certificate[], usage: CertificateUsage): void {
  const endEntity = path[0]!;
  const last = path.length - 1;
  // Certificates whose extensions we process: all but the anchor (RFC 5280 6.1: the anchor is input).
  for (const cert of path.slice(0, last === 0 ? 1 : last)) {
    const unknown = cert.criticalExtensions.filter((id) => !UNDERSTOOD_CRITICAL.has(id));
    if (unknown.length > 0) {
      throw untrusted(`certificate ${label(cert)} has unsupported critical extensions: ${unknown.join(", ")}`);
    }
  }
  // Path length (RFC 5280 6.1.4 (l), (m)), walking down from the anchor. The anchor's own
  // pathLenConstraint is honoured too, as OpenSSL does.
  let maxPathLength = Number.POSITIVE_INFINITY;
  for (let i = last; i >= 1; i--) {
    const ca = path[i]!;
    const isAnchor = i === last;
    if (isAnchor) {
      // A trust anchor stands for a name and a key; when it is an X.509 certificate that says what it
      // may do, respect it: no certificate signing by a certificate that says it is not a CA.
      if (ca.basicConstraints !== undefined && !ca.basicConstraints.cA)
        throw untrusted(`trust anchor ${label(ca)} is not a CA certificate (basicConstraints cA is false)`);
    } else {
      // RFC 5280 6.1.4 (k): an intermediate must be a v3 CA certificate.
      if (ca.version !== 3 || ca.basicConstraints?.cA !== true)
        throw untrusted(`certificate ${label(ca)} issued another certificate but is not a CA (basicConstraints)`);
      // OpenSSL's S/MIME purpose and the S/MIME Baseline Requirements (7.1.2.2) constrain CAs by EKU too.
      if (!ekuAllowsEmail(ca))
        throw untrusted(`CA certificate ${label(ca)} is not for email protection (extendedKeyUsage)`);
      if (!isSelfIssued(ca)) {
        if (maxPathLength <= 0)
          throw untrusted(`certificate ${label(ca)} exceeds the path length constraint of a CA above it`);
        maxPathLength--;
      }
    }
    // RFC 5280 6.1.4 (n): when keyUsage is present, keyCertSign must be set.
    if (ca.keyUsage !== undefined && !ca.keyUsage.keyCertSign)
      throw untrusted(`CA certificate ${label(ca)} may not sign certificates (keyUsage lacks keyCertSign)`);
    const pathLen = ca.basicConstraints?.pathLenConstraint;
    if (pathLen !== undefined && pathLen < maxPathLength) maxPathLength = pathLen;
  }
  // The end entity as S/MIME uses it (RFC 8550 4.4.2, 4.4.4).
  const ku = endEntity.keyUsage;
  if (usage === "signing") {
    if (ku !== undefined && !ku.digitalSignature && !ku.nonRepudiation)
      throw untrusted(`certificate ${label(endEntity)} is not for signing (keyUsage)`);
  } else {
    const key = endEntity.publicKey;
    if (key.kind === "rsa" && key.pssOnly)
      throw untrusted(`certificate ${label(endEntity)} holds an RSASSA-PSS key, which cannot encrypt`);
    // RFC 8410 5: an X25519/X448 certificate's keyUsage has keyAgreement, as an EC one's (RFC 5480 3).
    const needed = key.kind === "ec" || key.kind === "xdh" ? "keyAgreement" : "keyEncipherment";
    if (ku !== undefined && !ku[needed])
      throw untrusted(`certificate ${label(endEntity)} is not for encryption (keyUsage lacks ${needed})`);
  }
  if (!ekuAllowsEmail(endEntity))
    throw untrusted(`certificate ${label(endEntity)} is not for email protection (extendedKeyUsage)`);
}

async function checkSignatures(path: readonly Certificate[], crypto: CertificateCrypto): Promise<void> {
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1]!;
    const check = await verifyCertificateSignature(cert, issuer.publicKey, crypto);
    if (!check.ok) {
      throw untrusted(`certificate ${label(cert)} is not signed by ${label(issuer)}: ${check.reason}`);
    }
  }
}

async function checkRevocation(
  path: readonly Certificate[],
  crls: readonly Crl[],
  time: Date,
  crypto: CertificateCrypto,
): Promise<void> {
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1]!;
    for (const crl of crls) {
      if (!crl.revoked.has(cert.serialHex) || !(await isCrlOf(crl, issuer, crypto))) continue;
      const entry = revocationAt(crl, cert, time);
      if (entry === undefined) continue;
      throw certificateRevoked(
        `certificate ${label(cert)} was revoked on ${entry.revokedAt.toISOString()}` +
          (entry.reason === undefined ? "" : ` (reason ${entry.reason}, RFC 5280 5.3.1)`),
        entry.revokedAt,
        entry.reason,
      );
    }
  }
}

function checkValidity(path: readonly Certificate[], time: Date): void {
  for (const cert of path) {
    if (validAt(cert, time)) continue;
    const state = time.getTime() < cert.notBefore.getTime() ? "is not yet valid" : "has expired";
    throw new MailsealError(
      "CERTIFICATE_EXPIRED",
      `certificate ${label(cert)} ${state} at ${time.toISOString()}: valid from ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}`,
    );
  }
}

/**
 * Validates `endEntity` for S/MIME at `options.time` and returns the path, end entity first, trust
 * anchor last. Each certificate's signature is checked with its issuer's key, names chain (RFC 5280
 * 7.1), every certificate (anchor included) is valid at the time, CA certificates carry basicConstraints
 * cA (and keyCertSign when keyUsage is present), path length constraints hold, the path has at most
 * MAX_PATH_CERTIFICATES certificates, and the end entity's keyUsage / extendedKeyUsage allow the usage.
 *
 * Offline by design: no AIA fetching of missing intermediates and no fetching of CRLs or OCSP; the
 * CRLs the caller gives (`crls`) are applied. A missing intermediate must be in the pool. Name
 * constraints and the policy extensions are not processed (a certificate marking one critical is
 * refused); certificate policies are accepted, none being required (UNDERSTOOD_CRITICAL).
 *
 * Errors: UNTRUSTED_CERTIFICATE (no path, bad signature, not a CA, wrong usage), CERT_REVOKED
 * (details.revokedAt: on a given CRL as revoked at the time), CERTIFICATE_EXPIRED (a
 * certificate of the path outside its validity at the time), UNSUPPORTED_ALGORITHM (a signature
 * algorithm we cannot check), INPUT_TOO_LARGE (too many certificates given). When several candidate
 * paths fail, the error of the first is reported.
 */
export async function validateCertificatePath(
  endEntity: Certificate,
  options: PathValidationOptions,
): Promise<Certificate[]> {
  const time = options.time ?? new Date();
  if (Number.isNaN(time.getTime()))
    throw new MailsealError("UNTRUSTED_CERTIFICATE", "the validation time is not a valid date");
  const anchors = options.anchors;
  const pool: Certificate[] = [];
  for (const cert of [...anchors, ...(options.intermediates ?? [])]) {
    if (!pool.some((c) => bytesEqual(c.der, cert.der))) pool.push(cert);
  }
  if (pool.length > MAX_POOL_CERTIFICATES) {
    throw new MailsealError(
      "INPUT_TOO_LARGE",
      `at most ${MAX_POOL_CERTIFICATES} anchors and intermediates, got ${pool.length}`,
    );
  }
  const built = buildPaths(endEntity, anchors, pool, time);
  if (built.paths.length === 0) {
    if (built.tooLong) throw untrusted(`no path to a trust anchor within ${MAX_PATH_CERTIFICATES} certificates`);
    const end = built.deadEnd;
    const issuer = `"${formatName(end.issuer)}"`;
    throw untrusted(
      isSelfIssued(end)
        ? `certificate ${label(end)} is self-issued and not a trust anchor`
        : built.deadEndLoops
          ? `no path to a trust anchor from ${label(end)}: issuer ${issuer} is already in the path (a loop)`
          : `no trust anchor or intermediate issued ${label(end)}: issuer ${issuer} not found`,
    );
  }
  let firstError: unknown;
  for (const path of built.paths) {
    try {
      checkStructure(path, options.usage);
      await checkSignatures(path, options.crypto);
      // Revocation before validity: a revoked certificate that has also expired since reads as
      // revoked, which is what matters about it.
      await checkRevocation(path, options.crls ?? [], time, options.crypto);
      checkValidity(path, time);
      return path;
    } catch (error) {
      if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
      firstError ??= error;
    }
  }
  throw firstError;
}
