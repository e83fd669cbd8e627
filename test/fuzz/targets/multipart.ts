// The multipart scanner (RFC 2046 5.1) and multipart/signed (RFC 1847): the input's first line is
// the boundary, the rest the body. Every part is read through, as the signature check reads them.
import { openMultipartSigned, multipartParts, readHeader } from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { chunked, drain, fixtureMessages, MIME_TOKENS, openCore, theCore } from "./support.js";

/** A fixture as a seed: its boundary, a line end, its body. */
function seedOf(message: Uint8Array): Uint8Array | undefined {
  const text = new TextDecoder("latin1").decode(message);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(text)?.[1];
  if (boundary === undefined) return undefined;
  const body = text.slice(text.search(/\r?\n\r?\n/));
  return Uint8Array.from(`${boundary}\n${body.replace(/^\r?\n\r?\n/, "")}`, (c) => c.charCodeAt(0) & 0xff);
}

const target: FuzzTarget = {
  seeds: (root) => fixtureMessages(root, (name) => name.includes("multipart")).flatMap((m) => seedOf(m) ?? []),
  dictionary: MIME_TOKENS,
  setup: async () => void (await openCore()),
  async run(data) {
    const newline = data.indexOf(0x0a);
    const boundary = new TextDecoder("latin1").decode(data.subarray(0, Math.max(0, Math.min(newline, 100))));
    const body = data.subarray(newline + 1);
    if (data[0]! & 1) {
      const signed = await openMultipartSigned(theCore(), chunked(body), boundary);
      await drain(signed.content);
      await signed.signature();
      return;
    }
    for await (const part of multipartParts(chunked(body), boundary)) {
      const { body: partBody } = await readHeader(part);
      await drain(partBody);
    }
  },
};
export default target;
