// RC2CBCParameter (RFC 3370 5.2, RFC 2268 6): the version -> effective key bits mapping, the bare
// IV form, and the refusals. Whole RC2 messages (RFC 4134 5.2, OpenSSL's -rc2-40/-64/-128) are in
// test/interop. The content digests of SignedData, SHAKE256 for Ed448 (RFC 8419 3.1) among them;
// whole Ed448 messages are in test/interop (public-samples, hostile).
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { describe, expect, it } from "vitest";
import { contentDigestAlgorithm, contentDigestOf, rc2CbcParameters } from "../../src/cms/algorithms.js";
import { micalgOf } from "../../src/mime/rfc8551-writer.js";

const iv = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const params = (version: number, ivBytes: Uint8Array = iv) =>
  new asn1js.Sequence({
    value: [new asn1js.Integer({ value: version }), new asn1js.OctetString({ valueHex: ivBytes })],
  });

describe("rc2CbcParameters", () => {
  it.each([
    [160, 40, 5],
    [120, 64, 8],
    [58, 128, 16],
    [256, 256, 32],
    [1024, 1024, 128],
  ])("rc2ParameterVersion %i: %i effective bits, a %i-byte key", (version, bits, keyLength) => {
    expect(rc2CbcParameters(params(version))).toEqual({ iv, effectiveKeyBits: bits, keyLength });
  });

  it("the bare IV (RFC 2268 6): 32 effective bits, a 4-byte key", () => {
    expect(rc2CbcParameters(new asn1js.OctetString({ valueHex: iv }))).toEqual({
      iv,
      effectiveKeyBits: 32,
      keyLength: 4,
    });
  });

  it("other versions are UNSUPPORTED_ALGORITHM; a wrong IV, missing or extra fields are MALFORMED_CMS", () => {
    for (const version of [0, 40, 121, 255, 1025, -1]) {
      expect(() => rc2CbcParameters(params(version))).toThrow(
        expect.objectContaining({ code: "UNSUPPORTED_ALGORITHM" }),
      );
    }
    for (const bad of [
      params(160, new Uint8Array(7)),
      params(160, new Uint8Array(16)),
      new asn1js.OctetString({ valueHex: new Uint8Array(9) }),
      new asn1js.Sequence({ value: [new asn1js.Integer({ value: 160 })] }),
      new asn1js.Sequence({ value: [...params(160).valueBlock.value, new asn1js.Null()] }),
      new asn1js.Null(),
      undefined,
    ]) {
      expect(() => rc2CbcParameters(bad)).toThrow(expect.objectContaining({ code: "MALFORMED_CMS" }));
    }
  });
});

describe("content digests (SignedData)", () => {
  const hex = (bytes: ArrayBuffer) => Buffer.from(bytes).toString("hex");
  const identifier = (der: string) =>
    new pkijs.AlgorithmIdentifier({ schema: asn1js.fromBER(Buffer.from(der, "hex")).result });
  // hashAlgs (2.16.840.1.101.3.4.2) 18 and 12, DER.
  const SHAKE256_LEN = "0609608648016503040212";
  const SHAKE256 = "060960864801650304020c";

  it("SHAKE256 is written as id-shake256-len with ShakeOutputLen 512, INTEGER 02 02 02 00 (RFC 8419 3.1)", () => {
    expect(hex(contentDigestAlgorithm("SHAKE256").toSchema().toBER())).toBe(`300f${SHAKE256_LEN}02020200`);
    expect(hex(contentDigestAlgorithm("SHA-512").toSchema().toBER())).toBe("300b0609608648016503040203");
    expect(micalgOf("SHAKE256")).toBe("unknown");
    expect(micalgOf("SHA-512")).toBe("sha-512");
  });

  it("reads id-shake256-len 512 and id-shake256 without parameters (RFC 8702 3.1) as SHAKE256, SHA-2 as before", () => {
    expect(contentDigestOf(identifier(`300f${SHAKE256_LEN}02020200`))).toBe("SHAKE256");
    expect(contentDigestOf(identifier(`300b${SHAKE256}`))).toBe("SHAKE256");
    expect(contentDigestOf(identifier("300b0609608648016503040203"))).toBe("SHA-512");
    expect(contentDigestOf(identifier("300d06096086480165030402030500"))).toBe("SHA-512");
  });

  it("another SHAKE256 length, none, a non-minimal 512 or parameters on id-shake256: UNSUPPORTED_ALGORITHM; a length that is no INTEGER: MALFORMED_CMS", () => {
    for (const der of [
      `300f${SHAKE256_LEN}02020100`, // 256 bits
      `3010${SHAKE256_LEN}0203000200`, // 512, not DER
      `300e${SHAKE256_LEN}020140`, // 64 (bytes, not bits)
      `300b${SHAKE256_LEN}`, // no length
      `300d${SHAKE256}0500`, // id-shake256 with NULL
      "300b0609608648016503040208", // SHA3-256: not a SignedData digest here
    ]) {
      expect(() => contentDigestOf(identifier(der)), der).toThrow(
        expect.objectContaining({ code: "UNSUPPORTED_ALGORITHM" }),
      );
    }
    expect(() => contentDigestOf(identifier(`300f${SHAKE256_LEN}04020200`))).toThrow(
      expect.objectContaining({ code: "MALFORMED_CMS" }),
    );
  });
});
