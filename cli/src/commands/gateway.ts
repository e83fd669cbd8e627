// mailseal gateway: the organisation gateway behind Postfix (docs/services.md, "Organisation
// gateway"); mailseal gateway policy: its encryption policy per domain and per address.
import type { CoreService } from "@mailseal/core-wasm";
import {
  ENCRYPT_POLICIES,
  encryptPolicyFor,
  isEncryptPolicy,
  learnedCertificates,
  listEncryptPolicies,
  openDatabase,
  rememberCertificate,
  setEncryptPolicy,
} from "@mailseal/server";
import { MailsealError } from "@mailseal/shared";
import { Gateway } from "../gateway/gateway.js";
import { join } from "node:path";
import { commandHost, homeFolder } from "../home/host.js";
import { certificatesIn } from "../keys.js";
import { ldapCertificates, parseLdapUrl } from "../gateway/ldap.js";
import { parseCommandLine, required } from "../options.js";

/** Postfix's default message_size_limit (10,240,000 bytes): a message Postfix takes, the gateway takes. */
const DEFAULT_MAX_BYTES = 10_240_000;

/** How long one LDAP search may take before the message waits (451) and is tried again. */
const DEFAULT_LDAP_TIMEOUT_MS = 5_000;

/** HOST:PORT, the host an IPv4 or a name (the gateway and Postfix talk over loopback). */
function hostPort(option: string, value: string): { host: string; port: number } {
  const match = /^([^:\s]+):(\d{1,5})$/.exec(value);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port > 65_535) throw new MailsealError("USAGE", `${option} needs HOST:PORT, not ${value}`);
  return { host: match[1]!, port };
}

export async function gatewayCommand(args: string[], core: CoreService): Promise<string | undefined> {
  const { values, positionals } = parseCommandLine("gateway", args, {
    home: { type: "string" },
    db: { type: "string" },
    listen: { type: "string" },
    reinject: { type: "string" },
    "max-size": { type: "string" },
    "trust-anchors": { type: "string" },
    ldap: { type: "string" },
    "ldap-timeout": { type: "string" },
  });
  if (values.help === true) return "gateway";
  const url = required("gateway", values.db, "--db URL (the api's database: sqlite:FILE or postgres://...)");
  const database = await openDatabase(url.includes(":") ? url : `sqlite:${url}`, "api");
  if (positionals[0] === "policy") {
    try {
      await policyCommand(positionals.slice(1), database.db);
    } finally {
      await database.close();
    }
    return undefined;
  }
  if (positionals.length > 0) throw new MailsealError("USAGE", `unknown gateway action ${positionals[0]}`);
  const maxBytes = values["max-size"] === undefined ? DEFAULT_MAX_BYTES : Number(values["max-size"]);
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new MailsealError("USAGE", `--max-size needs a number of bytes, not ${values["max-size"]}`);
  }
  // The CAs of other organisations whose signed mail is trusted and whose certificates, learned from
  // it, are encrypted to; the service's own root always is.
  const trustAnchors =
    values["trust-anchors"] === undefined ? [] : await certificatesIn(values["trust-anchors"], "trust anchors");
  const ldapAt = values.ldap === undefined ? undefined : parseLdapUrl(values.ldap);
  const ldapTimeout =
    values["ldap-timeout"] === undefined ? DEFAULT_LDAP_TIMEOUT_MS : Number(values["ldap-timeout"]) * 1000;
  if (!Number.isFinite(ldapTimeout) || ldapTimeout <= 0) {
    throw new MailsealError("USAGE", `--ldap-timeout needs seconds, not ${values["ldap-timeout"]}`);
  }
  const host = commandHost(values.home);
  const gateway = new Gateway({
    host,
    core,
    listen: hostPort("--listen", required("gateway", values.listen, "--listen HOST:PORT")),
    reinject: hostPort("--reinject", required("gateway", values.reinject, "--reinject HOST:PORT")),
    policy: (address) => encryptPolicyFor(database.db, address),
    maxBytes,
    trustAnchors,
    ...(ldapAt === undefined ? {} : { ldap: (address: string) => ldapCertificates(ldapAt, address, ldapTimeout) }),
    journal: join(homeFolder(values.home), "gateway-journal"),
    learned: {
      remember: (certificate) => rememberCertificate(database.db, certificate, new Date()),
      lookup: (addresses) => learnedCertificates(database.db, addresses),
    },
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const accounts = await gateway.loadAccounts();
  const port = await gateway.listen();
  process.stdout.write(`gateway smtp://${hostPort("--listen", values.listen!).host}:${port}\n`);
  process.stdout.write(`accounts: ${accounts.length === 0 ? "(none)" : accounts.join(" ")}\n`);
  // Runs until a signal ends the process: Postfix keeps every message not yet answered 250.
  await new Promise<never>(() => undefined);
  return undefined;
}

async function policyCommand(args: string[], db: Parameters<typeof listEncryptPolicies>[0]): Promise<void> {
  if (args.length === 0) {
    for (const row of await listEncryptPolicies(db)) process.stdout.write(`${row.subject} ${row.encrypt}\n`);
    return;
  }
  const [subject, policy, ...rest] = args;
  if (subject === undefined || policy === undefined || rest.length > 0) {
    throw new MailsealError("USAGE", "gateway policy needs DOMAIN|ADDRESS and one of never, possible, always, default");
  }
  if (policy !== "default" && !isEncryptPolicy(policy)) {
    throw new MailsealError("USAGE", `policy ${policy} is not one of ${ENCRYPT_POLICIES.join(", ")}, default`);
  }
  await setEncryptPolicy(db, subject, policy === "default" ? undefined : policy, new Date());
  process.stdout.write(`${subject} ${policy}\n`);
}
