// The command line of `mailseal server` (a contract: keep it stable; help text in usage.ts):
//   mailseal server [--data DIR] [--host 127.0.0.1] [--port N] [--db sqlite:FILE|postgres://...]
//     [--hsm soft|pkcs11:LIBRARY?slot=N|token=LABEL] [--hsm-pin-file FILE] [--outbox DIR | --smtp URL] [--role api,share-a,share-b,ldap]
//     [--key-bits N] [--domain D ...] [--profile private|public-trust] [--public-url URL] ...
// Parsing is strict: an unknown option, a missing value or a bad one is a USAGE error naming it.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { clockOffsetFromEnv } from "./clock.js";
import { databaseUrlFor, defaultDatabaseUrl } from "./db/names.js";
import { MailsealError } from "./errors.js";
import { parseHsmSpec, type HsmSpec } from "./hsm/spec.js";

export const ROLES = ["api", "share-a", "share-b"] as const;
export type Role = (typeof ROLES)[number];
export type StoreRole = Exclude<Role, "api">;

export const KEY_BITS = [2048, 3072, 4096] as const;
export const PROFILES = ["private", "public-trust"] as const;
export type Profile = (typeof PROFILES)[number];
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The HSM backend (hsm/spec.ts); the PIN comes from --hsm-pin-file or the environment, never the command line. */
export type HsmConfig = HsmSpec;

/**
 * Request limits of the api, per client IP unless named otherwise (429 RATE_LIMITED with Retry-After,
 * RFC 6585 4). Per-IP limits are kept by each api node; the per-address one is counted in the
 * database, so it holds across nodes. A load test raises them with --rate-limit NAME=N.
 */
