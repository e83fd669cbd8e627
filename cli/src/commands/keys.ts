// mailseal keys rotate: the account's encryption key replaced now (docs/services.md, POST
// /v1/keys/rotate), then brought to this device. The old key stays in the history: old mail stays
// readable on every active device; mail from now on goes to the new key.
// mailseal keys pq on|off: the post-quantum opt-in (issue 15, PUT /v1/keys/pq): a new key generation
// with (or without) an ML-KEM-768 key beside the RSA one, brought to this device the same way.
import { openAccount, pickAccount, refreshKeys, MailsealError } from "@mailseal/shared";

import { commandHost } from "../home/host.js";
import { parseCommandLine } from "../options.js";

export async function keysCommand(args: string[]): Promise<string | undefined> {
  const { values, positionals } = parseCommandLine("keys", args, {
    account: { type: "string" },
    home: { type: "string" },
  });
  if (values.help === true) return "keys";
  const rotate = positionals.length === 1 && positionals[0] === "rotate";
  const pq = positionals.length === 2 && positionals[0] === "pq" ? positionals[1] : undefined;
  if (!rotate && pq !== "on" && pq !== "off")
    throw new MailsealError("USAGE", "keys needs an action: mailseal keys rotate, mailseal keys pq on|off");
  const host = commandHost(values.home);
  const { state, client } = await openAccount(host, await pickAccount(host.store, values.account));
  const made = rotate ? await client.rotateKey() : await client.setPqKeys(pq === "on");
  // No password asked here: a protected account's new key is wrapped by the next read that has it.
  const refreshed = await refreshKeys(client, host.store, state);
  const all = [...refreshed.keys, ...(refreshed.kemKeys ?? [])];
  const held = all.filter((k) => k.pkcs8 !== undefined).length;
  const kem = "kemKeyId" in made && made.kemKeyId !== undefined ? ` and ML-KEM key ${made.kemKeyId} are` : " is";
  process.stdout.write(
    `${state.address}: key ${made.keyId}${kem} current, ${held} of ${all.length} keys on this device\n`,
  );
  return undefined;
}
