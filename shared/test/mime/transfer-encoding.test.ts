import { CoreService } from "@mailseal/core-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeBody, encodeBase64, type Base64Core, type Base64Stream } from "../../src/index.js";
import { bytes, chunked, collect, latin1, smimeError } from "./support.js";

let core: CoreService;
beforeAll(async () => {
  core = await CoreService.open({ aes: "wasm" });
});

describe("decodeBody and encodeBase64 (RFC 2045 6)", () => {
  it("decodes base64 across chunks and whitespace, and passes the identity encodings", async () => {
    expect(
      latin1(await collect(decodeBody(core, "BASE64", chunked(bytes("aGVs\r\nbG8g d29y\nbGQ=\r\n"), [3, 7])))),
    ).toBe("hello world");
    for (const cte of ["7bit", "8bit", "binary"]) {
      expect(latin1(await collect(decodeBody(core, cte, chunked(bytes("as is\r\n")))))).toBe("as is\r\n");
    }
  });

  it("turns garbage base64 into MALFORMED_MIME naming the offset", async () => {
    const error = await smimeError(
      collect(decodeBody(core, "base64", chunked(bytes("QUJD\r\nR!VG")))),
      "MALFORMED_MIME",
    );
    expect(error.message).toMatch(/^base64 body: .*'!' at input offset 7/);
    await smimeError(collect(decodeBody(core, "base64", chunked(bytes("QUJDR")))), "MALFORMED_MIME");
  });

  it("rejects quoted-printable and unknown encodings", async () => {
    await smimeError(collect(decodeBody(core, "quoted-printable", chunked(bytes("x")))), "MALFORMED_MIME");
    await smimeError(collect(decodeBody(core, "x-uuencode", chunked(bytes("x")))), "MALFORMED_MIME");
  });

  it("encodes in lines of 76 ending in CRLF, nothing for nothing", async () => {
    const text = latin1(await collect(encodeBase64(core, chunked(new Uint8Array(120).fill(0xff), [1, 50]))));
    expect(text).toBe(`${"/".repeat(76)}\r\n${"/".repeat(76)}\r\n${"/".repeat(8)}\r\n`);
    expect(await collect(encodeBase64(core, chunked(new Uint8Array(0))))).toEqual(new Uint8Array(0));
  });

  it("with consumed, frees each text of the core once the next chunk is asked for (issue 11)", async () => {
    const data = Uint8Array.from({ length: 700_000 }, (_, i) => (i * 7) % 256);
    const taken: { chunk: Uint8Array; text: string }[] = [];
    for await (const chunk of encodeBase64(core, chunked(data, [100_000, 300_000]), { consumed: true }))
      taken.push({ chunk, text: latin1(chunk.slice()) });
    expect(taken.map(({ text }) => text).join("")).toBe(
      `${(
        Buffer.from(data)
          .toString("base64")
          .match(/.{1,76}/g) ?? []
      ).join("\r\n")}\r\n`,
    );
    // Every text but the final CRLF (a constant) is freed; without consumed, nothing is.
    expect(taken.slice(0, -1).map(({ chunk }) => chunk.length)).toEqual(taken.slice(0, -1).map(() => 0));
    expect(taken.at(-1)!.chunk.length).toBe(2);
    const kept: Uint8Array[] = [];
    for await (const chunk of encodeBase64(core, chunked(data, [100_000]))) kept.push(chunk);
    expect(kept.every((chunk) => chunk.length > 0)).toBe(true);
  });

  it("disposes the core's stream when the consumer stops early or the input fails", async () => {
    let disposed = 0;
    const stream: Base64Stream = {
      update: async (data) => data,
      final: async () => new Uint8Array(0),
      dispose: () => disposed++,
    };
    const fake: Base64Core = { createBase64Decoder: async () => stream, createBase64Encoder: async () => stream };
    for await (const chunk of decodeBody(fake, "base64", chunked(bytes("abcd"), [1]))) {
      expect(chunk.length).toBe(1);
      break;
    }
    expect(disposed).toBe(1);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytes("QUJD");
      throw new Error("input failed");
    }
    await expect(collect(encodeBase64(fake, failing()))).rejects.toThrow("input failed");
    expect(disposed).toBe(2);
    await collect(decodeBody(fake, "base64", chunked(bytes("QUJD"))));
    expect(disposed).toBe(2); // a finished stream is freed by final() in the core
  });
});
