// mailseal keys rotate: the account's encryption key replaced now (docs/services.md, POST
// /v1/keys/rotate), then brought to this device. The old key stays in the history: old mail stays
// readable on every active device; mail from now on goes to the new key.
import { openAccount, pickAccount, refreshKeys, MailsealError } from "@mailseal/shared";

import { commandHost } from "../home/host.js";
import { parseCommandLine } from "../options.js";

export async function keysCommand(args: string[]): Promise<string | undefined> {
  const { values, positionals } = parseCommandLine("keys", args, {
    account: { type: "string" },
    home: { type: "string" },
  });
  if (values.help === true) return "keys";
  if (positionals.length !== 1 || positionals[0] !== "rotate")
    throw new MailsealError("USAGE", "keys needs an action: mailseal keys rotate");
  const host = commandHost(values.home);
  const { state, client } = await openAccount(host, await pickAccount(host.store, values.account));
  const { keyId } = await client.rotateKey();
  // No password asked here: a protected account's new key is wrapped by the next read that has it.
  const refreshed = await refreshKeys(client, host.store, state);
  const held = refreshed.keys.filter((k) => k.pkcs8 !== undefined).length;
  process.stdout.write(
    `${state.address}: key ${keyId} is current, ${held} of ${refreshed.keys.length} keys on this device\n`,
  );
  return undefined;
}
