// shared's host-side flows (sending: prepareSend; the CRL refresh) take the crypto step they need as
// a function; these run it in the engine (one call each).
import type { CrlCheck, PathCheck } from "@mailseal/shared";
import type { Engine } from "./api.js";

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
