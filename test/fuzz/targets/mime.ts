// A whole message through the MIME layer as `read` and `decrypt` see it: header reader
// (RFC 5322), Content-Type and Content-Disposition (RFC 2045/2183/2231), S/MIME detection
// (RFC 8551), the transfer decoding, and a multipart body's parts (RFC 2046), one level deep.
import {
  boundaryOf,
  contentDispositionOf,
  contentTypeOf,
  decodeBody,
  detectSmime,
  multipartParts,
  readHeader,
  splitMessage,
  transferEncodingOf,
} from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { chunked, drain, fixtureMessages, MIME_TOKENS, openCore, theCore } from "./support.js";

const target: FuzzTarget = {
  seeds: (root) => fixtureMessages(root),
  dictionary: MIME_TOKENS,
  setup: async () => void (await openCore()),
  async run(data) {
    const { entity } = await splitMessage(chunked(data));
    contentDispositionOf(entity.fields);
    const kind = detectSmime(entity.fields);
    const type = contentTypeOf(entity.fields);
    if (kind.kind !== "multipart-signed" && type.type !== "multipart") {
      await drain(decodeBody(theCore(), transferEncodingOf(entity.fields), entity.body));
      return;
    }
    for await (const part of multipartParts(entity.body, boundaryOf(type))) {
      const { fields, body } = await readHeader(part);
      await drain(decodeBody(theCore(), transferEncodingOf(fields), body));
    }
  },
};
export default target;
