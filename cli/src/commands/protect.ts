// mailseal protect --password-file FILE | --remove [--password-file FILE]: enhanced protection on or off. With it, the
// account's keys are wrapped under a key only the password (through OPAQUE, RFC 9807) rebuilds: a
// new device needs the password to read mail, and no server, even all of them together, can.
// A first password needs a fresh proof of the address: when the device's last challenge is older
// than 10 minutes, a new one is mailed and answered (--outbox DIR, --code CODE, or asked for).
import {
  disableProtection,
  enableProtection,
  openAccount,
  pickAccount,
  proveAddress,
  MailsealError,
} from "@mailseal/shared";
import { ask, canAsk, commandHost, passwordSource } from "../home/host.js";
import { passwordFromFile } from "../keys.js";
import { OutboxMailbox } from "../home/outbox-mailbox.js";
import { parseOptions } from "../options.js";

/** How long `protect --outbox` waits for the challenge mail (as `account add`). */
const OUTBOX_TIMEOUT_MS = 60_000;

export async function protectCommand(args: string[]): Promise<string | undefined> {
  const values = parseOptions("protect", args, {
    "password-file": { type: "string" },
    remove: { type: "boolean", default: false },
    outbox: { type: "string" },
    code: { type: "string" },
    account: { type: "string" },
    home: { type: "string" },
  });
  if (values.help === true) return "protect";
  const file = values["password-file"];
  if (file === undefined && !values.remove) {
    throw new MailsealError("USAGE", "protect needs --password-file FILE (turn on) or --remove (turn off)");
  }
  const host = commandHost(values.home);
  const { state, client } = await openAccount(host, await pickAccount(host.store, values.account));
  if (values.outbox !== undefined && values.code !== undefined) {
    throw new MailsealError("USAGE", "give --outbox DIR or --code CODE, not both");
  }
  if (!values.remove) {
    const outbox = values.outbox;
    const given = values.code;
    const next = await enableProtection(client, host.store, state, await passwordFromFile(file!), {
      proveAddress: () =>
        proveAddress(
          client,
          state,
          outbox === undefined
            ? {
                code: async () =>
                  given ?? (canAsk() ? ask(`confirmation code mailed to ${state.address}: `, false) : undefined),
              }
            : { mailbox: new OutboxMailbox(outbox, { timeoutMs: OUTBOX_TIMEOUT_MS }) },
        ),
    });
    const wrapped = next.keys.filter((k) => k.protection === "opaque").length;
    process.stdout.write(`${next.address}: enhanced protection on, ${wrapped} of ${next.keys.length} keys protected\n`);
    return undefined;
  }
  // Turning it off takes the password too: the device key alone must not undo what the password guards.
  const password = await passwordSource(file)(true);
  if (password === undefined) {
    throw new MailsealError(
      "USAGE",
      "protect --remove needs the key-protection password (--password-file, MAILSEAL_PASSWORD, or a terminal to ask on)",
    );
  }
  const next = await disableProtection(client, host.store, state, password);
  process.stdout.write(`${next.address}: enhanced protection off\n`);
  return undefined;
}
