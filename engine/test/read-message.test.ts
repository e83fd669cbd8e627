// The reader of the add-in (decrypt with the key history, render model) in Node with the core in
// process, on messages made by openssl cms: what the display script is given, checked byte for byte.
import { CoreService } from "@mailseal/core-wasm";
import { parseCertificate, readHeader, readPrivateKey, decodePem, type RecipientKey } from "@mailseal/shared";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opensslEncrypt } from "../../test/interop/peers/openssl.js";
import { testPki, type Identity } from "../../test/interop/peers/pki.js";
import { releaseAll } from "../../test/interop/peers/run.js";
import { bannerView, plainWords } from "../src/words/plain-words.js";
import {
  bannerOf,
  contentIdOf,
  decodeQuotedPrintable,
  MAX_INLINE_IMAGE,
  readEncryptedMessage,
  renderEntity,
} from "../src/reader/read-message.js";

let core: CoreService;
let bob: Identity;
let alice: Identity;

async function keyOf(identity: Identity): Promise<RecipientKey> {
  const certificate = parseCertificate(decodePem(identity.certPem)[0]!.der);
  const privateKey = await core.loadRsaPrivateKey(await readPrivateKey(readFileSync(identity.keyPath)));
  return { certificate, privateKey };
}

const HEAD = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: test\r\n";

beforeAll(async () => {
  core = await CoreService.open();
  const pki = await testPki();
  bob = pki.bob;
  alice = pki.alice;
});
afterAll(() => releaseAll());

describe("readEncryptedMessage", () => {
  it("renders a multipart message: quoted-printable text, HTML, an attachment with its decoded size", async () => {
    const attachment = Buffer.alloc(300_000, 0xa5);
    const b64 = attachment.toString("base64").replace(/.{76}/g, "$&\r\n");
    const entity = Buffer.from(
      'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n' +
        "--outer\r\n" +
        'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n' +
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
        "Gr=C3=BC=C3=9Fe, Bob: a long line that is =\r\nsoft-wrapped\r\n" +
        "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Gr\u00fc\u00dfe <b>Bob</b></p>\r\n" +
        "--alt--\r\n" +
        "--outer\r\n" +
        'Content-Type: application/octet-stream; name="data.bin"\r\n' +
        'Content-Disposition: attachment; filename="data.bin"\r\n' +
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        b64 +
        "\r\n--outer--\r\n",
    );
    const smime = await opensslEncrypt(entity, [bob], { cipher: "aes-256-cbc", form: "smime", crlf: true });
    const model = await readEncryptedMessage([Buffer.from(HEAD), smime], [await keyOf(alice), await keyOf(bob)], core);
    expect(model?.banner).toEqual({ kind: "encrypted", cipher: "aes-256-cbc", detail: "Encrypted (aes-256-cbc)" });
    // The CRLF before a boundary line belongs to the boundary (RFC 2046 5.1.1), not to the part.
    expect(model?.body).toEqual({
      kind: "html",
      html: "<p>Grüße <b>Bob</b></p>",
      text: "Grüße, Bob: a long line that is soft-wrapped",
    });
    expect(model?.attachments).toEqual([
      { name: "data.bin", contentType: "application/octet-stream", size: attachment.length },
    ]);
  });

  it("leaves plain and clear-signed mail to Thunderbird (undefined)", async () => {
    const plain = Buffer.from(`${HEAD}Content-Type: text/plain\r\n\r\nhello\r\n`);
    expect(await readEncryptedMessage([plain], [await keyOf(bob)], core)).toBeUndefined();
    const signed = Buffer.from(
      `${HEAD}Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n`,
    );
    expect(await readEncryptedMessage([signed], [await keyOf(bob)], core)).toBeUndefined();
  });

  it("fails with a stable code and no content: key not in the history, no keys, garbage", async () => {
    const smime = await opensslEncrypt(Buffer.from("Content-Type: text/plain\r\n\r\nsecret\r\n"), [bob], {
      cipher: "aes-128-gcm",
      keyTransport: "rsa-oaep-sha1",
      form: "smime",
      crlf: true,
    });
    for (const keys of [[await keyOf(alice)], []]) {
      const model = await readEncryptedMessage([Buffer.from(HEAD), smime], keys, core);
      expect(model?.banner).toMatchObject({ kind: "failed", code: "NO_KEY", stage: "decrypt" });
      expect(model?.body).toEqual({ kind: "none" });
      expect(JSON.stringify(model)).not.toContain("secret");
    }
    const garbage = Buffer.from(
      `${HEAD}Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n`,
    );
    const model = await readEncryptedMessage([garbage], [await keyOf(bob)], core);
    expect(model?.banner).toMatchObject({ kind: "failed", code: "MALFORMED_CMS", stage: "decrypt" });
  });

  it("decrypted, but the content is not valid MIME (a bad base64 body): stage content, never 'could not be decrypted'", async () => {
    const entity = Buffer.from(
      'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsecret text\r\n' +
        '--b\r\nContent-Type: application/octet-stream; name="x.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        "QUJD\xcc\xccREVG\r\n--b--\r\n",
      "latin1",
    );
    const smime = await opensslEncrypt(entity, [bob], { cipher: "aes-256-cbc", form: "smime", crlf: true });
    const model = await readEncryptedMessage([Buffer.from(HEAD), smime], [await keyOf(bob)], core);
    expect(model?.banner).toMatchObject({ kind: "failed", code: "MALFORMED_MIME", stage: "content" });
    expect(model?.body).toEqual({ kind: "none" });
    const view = bannerView(model!.banner);
    expect(view.headline).toBe(
      `This message was decrypted, but its content is damaged. ${plainWords("MALFORMED_MIME")}`,
    );
    expect(view.headline).not.toMatch(/0xcc|offset|MALFORMED_MIME/);
    expect(view.details).toMatch(/^MALFORMED_MIME: the decrypted content is not valid MIME: .*0xcc/);
  });
});

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* parts;
}