export interface RateLimits {
  /** POST /v1/enrollments per IP per hour. */
  enrollmentsPerIpPerHour: number;
  /**
   * Challenges (mails) for one address asked from one network (an IPv4 address, an IPv6 /64) per
   * hour, counted in the database; besides at most 3 live ones per device key.
   */
  enrollmentsPerAddressPerHour: number;
  /** Enrolment answers, token enrolments and session requests per IP per minute. */
  authPerIpPerMinute: number;
  /**
   * Addresses looked up in CerDB per client network (an IPv4 address, an IPv6 /64) per minute: one
   * per GET /v1/certs/..., one per distinct address of a POST /v1/certs/lookup batch.
   */
  certsPerIpPerMinute: number;
  /**
   * Release requests (POST /v1/keys/{keyId}/release) per IP per minute at the api; a share store
   * allows twice as many POST /v1/releases (a device presents one ticket per store, and may retry).
   */
  releasesPerIpPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = {
  enrollmentsPerIpPerHour: 30,
  enrollmentsPerAddressPerHour: 5,
  authPerIpPerMinute: 60,
  certsPerIpPerMinute: 300,
  releasesPerIpPerMinute: 60,
};

export interface LdapConfig {
  /** --ldap-port: 7389 with the default ports, N+3 with --port N, 0 (a free port) with --port 0. */
  port: number;
  /** --ldap-base-dn: the DN the entries live under (default o=mailseal). */
  baseDn: string;
  /** --ldap-tls-cert and --ldap-tls-key (PEM files): StartTLS is offered only with both. */
  tls: { certFile: string; keyFile: string } | undefined;
}

/** What `--role` takes beside ROLES: the LDAP door, which holds no keys and reads the api's database. */
export const LDAP_ROLE = "ldap";
export const DEFAULT_LDAP_PORT = 7389;

export type MailConfig = { kind: "outbox"; dir: string } | { kind: "smtp"; url: string };

export interface ServerConfig {
  /** Absolute path of the data directory (outbox, SQLite files, soft HSM). */
  dataDir: string;
  host: string;
  /** Port of each role's listener: --port, +1, +2; all 0 (free ports) with --port 0. */
  ports: Readonly<Record<Role, number>>;
  /** `sqlite:/absolute/file`, `sqlite::memory:` or `postgres://...`: the api database (see db/names.ts). */
  db: string;
  /** The database of each role: derived from --db, else each role's own file in its own folder (db/names.ts). */
  databases: Readonly<Record<Role, string>>;
  hsm: HsmConfig;
  mail: MailConfig;
  /** The From address of the mails the server sends. */
  mailFrom: string;
  /** The roles this process runs, in ROLES order. */
  roles: readonly Role[];
  /** The LDAP door (role `ldap`): CerDB read-only over LDAPv3; undefined when this process does not run it. */
  ldap: LdapConfig | undefined;
  keyBits: (typeof KEY_BITS)[number];
  /** Enterprise mode: only these domains (lower case) are served. Empty: every domain. */
  domains: readonly string[];
  profile: Profile;
  /** The base URL the api advertises (no trailing slash); undefined: its listening URL. */
  publicUrl: string | undefined;
  /** The URLs of share stores this process does not run; undefined: host and port + 1 / + 2. */
  storeUrls: Readonly<Partial<Record<StoreRole, string>>>;
  /** Fastify's trustProxy: false, true (any proxy), a hop count or proxy addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  logLevel: LogLevel;
  /** MAILSEAL_CLOCK_OFFSET in milliseconds. */
  clockOffsetMs: number;
  rateLimits: Readonly<RateLimits>;
  /** --pending-stale: age (ms) after which another node's pending key is rolled back (default 2 min). */
  pendingStaleMs: number;
  /** --rotate-before: days before a certificate expires that its key gets a successor (default 30). */
  rotationLeadDays: number;
  /** --roll-ca-root: roll the CA's root over at start (docs/services.md, "The pinned root"). */
  rollCaRoot: boolean;
  /**
   * --dev: a development or demo system, allowed what a deployment must not do (checkDeployment):
   * several roles in one process, a share store that has not pinned the api's ticket key.
   */
  dev: boolean;
  /** --ticket-key-thumbprint: the RFC 7638 thumbprint of the api's ticket key, pinned by a store run apart. */
  ticketKeyThumbprint: string | undefined;
  /**
   * --oidc-issuer (repeatable): the OpenID Connect issuers whose tokens the api takes as proof of an
   * address at enrolment (api/oidc-proof.ts); none by default (the mailed challenge only).
   */
  oidcIssuers: readonly OidcIssuerConfig[];
}

/** An OpenID Connect issuer trusted to prove addresses (docs/services.md, "Address proof by token"). */
export interface OidcIssuerConfig {
  /** The `iss` value exactly as the issuer writes it (OpenID Connect Discovery 1.0 section 4.3). */
  issuer: string;
  /** The `aud` values accepted: this service's client or application id(s) at the issuer. */
  audiences: readonly string[];
  /** Its JWKS; when undefined, `jwks_uri` of the issuer's discovery document. */
  jwksUri: string | undefined;
}

const OPTIONS = {
  data: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  db: { type: "string" },
  hsm: { type: "string" },
  "hsm-pin-file": { type: "string" },
  outbox: { type: "string" },
  smtp: { type: "string" },
  role: { type: "string" },
  "key-bits": { type: "string" },
  domain: { type: "string", multiple: true },
  profile: { type: "string" },
  "public-url": { type: "string" },
  "share-a-url": { type: "string" },
  "share-b-url": { type: "string" },
  "mail-from": { type: "string" },
  "trust-proxy": { type: "string" },
  "log-level": { type: "string" },
  "rate-limit": { type: "string", multiple: true },
  "pending-stale": { type: "string" },
  "rotate-before": { type: "string" },
  "roll-ca-root": { type: "boolean" },
  dev: { type: "boolean" },
  "ticket-key-thumbprint": { type: "string" },
  "ldap-port": { type: "string" },
  "ldap-base-dn": { type: "string" },
  "ldap-tls-cert": { type: "string" },
  "ldap-tls-key": { type: "string" },
  "oidc-issuer": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

function usage(message: string): MailsealError {
  return new MailsealError("USAGE", message);
}

function oneOf<V extends string>(value: string, allowed: readonly V[], option: string): V {
  if (!(allowed as readonly string[]).includes(value)) {
    throw usage(`${option} ${value} is not one of ${allowed.join(", ")}`);
  }
  return value as V;
}

function nonEmpty(value: string | undefined, option: string): string | undefined {
  if (value !== undefined && value.trim() === "") throw usage(`${option} needs a value`);
  return value;
}

function parsePort(value: string): number {
  // The share stores listen on port + 1 and + 2, so those must be ports too.
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65533) {
    throw usage(`--port ${value} is not a port number from 0 to 65533`);
  }
  return Number(value);
}

function parseRoles(value: string): { roles: Role[]; ldap: boolean } {
  const named = value.split(",").map((role) => role.trim());
  const roles = new Set(named.map((role) => oneOf(role, [...ROLES, LDAP_ROLE], "--role")));
  if (roles.size !== named.length) throw usage(`--role ${value} names a role twice`);
  return { roles: ROLES.filter((role) => roles.has(role)), ldap: roles.has(LDAP_ROLE) };
}

/** A DN in RFC 4514 string form, as far as the base of a directory needs: TYPE=VALUE pairs. */
function parseBaseDn(value: string): string {
  const rdn = /^\s*[A-Za-z][A-Za-z0-9-]*\s*=\s*(?:[^,=+"\\<>;]|\\.)+$/;
  if (!value.split(/(?<!\\),/).every((part) => rdn.test(part))) {
    throw usage(`--ldap-base-dn ${value} is not a DN such as o=mailseal or dc=example,dc=org`);
  }
  return value.trim();
}

function parseLdap(
  values: {
    "ldap-port"?: string;
    "ldap-base-dn"?: string;
    "ldap-tls-cert"?: string;
    "ldap-tls-key"?: string;
  },
  port: number,
  portGiven: boolean,
): LdapConfig {
  const cert = values["ldap-tls-cert"];
  const key = values["ldap-tls-key"];
  if ((cert === undefined) !== (key === undefined)) throw usage("--ldap-tls-cert and --ldap-tls-key go together");
  // 7389 beside the default ports; beside ports chosen with --port, the next one after the stores',
  // so that two servers on other ports never meet on 7389.
  let ldapPort = port === 0 ? 0 : portGiven ? port + 3 : DEFAULT_LDAP_PORT;
  if (values["ldap-port"] === undefined && ldapPort > 65535) {
    throw usage(`--port ${port} leaves no port for the LDAP door (N+3): pass --ldap-port`);
  }
  if (values["ldap-port"] !== undefined) {
    if (!/^\d{1,5}$/.test(values["ldap-port"]) || Number(values["ldap-port"]) > 65535) {
      throw usage(`--ldap-port ${values["ldap-port"]} is not a port number from 0 to 65535`);
    }
    ldapPort = Number(values["ldap-port"]);
  }
  return {
    port: ldapPort,
    baseDn: parseBaseDn(values["ldap-base-dn"] ?? "o=mailseal"),
    tls: cert === undefined || key === undefined ? undefined : { certFile: resolve(cert), keyFile: resolve(key) },
  };
}

/** A DNS name in LDH form (RFC 1035 section 2.3.1, RFC 5890 A-labels for IDNs), lower-cased. */
function parseDomain(value: string): string {
  const domain = value.trim().toLowerCase().replace(/\.$/, "");
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  if (domain.length === 0 || domain.length > 253 || !domain.split(".").every((part) => label.test(part))) {
    throw usage(`--domain ${value} is not a domain name (IDNs in their xn-- form)`);
  }
  return domain;
}

/** An http(s) base URL without query or fragment, returned without a trailing slash. */
function parseBaseUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage(`${option} ${value} is not a URL`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "") {
    throw usage(`${option} ${value} must be an http or https URL without query or fragment`);
  }
  if (url.username !== "" || url.password !== "") throw usage(`${option} ${value} must not carry a user or password`);
  return url.href.replace(/\/+$/, "");
}

function parseDb(value: string): string {
  if (value === "sqlite::memory:") return value;
  if (value.startsWith("sqlite:")) {
    const file = value.slice("sqlite:".length);
    if (file === "") throw usage(`--db ${value} names no file (sqlite:FILE)`);
    return `sqlite:${resolve(file)}`;
  }
  if (value.startsWith("postgres://") || value.startsWith("postgresql://")) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw usage(`--db ${redactUrl(value)} is not a URL`);
    }
    const name = decodeURIComponent(url.pathname.slice(1));
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,53}$/.test(name)) {
      // 63 bytes is PostgreSQL's identifier limit (NAMEDATALEN - 1); the stores add "_share_a".
      throw usage(`--db ${redactUrl(value)} needs a database name of letters, digits and _ (at most 54)`);
    }
    return value;
  }
  throw usage(`--db ${redactUrl(value)} is not sqlite:FILE nor postgres://...`);
}

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== "") url.password = "***";
    return url.href;
  } catch {
    return value.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
  }
}

