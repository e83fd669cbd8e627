// End to end: the real `mailseal server` (all three roles, SQLite, soft HSM, outbox mailer) and the
// `mailseal` command as processes. Alice sets up two devices and Bob one, each answering its
// challenge mail from the outbox with no typed input; Alice sends to Bob; Bob reads it and sees it
// signed by Alice; and openssl decrypts the same message with Bob's key from his home: standard S/MIME.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ensureBundle, mailseal } from "../../cli/test/support.js";

let data: string;
let server: ChildProcess | undefined;
let api = "";
let routes = false;

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Starts `mailseal server --port 0` and resolves with the api URL once all three listeners are up. */
function startServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "server", "--port", "0", "--data", data, "--log-level", "warn"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    server = child;
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const lines = out.split("\n").filter((l) => l !== "");
      const apiLine = lines.find((l) => l.startsWith("api "));
      if (lines.length >= 3 && apiLine !== undefined) resolve(apiLine.slice(4).trim());
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    child.on("exit", (status) => reject(new Error(`mailseal server exited with ${status}: ${err}`)));
  });
}

beforeAll(async () => {
  ensureBundle();
  data = mkdtempSync(join(tmpdir(), "mailseal-e2e-"));
  api = await startServer();
  const probe = await fetch(`${api}/v1/enrollments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  const body = (await probe.json()) as { error?: { message?: string } };
  // Until the api's routes are merged the server answers "no route": then there is nothing to test end to end.
  routes = !(probe.status === 404 && /no route/.test(body.error?.message ?? ""));
}, 120_000);

afterAll(() => {
  server?.removeAllListeners("exit");
  server?.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
});

const home = (name: string): string => join(data, "homes", name);

async function addAccount(address: string, device: string): Promise<void> {
  const result = await mailseal([
    "account",
    "add",
    address,
    "--server",
    api,
    "--home",
    home(device),
    "--outbox",
    join(data, "outbox"),
    "--name",
    device,
  ]);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  expect(result.stdout.toString()).toMatch(new RegExp(`^${address}: device \\S+, 1 of 1 keys on this device`));
}

describe("mailseal against mailseal server", () => {
  it("provisions by challenge mail, sends signed and encrypted mail, reads it, and openssl reads it too", async (context) => {
    if (!routes) context.skip("the api routes are not in this build");
    await addAccount("alice@example.test", "alice-laptop");
    await addAccount("alice@example.test", "alice-phone");
    await addAccount("bob@example.test", "bob-laptop");

    const message = [
      "From: Alice <alice@example.test>",
      "To: Bob <bob@example.test>",
      "Subject: plans",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Meet at the station at nine.",
      "",
    ].join("\r\n");
    writeFileSync(join(data, "message.eml"), message);
    const sent = join(data, "sent.eml");
    const send = await mailseal([
      "send",
      "--to",
      "bob@example.test",
      "--home",
      home("alice-laptop"),
      "--in",
      join(data, "message.eml"),
      "--out",
      sent,
    ]);
    expect(send.stderr).toBe("");
    expect(send.status).toBe(0);
    expect(readFileSync(sent, "latin1")).toContain("application/pkcs7-mime; smime-type=enveloped-data");

    const read = await mailseal(["read", "--home", home("bob-laptop"), "--in", sent]);
    expect(read.status).toBe(0);
    expect(read.stdout.toString()).toContain("Meet at the station at nine.");
    expect(read.stdout.toString()).toContain("Subject: plans");
    expect(read.stderr).toMatch(/^mailseal: encrypted \(aes-256-cbc\); signed by alice@example.test\n$/);
    // Alice's other device reads her sent copy: it was encrypted to her own key too.
    const own = await mailseal(["read", "--home", home("alice-phone"), "--in", sent]);
    expect(own.status).toBe(0);
    expect(own.stderr).toContain("signed by alice@example.test");

    // openssl, with Bob's key and certificate as his home keeps them.
    const state = JSON.parse(readFileSync(join(home("bob-laptop"), "accounts", "bob%40example.test.json"), "utf8")) as {
      keys: { certificate: string; pkcs8: string }[];
    };
    const key = state.keys[0]!;
    writeFileSync(join(data, "bob.key"), pem("PRIVATE KEY", Buffer.from(key.pkcs8, "base64url")));
    writeFileSync(join(data, "bob.crt"), pem("CERTIFICATE", Buffer.from(key.certificate, "base64url")));
    const inner = execFileSync(
      "openssl",
      ["cms", "-decrypt", "-in", sent, "-inkey", join(data, "bob.key"), "-recip", join(data, "bob.crt")],
      { encoding: "latin1" },
    );
    expect(inner).toContain("multipart/signed");
    expect(inner).toContain("Meet at the station at nine.");

    const devices = await mailseal(["devices", "--home", home("alice-laptop")]);
    expect(devices.status).toBe(0);
    expect(devices.stdout.toString()).toContain("alice-phone");
    expect(devices.stdout.toString()).toMatch(/alice-laptop {2}\(this device\)/);
    const audit = await mailseal(["audit", "--home", home("alice-laptop")]);
    expect(audit.status).toBe(0);
    // Two devices, each released both shares of Alice's key.
    expect(audit.stdout.toString().trim().split("\n")).toHaveLength(4);
  });
});
