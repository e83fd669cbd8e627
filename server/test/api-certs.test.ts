// Signing certificates, device removal with the CRL, CerDB and the CA routes, through real HTTP,
// with every certificate and CRL checked by openssl.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { CERTIFICATE_CAPABILITIES, manualClock } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enroll, startTestApi, TestDevice, type TestApi } from "./fixtures/api.js";

let test: TestApi;
let work: string;

beforeAll(async () => {
  test = await startTestApi({ rateLimits: { certsPerIpPerMinute: 150 } });
  work = mkdtempSync(join(tmpdir(), "mailseal-api-certs-"));
});
afterAll(async () => {
  await test?.close();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { cwd: work, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function pem(b64url: string, file: string): string {
  const base64 = Buffer.from(b64url, "base64url").toString("base64");
  const lines = base64.match(/.{1,64}/g)!.join("\n");
  writeFileSync(join(work, file), `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`);
  return file;
}

/** A PKCS#10 request for a fresh RSA-2048 key, made by openssl, as base64url DER. */
function csr(name: string, subject = "/CN=someone-else@evil.example"): string {
  openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-subj", subject);
  openssl("req", "-new", "-key", `${name}.key`, "-subj", subject, "-outform", "DER", "-out", `${name}.csr`);
  return execFileSync("cat", [join(work, `${name}.csr`)]).toString("base64url");
}

describe("signing certificates and device removal", () => {
  let laptop: TestDevice;
  let phone: TestDevice;
  let phoneSerial: string;

  beforeAll(async () => {
    laptop = await TestDevice.create(test.api);
    phone = await TestDevice.create(test.api);
    await enroll(test, laptop, "sam@example.net", "laptop");
    await enroll(test, phone, "sam@example.net", "phone");
  });

  it("certifies a CSR for the token's address, verified by openssl for S/MIME signing", async () => {
    const issued = await phone.request("POST", "/v1/signing-certificates", { body: { csr: csr("phone") } });
    expect(issued.status).toBe(200);
    expect(issued.body.chain).toHaveLength(2);
    const ca = await phone.request("GET", "/v1/ca/certificates", { token: null });
    expect(issued.body.chain).toEqual([ca.body.issuing, ca.body.root]);
    pem(issued.body.certificate, "phone.pem");
    pem(ca.body.issuing, "issuing.pem");
    pem(ca.body.root, "root.pem");
    const verified = openssl(
      "verify",
      "-purpose",
      "smimesign",
      "-CAfile",
      "root.pem",
      "-untrusted",
      "issuing.pem",
      "phone.pem",
    );
    expect(verified.trim()).toBe("phone.pem: OK");
    const text = openssl("x509", "-in", "phone.pem", "-noout", "-subject", "-ext", "subjectAltName", "-serial");
    expect(text).toContain("email:sam@example.net");
    expect(text).not.toContain("evil");
    phoneSerial = /serial=([0-9A-F]+)/.exec(text)![1]!;
    // The key is the CSR's.
    const certKey = openssl("x509", "-in", "phone.pem", "-noout", "-pubkey");
    const csrKey = openssl("pkey", "-in", "phone.key", "-pubout");
    expect(certKey).toBe(csrKey);
  });

  it("refuses a CSR that is not one, or whose signature does not verify", async () => {
    const garbage = await phone.request("POST", "/v1/signing-certificates", { body: { csr: "AAAA" } });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.code).toBe("CSR_INVALID");
    const bytes = Buffer.from(csr("tampered"), "base64url");
    bytes[bytes.length - 5]! ^= 1; // inside the signature
    const tampered = await phone.request("POST", "/v1/signing-certificates", {
      body: { csr: bytes.toString("base64url") },
    });
    expect(tampered.body.error.code).toBe("CSR_INVALID");
    const notB64 = await phone.request("POST", "/v1/signing-certificates", { body: { csr: "a+b/" } });
    expect(notB64.body.error.code).toBe("CSR_INVALID");
  });

  it("removes a device of the same address: its token stops, its certificate is on the CRL", async () => {
    const stranger = await TestDevice.create(test.api);
    await enroll(test, stranger, "tom@example.net");
    const foreign = await stranger.request("DELETE", `/v1/devices/${phone.deviceId}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("NOT_FOUND");

    const removed = await laptop.request("DELETE", `/v1/devices/${phone.deviceId}`);
    expect(removed.status).toBe(204);
    const listed = await laptop.request("GET", "/v1/devices");
    expect(listed.body.devices).toEqual([
      expect.objectContaining({ deviceId: laptop.deviceId, status: "active", current: true }),
      expect.objectContaining({ deviceId: phone.deviceId, status: "removed", removedAt: expect.any(String) }),
    ]);
    const refused = await phone.request("GET", "/v1/devices");
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("DEVICE_NOT_ACTIVE");
    const session = await phone.request("POST", "/v1/sessions", { body: { deviceId: phone.deviceId }, token: null });
    expect(session.body.error.code).toBe("DEVICE_NOT_ACTIVE");
    // Removing again is harmless.
    expect((await laptop.request("DELETE", `/v1/devices/${phone.deviceId}`)).status).toBe(204);

    const response = await fetch(`${test.api}/v1/ca/crl`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pkix-crl");
    writeFileSync(join(work, "crl.der"), Buffer.from(await response.arrayBuffer()));
    const crl = openssl("crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "issuing.pem", "-noout", "-text");
    expect(crl).toContain(`Serial Number: ${phoneSerial}`);
    expect(crl).toContain("Cessation Of Operation");
    openssl("crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem");
    let failure = "";
    try {
      openssl(
        "verify",
        "-crl_check",
        "-CRLfile",
        "crl.pem",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "issuing.pem",
        "phone.pem",
      );
    } catch (error) {
      failure = String((error as { stdout?: string; stderr?: string }).stderr ?? error);
    }
    expect(failure).toContain("certificate revoked");
  });
});

describe("CerDB", () => {
  const lookup = (addresses: unknown) =>
    fetch(`${test.api}/v1/certs/lookup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ addresses }),
    });

  beforeAll(async () => {
    await enroll(test, await TestDevice.create(test.api), "uma@example.net");
    await enroll(test, await TestDevice.create(test.api), "vic@Example.NET");
    // An address asked for but never verified, even given a current key directly in the database.
    const pending = await TestDevice.create(test.api);
    await pending.request("POST", "/v1/enrollments", {
      body: { address: "wes@example.net", deviceName: "x" },
      token: null,
    });
    const db = new SqliteDatabase(join(test.dir, "api", "api.sqlite"));
    const uma = db.prepare("SELECT * FROM keys WHERE address = ?").get("uma@example.net") as Record<string, unknown>;
    db.prepare(
      "INSERT INTO keys (key_id, address, status, bits, certificate, not_before, not_after, protection, commitment, created_at) VALUES (?, ?, 'current', 2048, ?, ?, ?, 'none', 'AA', ?)",
    ).run("kwes", "wes@example.net", uma.certificate, uma.not_before, uma.not_after, uma.created_at);
    db.close();
  });

  it("answers a verified address with its certificate, chain and capabilities", async () => {
    const response = await fetch(`${test.api}/v1/certs/${encodeURIComponent("uma@EXAMPLE.net")}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.address).toBe("uma@example.net");
    expect(body.capabilities).toEqual([...CERTIFICATE_CAPABILITIES]);
    // No AES-GCM: Thunderbird's own S/MIME, which reads no AuthEnvelopedData, holds these keys too.
    expect(body.capabilities).toEqual(["aes-256-cbc", "aes-192-cbc", "aes-128-cbc", "rsaes-oaep"]);
    const chain = body.chain as string[];
    pem(body.certificate as string, "uma.pem");
    pem(chain[0]!, "issuing.pem");
    pem(chain[1]!, "root.pem");
    const verified = openssl(
      "verify",
      "-purpose",
      "smimeencrypt",
      "-CAfile",
      "root.pem",
      "-untrusted",
      "issuing.pem",
      "uma.pem",
    );
    expect(verified.trim()).toBe("uma.pem: OK");
    expect(openssl("x509", "-in", "uma.pem", "-noout", "-ext", "subjectAltName")).toContain("email:uma@example.net");
  });

  it("answers unknown, unverified and malformed addresses with the same 404", async () => {
    const bodies = new Set<string>();
    for (const address of ["nobody@example.net", "wes@example.net", "not an address", "x".repeat(400)]) {
      const response = await fetch(`${test.api}/v1/certs/${encodeURIComponent(address)}`);
      expect(response.status, address).toBe(404);
      bodies.add(await response.text());
    }
    expect([...bodies]).toEqual(['{"error":{"code":"NOT_FOUND","message":"no certificate for this address"}}']);
  });

  it("looks up to 100 addresses at once, omitting the unknown ones, and refuses 101", async () => {
    const addresses = ["vic@example.net", "uma@example.net", "wes@example.net", "bad"];
    for (let i = 0; addresses.length < 100; i++) addresses.push(`nobody${i}@example.net`);
    const response = await lookup(addresses);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { certificates: { address: string }[] };
    expect(body.certificates.map((entry) => entry.address)).toEqual(["vic@example.net", "uma@example.net"]);
    const tooMany = await lookup([...addresses, "one@example.net"]);
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  });

  it("has no listing", async () => {
    expect((await fetch(`${test.api}/v1/certs`)).status).toBe(404);
    expect((await fetch(`${test.api}/v1/certs/`)).status).toBe(404);
  });

  it("limits the requests of one client with 429 and Retry-After", async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 200 && limited === undefined; i++) {
      const response = await fetch(`${test.api}/v1/certs/uma%40example.net`);
      if (response.status === 429) limited = response;
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  });
});

describe("CerDB's budget of looked-up addresses per client network (review finding 10)", () => {
  // Behind a trusted proxy, so that clients of several networks can be played from here.
  const clock = manualClock(new Date());
  let budgeted: TestApi;
  beforeAll(async () => {
    budgeted = await startTestApi({ clock, args: ["--trust-proxy", "true"] });
  });
  afterAll(() => budgeted?.close());

  const batch = (from: string, addresses: string[]) =>
    fetch(`${budgeted.api}/v1/certs/lookup`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": from },
      body: JSON.stringify({ addresses }),
    });
  const single = (from: string, address: string) =>
    fetch(`${budgeted.api}/v1/certs/${encodeURIComponent(address)}`, { headers: { "x-forwarded-for": from } });
  const probes = (prefix: string) => Array.from({ length: 100 }, (_, i) => `${prefix}${i}@example.net`);

  it("counts every address of a batch: one network probes 300 addresses a minute, not 30,000", async () => {
    const perMinute = budgeted.config.rateLimits.certsPerIpPerMinute;
    expect(perMinute).toBe(300);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await batch("198.51.100.7", probes(`p${i}-`))).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await single("198.51.100.7", "one@example.net");
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBe(60);

    // The addresses of one IPv6 /64 share one budget.
    for (let i = 0; i < 3; i++) expect((await batch(`2001:db8:5:6::${i + 1}`, probes(`q${i}-`))).status).toBe(200);
    expect((await batch("2001:db8:5:6::99", ["x@example.net"])).status).toBe(429);

    // Another network is not touched, and a batch repeating one address pays for it once.
    expect((await batch("203.0.113.9", Array<string>(100).fill("same@example.net"))).status).toBe(200);
    expect((await single("203.0.113.9", "one@example.net")).status).toBe(404);

    // A minute later the budget is whole again.
    clock.advance(60_000);
    expect((await batch("198.51.100.7", probes("r-"))).status).toBe(200);
  });
});

describe("enterprise mode", () => {
  let enterprise: TestApi;
  beforeAll(async () => {
    enterprise = await startTestApi({ args: ["--domain", "corp.example"] });
  });
  afterAll(() => enterprise?.close());

  it("enrols its own domain and refuses every other", async () => {
    const device = await TestDevice.create(enterprise.api);
    const foreign = await device.request("POST", "/v1/enrollments", {
      body: { address: "eve@elsewhere.example", deviceName: "x" },
      token: null,
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe("DOMAIN_NOT_SERVED");
    await enroll(enterprise, device, "ann@CORP.example");
    const known = await fetch(`${enterprise.api}/.well-known/mailseal.json`);
    expect(((await known.json()) as { domains: string[] }).domains).toEqual(["corp.example"]);
  });
});
