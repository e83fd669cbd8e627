// The LDAP door (issue 16), driven by OpenLDAP's own clients (ldapsearch, ldapadd, ldapdelete from
// Debian's ldap-utils) against a real api on SQLite: certificates found by address only, nothing
// listed, the same budget as CerDB's HTTP lookup, writes and binds refused, StartTLS, a malformed
// message answered by a Notice of Disconnection. The certificates it serves are checked by openssl.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { parseServerArgs, startServer, type RunningServer } from "../src/index.js";
import { enroll, startTestApi, TestDevice, type TestApi } from "./fixtures/api.js";

const run = promisify(execFile);

let test: TestApi;
let ldapUrl: string;
let work: string;

/** Runs an ldap-utils command; resolves its output and exit status (a failed search is not a throw). */
async function ldap(
  command: "ldapsearch" | "ldapadd" | "ldapdelete",
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<{ stdout: string; stderr: string; status: number }> {
  const child = execFile(command, args, { env: { ...process.env, LDAPTLS_REQCERT: "demand", ...options.env } });
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  return { stdout, stderr, status };
}

/** ldapsearch -x (anonymous) under o=mailseal, LDIF without wrapping. */
function search(filter: string, ...attributes: string[]) {
  return ldap("ldapsearch", [
    "-x",
    "-LLL",
    "-o",
    "ldif-wrap=no",
    "-H",
    ldapUrl,
    "-b",
    "o=mailseal",
    filter,
    ...attributes,
  ]);
}

/** The DNs of an LDIF answer. */
function dns(ldif: string): string[] {
  return [...ldif.matchAll(/^dn: (.*)$/gm)].map((match) => match[1]!);
}

/** The values of `attribute` (base64 ones decoded) in an LDIF answer. */
function values(ldif: string, attribute: string): Buffer[] {
  const found: Buffer[] = [];
  for (const line of ldif.split("\n")) {
    if (line.startsWith(`${attribute}:: `)) found.push(Buffer.from(line.slice(attribute.length + 3), "base64"));
    else if (line.startsWith(`${attribute}: `)) found.push(Buffer.from(line.slice(attribute.length + 2)));
  }
  return found;
}

async function openssl(...args: string[]): Promise<string> {
  return (await run("openssl", args, { cwd: work })).stdout;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mailseal-ldap-"));
  // 60 addresses a minute per network: the budget case below spends the rest.
  test = await startTestApi({ args: ["--role", "api,ldap"], rateLimits: { certsPerIpPerMinute: 60 } });
  ldapUrl = test.server.listening.ldap!;
  for (const address of ["sam@example.net", "tom+lists@example.net"]) {
    await enroll(test, await TestDevice.create(test.api), address);
  }
});
afterAll(async () => {
  await test?.close();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("CerDB over LDAP", () => {
  it("finds an address's encryption certificate by (mail=ADDRESS), the one CerDB's HTTP lookup gives", async () => {
    const answer = await search("(mail=sam@example.net)");
    expect(answer.status).toBe(0);
    expect(dns(answer.stdout)).toEqual(["mail=sam@example.net,o=mailseal"]);
    expect(answer.stdout).toContain("objectClass: inetOrgPerson");
    expect(values(answer.stdout, "mail").map(String)).toEqual(["sam@example.net"]);
    const [certificate, ...others] = values(answer.stdout, "userCertificate;binary");
    expect(others).toEqual([]);
    const http = (await (await fetch(`${test.api}/v1/certs/sam@example.net`)).json()) as { certificate: string };
    expect(certificate!.toString("base64url")).toBe(http.certificate);
    writeFileSync(join(work, "sam.der"), certificate!);
    const text = await openssl("x509", "-inform", "DER", "-in", "sam.der", "-noout", "-ext", "subjectAltName,keyUsage");
    expect(text).toContain("email:sam@example.net");
    expect(text).toContain("Key Encipherment");
  });

  it("matches the address without regard to case, and escapes it in the DN (RFC 4514)", async () => {
    expect(dns((await search("(mail=SAM@Example.NET)")).stdout)).toEqual(["mail=sam@example.net,o=mailseal"]);
    const plus = await search("(mail=tom+lists@example.net)");
    expect(dns(plus.stdout)).toEqual(["mail=tom\\+lists@example.net,o=mailseal"]);
    // The entry's own DN as the base of a baseObject search finds it again.
    const base = await ldap("ldapsearch", [
      ...["-x", "-LLL", "-H", ldapUrl, "-s", "base", "-b", "mail=tom\\+lists@example.net,o=mailseal"],
      "(objectClass=*)",
      "mail",
    ]);
    expect(values(base.stdout, "mail").map(String)).toEqual(["tom+lists@example.net"]);
  });

  it("answers an OR of addresses, and an AND around one, with the known ones only", async () => {
    const both = await search("(|(mail=sam@example.net)(mail=nobody@example.net)(mail=tom+lists@example.net))", "mail");
    expect(dns(both.stdout).sort()).toEqual([
      "mail=sam@example.net,o=mailseal",
      "mail=tom\\+lists@example.net,o=mailseal",
    ]);
    const and = await search("(&(objectClass=inetOrgPerson)(mail=sam@example.net))", "mail");
    expect(dns(and.stdout)).toEqual(["mail=sam@example.net,o=mailseal"]);
    // The other terms of the AND still have to match.
    expect(dns((await search("(&(objectClass=groupOfNames)(mail=sam@example.net))")).stdout)).toEqual([]);
    expect(dns((await search("(mail=nobody@example.net)")).stdout)).toEqual([]);
    // gpgsm's dirmngr asks for an address as (|(sn=*A*)(|(cn=*A*)(mail=*A*))): a whole address inside.
    const dirmngr = await search("(|(sn=*sam@example.net*)(|(cn=*sam@example.net*)(mail=*sam@example.net*)))", "mail");
    expect(dns(dirmngr.stdout)).toEqual(["mail=sam@example.net,o=mailseal"]);
  });

  it("lists nothing: substring, presence, NOT and other attributes find no one", async () => {
    for (const filter of [
      "(mail=*)",
      "(mail=sam*)",
      "(mail=*@example.net)",
      "(objectClass=*)",
      "(objectClass=inetOrgPerson)",
      "(!(mail=nobody@example.net))",
      "(cn=sam*)",
      "(mail=*example.net*)",
      "(givenName=sam@example.net)",
      "(|(mail=sam@example.net)(cn=*))",
      "(mail~=sam@example.net)",
    ]) {
      const answer = await search(filter);
      expect({ filter, status: answer.status, dns: dns(answer.stdout) }).toEqual({ filter, status: 0, dns: [] });
    }
  });

  it("gives only the attributes asked for, and names only with -A", async () => {
    const mailOnly = await search("(mail=sam@example.net)", "mail");
    expect(values(mailOnly.stdout, "mail")).toHaveLength(1);
    expect(mailOnly.stdout).not.toContain("userCertificate");
    const typesOnly = await ldap("ldapsearch", [
      "-x",
      "-LLL",
      "-A",
      "-H",
      ldapUrl,
      "-b",
      "o=mailseal",
      "(mail=sam@example.net)",
    ]);
    expect(typesOnly.stdout).toMatch(/^userCertificate;binary:?\s*$/m);
    expect(values(typesOnly.stdout, "userCertificate;binary").every((value) => value.length === 0)).toBe(true);
  });

  it("shows its base DN in the root DSE, and no StartTLS when it has no certificate", async () => {
    const root = await ldap("ldapsearch", [
      "-x",
      "-LLL",
      "-H",
      ldapUrl,
      "-s",
      "base",
      "-b",
      "",
      "(objectClass=*)",
      "+",
      "*",
    ]);
    expect(values(root.stdout, "namingContexts").map(String)).toEqual(["o=mailseal"]);
    expect(values(root.stdout, "supportedLDAPVersion").map(String)).toEqual(["3"]);
    expect(root.stdout).not.toContain("supportedExtension");
    const tls = await ldap("ldapsearch", ["-x", "-ZZ", "-H", ldapUrl, "-b", "o=mailseal", "(mail=sam@example.net)"]);
    expect(tls.status).not.toBe(0);
    expect(tls.stderr).toContain("Server is unavailable");
  });

  it("refuses writes and any bind but the anonymous one", async () => {
    const add = await ldap("ldapadd", ["-x", "-H", ldapUrl], {
      input:
        "dn: mail=eve@example.net,o=mailseal\nobjectClass: inetOrgPerson\nmail: eve@example.net\ncn: eve\nsn: eve\n",
    });
    expect(add.status).toBe(53);
    expect(add.stderr).toContain("Server is unwilling to perform");
    const del = await ldap("ldapdelete", ["-x", "-H", ldapUrl, "mail=sam@example.net,o=mailseal"]);
    expect(del.status).toBe(53);
    const bind = await ldap("ldapsearch", [
      "-x",
      "-H",
      ldapUrl,
      "-D",
      "cn=admin,o=mailseal",
      "-w",
      "secret",
      "-b",
      "o=mailseal",
      "(mail=sam@example.net)",
    ]);
    expect(bind.status).toBe(49);
    expect(bind.stderr).toContain("Invalid credentials");
    // The search above never ran: the entry is still found anonymously.
    expect(dns((await search("(mail=sam@example.net)")).stdout)).toHaveLength(1);
  });

  it("answers a base outside the directory with noSuchObject", async () => {
    const other = await ldap("ldapsearch", ["-x", "-H", ldapUrl, "-b", "dc=example,dc=org", "(mail=sam@example.net)"]);
    expect(other.status).toBe(32);
    expect(other.stderr + other.stdout).toContain("No such object");
  });

  it("closes a connection that sends what is not LDAP, with a Notice of Disconnection (RFC 4511 4.4.1)", async () => {
    const port = Number(new URL(ldapUrl).port);
    const received = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(Buffer.from("GET / HTTP/1.1\r\n\r\n")));
      const chunks: Buffer[] = [];
      socket.on("data", (chunk) => chunks.push(chunk));
      socket.on("close", () => resolve(Buffer.concat(chunks)));
      socket.on("error", reject);
    });
    // LDAPMessage { messageID 0, extendedResp [APPLICATION 24] { protocolError (2), ..., responseName 1.3.6.1.4.1.1466.20036 } }
    expect(received[0]).toBe(0x30);
    expect(received.subarray(2, 5)).toEqual(Buffer.from([0x02, 0x01, 0x00]));
    expect(received[5]).toBe(0x78);
    expect(received.includes(Buffer.from([0x0a, 0x01, 0x02]))).toBe(true);
    expect(received.toString("latin1")).toContain("1.3.6.1.4.1.1466.20036");
  });

  it("refuses a search naming more than 100 addresses, and spends the HTTP lookup's budget per address", async () => {
    const many = Array.from({ length: 101 }, (_, i) => `(mail=p${i}@example.net)`).join("");
    const tooMany = await search(`(|${many})`);
    expect(tooMany.status).toBe(11);
    expect(tooMany.stderr).toContain("at most 100 addresses");
    // The budget is 60 a minute; the searches above spent fewer than 20 units.
    const forty = Array.from({ length: 40 }, (_, i) => `(mail=q${i}@example.net)`).join("");
    expect((await search(`(|${forty})`)).status).toBe(0);
    const refused = await search(`(|${forty})`);
    expect(refused.status).toBe(51);
    expect(refused.stderr).toMatch(/try again in \d+ s/);
    // HTTP and LDAP budgets are kept apart (per listener), each the configured size.
    expect((await fetch(`${test.api}/v1/certs/sam@example.net`)).status).toBe(200);
  });
});

