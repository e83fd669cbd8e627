// Thunderbird's own S/MIME (NSS) gets the account's keys: the service's root, trusted for e-mail; the
// intermediate CAs; the device's signing key and each released encryption key as a PKCS#12 (through
// the Experiment, which writes it to a private temp file only NSS's importer reads); and the
// identity's signing and encryption certificates selected. Sending no longer goes through NSS
// (addin-thunderbird/README.md, "Sending"), but reading needs the encryption keys there: for an
// EnvelopedData (CBC) whose key NSS lacks, Thunderbird replaces the message pane with its own "cannot
// decrypt" page, the message never loads and the add-in's display script never runs (README, "Reading").
import {
  decodeBase64url,
  writePkcs12,
  currentCertificate,
  requireProvisioned,
  type DeviceState,
} from "@mailseal/shared";

/** Standard base64 (RFC 4648 4), which nsIX509CertDB and the Experiment's atob take. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function wireToBase64(wire: string): string {
  return toBase64(decodeBase64url(wire, "certificate"));
}

/** A one-time password: the PKCS#12 lives only for the import. */
function oneTimePassword(): string {
  return toBase64(globalThis.crypto.getRandomValues(new Uint8Array(18)));
}

/** The signing key (a private JWK in the state) as PKCS#8, for the PKCS#12. */
async function signingPkcs8(jwk: JsonWebKey): Promise<Uint8Array> {
  const key = await globalThis.crypto.subtle.importKey(
    "jwk",
    jwk,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    true,
    ["sign"],
  );
  return new Uint8Array(await globalThis.crypto.subtle.exportKey("pkcs8", key));
}

async function importKey(pkcs8: Uint8Array, certificate: Uint8Array, chain: Uint8Array[], name: string): Promise<void> {
  const password = oneTimePassword();
  const p12 = await writePkcs12({ pkcs8, certificate, chain, password, friendlyName: name });
  pkcs8.fill(0);
  await messenger.mailseal.importPkcs12(toBase64(p12), password);
}

/**
 * The account's pinned root into NSS, trusted for e-mail only (",C,": the Experiment sets it, also
 * on a root an earlier version had trusted for TLS and code signing too).
 */
export async function trustRoot(root: string): Promise<void> {
  await messenger.mailseal.importCaCertificate(wireToBase64(root));
}

/** Puts a provisioned account's keys into NSS and selects its certificates for the identity. */
export async function installInNss(state: DeviceState, identityId: string): Promise<void> {
  const account = requireProvisioned(state);
  await trustRoot(account.root);
  for (const intermediate of account.signing.chain)
    await messenger.mailseal.importPeerCertificate(wireToBase64(intermediate));
  const chain = account.signing.chain.map((c) => decodeBase64url(c, "chain certificate"));
  await importKey(
    await signingPkcs8(account.signing.privateKey),
    decodeBase64url(account.signing.certificate, "signing certificate"),
    chain,
    `mailseal signing ${account.address}`,
  );
  for (const key of account.keys) {
    if (key.pkcs8 === undefined) continue;
    await importKey(
      decodeBase64url(key.pkcs8, "pkcs8"),
      decodeBase64url(key.certificate, "key certificate"),
      chain,
      `mailseal ${account.address} ${key.keyId}`,
    );
  }
  await messenger.mailseal.setIdentityCertificates(
    identityId,
    toBase64(decodeBase64url(account.signing.certificate, "signing certificate")),
    toBase64(currentCertificate(account).der),
  );
  // Its drafts stored encrypted from now on (README, "Drafts"); a failure here must not fail the setup.
  await messenger.mailseal
    .encryptDrafts(identityId)
    .catch((error: unknown) => console.error("mailseal: encrypting the drafts of", identityId, error));
}
