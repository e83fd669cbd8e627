// The command line of `mailseal server`: defaults, every option, and a USAGE error naming the
// option for each kind of bad input.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { clockFromEnv, clockOffsetFromEnv } from "../src/clock.js";
import { checkDeployment, parseServerArgs } from "../src/config.js";
import { MailsealError } from "../src/errors.js";

function usageError(argv: string[], env: Record<string, string | undefined> = {}): string {
  try {
    parseServerArgs(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(MailsealError);
    expect((error as MailsealError).code).toBe("USAGE");
    return (error as Error).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

/** RFC 7638's own example thumbprint (section 3.1). */
const THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

const pinDir = mkdtempSync(join(tmpdir(), "mailseal-pin-"));
let pinFiles = 0;
/** A PIN file holding `text`. */
function pinFile(text: string): string {
  const file = join(pinDir, `pin-${++pinFiles}`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

describe("parseServerArgs", () => {
  it("has the documented defaults", () => {
    const data = resolve("mailseal-data");
    expect(parseServerArgs([], {})).toEqual({
      dataDir: data,
      host: "127.0.0.1",
      ports: { api: 7400, "share-a": 7401, "share-b": 7402 },
      db: `sqlite:${data}/api/api.sqlite`,
      // Each role its own folder and file (issue 12, finding 5).
      databases: {
        api: `sqlite:${data}/api/api.sqlite`,
        "share-a": `sqlite:${data}/share-a/share-a.sqlite`,
        "share-b": `sqlite:${data}/share-b/share-b.sqlite`,
      },
      hsm: { kind: "soft" },
      mail: { kind: "outbox", dir: `${data}/outbox` },
      mailFrom: "mailseal@localhost",
      roles: ["api", "share-a", "share-b"],
      // The LDAP door runs too, beside the default ports on 7389.
      ldap: { port: 7389, baseDn: "o=mailseal", tls: undefined },
      keyBits: 3072,
      domains: [],
      profile: "private",
      publicUrl: undefined,
      storeUrls: {},
      trustProxy: false,
      logLevel: "info",
      clockOffsetMs: 0,
      rateLimits: {
        enrollmentsPerIpPerHour: 30,
        enrollmentsPerAddressPerHour: 5,
        authPerIpPerMinute: 60,
        certsPerIpPerMinute: 300,
        releasesPerIpPerMinute: 60,
      },
      pendingStaleMs: 120_000,
      rotationLeadDays: 30,
      rollCaRoot: false,
      dev: false,
      ticketKeyThumbprint: undefined,
      oidcIssuers: [],
    });
  });

  it("reads every option", () => {
    const config = parseServerArgs(
      [
        "--data=/srv/ms",
        "--host",
        "::1",
        "--port",
        "8000",
        "--db",
        "postgres://ms:pw@db.internal:5432/mailseal",
        "--hsm",
        "pkcs11:/usr/lib/softhsm/libsofthsm2.so?slot=3",
        "--hsm-pin-file",
        pinFile("1234\n"),
        "--smtp",
        "smtp://relay.internal:25",
        "--role",
        "share-b,api",
        "--key-bits",
        "4096",
        "--domain",
        "Example.ORG",
        "--domain",
        "example.net.",
        "--domain",
        "example.org",
        "--profile",
        "public-trust",
        "--public-url",
        "https://keys.example.org/",
        "--share-a-url",
        "https://share-a.example.org",
        "--trust-proxy",
        "10.0.0.0/8,::1",
        "--log-level",
        "warn",
      ],
      { MAILSEAL_CLOCK_OFFSET: "-86400000" },
    );
    expect(config).toMatchObject({
      dataDir: "/srv/ms",
      host: "::1",
      ports: { api: 8000, "share-a": 8001, "share-b": 8002 },
      db: "postgres://ms:pw@db.internal:5432/mailseal",
      databases: {
        api: "postgres://ms:pw@db.internal:5432/mailseal",
        "share-a": "postgres://ms:pw@db.internal:5432/mailseal_share_a",
        "share-b": "postgres://ms:pw@db.internal:5432/mailseal_share_b",
      },
      hsm: { kind: "pkcs11", library: "/usr/lib/softhsm/libsofthsm2.so", slot: 3, pin: "1234" },
      mail: { kind: "smtp", url: "smtp://relay.internal:25" },
      mailFrom: "mailseal@example.org",
      roles: ["api", "share-b"],
      keyBits: 4096,
      domains: ["example.org", "example.net"],
      profile: "public-trust",
      publicUrl: "https://keys.example.org",
      storeUrls: { "share-a": "https://share-a.example.org" },
      trustProxy: ["10.0.0.0/8", "::1"],
      logLevel: "warn",
      clockOffsetMs: -86400000,
    });
  });

  it("gives every listener a free port with --port 0, and takes the PIN from the environment", () => {
    const config = parseServerArgs(
      ["--port", "0", "--hsm", "pkcs11:/usr/lib/lib.so?slot=0", "--db", "sqlite:rel/x.db"],
      {
        MAILSEAL_HSM_PIN: "9999",
      },
    );
    expect(config.ports).toEqual({ api: 0, "share-a": 0, "share-b": 0 });
    expect(config.hsm).toEqual({ kind: "pkcs11", library: "/usr/lib/lib.so", slot: 0, pin: "9999" });
    expect(config.db).toBe(`sqlite:${resolve("rel/x.db")}`);
    expect(parseServerArgs(["--trust-proxy", "2"], {}).trustProxy).toBe(2);
    expect(parseServerArgs(["--outbox", "mail"], {}).mail).toEqual({ kind: "outbox", dir: resolve("mail") });
  });

  it.each([
    [["--bogus"], "--bogus"],
    [["extra"], "extra"],
    [["--port"], "--port"],
    [["--port", "abc"], "--port abc"],
    [["--port", "65534"], "--port 65534"],
    [["--port", "-1"], "--port"],
    [["--db", "mysql://x/y"], "--db"],
    [["--db", "sqlite:"], "--db"],
    [["--db", "postgres://h/"], "database name"],
    [["--db", "postgres://h/bad-name"], "database name"],
    [["--hsm", "cloud"], "--hsm cloud"],
    [["--hsm", "pkcs11:?slot=1"], "library"],
    [["--hsm", "pkcs11:/lib.so"], "slot"],
    [["--hsm", "pkcs11:/lib.so?slot=1"], "PIN"],
    [["--hsm", "pkcs11:/lib.so?slot=1&label=x"], "label"],
    [["--hsm", "pkcs11:lib.so?slot=1"], "absolute"],
    [["--hsm-pin-file", "/nonexistent/pin"], "--hsm-pin-file /nonexistent/pin"],
    [["--outbox", "a", "--smtp", "smtp://h"], "exclude"],
    [["--smtp", "http://h"], "--smtp"],
    [["--role", "api,kms"], "--role kms"],
    [["--role", "api,api"], "twice"],
    [["--key-bits", "1024"], "--key-bits 1024"],
    [["--domain", "exa mple.org"], "--domain"],
    [["--domain", "-x.org"], "--domain"],
    [["--profile", "public"], "--profile public"],
    [["--public-url", "ftp://x"], "--public-url"],
    [["--public-url", "https://x/?q=1"], "--public-url"],
    [["--public-url", "not a url"], "--public-url"],
    [["--trust-proxy", "10.0.0.0/33"], "--trust-proxy"],
    [["--trust-proxy", "proxy.example"], "--trust-proxy"],
    [["--log-level", "loud"], "--log-level loud"],
    [["--mail-from", "nobody"], "--mail-from"],
    [["--data", ""], "--data"],
  ])("refuses %j naming %s", (argv, named) => {
    expect(usageError(argv)).toContain(named);
  });

  it("raises or lowers the request limits with --rate-limit NAME=N", () => {
    const config = parseServerArgs(
      ["--rate-limit", "certsPerIpPerMinute=100000", "--rate-limit=enrollmentsPerAddressPerHour=2"],
      {},
    );
    expect(config.rateLimits).toEqual({
      enrollmentsPerIpPerHour: 30,
      enrollmentsPerAddressPerHour: 2,
      authPerIpPerMinute: 60,
      certsPerIpPerMinute: 100000,
      releasesPerIpPerMinute: 60,
    });
    expect(usageError(["--rate-limit", "cert=5"])).toContain("--rate-limit cert=5: the name is one of");
    for (const bad of ["certsPerIpPerMinute=0", "certsPerIpPerMinute=x", "certsPerIpPerMinute=1=2"]) {
      expect(usageError(["--rate-limit", bad])).toContain("whole number");
    }
  });

  it("takes the pending-key staleness threshold in seconds with --pending-stale", () => {
    expect(parseServerArgs(["--pending-stale", "5"], {}).pendingStaleMs).toBe(5000);
    for (const bad of ["0", "-1", "1.5", "86401", "x"]) {
      expect(usageError([`--pending-stale=${bad}`])).toContain(`--pending-stale ${bad} is not a number of seconds`);
    }
  });

  it("takes OpenID Connect issuers trusted to prove addresses with --oidc-issuer", () => {
    const entra = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0";
    expect(
      parseServerArgs(
        [
          "--oidc-issuer",
          `${entra} audience=api://mailseal,c0ffee`,
          "--oidc-issuer",
          "http://127.0.0.1:9000 audience=x jwks=http://127.0.0.1:9000/keys",
        ],
        {},
      ).oidcIssuers,
    ).toEqual([
      { issuer: entra, audiences: ["api://mailseal", "c0ffee"], jwksUri: undefined },
      { issuer: "http://127.0.0.1:9000", audiences: ["x"], jwksUri: "http://127.0.0.1:9000/keys" },
    ]);
    expect(usageError(["--oidc-issuer", "https://idp.example"])).toContain("needs audience=");
    expect(usageError(["--oidc-issuer", "http://idp.example audience=x"])).toContain("must be https");
    expect(usageError(["--oidc-issuer", "https://idp.example audience=x color=blue"])).toContain("unknown field");
    expect(
      usageError([
        "--oidc-issuer",
        "https://idp.example audience=x",
        "--oidc-issuer",
        "https://idp.example audience=y",
      ]),
    ).toContain("given twice");
  });

  it("takes the rotation lead time in days with --rotate-before", () => {
    expect(parseServerArgs(["--rotate-before", "60"], {}).rotationLeadDays).toBe(60);
    expect(parseServerArgs(["--roll-ca-root"], {}).rollCaRoot).toBe(true);
    for (const bad of ["0", "-1", "1.5", "366", "x"]) {
      expect(usageError([`--rotate-before=${bad}`])).toContain(`--rotate-before ${bad} is not a number of days`);
    }
  });

  it("takes the PKCS#11 PIN from a file or the environment, never from the command line", () => {
    const spec = "pkcs11:/usr/lib/lib.so?token=t";
    const fromFile = parseServerArgs(["--hsm", spec, "--hsm-pin-file", pinFile("s3cret pin\r\n")], {
      MAILSEAL_HSM_PIN: "other",
    });
    expect(fromFile.hsm).toEqual({ kind: "pkcs11", library: "/usr/lib/lib.so", token: "t", pin: "s3cret pin" });
    expect(parseServerArgs(["--hsm", `${spec}&pin-env=MY_PIN`], { MY_PIN: "42" }).hsm).toMatchObject({ pin: "42" });
    // A PIN in the spec would be in the process list (ps, /proc/PID/cmdline) for every user to read.
    const refused = usageError(["--hsm", `${spec}&pin=s3cret`], { MAILSEAL_HSM_PIN: "1234" });
    expect(refused).toContain("pin=PIN is refused");
    expect(refused).toContain("--hsm-pin-file FILE");
    expect(refused).not.toContain("s3cret");
    expect(usageError(["--hsm", spec, "--hsm-pin-file", pinFile("\n")])).toContain("is empty");
    expect(usageError(["--hsm-pin-file", pinFile("1234")])).toContain("not with soft");
  });

  it("refuses a deployment that undoes the split unless --dev (checkDeployment)", () => {
    const refused = (argv: string[]): string => {
      try {
        checkDeployment(parseServerArgs(argv, {}));
      } catch (error) {
        expect(error).toBeInstanceOf(MailsealError);
        return `${(error as MailsealError).code}: ${(error as Error).message}`;
      }
      return "accepted";
    };
    // Several roles in one process: one machine holds the api's keys and both KEKs.
    expect(refused([])).toMatch(/^COMBINED_ROLES: --role api,share-a,share-b runs several roles in one process/);
    expect(refused(["--role", "share-a,share-b", "--ticket-key-thumbprint", THUMBPRINT])).toMatch(/^COMBINED_ROLES/);
    // A store on its own believes only the ticket key it pinned.
    expect(refused(["--role", "share-b"])).toMatch(/^TICKET_KEY_UNPINNED: .*--ticket-key-thumbprint/);
    expect(refused(["--role", "share-b", "--ticket-key-thumbprint", THUMBPRINT])).toBe("accepted");
    expect(refused(["--role", "api"])).toBe("accepted");
    // The LDAP door holds no key: beside the api, or alone, it undoes nothing and needs no ticket key.
    expect(refused(["--role", "api,ldap"])).toBe("accepted");
    expect(refused(["--role", "ldap"])).toBe("accepted");
    expect(refused(["--dev"])).toBe("accepted");
    expect(refused(["--role", "share-a", "--dev"])).toBe("accepted");
    expect(parseServerArgs(["--ticket-key-thumbprint", THUMBPRINT], {}).ticketKeyThumbprint).toBe(THUMBPRINT);
    for (const bad of ["abc", `${THUMBPRINT}A`, `${THUMBPRINT.slice(0, 42)}B`, `${THUMBPRINT.slice(0, 42)}+`]) {
      expect(usageError(["--ticket-key-thumbprint", bad])).toContain("RFC 7638");
    }
  });

  it("reads the LDAP door's options: its port, base DN and StartTLS certificate", () => {
    expect(parseServerArgs(["--role", "api"], {}).ldap).toBeUndefined();
    expect(parseServerArgs(["--port", "0"], {}).ldap?.port).toBe(0);
    // With --port N the door takes N+3, after the stores, so that servers on other ports never meet on 7389.
    expect(parseServerArgs(["--port", "8000"], {}).ldap?.port).toBe(8003);
    expect(usageError(["--port", "65533"])).toContain("--ldap-port");
    expect(parseServerArgs(["--port", "65533", "--ldap-port", "389"], {}).ldap?.port).toBe(389);
    const config = parseServerArgs(
      ["--role", "ldap", "--ldap-base-dn", "dc=example,dc=org", "--ldap-tls-cert", "c.pem", "--ldap-tls-key", "k.pem"],
      {},
    );
    expect(config.roles).toEqual([]);
    expect(config.ldap).toEqual({
      port: 7389,
      baseDn: "dc=example,dc=org",
      tls: { certFile: resolve("c.pem"), keyFile: resolve("k.pem") },
    });
    expect(usageError(["--ldap-tls-cert", "c.pem"])).toContain("go together");
    expect(usageError(["--ldap-port", "70000"])).toContain("--ldap-port 70000");
    for (const bad of ["mailseal", "o=", "=x", "o=a,,dc=b"])
      expect(usageError(["--ldap-base-dn", bad])).toContain("is not a DN");
  });

  it("never puts a database password into an error", () => {
    expect(usageError(["--db", "postgres://u:s3cret@h/bad-name"])).not.toContain("s3cret");
  });
});

describe("MAILSEAL_CLOCK_OFFSET", () => {
  it("shifts the clock by whole milliseconds, either way", () => {
    expect(clockOffsetFromEnv({})).toBe(0);
    expect(clockOffsetFromEnv({ MAILSEAL_CLOCK_OFFSET: "" })).toBe(0);
    expect(clockOffsetFromEnv({ MAILSEAL_CLOCK_OFFSET: "-0" })).toBe(0);
    expect(clockOffsetFromEnv({ MAILSEAL_CLOCK_OFFSET: "+5000" })).toBe(5000);
    const threeYears = 3 * 365 * 24 * 3600 * 1000;
    const shifted = clockFromEnv({ MAILSEAL_CLOCK_OFFSET: String(threeYears) })
      .now()
      .getTime();
    expect(Math.abs(shifted - (Date.now() + threeYears))).toBeLessThan(1000);
  });

  it.each(["1.5", "1e3", "abc", "12 34", "99999999999999"])("refuses %s", (value) => {
    expect(() => clockOffsetFromEnv({ MAILSEAL_CLOCK_OFFSET: value })).toThrow(/MAILSEAL_CLOCK_OFFSET/);
    expect(usageError([], { MAILSEAL_CLOCK_OFFSET: value })).toContain("MAILSEAL_CLOCK_OFFSET");
  });
});
