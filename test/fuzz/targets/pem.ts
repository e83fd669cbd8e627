// PEM (RFC 7468) certificate and key files as `--cert`, `--key`, `--recipient` and `--ca` read them:
// readCertificates on PEM text, and on the same the `--key` readers in the command's order
// (cli/src/commands/sign.ts): readPqPrivateKey (ML-KEM, ML-DSA), readPrivateKey (RSA: PKCS #8, PKCS #1,
// encrypted PKCS #8), readEcPrivateKey, readRfc8410PrivateKey (X25519, X448, Ed25519, Ed448).
import {
  hasCode,
  readCertificates,
  readEcPrivateKey,
  readPqPrivateKey,
  readPrivateKey,
  readRfc8410PrivateKey,
} from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { samples } from "./support.js";

const target: FuzzTarget = {
  seeds: (root) => [
    ...samples(root, "shared/test/pki/fixtures", (name) => /\.(pem|crt)$/.test(name)),
    ...samples(root, "test/interop/samples", (name) => /\.(pem|crt|key)$/.test(name)),
    // LAMPS examples: ML-DSA and ML-KEM certificates, their keys (seed and expanded forms).
    ...["cms-kyber", "ml-dsa-certificates"].flatMap((folder) =>
      samples(root, `shared/test/cms/fixtures/pq-cms/${folder}`, (name) => /\.(pem|crt|priv)$/.test(name)),
    ),
    // Ed448 and X448 certificates and keys (seeds/SOURCES.md).
    ...samples(root, "test/fuzz/seeds", (name) => /^openssl-(ed|x)448.*\.(crt|key)$/.test(name)),
  ],
  dictionary: [
    "-----BEGIN CERTIFICATE-----\n",
    "-----END CERTIFICATE-----\n",
    "-----BEGIN PRIVATE KEY-----\n",
    "-----END PRIVATE KEY-----\n",
    "-----BEGIN RSA PRIVATE KEY-----\n",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
    "-----BEGIN EC PRIVATE KEY-----\n",
    "-----END ENCRYPTED PRIVATE KEY-----\n",
    "Proc-Type: 4,ENCRYPTED\n",
    "-----BEGIN ",
    "-----END ",
    "-----",
    "=",
    "==",
    "\n",
    " ",
  ],
  maxLength: 128 * 1024,
  async run(data) {
    if (data[data.length - 1]! & 1) {
      if (readPqPrivateKey(data) !== undefined) return;
      // Each next reader only when the one before says the key is not its algorithm.
      const next = (read: () => Promise<unknown>) => (error: unknown) => {
        if (!hasCode(error, "UNSUPPORTED_ALGORITHM")) throw error;
        return read();
      };
      await readPrivateKey(data, "test")
        .catch(next(() => readEcPrivateKey(data, "test")))
        .catch(next(() => readRfc8410PrivateKey(data, "test")));
    } else readCertificates(data);
  },
};
export default target;
