// RSA keys from JSON Web Keys (RFC 7518 6.3), the form WebCrypto and node:crypto export them in.
import { CryptoError } from "../errors.js";
import type { RsaPrivateKey, RsaPublicKey } from "./index.js";

/** RFC 7515 2: base64url without padding, to bytes. */
function fromBase64Url(field: string, value: string | undefined): Uint8Array {
  if (value === undefined || !/^[A-Za-z0-9_-]*$/.test(value)) {
    throw new CryptoError("INVALID_KEY", `RSA JWK: "${field}" is missing or not base64url`);
  }
  const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function rsaPublicKeyFromJwk(jwk: JsonWebKey): RsaPublicKey {
  if (jwk.kty !== "RSA") throw new CryptoError("INVALID_KEY", `RSA JWK: kty must be "RSA", got ${String(jwk.kty)}`);
  return { n: fromBase64Url("n", jwk.n), e: fromBase64Url("e", jwk.e) };
}

/** Needs the CRT parameters (RFC 7518 6.3.2); a key with only n, e, d is refused. */
export function rsaPrivateKeyFromJwk(jwk: JsonWebKey): RsaPrivateKey {
  return {
    ...rsaPublicKeyFromJwk(jwk),
    d: fromBase64Url("d", jwk.d),
    p: fromBase64Url("p", jwk.p),
    q: fromBase64Url("q", jwk.q),
    dp: fromBase64Url("dp", jwk.dp),
    dq: fromBase64Url("dq", jwk.dq),
    qi: fromBase64Url("qi", jwk.qi),
  };
}
