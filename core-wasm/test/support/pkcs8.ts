// Just enough DER to read the RSAPrivateKey inside a PKCS #8 PrivateKeyInfo (RFC 5208 section 5,
// RFC 8017 appendix A.1.2), for test vectors that give a private key only in that form. Test code
// that also runs in the browser, so no node:crypto.
import type { RsaPrivateKey } from "../../src/rsa/index.js";

interface Tlv {
  tag: number;
  value: Uint8Array;
  end: number;
}

function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  if (start + length > der.length) throw new Error("DER: length runs past the end");
  return { tag, value: der.subarray(start, start + length), end: start + length };
}

function children(value: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = 0; offset < value.length; offset = out[out.length - 1]!.end) out.push(readTlv(value, offset));
  return out;
}

export function rsaPrivateKeyFromPkcs8(der: Uint8Array): RsaPrivateKey {
  const info = children(readTlv(der, 0).value); // version, algorithm, privateKey OCTET STRING
  const octets = info[2];
  if (octets?.tag !== 0x04) throw new Error("PKCS #8: no privateKey OCTET STRING");
  const ints = children(readTlv(octets.value, 0).value).map((t) => {
    if (t.tag !== 0x02) throw new Error("RSAPrivateKey: expected INTEGER");
    return t.value;
  });
  const [, n, e, d, p, q, dp, dq, qi] = ints;
  if (qi === undefined) throw new Error("RSAPrivateKey: too few fields");
  return { n: n!, e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi };
}
