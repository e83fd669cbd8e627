// PEM (RFC 7468) certificate and key files as `--cert`, `--key`, `--recipient` and `--ca` read them:
// readCertificates on PEM text, and readPrivateKey (PKCS #8, PKCS #1, encrypted PKCS #8) on the same.
import { readCertificates, readPrivateKey } from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { samples } from "./support.js";

const target: FuzzTarget = {
  seeds: (root) => [
    ...samples(root, "shared/test/pki/fixtures", (name) => /\.(pem|crt)$/.test(name)),
    ...samples(root, "test/interop/samples", (name) => /\.(pem|crt|key)$/.test(name)),
  ],
  dictionary: [
    "-----BEGIN CERTIFICATE-----\n",
    "-----END CERTIFICATE-----\n",
    "-----BEGIN PRIVATE KEY-----\n",
    "-----END PRIVATE KEY-----\n",
    "-----BEGIN RSA PRIVATE KEY-----\n",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
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
    if (data[data.length - 1]! & 1) await readPrivateKey(data, "test");
    else readCertificates(data);
  },
};
export default target;
