// The streaming BER reader (shared/src/asn1/ber-reader.ts), fed in chunks the input picks, every event read.
import { BerReader } from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { BER_TOKENS, derOfMessage, fixtureMessages, samples } from "./support.js";

const target: FuzzTarget = {
  seeds: (root) => [
    ...fixtureMessages(root, (name) => !name.includes("multipart")).map(derOfMessage),
    ...samples(root, "shared/test/pki/fixtures", (name) => name.endsWith(".cer")),
  ],
  dictionary: BER_TOKENS,
  run(data) {
    const reader = new BerReader({ maxLength: 1 << 20, trailingData: data[0]! & 1 ? "reject" : "ignore" });
    const step = 1 + ((data[data.length - 1] ?? 0) % 64);
    for (let at = 0; at < data.length; at += step) {
      reader.push(data.subarray(at, at + step));
      while (reader.read() !== undefined);
    }
    reader.end();
    while (reader.read() !== undefined);
  },
};
export default target;