describe("the LDAP door on its own, with StartTLS", () => {
  let door: RunningServer;
  let caFile: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(work, "door-"));
    caFile = join(dir, "ca.pem");
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    await run("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2"],
      ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    ]);
    writeFileSync(caFile, await (await import("node:fs/promises")).readFile(cert));
    // Another process's view: only the door, over the api's database (as an LDAP node beside api nodes).
    const config = parseServerArgs(
      [
        ...["--role", "ldap", "--port", "0", "--data", dir, "--db", test.config.databases.api],
        ...[
          "--ldap-base-dn",
          "dc=example,dc=net",
          "--ldap-tls-cert",
          cert,
          "--ldap-tls-key",
          key,
          "--log-level",
          "silent",
        ],
      ],
      {},
    );
    door = await startServer(config);
  });
  afterAll(async () => {
    await door?.close();
  });

  it("serves StartTLS with its certificate, and the entries under its own base DN", async () => {
    const url = door.listening.ldap!;
    expect(door.listening.api).toBeUndefined();
    const answer = await ldap(
      "ldapsearch",
      ["-x", "-ZZ", "-LLL", "-H", url, "-b", "dc=example, dc=net", "(mail=sam@example.net)", "mail"],
      { env: { LDAPTLS_CACERT: caFile } },
    );
    expect(answer.stderr).toBe("");
    expect(dns(answer.stdout)).toEqual(["mail=sam@example.net,dc=example,dc=net"]);
    const root = await ldap("ldapsearch", [
      "-x",
      "-LLL",
      "-H",
      url,
      "-s",
      "base",
      "-b",
      "",
      "(objectClass=*)",
      "supportedExtension",
    ]);
    expect(values(root.stdout, "supportedExtension").map(String)).toEqual(["1.3.6.1.4.1.1466.20037"]);
    // A client that does not trust the certificate stops at the handshake.
    const untrusted = await ldap(
      "ldapsearch",
      ["-x", "-ZZ", "-H", url, "-b", "dc=example,dc=net", "(mail=sam@example.net)"],
      {
        env: { LDAPTLS_CACERT: "/dev/null" },
      },
    );
    expect(untrusted.status).not.toBe(0);
  });
});
