// The bench's openssl PKI as the engine's accounts: device states as a host keeps them
// (shared/src/mailflow/state.ts): certificates and PKCS#8 keys as base64url DER, the signing key as a
// private JWK, the bench CA as the service's root.
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { encodeBase64url, readCertificates, STATE_VERSION, type DeviceState, type StoredKey } from "@mailseal/shared";

/** DER of the first certificate in a PEM file. */
export function certificateDer(pemPath: string): Uint8Array {
  const certificate = readCertificates(new Uint8Array(readFileSync(pemPath)))[0];
  if (certificate === undefined) throw new Error(`${pemPath} holds no certificate`);
  return certificate.der;
}

export interface AccountKeys {
  readonly address: string;
  /** The PKI's CA certificate (PEM): the root the account's signatures are checked against. */
  readonly root: string;
  /** The encryption keys, oldest first; the last is the current one (PEM files). */
  readonly keys: readonly { cert: string; key: string }[];
  /** The signing key and its certificate (PEM files), issued by the root itself (no chain). */
  readonly signing?: { cert: string; key: string };
}

export function benchAccount(account: AccountKeys): DeviceState {
  const keys = account.keys.map(({ cert, key }, i): StoredKey => ({
    keyId: `key-${i + 1}`,
    certificate: encodeBase64url(certificateDer(cert)),
    status: i === account.keys.length - 1 ? "current" : "retired",
    protection: "none",
    commitment: "bench",
    pkcs8: encodeBase64url(
      new Uint8Array(createPrivateKey(readFileSync(key)).export({ format: "der", type: "pkcs8" })),
    ),
  }));
  const signing = account.signing;
  return {
    version: STATE_VERSION,
    address: account.address,
    deviceName: "bench",
    // Never called: the bench reads and seals offline.
    service: {
      api: "http://127.0.0.1:1",
      shareStores: { "share-a": "http://127.0.0.1:1", "share-b": "http://127.0.0.1:1" },
    },
    deviceId: `${account.address}-bench`,
    ...(signing === undefined
      ? {}
      : {
          signing: {
            privateKey: createPrivateKey(readFileSync(signing.key)).export({ format: "jwk" }),
            certificate: encodeBase64url(certificateDer(signing.cert)),
            chain: [],
          },
        }),
    root: encodeBase64url(certificateDer(account.root)),
    keys,
  };
}
