// mailseal audit: every release of the account's keys, as both share stores recorded it (when, which
// store, key and share, to which device). A release nobody expected is the sign of a stolen device.
import { openAccount, pickAccount, type AuditEntry } from "@mailseal/shared";
import { commandHost } from "../home/host.js";
import { parseOptions } from "../options.js";

export function formatReleases(releases: readonly AuditEntry[]): string {
  return [...releases]
    .sort((a, b) => a.at.localeCompare(b.at) || a.keyId.localeCompare(b.keyId) || a.index - b.index)
    .map((r) => {
      const name = r.deviceName === undefined ? "" : ` (${r.deviceName})`;
      return `${r.at}  ${r.store}  key ${r.keyId}  share ${r.index}  device ${r.deviceId}${name}\n`;
    })
    .join("");
}

export async function auditCommand(args: string[]): Promise<string | undefined> {
  const values = parseOptions("audit", args, { account: { type: "string" }, home: { type: "string" } });
  if (values.help === true) return "audit";
  const host = commandHost(values.home);
  const { client } = await openAccount(host, await pickAccount(host.store, values.account));
  process.stdout.write(formatReleases(await client.audit()));
  return undefined;
}
