// What the client flows need of the crypto core: the S/MIME layer's operations and loading RSA
// private keys (CoreService, in process or through its worker proxy, satisfies it).
import type { RsaPrivateKey } from "@mailseal/core-wasm";
import type { KeyTransportPrivateKey } from "../cms/recipient-info.js";
import type { RsaSigningKey } from "../cms/signer-info.js";
import type { SmimeCore } from "../smime/core.js";

export interface LoadedRsaKey extends KeyTransportPrivateKey, RsaSigningKey {
  dispose(): void;
}

export type MailflowCore = SmimeCore & {
  loadRsaPrivateKey(key: RsaPrivateKey): Promise<LoadedRsaKey>;
};
