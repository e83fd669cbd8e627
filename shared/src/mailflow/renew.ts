// The device's signing key and certificate (docs/services.md, "Signing key"): RSA-2048 made on the
// device, certified by the service's CA from a PKCS#10 request (RFC 2986) whose self-signature is
// the proof of possession (RFC 4211 4), valid a year; renewed, with a new key, 30 days before expiry.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { Clock } from "../clock.js";
import { encodeBase64url } from "../protocol/base64url.js";
import { MailsealError } from "../errors/index.js";
import { acceptServiceRoot, issuedBy } from "./root-pin.js";
import type { ServiceClient } from "./service-client.js";
import { certificateFromWire, type DeviceState, type SigningState, type StateStore } from "./state.js";
import { ID_AT_COMMON_NAME } from "../pki/oids.js";

export const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

const RSA_SIGNING: RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

/**
 * A new RSA-2048 signing key and a CSR for it (SHA-256 with RSA, PKCS#1 v1.5). The key is
 * extractable: the crypto core signs mail with it (rsaPrivateKeyFromJwk), and the state keeps it.
 * The subject only names the address for people reading the request: the CA decides the
 * certificate's contents and takes nothing but the key from a CSR.
 */
export async function newSigningKey(address: string): Promise<{ privateKey: JsonWebKey; csr: Uint8Array }> {
  const pair = await globalThis.crypto.subtle.generateKey(RSA_SIGNING, true, ["sign", "verify"]);
  const request = new pkijs.CertificationRequest();
  request.version = 0;
  request.subject.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({ type: ID_AT_COMMON_NAME, value: new asn1js.Utf8String({ value: address }) }),
  );
  await request.subjectPublicKeyInfo.importKey(pair.publicKey);
  await request.sign(pair.privateKey, "SHA-256");
  const csr = new Uint8Array(request.toSchema().toBER(false));
  return { privateKey: await globalThis.crypto.subtle.exportKey("jwk", pair.privateKey), csr };
}

/** Whether the signing certificate is missing or within 30 days of its end. */
export function signingRenewalDue(state: DeviceState, clock: Clock): boolean {
  if (state.signing === undefined) return true;
  const notAfter = certificateFromWire(state.signing.certificate, "signing certificate").notAfter;
  return notAfter.getTime() - clock.now().getTime() <= RENEW_BEFORE_MS;
}

/**
 * Gets a signing certificate for a new key and saves it, with the service's root. The root is
 * checked against the pinned one first (root-pin.ts: the first answer is the pin, a different
 * root needs a rollover signed by the pinned one, else ROOT_CHANGED before anything is asked or
 * saved), and the certificate must be issued by the issuing CA that chains to it.
 */
export async function issueSigningCertificate(
  client: ServiceClient,
  store: StateStore,
  state: DeviceState,
  clock: Clock,
): Promise<DeviceState> {
  const { root, issuing } = await acceptServiceRoot(state.root, await client.caCertificates(), clock.now());
  const { privateKey, csr } = await newSigningKey(state.address);
  const issued = await client.requestSigningCertificate(encodeBase64url(csr));
  const answer = "POST /v1/signing-certificates";
  const certificate = certificateFromWire(issued.certificate, `${answer} certificate`);
  issued.chain.forEach((der, i) => certificateFromWire(der, `${answer} chain[${i}]`));
  if (!(await issuedBy(certificate, issuing))) {
    throw new MailsealError(
      "ROOT_CHANGED",
      `${answer}: the certificate is not issued by the service's issuing CA under the pinned root; nothing was changed`,
    );
  }
  const signing: SigningState = {
    privateKey,
    certificate: issued.certificate,
    // The root is the anchor, kept apart; the chain is what goes into signed mail. Base64url has
    // one text form per DER (docs/services.md, "Wire formats"), so comparing the text compares the DER.
    chain: issued.chain.filter((der) => der !== root),
  };
  // After a rollover the previous pin stays an anchor: mail signed under it still verifies.
  const former =
    state.root === undefined || state.root === root ? state.formerRoots : [...(state.formerRoots ?? []), state.root];
  const next: DeviceState = { ...state, signing, root, ...(former === undefined ? {} : { formerRoots: former }) };
  await store.save(next);
  return next;
}

/** Renews the signing certificate when due (30 days before expiry, or none yet); else returns the state as is. */
export async function renewSigningCertificate(
  client: ServiceClient,
  store: StateStore,
  state: DeviceState,
  clock: Clock,
): Promise<DeviceState> {
  return signingRenewalDue(state, clock) ? issueSigningCertificate(client, store, state, clock) : state;
}