describe("Content-ID (RFC 2045 7, RFC 2392 2)", () => {
  async function idOf(header: string): Promise<string | undefined> {
    return contentIdOf((await readHeader(chunks(Buffer.from(`${header}\r\n\r\n`)))).fields);
  }

  it("is the msg-id without its angle brackets, the field name in any case", async () => {
    expect(await idOf("Content-ID: <logo.1@example.org>")).toBe("logo.1@example.org");
    expect(await idOf("CONTENT-ID: <logo@example.org>")).toBe("logo@example.org");
    expect(await idOf("Content-Id:   <  spaced@example.org >  ")).toBe("spaced@example.org");
    // Folded over two lines (RFC 5322 2.2.3).
    expect(await idOf("Content-ID:\r\n <folded@example.org>")).toBe("folded@example.org");
  });

  it("takes a bare id as it is (some senders leave the brackets out)", async () => {
    expect(await idOf("Content-ID: bare@example.org")).toBe("bare@example.org");
  });

  it("is undefined when missing or empty", async () => {
    expect(await idOf("Content-Type: image/png")).toBeUndefined();
    expect(await idOf("Content-ID: ")).toBeUndefined();
  });
});

describe("inline images of the render model", () => {
  const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
  const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/.{76}/g, "$&\r\n");
  function part(headers: string, body: Buffer): string {
    return `--rel\r\n${headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(body)}\r\n`;
  }

  it("keeps png/jpeg/gif/webp parts with a Content-ID inline; SVG, attachments, id-less and oversized parts are listed", async () => {
    const big = Buffer.alloc(MAX_INLINE_IMAGE + 1, 7);
    const entity =
      'Content-Type: multipart/related; boundary="rel"\r\n\r\n' +
      '--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p><img src="cid:logo@x"></p>\r\n' +
      part("Content-Type: image/PNG\r\nContent-ID: <logo@x>", png) +
      part("Content-Type: image/webp\r\nContent-ID: <w@x>\r\nContent-Disposition: inline", png) +
      part('Content-Type: image/svg+xml; name="v.svg"\r\nContent-ID: <vector@x>', Buffer.from("<svg/>")) +
      part('Content-Type: image/png\r\nContent-ID: <att@x>\r\nContent-Disposition: attachment; filename="a.png"', png) +
      part('Content-Type: image/gif; name="n.gif"', png) +
      part('Content-Type: image/jpeg; name="big.jpg"\r\nContent-ID: <big@x>', big) +
      "--rel--\r\n";
    const model = await renderEntity(core, [Buffer.from(entity)], {
      kind: "encrypted",
      cipher: "aes-256-gcm",
      detail: "x",
    });
    expect(model.body).toEqual({ kind: "html", html: '<p><img src="cid:logo@x"></p>', text: "" });
    expect(model.inlineImages?.map(({ contentId, contentType }) => ({ contentId, contentType }))).toEqual([
      { contentId: "logo@x", contentType: "image/png" },
      { contentId: "w@x", contentType: "image/webp" },
    ]);
    expect(Buffer.from(model.inlineImages![0]!.data).equals(png)).toBe(true);
    expect(model.attachments).toEqual([
      { name: "v.svg", contentType: "image/svg+xml", size: 6 },
      { name: "a.png", contentType: "image/png", size: png.length },
      { name: "n.gif", contentType: "image/gif", size: png.length },
      { name: "big.jpg", contentType: "image/jpeg", size: big.length },
    ]);
  });
});