/** The PKCS#11 PIN from `--hsm-pin-file FILE`: the file without its final line break. */
function readPinFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw usage(`--hsm-pin-file ${file}: ${(error as Error).message}`);
  }
  const pin = text.replace(/\r?\n$/, "");
  if (pin === "") throw usage(`--hsm-pin-file ${file} is empty`);
  return pin;
}

function parseHsm(value: string, env: Record<string, string | undefined>, pinFile: string | undefined): HsmConfig {
  const pin = pinFile === undefined ? undefined : readPinFile(pinFile);
  try {
    return parseHsmSpec(value, env, pin);
  } catch (error) {
    const shown = value.replace(/([?&]pin=)[^&]*/g, "$1***");
    throw usage(`--hsm ${shown}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseSmtp(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage(`--smtp ${redactUrl(value)} is not a URL`);
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw usage(`--smtp ${redactUrl(value)} must be smtp://HOST[:PORT] or smtps://...`);
  }
  if (url.hostname === "") throw usage(`--smtp ${redactUrl(value)} names no host`);
  return value;
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === "true") return true;
  if (value === "false") return false;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const list = value.split(",").map((entry) => entry.trim());
  const valid = (entry: string) => {
    const [address = "", prefix, ...more] = entry.split("/");
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    return (
      family !== 0 && more.length === 0 && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max))
    );
  };
  if (!list.every(valid)) {
    throw usage(`--trust-proxy ${value} is not true, false, a hop count or a list of addresses/CIDRs`);
  }
  return list;
}

