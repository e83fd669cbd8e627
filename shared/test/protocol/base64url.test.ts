import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase64url, encodeBase64url } from "../../src/index.js";
import { rejectsWith } from "./support.js";

describe("base64url (RFC 4648 5, no padding)", () => {
  it("encodes as Node's base64url does and decodes back, on random inputs", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = encodeBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64url"));
        expect(decodeBase64url(text)).toEqual(new Uint8Array(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("decodes what Node encodes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(decodeBase64url(Buffer.from(bytes).toString("base64url"))).toEqual(new Uint8Array(bytes));
      }),
    );
  });

  it("gives the RFC 4648 10 test vectors in the URL-safe alphabet", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase64url(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(decodeBase64url(encoded))).toBe(plain);
    }
    expect(encodeBase64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe("-_-_");
  });

  it("refuses padding, the standard alphabet, whitespace, impossible lengths and non-canonical bits", async () => {
    for (const bad of ["Zg==", "Zm8=", "+/+/", "Zm 9v", "Zm9v\n", "Z", "Zm9vY", "Zh", "Zm9", "é", "Zm9v\u0000"]) {
      const error = await rejectsWith(() => decodeBase64url(bad, "the token"), "MALFORMED_BASE64URL");
      expect(error.message).toMatch(/^the token is not base64url: /);
    }
    expect(decodeBase64url("Zm8")).toEqual(new TextEncoder().encode("fo")); // Zm9 differs only in unused bits
  });

  it("refuses every string Node would decode to other bytes than it re-encodes to", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."AZaz09-_+/=. "), maxLength: 12 }), (text) => {
        let decoded: Uint8Array | undefined;
        try {
          decoded = decodeBase64url(text);
        } catch {
          return;
        }
        expect(encodeBase64url(decoded)).toBe(text); // one text form per value
      }),
      { numRuns: 2000 },
    );
  });
});
