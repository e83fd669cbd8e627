// mailseal account add ADDRESS --server URL: sets this device up for an address (device key,
// challenge mail or typed code, keys, signing certificate). Run again to finish an interrupted
// setup, or to answer with --code after the mail arrived.
import { hostname } from "node:os";
import { provision, type DeviceState, MailsealError } from "@mailseal/shared";

import { ask, canAsk, commandHost, passwordSource } from "../home/host.js";
import { OutboxMailbox } from "../home/outbox-mailbox.js";
import { parseCommandLine, required } from "../options.js";

/** How long `account add --outbox` waits for the challenge mail. */
const OUTBOX_TIMEOUT_MS = 60_000;

export function describeAccount(state: DeviceState): string {
  const held = state.keys.filter((k) => k.pkcs8 !== undefined).length;
  return `${state.address}: device ${state.deviceId ?? "(not active)"}, ${held} of ${state.keys.length} keys on this device`;
}

export async function accountCommand(args: string[]): Promise<string | undefined> {
  const { values, positionals } = parseCommandLine("account", args, {
    server: { type: "string" },
    home: { type: "string" },
    outbox: { type: "string" },
    code: { type: "string" },
    "password-file": { type: "string" },
    name: { type: "string" },
  });
  if (values.help === true) return "account";
  const [action, address, ...rest] = positionals;
  if (action !== "add")
    throw new MailsealError("USAGE", "account needs an action: mailseal account add ADDRESS --server URL");
  if (address === undefined || rest.length > 0) {
    throw new MailsealError("USAGE", "account add needs exactly one ADDRESS (see mailseal account --help)");
  }
  const server = required("account add", values.server, "--server URL");
  if (values.outbox !== undefined && values.code !== undefined) {
    throw new MailsealError("USAGE", "give --outbox DIR or --code CODE, not both");
  }
  const host = commandHost(values.home);
  const given = values.code;
  const code = async (): Promise<string | undefined> =>
    given ?? (canAsk() ? ask(`confirmation code mailed to ${address}: `, false) : undefined);
  const state = await provision(host, {
    address,
    server,
    deviceName: values.name ?? hostname(),
    ...(values.outbox === undefined
      ? { code }
      : { mailbox: new OutboxMailbox(values.outbox, { timeoutMs: OUTBOX_TIMEOUT_MS }) }),
    password: passwordSource(values["password-file"]),
  });
  process.stdout.write(`${describeAccount(state)}\n`);
  // Where the keys now are, and whether more than the file mode protects them (issue 12, finding 7).
  process.stdout.write(`${await host.store.protection()}\n`);
  return undefined;
}
