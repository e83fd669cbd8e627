// mailseal read: an S/MIME message in, the message as the sender wrote it out, and a status line on
// standard error (encrypted; signed by whom, or why the signature is invalid). The keys are brought
// up to date first (a key made by a rotation, a new device's first read), and a setup that stopped
// for want of the key-protection password is finished, and the CA's CRL is fetched when the kept one
// is due; without the service, the keys and the CRL already on this device are used.
import type { CoreService } from "@mailseal/core-wasm";
import {
  API_ERROR_CODES,
  hasCode,
  MailsealError,
  describeStatus,
  MAILFLOW_ERROR_CODES,
  openAccount,
  passwordUnlock,
  refreshCrl,
  crlCheckWith,
  refreshKeys,
  renewSigningCertificate,
  type DeviceState,
} from "@mailseal/shared";
import { MailEngine, streamOf } from "@mailseal/engine";
import { commandHost, passwordSource } from "../home/host.js";
import { parseOptions } from "../options.js";
import { withInputOutput } from "../run-io.js";

export async function readCommand(args: string[], core: CoreService): Promise<string | undefined> {
  const values = parseOptions("read", args, {
    home: { type: "string" },
    in: { type: "string" },
    out: { type: "string" },
    "password-file": { type: "string" },
  });
  if (values.help === true) return "read";
  const host = commandHost(values.home);
  const addresses = await host.store.list();
  if (addresses.length === 0) {
    throw new MailsealError("NO_ACCOUNT", "this device has no account (mailseal account add first)");
  }
  const password = passwordSource(values["password-file"], {
    stdinCarriesInput: values.in === undefined || values.in === "-",
  });
  const accounts: DeviceState[] = [];
  for (const address of addresses) {
    const opened = await openAccount(host, address).catch((error: unknown) => {
      // An account whose setup was interrupted has no keys to offer: the others still read.
      if (hasCode(error, "NOT_PROVISIONED")) return undefined;
      throw error;
    });
    if (opened === undefined) continue;
    const { state, client } = opened;
    try {
      const refreshed = await refreshKeys(client, host.store, state, { unlock: passwordUnlock(client, password) });
      // A setup interrupted after the enrolment (PASSWORD_REQUIRED) is finished here: the signing
      // certificate, and with it the service's root that signatures are checked against.
      const renewed = await renewSigningCertificate(client, host.store, refreshed, host.clock);
      // The CA's CRL, so that a signature by a removed device's certificate reads as revoked. One the
      // service cannot give now (or gives unsigned) leaves the kept one in use, and says so.
      accounts.push(
        await refreshCrl(client, host.store, renewed, host.clock, crlCheckWith(core)).catch((error: unknown) => {
          if (!hasCode(error, ...MAILFLOW_ERROR_CODES, ...API_ERROR_CODES)) throw error;
          process.stderr.write(`mailseal: ${address}: CRL not refreshed (${error.code}: ${error.message})\n`);
          return renewed;
        }),
      );
    } catch (error) {
      // Offline, the keys this device holds still read the mail they were made for, and so they do when
      // only a key made since (a rotation on a protected account) waits for the password.
      const holdsKeys = [...state.keys, ...(state.kemKeys ?? [])].some((k) => k.pkcs8 !== undefined);
      const goOn = hasCode(error, "SERVICE_UNAVAILABLE") || (hasCode(error, "PASSWORD_REQUIRED") && holdsKeys);
      if (!goOn) throw error;
      process.stderr.write(`mailseal: ${address}: keys not refreshed (${error.message})\n`);
      accounts.push(state);
    }
  }
  // The engine in this thread over the command's core: it loads only the key the message names.
  const engine = MailEngine.over(core);
  await engine.setAccounts(accounts);
  let status = "";
  await withInputOutput({ in: values.in, out: values.out, holdBack: true, mode: 0o600 }, async (input, output) => {
    const opened = await engine.openMessage(streamOf(input.source), { time: host.clock.now().getTime() });
    await output.write(opened.message);
    status = describeStatus(opened.status);
  });
  engine.close();
  process.stderr.write(`mailseal: ${status}\n`);
  return undefined;
}
