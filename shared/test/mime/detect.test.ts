import { describe, expect, it } from "vitest";
import { detectSmime, parseHeaderFields } from "../../src/index.js";
import { bytes } from "./support.js";

const detect = (header: string) => detectSmime(parseHeaderFields(bytes(header)));
const notSmime = (header: string) => {
  try {
    detect(header);
  } catch (error) {
    expect((error as { code: string }).code).toBe("NOT_SMIME");
    return (error as Error).message;
  }
  throw new Error("detected as S/MIME");
};

describe("detectSmime (RFC 8551 3.2, 3.5)", () => {
  it("reads smime-type, case-insensitively, from pkcs7-mime and x-pkcs7-mime", () => {
    for (const type of ["enveloped-data", "authEnveloped-data", "signed-data", "certs-only", "compressed-data"]) {
      expect(detect(`Content-Type: application/pkcs7-mime; smime-type=${type.toUpperCase()}\r\n`)).toMatchObject({
        kind: "pkcs7-mime",
        smimeType: type,
        transferEncoding: "7bit",
      });
    }
    expect(
      detect(
        "Content-Type: application/x-pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: BASE64\r\n",
      ),
    ).toMatchObject({ kind: "pkcs7-mime", smimeType: "enveloped-data", transferEncoding: "base64" });
  });

  it("without smime-type, goes by the file name extension", () => {
    const of = (header: string) => (detect(header) as { smimeType?: string }).smimeType;
    expect(of("Content-Type: application/pkcs7-mime; name=smime.p7m\r\n")).toBeUndefined();
    expect(of("Content-Type: application/pkcs7-mime; name=smime.p7c\r\n")).toBe("certs-only");
    expect(of("Content-Type: application/x-pkcs7-mime\r\nContent-Disposition: attachment; filename=X.P7S\r\n")).toBe(
      "signed-data",
    );
    expect(of("Content-Type: application/pkcs7-mime\r\n")).toBeUndefined();
    expect(of("Content-Type: application/pkcs7-mime; smime-type=unknown-type\r\n")).toBeUndefined();
  });

  it("takes application/octet-stream named *.p7m, as Outlook sends it", () => {
    expect(detect("Content-Type: application/octet-stream; name=smime.p7m\r\n")).toMatchObject({
      kind: "pkcs7-mime",
      smimeType: undefined,
    });
    expect(
      detect(
        "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=utf-8''SMIME.P7M\r\n",
      ),
    ).toMatchObject({ kind: "pkcs7-mime" });
  });

  it("takes multipart/signed with the pkcs7-signature protocol, giving boundary and micalg", () => {
    expect(
      detect(
        'Content-Type: multipart/signed; protocol="application/x-pkcs7-signature"; micalg="SHA-256, sha-1"; boundary=xyz\r\n',
      ),
    ).toMatchObject({ kind: "multipart-signed", boundary: "xyz", micalg: ["sha-256", "sha-1"] });
    expect(() => detect('Content-Type: multipart/signed; protocol="application/pkcs7-signature"\r\n')).toThrow(
      expect.objectContaining({ code: "MALFORMED_MIME" }),
    );
  });

  it("says precisely why an entity is not S/MIME", () => {
    expect(notSmime("Subject: plain\r\n")).toBe("text/plain is not an S/MIME type");
    expect(notSmime('Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=x\r\n')).toContain(
      "application/pgp-signature",
    );
    expect(notSmime("Content-Type: multipart/signed; boundary=x\r\n")).toContain("without a protocol");
    expect(notSmime("Content-Type: application/octet-stream; name=report.pdf\r\n")).toContain('"report.pdf"');
    expect(notSmime("Content-Type: application/octet-stream\r\n")).toContain("without a file name");
    expect(notSmime("Content-Type: application/pkcs7-signature\r\n")).toContain("detached signature");
  });

  it("gives MALFORMED_MIME for a Content-Type that does not parse", () => {
    expect(() => detect("Content-Type: application\r\n")).toThrow(expect.objectContaining({ code: "MALFORMED_MIME" }));
  });
});
