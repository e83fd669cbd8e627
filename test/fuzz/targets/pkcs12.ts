// PKCS #12 (RFC 7292) as `decrypt --p12` and the add-in's import read it: readPkcs12 with the right
// password, so inputs get past the MAC into the bags, the shrouded key and the certificates.
import { decodePem, readPkcs12, writePkcs12 } from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { BER_TOKENS, openCore, sample, theCore } from "./support.js";

const PASSWORD = "test";

const target: FuzzTarget = {
  async seeds(root) {
    // RFC 4134 Bob's file (PBE-SHA1-3DES, as older tools write) and one as mailseal writes it (PBES2).
    // Low iteration counts keep executions fast; the reader's bound on them is fuzzed all the same.
    const pem = (path: string) => decodePem(new TextDecoder().decode(sample(root, path)))[0]!.der;
    const written = await writePkcs12({
      pkcs8: pem("test/interop/samples/pyca-rsa_key.pem"),
      certificate: pem("test/interop/samples/pyca-rsa_ca.pem"),
      password: PASSWORD,
      iterations: 1,
      macIterations: 1,
    });
    // And openssl pkcs12 -legacy: pbeWithSHAAnd40BitRC2-CBC certificates (RFC 7292 C), 3DES key.
    return [
      sample(root, "test/interop/samples/rfc4134-BobRSA.p12"),
      written,
      sample(root, "test/fuzz/seeds/openssl-legacy-rc2-40.p12"),
    ];
  },
  dictionary: BER_TOKENS,
  setup: async () => void (await openCore()),
  async run(data) {
    await readPkcs12(data, PASSWORD, theCore());
  },
};
export default target;
