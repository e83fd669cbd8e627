// mailseal send --to ADDRESS ...: an RFC 5322 message from one of this device's accounts in, signed
// with the device's signing key and encrypted to every recipient and to the sender out; a recipient
// (or sender) with an ML-KEM certificate in the directory also gets an ML-KEM recipient (issue 15).
import type { CoreService } from "@mailseal/core-wasm";
import { chunksOf, enginePathCheck, MailEngine, sealOptionsOf, streamOf } from "@mailseal/engine";
import {
  DirectoryCache,
  openAccount,
  prepareSend,
  renewSigningCertificate,
  senderOf,
  MailsealError,
} from "@mailseal/shared";
import { commandHost } from "../home/host.js";
import { parseOptions } from "../options.js";
import { withInputOutput } from "../run-io.js";

export async function sendCommand(args: string[], core: CoreService): Promise<string | undefined> {
  const values = parseOptions("send", args, {
    to: { type: "string", multiple: true },
    home: { type: "string" },
    in: { type: "string" },
    out: { type: "string" },
    "no-pq": { type: "boolean" },
  });
  if (values.help === true) return "send";
  const recipients = values.to ?? [];
  if (recipients.length === 0) throw new MailsealError("USAGE", "send needs --to ADDRESS (repeat for each recipient)");
  const host = commandHost(values.home);
  await withInputOutput({ in: values.in, out: values.out, holdBack: false, mode: 0o666 }, async (input, output) => {
    const { address, message } = await senderOf(input.source);
    const account = await openAccount(host, address);
    // A signing certificate within 30 days of its end is renewed first (a new key, RFC 8551 has no other way).
    const state = await renewSigningCertificate(account.client, host.store, account.state, host.clock);
    const cache = new DirectoryCache(host.clock);
    const options = { client: account.client, cache, clock: host.clock, state, recipients };
    // The engine in this thread over the command's core: paths checked, then signed and encrypted.
    const engine = MailEngine.over(core);
    try {
      const recipe = await prepareSend(options, enginePathCheck(engine));
      await engine.setAccounts([state]);
      const sealed = await engine.sealMessage(
        streamOf(message),
        // The hybrid (issue 15) whenever the directory has a recipient's ML-KEM certificate; --no-pq: RSA only.
        sealOptionsOf(recipe, state.address, host.clock.now().getTime(), { pq: values["no-pq"] !== true }),
      );
      for await (const chunk of chunksOf(sealed)) await output.write(chunk);
    } finally {
      engine.close();
    }
  });
  return undefined;
}
