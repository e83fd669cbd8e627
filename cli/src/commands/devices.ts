// mailseal devices [--remove ID]: the account's devices; removing one revokes its signing
// certificates, ends its access (its key releases stay in the audit) and replaces the account's
// encryption key, which this device then brings here.
import { openAccount, pickAccount, refreshKeys, type DeviceInfo } from "@mailseal/shared";
import { commandHost } from "../home/host.js";
import { parseOptions } from "../options.js";

export function formatDevices(devices: readonly DeviceInfo[]): string {
  return devices
    .map((d) => {
      const mark = d.current ? "  (this device)" : "";
      return `${d.deviceId}  ${d.status}  ${d.createdAt}  ${d.name}${mark}\n`;
    })
    .join("");
}

export async function devicesCommand(args: string[]): Promise<string | undefined> {
  const values = parseOptions("devices", args, {
    remove: { type: "string" },
    account: { type: "string" },
    home: { type: "string" },
  });
  if (values.help === true) return "devices";
  const host = commandHost(values.home);
  const { state, client } = await openAccount(host, await pickAccount(host.store, values.account));
  if (values.remove !== undefined) {
    await client.removeDevice(values.remove);
    process.stdout.write(`${state.address}: device ${values.remove} removed\n`);
    // The key made by the removal; without the service now, the next read brings it.
    await refreshKeys(client, host.store, state).catch((error: unknown) => {
      process.stderr.write(`mailseal: new key not brought here yet (${(error as Error).message})\n`);
    });
    return undefined;
  }
  process.stdout.write(formatDevices(await client.listDevices()));
  return undefined;
}
