// RC2CBCParameter (RFC 3370 5.2, RFC 2268 6): the version -> effective key bits mapping, the bare
// IV form, and the refusals. Whole RC2 messages (RFC 4134 5.2, OpenSSL's -rc2-40/-64/-128) are in
// test/interop.
import * as asn1js from "asn1js";
import { describe, expect, it } from "vitest";
import { rc2CbcParameters } from "../../src/cms/algorithms.js";

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
