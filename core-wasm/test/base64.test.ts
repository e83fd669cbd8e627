import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64Decode, Base64Decoder, base64Encode, Base64Encoder, type Base64Exports } from "../src/base64/index.js";
import type { BaseExports } from "../src/wasm/instance.js";
import { loadBuilds } from "./support/builds.js";

const builds = await loadBuilds<BaseExports & Base64Exports>();
const ascii = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Buffer's base64 cut into CRLF-separated lines of 76 characters: the MIME form of RFC 2045 6.8. */
function mimeReference(data: Uint8Array): string {
  return (
    Buffer.from(data)
      .toString("base64")
      .match(/.{1,76}/g) ?? []
  ).join("\r\n");
}

function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, data.length]) {
    chunks.push(data.subarray(start, point));
    start = point;
  }
  return chunks;
}

const cutsArbitrary = fc.array(fc.nat({ max: 6000 }), { maxLength: 10, size: "max" });

describe.each(builds)("base64, $name build", ({ core }) => {
  function encodeChunked(data: Uint8Array, cuts: number[], lineLength: 76 | 0): string {
    const encoder = new Base64Encoder(core, { lineLength });
    const parts = split(data, cuts).map((chunk) => text(encoder.update(chunk)));
    return parts.join("") + text(encoder.final());
  }

  function decodeChunked(input: Uint8Array, cuts: number[]): Uint8Array {
    const decoder = new Base64Decoder(core);
    const parts = split(input, cuts).map((chunk) => Buffer.from(decoder.update(chunk)));
    parts.push(Buffer.from(decoder.final()));
    return new Uint8Array(Buffer.concat(parts));
  }

  function decodeError(input: string | Uint8Array, cuts: number[] = []): unknown {
    try {
      decodeChunked(typeof input === "string" ? ascii(input) : input, cuts);
    } catch (error) {
      return error;
    }
    throw new Error(`decoding ${JSON.stringify(input)} did not fail`);
  }

  it("RFC 4648 section 10 test vectors", () => {
    const vectors = ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"];
    const plain = ["", "f", "fo", "foo", "foob", "fooba", "foobar"];
    vectors.forEach((encoded, i) => {
      expect(text(base64Encode(core, ascii(plain[i]!), { lineLength: 0 }))).toBe(encoded);
      expect(text(base64Decode(core, ascii(encoded)))).toBe(plain[i]);
    });
  });

  it("encodes every byte value to the RFC 4648 alphabet, including '+' and '/'", () => {
    const all = Uint8Array.from({ length: 256 * 3 }, (_, i) =>
      i % 3 === 0 ? i / 3 : i % 3 === 1 ? 0xff - (i >> 2) : i,
    );
    expect(text(base64Encode(core, all, { lineLength: 0 }))).toBe(Buffer.from(all).toString("base64"));
    const sextets = Uint8Array.from(
      Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "base64"),
    );
    expect(text(base64Encode(core, sextets, { lineLength: 0 }))).toBe(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    );
  });

  it("encoder matches Buffer (unwrapped and MIME-wrapped) for random data and chunk splits", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6000, size: "max" }), cutsArbitrary, (data, cuts) => {
        expect(encodeChunked(data, cuts, 0)).toBe(Buffer.from(data).toString("base64"));
        expect(encodeChunked(data, cuts, 76)).toBe(mimeReference(data));
      }),
      { numRuns: 200 },
    );
  });

  it("wrapped output: every line 76 characters but the last, CRLF between, none at the end", () => {
    for (const length of [0, 1, 56, 57, 58, 113, 114, 115, 171, 1000, 57 * 40]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 37) & 0xff);
      const out = encodeChunked(data, [1, 2, 60, 61, 500], 76);
      expect(out.endsWith("\r\n")).toBe(false);
      const lines = out.split("\r\n");
      lines.forEach((line, i) => {
        expect(line).toMatch(/^[A-Za-z0-9+/]*=*$/);
        if (i < lines.length - 1) expect(line.length, `length ${length}, line ${i}`).toBe(76);
        else expect(line.length).toBeLessThanOrEqual(76);
      });
      expect(lines.join("")).toBe(Buffer.from(data).toString("base64"));
    }
  });

  it("encodes one byte at a time and inputs larger than one I/O chunk", () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i * 11);
    expect(encodeChunked(data, [...Array(300).keys()], 76)).toBe(mimeReference(data));
    const big = Uint8Array.from({ length: 200_001 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
    expect(text(base64Encode(core, big))).toBe(mimeReference(big));
    expect(text(base64Encode(core, big, { lineLength: 0 }))).toBe(Buffer.from(big).toString("base64"));
    expect(base64Decode(core, ascii(mimeReference(big)))).toEqual(big);
  });

  it("decoder matches Buffer for random data, random whitespace and chunk splits", () => {
    const whitespace = fc.constantFrom(" ", "\t", "\r", "\n", "\r\n");
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 6000, size: "max" }),
        fc.array(fc.tuple(fc.nat({ max: 9000 }), whitespace), { maxLength: 12 }),
        cutsArbitrary,
        fc.boolean(),
        (data, insertions, cuts, wrapped) => {
          let encoded = wrapped ? mimeReference(data) : Buffer.from(data).toString("base64");
          for (const [at, ws] of insertions) {
            const position = Math.min(at, encoded.length);
            encoded = encoded.slice(0, position) + ws + encoded.slice(position);
          }
          expect(decodeChunked(ascii(encoded), cuts)).toEqual(data);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("round-trips random data through encoder and decoder", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000, size: "max" }), cutsArbitrary, (data, cuts) => {
        const encoded = ascii(encodeChunked(data, cuts, 76));
        expect(decodeChunked(encoded, cuts)).toEqual(data);
      }),
      { numRuns: 100 },
    );
  });

  it("accepts padding followed by whitespace and padding split by whitespace or chunks", () => {
    expect(text(base64Decode(core, ascii("Zm8=\r\n")))).toBe("fo");
    expect(text(base64Decode(core, ascii("Zg=\r\n=  ")))).toBe("f");
    expect(text(decodeChunked(ascii("Zm9vYg=="), [5, 6, 7]))).toBe("foob");
    expect(text(base64Decode(core, ascii(" \t\r\n")))).toBe("");
  });

  it("rejects characters outside the alphabet with their offset", () => {
    for (const [input, offset, char] of [
      ["Zm9v*mFy", 4, "0x2a '*'"],
      ["Zm9vYmFyZm9vYmFyZm9vYmFy-m9v", 24, "0x2d '-'"],
      ["Zm9vYmFyZm9vYmFy_m9vYmFyZm9vYmFy", 16, "0x5f '_'"],
      ["Zm9v\u00e9mFy", 4, "0xc3"],
      ["Zm9v\0", 4, "0x00"],
      ["Zm9v\vYmFy", 4, "0x0b"],
      ["Zm9v.", 4, "0x2e '.'"],
    ] as const) {
      const error = decodeError(input);
      expect(error).toMatchObject({ code: "MALFORMED_BASE64" });
      expect((error as Error).message).toContain(`${char} at input offset ${offset}`);
    }
    // Offsets count from the start of the whole input, across update() calls.
    expect((decodeError("Zm9vYmFy\r\nZm9v!", [3, 9]) as Error).message).toContain("0x21 '!' at input offset 14");
  });

  it("classifies every byte value at every position of a 32-character run (vector, SWAR and scalar paths)", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const base = ascii("QUJDREVGR0hJSktMTU5PUFFSU1RVVldY");
    for (let byte = 0; byte < 256; byte++) {
      const char = String.fromCharCode(byte);
      for (let position = 0; position < 24; position++) {
        const input = base.slice();
        input[position] = byte;
        if (alphabet.includes(char)) {
          expect(decodeChunked(input, [])).toEqual(new Uint8Array(Buffer.from(text(input), "base64")));
        } else if (" \t\r\n".includes(char)) {
          // Skipped, which leaves the run one character short of whole groups.
          expect(decodeError(input)).toMatchObject({ message: expect.stringContaining("ends inside") });
        } else {
          // '=' after 2 or 3 characters of a group is padding; the next data character is then the error.
          const offset = char === "=" && position % 4 >= 2 ? position + 1 : position;
          const error = decodeError(input);
          expect(error).toMatchObject({ code: "MALFORMED_BASE64" });
          expect((error as Error).message).toContain(`input offset ${offset} `);
          if (char !== "=") expect((error as Error).message).toContain(`0x${byte.toString(16).padStart(2, "0")}`);
        }
      }
    }
  });

  it("rejects misplaced padding and data after padding", () => {
    for (const [input, offset] of [
      ["=", 0],
      ["Z===", 1],
      ["Zg===", 4],
      ["Zm9=v", 4],
      ["Zg==Zg==", 4],
      ["Zm8=Zm8=", 4],
      ["Zm9v=", 4],
      ["Zm9vYmFy=Zg==", 8],
      ["Zg=x", 3],
      ["Zg= \r\nx", 6],
    ] as const) {
      const error = decodeError(input, [2]);
      expect(error, input).toMatchObject({ code: "MALFORMED_BASE64" });
      expect((error as Error).message, input).toContain(`input offset ${offset}`);
    }
  });

  it("rejects truncated input", () => {
    for (const input of ["Z", "Zm", "Zm9", "Zm9vY", "Zg=", "Zm9vYmFyZ\r\n", "Zm9vYmFyZm\r\n9"]) {
      expect(decodeError(input), input).toMatchObject({
        code: "MALFORMED_BASE64",
        message: expect.stringContaining("ends inside a 4-character group"),
      });
    }
  });

  it("rejects use after final or after an error, and bad line lengths", () => {
    const encoder = new Base64Encoder(core, { lineLength: 76 });
    encoder.final();
    expect(() => encoder.update(ascii("x"))).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    const decoder = new Base64Decoder(core);
    expect(() => decoder.update(ascii("Zm9v*"))).toThrow(expect.objectContaining({ code: "MALFORMED_BASE64" }));
    expect(() => decoder.update(ascii("Zm9v"))).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    expect(() => decoder.final()).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    expect(() => new Base64Encoder(core, { lineLength: 64 as 76 })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("got 64") }),
    );
    const ctx = core.alloc(core.exports.b64_enc_ctx_size());
    expect(core.exports.b64_enc_init(ctx, 72)).toBe(-1);
    expect(core.exports.b64_enc_update(ctx, core.inPtr, 0, core.outPtr)).toBe(-9);
    core.free(ctx, core.exports.b64_enc_ctx_size());
  });
});
