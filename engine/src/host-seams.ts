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

/** The engine's SealOptions for what prepareSend found: the certificates as DER, the cipher by name. */
export function sealOptionsOf(recipe: SealRecipe, signer: string, time: EpochMs): SealOptions {
  return {
    signer,
    ownCertificate: recipe.own.der,
    ...(recipe.encryptTo === undefined
      ? {}
      : {
          encryptTo: {
            certificates: recipe.encryptTo.certificates.map((c) => c.der),
            cipher: recipe.encryptTo.cipher.name,
          },
        }),
    time,
  };
}
