// The public S/MIME samples: every one parses, is detected as what it is, and its parts come out exactly.
import { CoreService } from "@mailseal/core-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  canonicalizeLineEnds,
  decodeBody,
  detectSmime,
  openMultipartSigned,
  readAll,
  readHeader,
  splitMessage,
  type SmimeEntity,
} from "../../src/index.js";
import { byteByByte, chunked, collect, emlFixtures, fixture, latin1 } from "./support.js";

let core: CoreService;
beforeAll(async () => {
  core = await CoreService.open({ aes: "wasm" });
});

/** The outermost protection, from the fixture's name (see fixtures/SOURCES.md). */
function expectedKind(path: string): { kind: SmimeEntity["kind"]; smimeType?: string } {
  const name = path.split("/")[1]!;
  if (path.startsWith("pyca/") || /^5\.\d\.eml$/.test(name)) return { kind: "pkcs7-mime", smimeType: "enveloped-data" };
  if (name === "4.8.eml") return { kind: "multipart-signed" };
  if (name === "4.9.eml") return { kind: "pkcs7-mime", smimeType: "signed-data" };
  const steps = name.replace(/\.eml$/, "").match(/env|opaque|multipart/g) ?? [];
  const last = steps[steps.length - 1];
  if (last === "multipart") return { kind: "multipart-signed" };
  return { kind: "pkcs7-mime", smimeType: last === "env" ? "enveloped-data" : "signed-data" };
}

const DER_SEQUENCE = 0x30;

describe("public S/MIME samples (Thunderbird/NSS, RFC 4134, pyca)", () => {
  const paths = emlFixtures();

  it("has them all", () => {
    expect(paths.length).toBe(75);
  });

  it.each(paths)("%s parses and is detected as its kind", async (path) => {
    const { outer, entity } = await splitMessage(canonicalizeLineEnds(chunked(fixture(path), [100, 333])));
    expect(outer.some((field) => field.lowerName === "from")).toBe(true);
    const detected = detectSmime(entity.fields);
    const expected = expectedKind(path);
    expect(detected.kind).toBe(expected.kind);
    if (detected.kind === "pkcs7-mime") {
      expect(detected.smimeType).toBe(expected.smimeType);
      expect(detected.transferEncoding).toBe("base64");
      const der = await readAll(decodeBody(core, detected.transferEncoding, entity.body), 1 << 20, "body");
      expect(der[0]).toBe(DER_SEQUENCE); // a ContentInfo
      return;
    }
    const signed = await openMultipartSigned(core, entity.body, detected.boundary);
    const content = await collect(signed.content);
    const signature = await signed.signature();
    expect(signature.contentType.mediaType).toBe("application/pkcs7-signature");
    expect(signature.der[0]).toBe(DER_SEQUENCE);
    // The content is exactly what lies between the first boundary line and the CRLF before the second.
    const whole = latin1(await collect(canonicalizeLineEnds(chunked(fixture(path)))));
    const dash = `--${detected.boundary}`;
    const start = whole.indexOf(`${dash}\r\n`) + dash.length + 2;
    expect(latin1(content)).toBe(whole.slice(start, whole.indexOf(`\r\n${dash}`, start)));
  });

  it("gives the signed content of RFC 4134 4.8 as openssl verifies it, from LF input in one-byte chunks", async () => {
    const { entity } = await splitMessage(canonicalizeLineEnds(byteByByte(fixture("rfc4134/4.8.eml"))));
    const detected = detectSmime(entity.fields);
    if (detected.kind !== "multipart-signed") throw new Error("not multipart/signed");
    expect(detected.micalg).toEqual(["sha1"]);
    const signed = await openMultipartSigned(core, entity.body, detected.boundary);
    expect(await collect(signed.content)).toEqual(fixture("rfc4134/4.8.out"));
    expect((await signed.signature()).der.length).toBeGreaterThan(800);
  });

  it("detects the decrypted inner entities of the Thunderbird samples", async () => {
    const inner = async (name: string) =>
      detectSmime((await readHeader(chunked(fixture(`thunderbird/${name}`)))).fields);
    expect((await inner("alice.dsig.SHA256.multipart.env.out")).kind).toBe("multipart-signed");
    expect(await inner("alice.sig.SHA256.opaque.env.out")).toMatchObject({ smimeType: "signed-data" });
    expect(await inner("alice.html.sig.SHA256.opaque.env.out")).toMatchObject({ smimeType: "signed-data" });
    await expect(inner("alice.env.out")).rejects.toMatchObject({ code: "NOT_SMIME" });
  });
});
