// mailseal protect --password-file FILE | --remove [--password-file FILE]: enhanced protection on or off. With it, the
// account's keys are wrapped under a key only the password (through OPAQUE, RFC 9807) rebuilds: a
// new device needs the password to read mail, and no server, even all of them together, can.
import { disableProtection, enableProtection, openAccount, pickAccount } from "@mailseal/shared";
import { CliError } from "../cli-error.js";
import { commandHost, passwordFromFile, passwordSource } from "../home/host.js";
import { parseOptions } from "../options.js";

export async function protectCommand(args: string[]): Promise<string | undefined> {
  const values = parseOptions("protect", args, {
    "password-file": { type: "string" },
    remove: { type: "boolean", default: false },
    account: { type: "string" },
    home: { type: "string" },
  });
  if (values.help === true) return "protect";
  const file = values["password-file"];
  if (file === undefined && !values.remove) {
    throw new CliError("USAGE", "protect needs --password-file FILE (turn on) or --remove (turn off)");
  }
  const host = commandHost(values.home);
  const { state, client } = await openAccount(host, await pickAccount(host.store, values.account));
  if (!values.remove) {
    const next = await enableProtection(client, host.store, state, await passwordFromFile(file!));
    const wrapped = next.keys.filter((k) => k.protection === "opaque").length;
    process.stdout.write(`${next.address}: enhanced protection on, ${wrapped} of ${next.keys.length} keys protected\n`);
    return undefined;
  }
  // Turning it off takes the password too: the device key alone must not undo what the password guards.
  const password = await passwordSource(file)(true);
  if (password === undefined) {
    throw new CliError(
      "USAGE",
      "protect --remove needs the key-protection password (--password-file, MAILSEAL_PASSWORD, or a terminal to ask on)",
    );
  }
  const next = await disableProtection(client, host.store, state, password);
  process.stdout.write(`${next.address}: enhanced protection off\n`);
  return undefined;
}