function parseMailFrom(value: string): string {
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(value)) throw usage(`--mail-from ${value} is not an address (local@domain)`);
  return value;
}

/** `--rate-limit NAME=N` (repeatable) over the defaults; N a whole number from 1 to 10^9. */
function parseRateLimits(values: readonly string[]): RateLimits {
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS };
  for (const value of values) {
    const [name = "", count = "", ...more] = value.split("=");
    if (!(name in DEFAULT_RATE_LIMITS)) {
      throw usage(`--rate-limit ${value}: the name is one of ${Object.keys(DEFAULT_RATE_LIMITS).join(", ")}`);
    }
    if (more.length > 0 || !/^[1-9]\d{0,8}$/.test(count)) {
      throw usage(`--rate-limit ${value}: the limit is a whole number from 1 to 999999999`);
    }
    limits[name as keyof RateLimits] = Number(count);
  }
  return limits;
}

/** `--pending-stale SECONDS`: 1 to 86400. */
function parsePendingStale(value: string): number {
  if (!/^[1-9]\d{0,4}$/.test(value) || Number(value) > 86_400) {
    throw usage(`--pending-stale ${value} is not a number of seconds from 1 to 86400`);
  }
  return Number(value) * 1000;
}

/**
 * `--rotate-before DAYS`: 1 to 365. A successor made this long before expiry gives every sender time
 * to pick up the new certificate (CerDB caches for minutes, clients for an hour) while the old one
 * still verifies; a year at most, since encryption certificates live three years (private profile)
 * or 825 days (public-trust).
 */
