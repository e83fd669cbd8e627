// The reader's key history as decryption keys: every released key of every account on this device
// (DeviceState.keys with their PKCS#8), loaded into the core. decryptMessage picks the one the
// RecipientInfo names; PKCS#1 v1.5's implicit rejection means keys are matched, never tried.
import type { CoreService } from "@mailseal/core-wasm";
import { decodeBase64url, parseCertificate, readPrivateKey, type RecipientKey } from "@mailseal/shared";
import type { Remote } from "comlink";
import type { StateStore } from "./mailflow-types.js";

export interface LoadedKeys {
  keys: RecipientKey[];
  dispose(): Promise<void>;
}

export async function loadKeyHistory(store: StateStore, core: Remote<CoreService>): Promise<LoadedKeys> {
  const keys: RecipientKey[] = [];
  const loaded: { dispose(): unknown }[] = [];
  for (const address of await store.list()) {
    const state = await store.load(address);
    for (const key of state?.keys ?? []) {
      if (key.pkcs8 === undefined) continue;
      const certificate = parseCertificate(decodeBase64url(key.certificate, "certificate"));
      const privateKey = await core.loadRsaPrivateKey(await readPrivateKey(decodeBase64url(key.pkcs8, "pkcs8")));
      loaded.push(privateKey);
      keys.push({ certificate, privateKey });
    }
  }
  return {
    keys,
    async dispose() {
      await Promise.all(loaded.map((key) => key.dispose()));
    },
  };
}
