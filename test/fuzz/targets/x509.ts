// X.509 certificates (RFC 5280) as every command and the directory read them: readCertificates on
// DER (one or several concatenated), each parsed whole: names, extensions, the public key.
import { decodePem, readCertificates } from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { BER_TOKENS, sample, samples } from "./support.js";

const target: FuzzTarget = {
  seeds: (root) => [
    ...samples(root, "shared/test/pki/fixtures", (name) => name.endsWith(".cer")),
    // PEM certificates: the fixtures, the RFC 9216 samples, the LAMPS ML-DSA and ML-KEM examples, and
    // the Ed448 and X448 ones of seeds/ (SOURCES.md there).
    ...[
      "shared/test/pki/fixtures",
      "test/interop/samples",
      "shared/test/cms/fixtures/pq-cms/cms-kyber",
      "shared/test/cms/fixtures/pq-cms/ml-dsa-certificates",
      "test/fuzz/seeds",
    ].flatMap((folder) =>
      samples(root, folder, (name) => /\.(pem|crt)$/.test(name)).flatMap((pem) =>
        decodePem(new TextDecoder().decode(pem))
          .filter((block) => block.label === "CERTIFICATE")
          .map((block) => block.der),
      ),
    ),
    sample(root, "shared/test/pki/fixtures/CarlRSASelf.cer"),
  ],
  dictionary: BER_TOKENS,
  run(data) {
    // DER only: PEM text is the pem target's.
    if (data[0] === 0x2d) return;
    readCertificates(data);
  },
};
export default target;