function parseRotateBefore(value: string): number {
  if (!/^[1-9]\d{0,2}$/.test(value) || Number(value) > 365) {
    throw usage(`--rotate-before ${value} is not a number of days from 1 to 365`);
  }
  return Number(value);
}

/** The ServerConfig of a `mailseal server` command line (without the word `server`). */
export function parseServerArgs(argv: string[], env: Record<string, string | undefined>): ServerConfig {
  let values;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify .*$/s, "") : String(error);
    throw usage(`${message} (see mailseal server --help)`);
  }
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "string") nonEmpty(value, `--${name}`);
  }
  if (values.outbox !== undefined && values.smtp !== undefined) throw usage("--outbox and --smtp exclude each other");

  const dataDir = resolve(values.data ?? "mailseal-data");
  const port = parsePort(values.port ?? "7400");
  const offset = (n: number) => (port === 0 ? 0 : port + n);
  const { roles, ldap } = parseRoles(values.role ?? [...ROLES, LDAP_ROLE].join(","));
  const domains = [...new Set((values.domain ?? []).map(parseDomain))];
  const storeUrls: Partial<Record<StoreRole, string>> = {};
  if (values["share-a-url"] !== undefined) storeUrls["share-a"] = parseBaseUrl(values["share-a-url"], "--share-a-url");
  if (values["share-b-url"] !== undefined) storeUrls["share-b"] = parseBaseUrl(values["share-b-url"], "--share-b-url");
  const db = values.db === undefined ? defaultDatabaseUrl(dataDir, "api") : parseDb(values.db);

  return {
    dataDir,
    host: values.host ?? "127.0.0.1",
    ports: { api: port, "share-a": offset(1), "share-b": offset(2) },
    db,
    databases: {
      api: values.db === undefined ? defaultDatabaseUrl(dataDir, "api") : databaseUrlFor(db, "api"),
      "share-a": values.db === undefined ? defaultDatabaseUrl(dataDir, "share-a") : databaseUrlFor(db, "share-a"),
      "share-b": values.db === undefined ? defaultDatabaseUrl(dataDir, "share-b") : databaseUrlFor(db, "share-b"),
    },
    hsm: parseHsm(values.hsm ?? "soft", env, values["hsm-pin-file"]),
    mail:
      values.smtp !== undefined
        ? { kind: "smtp", url: parseSmtp(values.smtp) }
        : { kind: "outbox", dir: resolve(values.outbox ?? resolve(dataDir, "outbox")) },
    mailFrom: parseMailFrom(values["mail-from"] ?? `mailseal@${domains[0] ?? "localhost"}`),
    roles,
    ldap: ldap ? parseLdap(values, port, values.port !== undefined) : undefined,
    keyBits: Number(
      oneOf(values["key-bits"] ?? "3072", ["2048", "3072", "4096"], "--key-bits"),
    ) as ServerConfig["keyBits"],
    domains,
    profile: oneOf(values.profile ?? "private", PROFILES, "--profile"),
    publicUrl: values["public-url"] === undefined ? undefined : parseBaseUrl(values["public-url"], "--public-url"),
    storeUrls,
    trustProxy: parseTrustProxy(values["trust-proxy"] ?? "false"),
    logLevel: oneOf(values["log-level"] ?? "info", LOG_LEVELS, "--log-level"),
    clockOffsetMs: clockOffsetFromEnv(env),
    rateLimits: parseRateLimits(values["rate-limit"] ?? []),
    pendingStaleMs: parsePendingStale(values["pending-stale"] ?? "120"),
    rotationLeadDays: parseRotateBefore(values["rotate-before"] ?? "30"),
    rollCaRoot: values["roll-ca-root"] === true,
    dev: values.dev === true,
    ticketKeyThumbprint:
      values["ticket-key-thumbprint"] === undefined ? undefined : parseThumbprint(values["ticket-key-thumbprint"]),
    oidcIssuers: parseOidcIssuers(values["oidc-issuer"] ?? []),
  };
}

