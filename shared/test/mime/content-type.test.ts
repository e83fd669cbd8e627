import { describe, expect, it } from "vitest";
import {
  boundaryOf,
  contentDispositionOf,
  contentTypeOf,
  parseContentDisposition,
  parseContentType,
  parseHeaderFields,
  transferEncodingOf,
} from "../../src/index.js";
import { bytes, smimeError } from "./support.js";

const sync = async (f: () => unknown) => f();
const params = (value: string) => Object.fromEntries(parseContentType(value).parameters);

describe("Content-Type (RFC 2045 5.1)", () => {
  it("parses type, subtype and parameters case-insensitively, values as sent", () => {
    const type = parseContentType('Application/PKCS7-MIME; Smime-Type=enveloped-data; name="smime.p7m"');
    expect(type.type).toBe("application");
    expect(type.subtype).toBe("pkcs7-mime");
    expect(type.mediaType).toBe("application/pkcs7-mime");
    expect(Object.fromEntries(type.parameters)).toEqual({ "smime-type": "enveloped-data", name: "smime.p7m" });
  });

  it("takes quoted strings with escapes, comments, whitespace and a trailing ';'", () => {
    expect(params('text/plain (a comment (nested)) ; charset = "us-\\"ascii\\"" ; ')).toEqual({
      charset: 'us-"ascii"',
    });
    expect(params('multipart/signed;\r\n\tboundary="a b;c";micalg=sha-256 (hint)')).toEqual({
      boundary: "a b;c",
      micalg: "sha-256",
    });
  });

  it("tolerates unquoted values with '=' and '/' as mailers send them", () => {
    expect(params("multipart/mixed; boundary=----=_Part_1/2")).toEqual({ boundary: "----=_Part_1/2" });
  });

  it("joins RFC 2231 continuations and decodes charsets", () => {
    expect(params('application/x; name*0="smime"; name*1=.p7m')).toEqual({ name: "smime.p7m" });
    expect(params("application/x; name*=utf-8''caf%C3%A9.p7m")).toEqual({ name: "café.p7m" });
    expect(params("application/x; name*0*=iso-8859-1'fr'caf%E9; name*1=\".p7m\"")).toEqual({ name: "café.p7m" });
    expect(params("application/x; name*1=b; name*0=a; name=plain")).toEqual({ name: "ab" });
  });

  it("rejects malformed values with MALFORMED_MIME and a precise message", async () => {
    const cases = [
      "",
      "text",
      "text/",
      "/plain",
      "text/plain; charset",
      "text/plain; charset=",
      'text/plain; charset="open',
      "text/plain (open comment",
      "text/plain; a=1; A=2",
      "text/plain x=1",
      "application/x; name*1=a",
      "application/x; name*0=a; name*2=c",
      "application/x; name*0=a; name*00=b",
      "application/x; name*100=a",
      "application/x; name*=nocharset",
    ];
    for (const value of cases) {
      const error = await smimeError(
        sync(() => parseContentType(value)),
        "MALFORMED_MIME",
      );
      expect(error.message).toMatch(/^Content-Type: /);
    }
  });

  it("defaults to text/plain us-ascii and rejects two Content-Type fields", async () => {
    const fallback = contentTypeOf(parseHeaderFields(bytes("Subject: x\r\n")));
    expect(fallback.mediaType).toBe("text/plain");
    expect(fallback.parameters.get("charset")).toBe("us-ascii");
    await smimeError(
      sync(() => contentTypeOf(parseHeaderFields(bytes("Content-Type: a/b\r\nContent-type: c/d\r\n")))),
      "MALFORMED_MIME",
    );
  });

  it("checks the multipart boundary (RFC 2046 5.1.1)", async () => {
    expect(boundaryOf(parseContentType('multipart/signed; boundary="a b"'))).toBe("a b");
    for (const value of [
      "multipart/signed",
      'multipart/signed; boundary=""',
      `multipart/x; boundary=${"a".repeat(71)}`,
    ]) {
      await smimeError(
        sync(() => boundaryOf(parseContentType(value))),
        "MALFORMED_MIME",
      );
    }
    await smimeError(
      sync(() => boundaryOf(parseContentType('multipart/x; boundary="trailing "'))),
      "MALFORMED_MIME",
    );
  });
});

describe("Content-Transfer-Encoding (RFC 2045 6) and Content-Disposition (RFC 2183)", () => {
  it("gives the mechanism in lower case, 7bit by default", async () => {
    const of = (header: string) => transferEncodingOf(parseHeaderFields(bytes(header)));
    expect(of("Content-Transfer-Encoding: Base64 (comment)\r\n")).toBe("base64");
    expect(of("Subject: x\r\n")).toBe("7bit");
    await smimeError(
      sync(() => of("Content-Transfer-Encoding: base64 junk\r\n")),
      "MALFORMED_MIME",
    );
  });

  it("parses the disposition type and filename", () => {
    const disposition = parseContentDisposition('Attachment; filename="smime.p7m"; size=12');
    expect(disposition.type).toBe("attachment");
    expect(disposition.parameters.get("filename")).toBe("smime.p7m");
    expect(contentDispositionOf(parseHeaderFields(bytes("X: y\r\n")))).toBeUndefined();
  });
});