describe("renderEntity of multipart/signed (RFC 1847 2.1)", () => {
  it("lists the signed content's attachments, not the signature part (smime.p7s)", async () => {
    const entity =
      'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="s"\r\n\r\n' +
      '--s\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n' +
      "--m\r\nContent-Type: text/plain\r\n\r\nthe figures\r\n" +
      '--m\r\nContent-Type: text/csv; name="figures.csv"\r\nContent-Disposition: attachment; filename="figures.csv"\r\n\r\nQ1,1204\r\n' +
      "--m--\r\n\r\n" +
      '--s\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\n' +
      'Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7s"\r\n\r\nMIIB\r\n' +
      "--s--\r\n";
    const model = await renderEntity(core, [Buffer.from(entity)], {
      kind: "encrypted",
      cipher: "aes-256-cbc",
      detail: "x",
      signature: { state: "invalid", code: "BAD_SIGNATURE" },
    });
    expect(model.body).toEqual({ kind: "text", text: "the figures" });
    expect(model.attachments).toEqual([{ name: "figures.csv", contentType: "text/csv", size: 7 }]);
    expect(model.attachmentData).toHaveLength(1);
  });
});

describe("decodeQuotedPrintable (RFC 2045 6.7)", () => {
  const decode = (s: string): string => new TextDecoder().decode(decodeQuotedPrintable(new TextEncoder().encode(s)));
  it.each([
    ["a=3Db", "a=b"],
    ["soft=\r\nbreak", "softbreak"],
    ["soft=\nbreak", "softbreak"],
    ["lower =c3=a9", "lower é"],
    ["bad =ZZ and =4", "bad =ZZ and =4"],
    ["trailing =", "trailing ="],
  ])("%j -> %j", (input, output) => {
    expect(decode(input)).toBe(output);
  });
});

describe("the banner of a revoked signer (readMessage's CRL statuses)", () => {
  // A signature made before the revocation: plain-words.test.ts, with its banner and its words.

  it("shows a signature made after the revocation as invalid, with the plain words of CERT_REVOKED", () => {
    const banner = bannerOf({
      encrypted: true,
      cipher: "aes-256-cbc",
      signature: { state: "invalid", code: "CERT_REVOKED", reason: "certificate X was revoked on ..." },
    });
    expect(banner).toMatchObject({ signature: { state: "invalid", code: "CERT_REVOKED" } });
    expect(bannerView(banner).headline).toContain(plainWords("CERT_REVOKED")!);
  });
});