/** An issuer or JWKS URL: https, or http to this machine only (the rule of the clients' service URLs). */
function parseIssuerUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage(`${option} ${value} is not a URL`);
  }
  const loopback = ["localhost", "[::1]"].includes(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw usage(`${option} ${value} must be https (plain http only to this machine)`);
  }
  if (url.username !== "" || url.password !== "" || url.hash !== "") {
    throw usage(`${option} ${value} must not carry a user, password or fragment`);
  }
  return value;
}

/**
 * `--oidc-issuer "ISSUER audience=A[,B...] [jwks=URL]"`: fields separated by spaces, which no URL
 * holds. The issuer is kept exactly as written, since `iss` is compared as a string (OpenID Connect
 * Core 1.0 section 3.1.3.7).
 */
function parseOidcIssuers(values: readonly string[]): OidcIssuerConfig[] {
  const issuers = values.map((value) => {
    const [issuer = "", ...fields] = value.trim().split(/\s+/);
    let audiences: string[] = [];
    let jwksUri: string | undefined;
    for (const field of fields) {
      const eq = field.indexOf("=");
      const name = field.slice(0, eq);
      const rest = field.slice(eq + 1);
      if (name === "audience" && rest !== "") audiences = rest.split(",").filter((a) => a !== "");
      else if (name === "jwks") jwksUri = parseIssuerUrl(rest, "--oidc-issuer jwks=");
      else throw usage(`--oidc-issuer: unknown field ${field} (audience=A,B or jwks=URL)`);
    }
    if (audiences.length === 0) throw usage(`--oidc-issuer ${value} needs audience=A[,B...]`);
    return { issuer: parseIssuerUrl(issuer, "--oidc-issuer"), audiences, jwksUri };
  });
  const seen = new Set<string>();
  for (const { issuer } of issuers) {
    if (seen.has(issuer)) throw usage(`--oidc-issuer ${issuer} is given twice`);
    seen.add(issuer);
  }
  return issuers;
}

/** An RFC 7638 JWK thumbprint: SHA-256, base64url without padding (43 characters). */
function parseThumbprint(value: string): string {
  if (!/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(value)) {
    throw usage(`--ticket-key-thumbprint ${value} is not an RFC 7638 SHA-256 thumbprint (43 base64url characters)`);
  }
  return value;
}

/**
 * What `mailseal server` refuses to run as a deployment unless --dev (README, "Running at scale"):
 * - several roles in one process (COMBINED_ROLES): one machine, one operator and one process hold the
 *   api's keys and both stores' KEKs (in their separate folders, or on one PKCS#11 token), so a
 *   single compromise of that machine undoes the split the two stores exist for;
 * - a share store run apart without --ticket-key-thumbprint (TICKET_KEY_UNPINNED): it would believe
 *   whatever ticket key answers at --public-url, so whoever can answer there could release shares.
 */
export function checkDeployment(config: ServerConfig): void {
  if (config.dev) return;
  if (config.roles.length > 1) {
    throw new MailsealError(
      "COMBINED_ROLES",
      `--role ${config.roles.join(",")} runs several roles in one process: one machine then holds the api's keys ` +
        "and both stores' KEKs, which undoes the split. Run each role on its own (README, Running at scale), " +
        "or pass --dev for a development or demo system",
    );
  }
  if (config.roles.length > 0 && !config.roles.includes("api") && config.ticketKeyThumbprint === undefined) {
    throw new MailsealError(
      "TICKET_KEY_UNPINNED",
      `a share store run apart needs the api's ticket key pinned: --ticket-key-thumbprint (the api logs it at ` +
        'start as "ticketKeyThumbprint"), or --dev for a development system',
    );
  }
}

/** The URL of a listener at host:port (IPv6 literals in brackets, RFC 3986 section 3.2.2). */
export function listenerUrl(host: string, port: number): string {
  const name = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${name}:${port}`;
}
