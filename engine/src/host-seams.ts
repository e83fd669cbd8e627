// shared's host-side flows (sending: prepareSend; the CRL refresh) take the crypto step they need as
// a function; these run it in the engine (one call each).
import type { CrlCheck, PathCheck, SealRecipe } from "@mailseal/shared";
import type { Engine, EpochMs, SealOptions } from "./api.js";

/** A PathCheck by the engine's validatePath. */
export function enginePathCheck(engine: Pick<Engine, "validatePath">): PathCheck {
  return (certificate, options) =>
    engine.validatePath({
      certificate: certificate.der,
      intermediates: (options.intermediates ?? []).map((c) => c.der),
      anchors: options.anchors.map((c) => c.der),
      usage: options.usage,
      time: options.time.getTime(),
      ...(options.crls === undefined ? {} : { crls: options.crls.map((crl) => crl.der) }),
    });
}

/** A CrlCheck by the engine's acceptCrl. */
export function engineCrlCheck(engine: Pick<Engine, "acceptCrl">): CrlCheck {
  return (state, der, now) => engine.acceptCrl(state, der, now.getTime());
}

/** How a host wants a message sealed beyond the recipe. */
export interface SealChoices {
  /**
   * The post-quantum hybrid (issue 15), on unless false: every recipient (and the sender) whose
   * directory entry has an ML-KEM certificate gets a KEMRecipientInfo (RFC 9629) beside its RSA
   * KeyTransRecipientInfo, so a post-quantum reader decapsulates and every other reader (which
   * skips the `ori`) still decrypts with RSA. On by default: the recipient opted in by having the
   * certificate, and no reader is locked out by it.
   */
  pq?: boolean;
}

/**
 * The engine's SealOptions for what prepareSend found: the certificates as DER, the cipher by name,
 * and the hybrid's ML-KEM certificates (SealChoices.pq). The one place where send, the gateway and
 * the Thunderbird add-in turn a recipe into seal options, so each gets the same choice.
 */
export function sealOptionsOf(
  recipe: SealRecipe,
  signer: string,
  time: EpochMs,
  choices: SealChoices = {},
): SealOptions {
  const kem = choices.pq === false ? [] : (recipe.encryptTo?.kemCertificates ?? []);
  return {
    signer,
    ownCertificate: recipe.own.der,
    ...(recipe.encryptTo === undefined
      ? {}
      : {
          encryptTo: {
            // An ML-KEM certificate among the certificates becomes a KEMRecipientInfo (shared's
            // envelope writer picks the RecipientInfo by the certificate's key).
            certificates: [...recipe.encryptTo.certificates, ...kem].map((c) => c.der),
            cipher: recipe.encryptTo.cipher.name,
          },
        }),
    time,
  };
}
