import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_HEADER_BYTES, MAX_HEADER_LINES, parseHeaderFields, readHeader, singleField } from "../../src/index.js";
import { MeteredSource, bytes, chunked, collect, cutsArbitrary, latin1, smimeError } from "./support.js";

const sync = async (f: () => unknown) => f();

describe("parseHeaderFields (RFC 5322 2.2)", () => {
  it("gives the fields in order with unfolded values and exact raw bytes", () => {
    const text =
      "From: Alice <alice@example.org>\r\n" +
      "Subject: a folded\r\n\tsubject line\r\n" +
      "Content-Type: text/plain;\r\n  charset=utf-8\r\n" +
      "X-Empty:\r\n";
    const fields = parseHeaderFields(bytes(text));
    expect(fields.map((f) => [f.name, f.lowerName, f.value])).toEqual([
      ["From", "from", "Alice <alice@example.org>"],
      ["Subject", "subject", "a folded\tsubject line"],
      ["Content-Type", "content-type", "text/plain;  charset=utf-8"],
      ["X-Empty", "x-empty", ""],
    ]);
    expect(fields.map((f) => latin1(f.raw)).join("")).toBe(text);
  });

  it("takes bare LF, obs-fold whitespace-only lines, space before the colon, and 8-bit bytes", () => {
    const raw = new Uint8Array([
      ...bytes("Subject : caf"),
      0xc3,
      0xa9,
      ...bytes("\n \n  x\nX-Latin1: "),
      0xff,
      ...bytes("\n"),
    ]);
    const fields = parseHeaderFields(raw);
    expect(fields.map((f) => [f.name, f.value])).toEqual([
      ["Subject", "café   x"],
      ["X-Latin1", "\ufffd"], // not UTF-8: the value shows a replacement, raw keeps the byte
    ]);
    expect(fields[1]!.raw).toEqual(raw.subarray(raw.length - fields[1]!.raw.length));
  });

  it("stops at the empty line and keeps a last field without a line end", () => {
    expect(parseHeaderFields(bytes("A: 1\r\n\r\nB: 2\r\n")).map((f) => f.name)).toEqual(["A"]);
    expect(latin1(parseHeaderFields(bytes("A: 1\r\nB: 2"))[1]!.raw)).toBe("B: 2");
    expect(parseHeaderFields(bytes(""))).toEqual([]);
  });

  it("rejects malformed sections with MALFORMED_MIME", async () => {
    await smimeError(
      sync(() => parseHeaderFields(bytes(" folded: first\r\n"))),
      "MALFORMED_MIME",
    );
    const noColon = await smimeError(
      sync(() => parseHeaderFields(bytes("A: 1\r\nno colon here\r\n"))),
      "MALFORMED_MIME",
    );
    expect(noColon.message).toContain("line 2");
    await smimeError(
      sync(() => parseHeaderFields(bytes(": empty name\r\n"))),
      "MALFORMED_MIME",
    );
    await smimeError(
      sync(() => parseHeaderFields(bytes("Bad\u0001Name: x\r\n"))),
      "MALFORMED_MIME",
    );
  });

  it("bounds the header size and line count with INPUT_TOO_LARGE", async () => {
    await smimeError(
      sync(() => parseHeaderFields(bytes("X: 1\n".repeat(MAX_HEADER_LINES + 1)))),
      "INPUT_TOO_LARGE",
    );
    expect(parseHeaderFields(bytes(`${"X: 1\n".repeat(MAX_HEADER_LINES)}\nbody`))).toHaveLength(MAX_HEADER_LINES);
    await smimeError(
      sync(() => parseHeaderFields(new Uint8Array(MAX_HEADER_BYTES + 1).fill(0x41))),
      "INPUT_TOO_LARGE",
    );
  });

  it("singleField finds a field case-insensitively and rejects duplicates", async () => {
    const fields = parseHeaderFields(bytes("content-type: a/b\r\nX: 1\r\nX: 2\r\n"));
    expect(singleField(fields, "Content-Type")?.value).toBe("a/b");
    expect(singleField(fields, "Missing")).toBeUndefined();
    await smimeError(
      sync(() => singleField(fields, "x")),
      "MALFORMED_MIME",
    );
  });
});

describe("readHeader: header and body of a stream", () => {
  const message = bytes("From: a\r\nSubject: s\r\n x\r\n\r\nbody\r\n\r\nmore\n");

  it("splits at the first empty line, raw + body giving back the input, under any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(message, bytes("A: 1\n\nbody"), bytes("\r\nno header"), bytes("A: 1\r\n"), bytes("")),
        cutsArbitrary(60),
        async (input, cuts) => {
          const { fields, raw, body } = await readHeader(chunked(input, cuts));
          const rest = await collect(body);
          expect(latin1(raw) + latin1(rest)).toBe(latin1(input));
          expect(fields).toEqual(parseHeaderFields(raw));
        },
      ),
    );
    const { raw, body } = await readHeader(chunked(message, [3, 20, 25]));
    expect(latin1(raw)).toBe("From: a\r\nSubject: s\r\n x\r\n\r\n");
    expect(latin1(await collect(body))).toBe("body\r\n\r\nmore\n");
  });

  it("closes its source when the header does not parse", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield bytes("no colon\r\n\r\n");
        yield bytes("body");
      } finally {
        closed = true;
      }
    }
    await smimeError(readHeader(source()), "MALFORMED_MIME");
    expect(closed).toBe(true);
  });

  it("stops reading at MAX_HEADER_BYTES of a 10 MiB line without a line end (INPUT_TOO_LARGE)", async () => {
    const source = new MeteredSource(10 * 1024 * 1024, 64 * 1024, (_, chunk) => chunk.fill(0x41));
    await smimeError(readHeader(source), "INPUT_TOO_LARGE");
    expect(source.pulled).toBeLessThanOrEqual(MAX_HEADER_BYTES + 64 * 1024);
  });
});
