// PKCS#10 certification requests (RFC 2986) for signing certificates. Only the key is taken from a
// CSR, after its signature proves possession of the private key (RFC 4211 4, here by a self-signed
// request); the subject, extensions and attributes it asks for are ignored: the server decides them.
import { verify } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { SHA256_WITH_RSA_ENCRYPTION, SHA384_WITH_RSA_ENCRYPTION, SHA512_WITH_RSA_ENCRYPTION } from "@mailseal/shared";
import { MailsealError } from "./errors.js";
import { checkSubscriberKey } from "./public-key.js";

export const MAX_CSR_BYTES = 64 * 1024;

const HASHES: Record<string, string> = {
  [SHA256_WITH_RSA_ENCRYPTION]: "sha256",
  [SHA384_WITH_RSA_ENCRYPTION]: "sha384",
  [SHA512_WITH_RSA_ENCRYPTION]: "sha512",
};

/** Checks the CSR and returns the canonical SPKI of its key. */
export function verifyCsr(der: Uint8Array): Uint8Array {
  if (!(der instanceof Uint8Array) || der.length === 0 || der.length > MAX_CSR_BYTES)
    throw new MailsealError("CA_BAD_CSR", `a CSR is 1 to ${MAX_CSR_BYTES} bytes of DER`);
  let csr: pkijs.CertificationRequest;
  try {
    const parsed = asn1js.fromBER(der);
    if (parsed.offset !== der.length) throw new Error("trailing bytes after the request");
    csr = new pkijs.CertificationRequest({ schema: parsed.result });
  } catch (error) {
    throw new MailsealError(
      "CA_BAD_CSR",
      `the CSR is not a PKCS#10 CertificationRequest: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (csr.version !== 0) throw new MailsealError("CA_BAD_CSR", `CSR version ${csr.version} (only v1, 0, exists)`);
  const spki = new Uint8Array(csr.subjectPublicKeyInfo.toSchema().toBER());
  const { key, spki: canonical } = checkSubscriberKey(spki);
  const hash = HASHES[csr.signatureAlgorithm.algorithmId];
  if (hash === undefined)
    throw new MailsealError(
      "CA_BAD_CSR_SIGNATURE",
      `CSR signature algorithm ${csr.signatureAlgorithm.algorithmId} is not RSASSA-PKCS1-v1_5 with SHA-256/384/512`,
    );
  const signature = csr.signatureValue.valueBlock.valueHexView;
  if (csr.signatureValue.valueBlock.unusedBits !== 0 || !verify(hash, csr.tbsView, key, signature))
    throw new MailsealError(
      "CA_BAD_CSR_SIGNATURE",
      "the CSR signature does not verify with its public key (no proof of possession)",
    );
  return canonical;
}
