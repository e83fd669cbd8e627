import { CryptoError } from "../errors.js";
import { CoreContext } from "../wasm/context.js";
import type { AesCore } from "./exports.js";

export { withCopy } from "../wasm/context.js";

/** Checks an AES key length (FIPS 197: 128, 192 or 256 bits). */
export function checkAesKey(algorithm: string, key: Uint8Array): void {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new CryptoError("INVALID_KEY", `${algorithm}: key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

/** An AES context (aes_ctx_size() bytes) with the shared streaming bookkeeping. */
export class AesContext extends CoreContext<AesCore["exports"]> {
  constructor(core: AesCore, algorithm: string) {
    super(core, algorithm, core.exports.aes_ctx_size());
  }
}
