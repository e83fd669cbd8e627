import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_BOUNDARY_PADDING, multipartParts } from "../../src/index.js";
import { MeteredSource, byteByByte, bytes, chunked, cutsArbitrary, latin1, smimeError } from "./support.js";

const BOUNDARY = "b=1";

interface Outcome {
  parts: string[];
  error?: string;
}

/** What the streaming scanner gives: every complete part, then the error code if it failed. */
async function scan(source: AsyncIterable<Uint8Array>, boundary = BOUNDARY): Promise<Outcome> {
  const parts: string[] = [];
  try {
    for await (const part of multipartParts(source, boundary)) {
      let text = "";
      for await (const chunk of part) text += latin1(chunk);
      parts.push(text);
    }
    return { parts };
  } catch (error) {
    return { parts, error: (error as { code: string }).code };
  }
}

/** The reference, over the whole body in memory: RFC 2046 5.1.1 line by line. */
function reference(body: string, boundary = BOUNDARY): Outcome {
  const lines = body.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const delimiter = new RegExp(`^--${boundary.replace(/[=]/g, "\\$&")}(--)?[ \\t]*\\r?$`);
  const parts: string[] = [];
  let current: string | undefined; // undefined: in the preamble
  for (const line of lines) {
    const match = delimiter.exec(line.replace(/\n$/, ""));
    if (match === null) {
      if (current !== undefined) current += line;
      continue;
    }
    if (current === undefined) {
      if (match[1] !== undefined) return { parts, error: "MALFORMED_MIME" };
    } else {
      parts.push(current.replace(/\r?\n$/, ""));
    }
    if (match[1] !== undefined) return { parts };
    current = "";
  }
  return { parts, error: current === undefined ? "MALFORMED_MIME" : "TRUNCATED" };
}

const bodyArbitrary = fc
  .array(
    fc.constantFrom(
      "--b=1",
      "--b=1--",
      "--b=1x",
      "--b=",
      "-",
      "--",
      "\r\n",
      "\n",
      "\r",
      " ",
      "\t",
      "x",
      "Content-Type: text/plain\r\n\r\n",
      "\r\n--b=1\r\n",
      "\r\n--b=1--\r\n",
    ),
    { maxLength: 40 },
  )
  .map((pieces) => pieces.join(""));

const latin1Bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe("multipartParts (RFC 2046 5.1.1)", () => {
  it("gives each part's exact bytes, without the line break before the delimiter", async () => {
    const body =
      "preamble\r\n--b=1\r\nA: 1\r\n\r\nfirst\r\n\r\n--b=1 \t\r\n\r\nsecond\n--b=1\r\n--b=1x is data\r\n--b=1--  \r\nepilogue\r\n--b=1\r\n";
    expect(await scan(chunked(bytes(body)))).toEqual({
      parts: ["A: 1\r\n\r\nfirst\r\n", "\r\nsecond", "--b=1x is data"],
    });
  });

  it("ends at a close delimiter without a line end, and at the start of the body", async () => {
    expect(await scan(chunked(bytes("--b=1\r\none\r\n--b=1--")))).toEqual({ parts: ["one"] });
  });

  it("agrees with the in-memory reference under any chunk split, one-byte chunks included", async () => {
    await fc.assert(
      fc.asyncProperty(bodyArbitrary, cutsArbitrary(120), async (text, cuts) => {
        const expected = reference(text);
        const data = latin1Bytes(text);
        expect(await scan(chunked(data, cuts))).toEqual(expected);
        expect(await scan(byteByByte(data))).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("skips a part left unread", async () => {
    const parts = multipartParts(chunked(bytes("--b=1\r\nskipped\r\n--b=1\r\nread\r\n--b=1--\r\n")), BOUNDARY);
    await parts.next();
    const second = await parts.next();
    let text = "";
    for await (const chunk of second.value!) text += latin1(chunk);
    expect(text).toBe("read");
    expect((await parts.next()).done).toBe(true);
  });

  it("rejects a body without a boundary line, with only a close delimiter, or without the close delimiter", async () => {
    expect((await scan(chunked(bytes("no boundary here\r\n--b=2\r\n")))).error).toBe("MALFORMED_MIME");
    expect((await scan(chunked(bytes("--b=1--\r\n")))).error).toBe("MALFORMED_MIME");
    expect(await scan(chunked(bytes("--b=1\r\npart\r\n")))).toEqual({ parts: [], error: "TRUNCATED" });
  });

  it("streams a 10 MiB line without a line end in bounded memory", async () => {
    const chunk = 64 * 1024;
    const total = 10 * 1024 * 1024;
    const head = bytes("--b=1\r\n");
    const source = new MeteredSource(total, chunk, (offset, data) => {
      data.fill(0x41);
      if (offset === 0) data.set(head);
    });
    const parts = multipartParts(source, BOUNDARY);
    const part = (await parts.next()).value!;
    let released = 0;
    let maxLag = 0;
    await smimeError(
      (async () => {
        for await (const data of part) {
          released += data.length;
          maxLag = Math.max(maxLag, source.pulled - released);
        }
      })(),
      "TRUNCATED",
    );
    expect(released).toBe(total - head.length);
    expect(maxLag).toBeLessThanOrEqual(chunk + head.length);
  });

  it("reads a 10 MiB preamble without a boundary in bounded memory (MALFORMED_MIME)", async () => {
    const source = new MeteredSource(10 * 1024 * 1024, 64 * 1024, (_, data) => data.fill(0x0a));
    await smimeError(multipartParts(source, BOUNDARY).next(), "MALFORMED_MIME");
    expect(source.pulled).toBe(10 * 1024 * 1024);
  });

  it("rejects a boundary line padded beyond MAX_BOUNDARY_PADDING instead of buffering it", async () => {
    const padded = bytes(`--b=1${" ".repeat(MAX_BOUNDARY_PADDING + 1)}`);
    await smimeError(multipartParts(byteByByte(padded), BOUNDARY).next(), "MALFORMED_MIME");
    const fine = bytes(`--b=1${" ".repeat(MAX_BOUNDARY_PADDING)}\r\nx\r\n--b=1--`);
    expect(await scan(chunked(fine))).toEqual({ parts: ["x"] });
  });

  it("does not enter 10000 nested multiparts: one level at a time, in bounded memory", async () => {
    const depth = 10_000;
    let text = "";
    for (let level = 0; level < depth; level++) {
      text += `--n${level}\r\nContent-Type: multipart/mixed; boundary="n${level + 1}"\r\n\r\n`;
    }
    for (let level = depth - 1; level >= 0; level--) text += `\r\n--n${level}--`;
    const outcome = await scan(chunked(bytes(text), [1000, 50_000]), "n0");
    expect(outcome.parts).toHaveLength(1);
    expect(outcome.parts[0]!.startsWith('Content-Type: multipart/mixed; boundary="n1"\r\n\r\n--n1\r\n')).toBe(true);
  });
});
