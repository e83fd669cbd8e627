// S/MIME detection (RFC 8551 3.2 and 3.4, RFC 1847): a header block parsed into fields, then what
import { detectSmime, parseHeaderFields } from "@mailseal/shared/offline";
// kind of S/MIME entity it declares, with its boundary, protocol and micalg.
import type { FuzzTarget } from "../engine.js";
import { fixtureMessages, MIME_TOKENS } from "./support.js";

/** The header block of a fixture (up to the empty line). */
function headerOf(message: Uint8Array): Uint8Array {
  for (let i = 0; i + 1 < message.length; i++) {
    if (message[i] === 0x0a && (message[i + 1] === 0x0a || (message[i + 1] === 0x0d && message[i + 2] === 0x0a))) {
      return message.subarray(0, i + 1);
    }
  }
  return message;
}

const target: FuzzTarget = {
  seeds: (root) => fixtureMessages(root).map(headerOf),
  dictionary: MIME_TOKENS,
  maxLength: 16 * 1024,
  run(data) {
    detectSmime(parseHeaderFields(data));
  },
};
export default target;
