// Certificate revocation lists (RFC 5280 5): read, checked against the CA that issued them, and asked
// whether a certificate was revoked at a given time. Path validation (chain.ts) applies them.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { readBer } from "../asn1/capture.js";
import { hasCode, MailsealError } from "../errors/index.js";
import { bytesEqual } from "./bytes.js";
import {
  algorithmOf,
  derOf,
  integerHex,
  readAuthorityKeyIdentifier,
  readDate,
  type AlgorithmIdentifier,
  type Certificate,
} from "./certificate.js";
import { formatName, namesEqual, parseName, type Name } from "./name.js";
import { verifyCertificateSignature, type CertificateCrypto } from "./signature.js";
import { ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_INVALIDITY_DATE } from "./oids.js";

/** A CRL larger than this is refused before parsing (one entry is about 40 bytes). */
export const MAX_CRL_BYTES = 8 * 1024 * 1024;

/** RFC 5280 5.3.1 CRLReason values that say the key itself got out: then no signature by it holds. */
const COMPROMISE_REASONS = new Set([1 /* keyCompromise */, 2 /* cACompromise */]);

export interface RevokedEntry {
  readonly revokedAt: Date;
  /** The CRLReason code (RFC 5280 5.3.1), undefined when absent (unspecified). */
  readonly reason: number | undefined;
}

export interface Crl {
  readonly der: Uint8Array;
  /** The signed part, tbsCertList, exactly as read. */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  /** For messages: "CRL of <issuer>". */
  readonly displayName: string;
  readonly issuer: Name;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  /** Revoked certificates by serial number, in Certificate.serialHex form. */
  readonly revoked: ReadonlyMap<string, RevokedEntry>;
}

function malformed(message: string): MailsealError {
  return new MailsealError("MALFORMED_CMS", `CRL: ${message}`);
}

/**
 * Parses a DER CRL. MALFORMED_CMS for anything that is not a v1/v2 CRL; UNSUPPORTED_ALGORITHM for a
 * critical extension this code does not process (RFC 5280 5.2, 5.3: such a CRL MUST NOT be used to
 * decide a certificate's status), which covers delta CRLs and indirect CRLs.
 */
export function parseCrl(der: Uint8Array): Crl {
  if (der.length === 0) throw malformed("the input is empty");
  if (der.length > MAX_CRL_BYTES) throw new MailsealError("INPUT_TOO_LARGE", `CRL: more than ${MAX_CRL_BYTES} bytes`);
  const parsed = readBer(der);
  if (parsed.offset !== der.length) throw malformed("not one DER element");
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = new pkijs.CertificateRevocationList({ schema: parsed.result });
  } catch {
    throw malformed("not a CertificateList structure (RFC 5280 5.1)");
  }
  if (crl.version > 1) throw malformed(`unknown version ${crl.version + 1}`);
  if (crl.signatureValue.valueBlock.unusedBits !== 0) throw malformed("the signature is not a whole number of bytes");
  // RFC 5280 5.1.1.2: signatureAlgorithm MUST equal the signature field of tbsCertList.
  if (!bytesEqual(derOf(crl.signatureAlgorithm), derOf(crl.signature)))
    throw malformed("signatureAlgorithm differs from the signature field of tbsCertList");
  const issuer = parseName(new Uint8Array(crl.issuer.valueBeforeDecode));
  let authorityKeyIdentifier: Uint8Array | undefined;
  for (const extension of crl.crlExtensions?.extensions ?? []) {
    if (extension.extnID === ID_CE_AUTHORITY_KEY_IDENTIFIER)
      authorityKeyIdentifier = readAuthorityKeyIdentifier(extension);
    else if (extension.critical && extension.extnID !== ID_CE_CRL_NUMBER)
      throw new MailsealError("UNSUPPORTED_ALGORITHM", `CRL: critical extension ${extension.extnID} is not processed`);
  }
  const revoked = new Map<string, RevokedEntry>();
  for (const entry of crl.revokedCertificates ?? []) {
    let reason: number | undefined;
    for (const extension of entry.crlEntryExtensions?.extensions ?? []) {
      if (extension.extnID === ID_CE_CRL_REASONS) {
        const value = readBer(extension.extnValue.valueBlock.valueHexView).result;
        if (!(value instanceof asn1js.Enumerated)) throw malformed("a reasonCode is not an ENUMERATED");
        reason = value.valueBlock.valueDec;
      } else if (extension.critical && extension.extnID !== ID_CE_INVALIDITY_DATE) {
        throw new MailsealError(
          "UNSUPPORTED_ALGORITHM",
          `CRL: critical entry extension ${extension.extnID} is not processed`,
        );
      }
    }
    const serial = integerHex(new Uint8Array(entry.userCertificate.valueBlock.valueHexView));
    revoked.set(serial, { revokedAt: readDate(entry.revocationDate, "revocationDate"), reason });
  }
  return {
    der,
    tbs: new Uint8Array(crl.tbsView),
    signatureAlgorithm: algorithmOf(crl.signatureAlgorithm),
    signature: new Uint8Array(crl.signatureValue.valueBlock.valueHexView),
    displayName: `CRL of ${formatName(issuer)}`,
    issuer,
    thisUpdate: readDate(crl.thisUpdate, "thisUpdate"),
    nextUpdate: crl.nextUpdate === undefined ? undefined : readDate(crl.nextUpdate, "nextUpdate"),
    authorityKeyIdentifier,
    revoked,
  };
}

/**
 * Whether `crl` is the CRL of `issuer` (RFC 5280 6.3.3 (f), (g)): the names match, the key
 * identifiers agree, the issuer may sign CRLs (keyUsage cRLSign when present) and the signature
 * verifies with its key. Nothing else about the issuer is checked here: the caller knows it already
 * (it is in a validated path, or the pinned CA).
 */
export async function isCrlOf(crl: Crl, issuer: Certificate, crypto: CertificateCrypto): Promise<boolean> {
  if (!namesEqual(crl.issuer, issuer.subject)) return false;
  const ski = issuer.subjectKeyIdentifier;
  if (crl.authorityKeyIdentifier !== undefined && ski !== undefined && !bytesEqual(crl.authorityKeyIdentifier, ski))
    return false;
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.cRLSign) return false;
  try {
    return (await verifyCertificateSignature(crl, issuer.publicKey, crypto)).ok;
  } catch (error) {
    if (hasCode(error, "UNSUPPORTED_ALGORITHM")) return false;
    throw error;
  }
}

/**
 * The revocation of `cert` in `crl` that holds at `time`: revoked on or before it; a compromised key
 * (keyCompromise, cACompromise) counts as revoked at every time, since whoever holds the key can
 * claim any signing time. Undefined when the certificate was not revoked then.
 */
export function revocationAt(crl: Crl, cert: Certificate, time: Date): RevokedEntry | undefined {
  const entry = crl.revoked.get(cert.serialHex);
  if (entry === undefined) return undefined;
  if (entry.reason !== undefined && COMPROMISE_REASONS.has(entry.reason)) return entry;
  return entry.revokedAt.getTime() <= time.getTime() ? entry : undefined;
}

/**
 * CERT_REVOKED, with the revocation in `details` (revokedAt, reason) for whoever decides what to
 * show (receive.ts).
 */
export function certificateRevoked(message: string, revokedAt: Date, reason: number | undefined): MailsealError {
  return new MailsealError("CERT_REVOKED", message, {
    details: reason === undefined ? { revokedAt } : { revokedAt, reason },
  });
}
