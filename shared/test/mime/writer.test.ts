// Writers -> parser round trips, and outer header preservation.
import { CoreService } from "@mailseal/core-wasm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  assembleMessage,
  decodeBody,
  detectSmime,
  fromBytes,
  multipartSignedEntity,
  openMultipartSigned,
  pkcs7MimeEntity,
  readAll,
  serializeEntity,
  splitMessage,
} from "../../src/index.js";
import { bytes, chunked, collect, cutsArbitrary, fixture, latin1, smimeError } from "./support.js";

let core: CoreService;
beforeAll(async () => {
  core = await CoreService.open({ aes: "wasm" });
});

const OUTER =
  "Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n\tby example.com; Mon, 1 Jun 2025 12:00:00 +0000\r\n" +
  "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.com>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n" +
  "Date: Mon, 1 Jun 2025 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nX-8bit: caf\u00e9\r\n";

describe("pkcs7MimeEntity (RFC 8551 3.2)", () => {
  it("round trips through assembleMessage, splitMessage, detectSmime and decodeBody", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom("enveloped-data", "authEnveloped-data", "signed-data", "certs-only") as fc.Arbitrary<
          "enveloped-data" | "authEnveloped-data" | "signed-data" | "certs-only"
        >,
        cutsArbitrary(4000),
        async (der, smimeType, cuts) => {
          const message = await collect(
            assembleMessage([], pkcs7MimeEntity(core, smimeType, chunked(der, cuts.slice(0, 3)))),
          );
          expect(
            latin1(message)
              .split("\r\n")
              .every((line) => line.length <= 998),
          ).toBe(true);
          const { entity } = await splitMessage(chunked(message, cuts));
          const detected = detectSmime(entity.fields);
          expect(detected).toMatchObject({ kind: "pkcs7-mime", smimeType, transferEncoding: "base64" });
          if (detected.kind !== "pkcs7-mime") return;
          expect(detected.contentType.parameters.get("name")).toBe(
            smimeType === "certs-only" ? "smime.p7c" : "smime.p7m",
          );
          expect(await collect(decodeBody(core, detected.transferEncoding, entity.body))).toEqual(der);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("writes the header of RFC 8551 3.2 and lines of 76", async () => {
    const text = latin1(
      await collect(serializeEntity(pkcs7MimeEntity(core, "enveloped-data", fromBytes(new Uint8Array(100))))),
    );
    expect(text).toBe(
      "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=smime.p7m\r\n\r\n" +
        `${"A".repeat(76)}\r\n${"A".repeat(56)}AA==\r\n`,
    );
  });
});

describe("multipartSignedEntity (RFC 8551 3.5.3)", () => {
  const content = (body: string) => `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`;

  it("round trips: the first part is the content byte for byte, the second the signature", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("line", "\r\n", "--", "-", " ", "=", "\r\n--", "x"), { maxLength: 50 }),
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        fc.constantFrom("SHA-1", "SHA-256", "SHA-384", "SHA-512") as fc.Arbitrary<
          "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512"
        >,
        cutsArbitrary(5000),
        async (pieces, signature, hash, cuts) => {
          const signed = bytes(content(pieces.join("")));
          let signedWhenAsked = false;
          const entity = multipartSignedEntity(core, {
            hash,
            content: chunked(signed, cuts.slice(0, 2)),
            signature: async () => {
              signedWhenAsked = true;
              return signature;
            },
          });
          const message = await collect(assembleMessage([], entity));
          expect(signedWhenAsked).toBe(true);
          const split = await splitMessage(chunked(message, cuts));
          const detected = detectSmime(split.entity.fields);
          if (detected.kind !== "multipart-signed") throw new Error("not multipart/signed");
          expect(detected.micalg).toEqual([hash.toLowerCase()]);
          expect(detected.contentType.parameters.get("protocol")).toBe("application/pkcs7-signature");
          expect(detected.boundary).toMatch(/^----=_smime_[0-9a-f]{36}$/);
          const reader = await openMultipartSigned(core, split.entity.body, detected.boundary);
          expect(await collect(reader.content)).toEqual(signed);
          expect((await reader.signature()).der).toEqual(signature);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("draws a fresh boundary each time and refuses a given one that occurs in the content", async () => {
    const make = () =>
      multipartSignedEntity(core, { hash: "SHA-256", content: bytes(content("x")), signature: async () => bytes("s") });
    expect(make().fields[0]!.value).not.toBe(make().fields[0]!.value);
    await smimeError(
      (async () =>
        multipartSignedEntity(core, {
          hash: "SHA-256",
          boundary: "b",
          content: bytes(content("\r\n--b\r\n")),
          signature: async () => bytes("s"),
        }))(),
      "MALFORMED_MIME",
    );
  });

  it("reports a multipart/signed with one part, three parts, another signature type, or truncated", async () => {
    const open = async (body: string) => {
      const reader = await openMultipartSigned(core, chunked(bytes(body)), "b");
      await collect(reader.content);
      return reader.signature();
    };
    const sig = "--b\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\nMAA=\r\n";
    expect((await open(`--b\r\n\r\nx\r\n${sig}--b--\r\n`)).der).toEqual(new Uint8Array([0x30, 0]));
    await smimeError(open("--b\r\n\r\nx\r\n--b--\r\n"), "MALFORMED_MIME");
    await smimeError(open(`--b\r\n\r\nx\r\n${sig}--b\r\n\r\nthird\r\n--b--\r\n`), "MALFORMED_MIME");
    await smimeError(
      open(`--b\r\n\r\nx\r\n${sig.replace("pkcs7-signature", "pgp-signature")}--b--\r\n`),
      "MALFORMED_MIME",
    );
    await smimeError(open(`--b\r\n\r\nx\r\n${sig}`), "TRUNCATED");
    await smimeError(open(`--b\r\n\r\nx\r\n${sig.replace("MAA=", "M!A=")}--b--\r\n`), "MALFORMED_MIME");
  });
});

describe("splitMessage and assembleMessage (RFC 5322, RFC 2045)", () => {
  it("keeps every outer field byte for byte and replaces the entity", async () => {
    const original = bytes(`${OUTER}MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-ID: <c>\r\n\r\nhello\r\n`);
    const { outer, entity } = await splitMessage(chunked(original, [5, 77, 200]));
    expect(outer.map((field) => field.name)).toEqual([
      "Received",
      "From",
      "To",
      "Subject",
      "Date",
      "Message-ID",
      "X-8bit",
    ]);
    expect(entity.fields.map((field) => field.name)).toEqual(["Content-Type", "Content-ID"]);
    expect(latin1(await collect(entity.body))).toBe("hello\r\n");
    const replaced = await collect(
      assembleMessage(outer, pkcs7MimeEntity(core, "enveloped-data", fromBytes(bytes("0123")))),
    );
    const outerBytes = bytes(OUTER);
    expect(replaced.subarray(0, outerBytes.length)).toEqual(outerBytes);
    expect(latin1(replaced.subarray(outerBytes.length))).toBe(
      "MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n" +
        "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=smime.p7m\r\n\r\nMDEyMw==\r\n",
    );
  });

  it("gives back a sample message byte for byte from its outer fields and its entity", async () => {
    const original = fixture("thunderbird/alice.dsig.SHA256.multipart.eml");
    const { outer, entity } = await splitMessage(chunked(original, [10, 1000]));
    const rebuilt = await collect(assembleMessage(outer, entity));
    // The sample has MIME-Version first; assembleMessage puts it before the Content-* fields.
    const text = latin1(original);
    expect(latin1(rebuilt)).toBe(
      text.replace("MIME-Version: 1.0\r\n", "").replace("Content-Type:", "MIME-Version: 1.0\r\nContent-Type:"),
    );
  });

  it("serializes an entity as its fields, an empty line and its body, closing a last field without a line end", async () => {
    const { entity } = await splitMessage(chunked(bytes("Subject: s\r\nContent-Type: text/plain")));
    expect(latin1(await collect(serializeEntity(entity)))).toBe("Content-Type: text/plain\r\n\r\n");
    const signedInput = await readAll(serializeEntity({ fields: [], body: fromBytes(bytes("x")) }), 10, "entity");
    expect(latin1(signedInput)).toBe("\r\nx");
  });
});
