// The service's root is pinned (docs/services.md, "The pinned root"): taken once, at enrolment,
// and kept in the device state. Every later answer of GET /v1/ca/certificates must present that
// root, or a rollover: a certificate of the new root's key signed by the pinned root (RFC 4210
// 4.4, "new with old"). A service that simply swaps its root, as one taken over would, gets
// ROOT_CHANGED and nothing is kept; the issuing CA must chain to the root that is kept.
import * as pkijs from "pkijs";
import type { CaCertificatesResponse } from "../api/ca.js";
import { bytesEqual } from "../pki/bytes.js";
import type { Certificate } from "../pki/certificate.js";
import { formatName, namesEqual } from "../pki/name.js";
import { MailsealError } from "../errors/index.js";
import { certificateFromWire } from "./state.js";

const ANSWER = "GET /v1/ca/certificates";

function refused(why: string): never {
  throw new MailsealError(
    "ROOT_CHANGED",
    `the service no longer presents the root this device was set up with: ${why}; nothing was changed (set the account up again only if the service announced a new root)`,
  );
}

/**
 * Whether `issuer`'s key signed `cert`. Through pkijs and WebCrypto, as newSigningKey signs its
 * request: the check runs before any crypto core is loaded (mailseal account add).
 */
async function signedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  try {
    const parsed = pkijs.Certificate.fromBER(cert.der.slice());
    return await parsed.verify(pkijs.Certificate.fromBER(issuer.der.slice()));
  } catch {
    return false;
  }
}

/** A CA certificate (RFC 5280 4.2.1.9 cA, 4.2.1.3 keyCertSign when keyUsage is present) valid at `now`. */
function usableCa(cert: Certificate, now: Date): boolean {
  return (
    cert.basicConstraints?.cA === true &&
    (cert.keyUsage === undefined || cert.keyUsage.keyCertSign) &&
    cert.notBefore.getTime() <= now.getTime() &&
    now.getTime() <= cert.notAfter.getTime()
  );
}

/** Whether `cert` names `issuer` as its issuer (name, key identifier) and was signed by its key. */
export async function issuedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  const aki = cert.authorityKeyIdentifier;
  const ski = issuer.subjectKeyIdentifier;
  if (!namesEqual(cert.issuer, issuer.subject)) return false;
  if (aki !== undefined && ski !== undefined && !bytesEqual(aki, ski)) return false;
  return signedBy(cert, issuer);
}

/**
 * The root to keep from `answer`, given the `pinned` one (base64url DER; undefined before the
 * enrolment's first answer, which is then the pin). A different root is taken only with a rollover
 * certificate: issued by the pinned root (name, key identifier, signature), valid now, a CA, for
 * the new root's very key and name. Then the issuing CA must be issued by the root kept. Errors:
 * ROOT_CHANGED, BAD_RESPONSE (a certificate that does not parse).
 */
export async function acceptServiceRoot(
  pinned: string | undefined,
  answer: CaCertificatesResponse,
  now: Date,
): Promise<{ root: string; issuing: Certificate }> {
  const root = certificateFromWire(answer.root, `${ANSWER} root`);
  const issuing = certificateFromWire(answer.issuing, `${ANSWER} issuing`);
  // Base64url has one text form per DER (docs/services.md, "Wire formats"): equal text, equal root.
  if (pinned !== undefined && answer.root !== pinned) {
    const old = certificateFromWire(pinned, "pinned root certificate");
    if (answer.rollover === undefined) {
      refused(
        `it presents "${formatName(root.subject)}" (serial ${root.serialHex}) without a rollover signed by the pinned root`,
      );
    }
    const link = certificateFromWire(answer.rollover, `${ANSWER} rollover`);
    if (!bytesEqual(link.publicKey.spki, root.publicKey.spki) || !namesEqual(link.subject, root.subject)) {
      refused("the rollover certificate is not for the new root's key and name");
    }
    if (!usableCa(link, now)) refused("the rollover certificate is not a CA certificate valid now");
    if (!(await issuedBy(link, old))) refused("the rollover certificate is not signed by the pinned root");
  }
  if (!(await signedBy(root, root))) refused("the root certificate's self-signature does not verify");
  if (!(await issuedBy(issuing, root))) refused("the issuing CA does not chain to the root");
  return { root: answer.root, issuing };
}
