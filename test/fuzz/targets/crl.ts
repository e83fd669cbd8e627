// CRLs (RFC 5280 5) as the clients read the one the service serves: parseCrl on DER, each entry's
// serial, revocation date and reason code; the signature is not checked here (no issuer key).
import { parseCrl } from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { BER_TOKENS, sample } from "./support.js";

const target: FuzzTarget = {
  // A CRL made by `openssl ca -gencrl` (test/fuzz/seeds/SOURCES.md): version 2, an authority key
  // identifier and a CRL number, one entry with a reason code.
  seeds: (root) => [sample(root, "test/fuzz/seeds/openssl-keycompromise.crl")],
  dictionary: BER_TOKENS,
  run(data) {
    parseCrl(data);
  },
};
export default target;
