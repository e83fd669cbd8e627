// The command's keys at rest (issue 12, finding 7) with a real Secret Service: a D-Bus session bus
// with GNOME Keyring's secrets component (dbus-run-session + gnome-keyring-daemon --unlock), reached
// by `mailseal` through `secret-tool`. Where it answers, the state and device key files are
// encrypted under a key kept there and `account add` says so; where it does not, the files stay
// plain 0600 and `account add` says that instead; a plain home is encrypted once the store answers.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createDecipheriv } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Devices, NO_SECRET_STORE, plainMessage, scratch, startServer, type RunningServer } from "./e2e-support.js";

const tmp = scratch("secret-store");
const data = join(tmp.dir, "server");
let server: RunningServer;
let devices: Devices;
let keyring: ChildProcess | undefined;
/** The environment of a command that reaches the Secret Service, and of one that reaches none. */
let withStore: Record<string, string>;
const withoutStore = NO_SECRET_STORE;

const ALICE = "alice@example.test";
const BOB = "bob@example.test";

/** A session bus with an unlocked GNOME Keyring (its keyring files under `home`); resolves its address. */
function startKeyring(home: string): Promise<string> {
  mkdirSync(home, { recursive: true });
  return new Promise((done, fail) => {
    const script =
      'printf %s "$0" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1; ' +
      'echo "BUS=$DBUS_SESSION_BUS_ADDRESS"; exec sleep 600';
    keyring = spawn("dbus-run-session", ["--", "sh", "-c", script, "keyring password"], {
      env: { ...process.env, HOME: home, DISPLAY: "", XDG_RUNTIME_DIR: home },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    let err = "";
    keyring.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    keyring.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const bus = /^BUS=(.+)$/m.exec(out)?.[1];
      if (bus !== undefined) done(bus);
    });
    keyring.once("exit", (status) => fail(new Error(`the keyring session ended (${status}): ${err}`)));
  });
}

beforeAll(async () => {
  const bus = await startKeyring(join(tmp.dir, "keyring-home"));
  withStore = { DBUS_SESSION_BUS_ADDRESS: bus, DISPLAY: "" };
  server = await startServer(data);
  devices = new Devices(tmp.dir, data, server.api);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  // The whole session by its process group: dbus-daemon, the keyring daemon, the shell.
  if (keyring?.pid !== undefined) process.kill(-keyring.pid, "SIGTERM");
  tmp.remove();
});

const statePath = (device: string, address: string): string =>
  join(devices.home(device), "accounts", `${encodeURIComponent(address)}.json`);
const keyPath = (device: string, address: string): string =>
  join(devices.home(device), "accounts", `${encodeURIComponent(address)}.device.jwk`);
const mode = (path: string): number => statSync(path).mode & 0o777;

/** The home's key as the Secret Service keeps it (looked up as the command does). */
function homeKey(device: string): Buffer {
  const text = execFileSync("secret-tool", ["lookup", "service", "mailseal", "home", resolve(devices.home(device))], {
    env: { ...process.env, ...withStore },
    encoding: "utf8",
  });
  return Buffer.from(text.trim(), "base64url");
}

/** Opens an encrypted file with the key from the Secret Service: what the command wrote. */
function open(path: string, key: Buffer, context: string): unknown {
  const sealed = JSON.parse(readFileSync(path, "utf8")) as { iv: string; data: string };
  const bytes = Buffer.from(sealed.data, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64url"));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return JSON.parse(
    Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString(),
  );
}

/** Checks a home's files are encrypted: no private key field in clear, and they open to the keys. */
function expectSealed(device: string, address: string): { keys: { pkcs8?: string }[] } {
  const state = readFileSync(statePath(device, address), "utf8");
  const deviceKey = readFileSync(keyPath(device, address), "utf8");
  for (const text of [state, deviceKey]) {
    expect(JSON.parse(text)).toMatchObject({ sealed: "aes-256-gcm", keyStore: "the Secret Service (secret-tool)" });
    expect(text).not.toMatch(/"pkcs8"|"privateKey"|"d":/);
  }
  expect(mode(statePath(device, address))).toBe(0o600);
  const key = homeKey(device);
  expect(key).toHaveLength(32);
  const opened = open(statePath(device, address), key, `mailseal state ${address}`) as { keys: { pkcs8?: string }[] };
  const pkcs8 = opened.keys[0]!.pkcs8!;
  expect(pkcs8.length).toBeGreaterThan(1000);
  expect(state).not.toContain(pkcs8);
  expect(open(keyPath(device, address), key, `mailseal device key ${address}`)).toMatchObject({
    kty: "EC",
    d: expect.any(String),
  });
  return opened;
}

describe("mailseal's keys at rest", () => {
  let sent = "";

  it("encrypts the home under a key in the Secret Service when one answers, and says so", async () => {
    const added = await devices.addAccount(ALICE, "alice-laptop", [], withStore);
    expect(added.stderr).toBe("");
    expect(added.status).toBe(0);
    expect(added.stdout.toString().split("\n")[1]).toBe(
      `keys kept in ${devices.home("alice-laptop")}, encrypted under a key in the Secret Service (secret-tool)`,
    );
    expectSealed("alice-laptop", ALICE);
  });

  it("keeps the files plain 0600 without a Secret Service, and says so", async () => {
    const added = await devices.addAccount(BOB, "bob-laptop", [], withoutStore);
    expect(added.stderr).toBe("");
    expect(added.status).toBe(0);
    expect(added.stdout.toString().split("\n")[1]).toBe(
      `keys kept in ${devices.home("bob-laptop")}, protected by file permissions only (no Secret Service found)`,
    );
    const state = JSON.parse(readFileSync(statePath("bob-laptop", BOB), "utf8")) as { keys: { pkcs8?: string }[] };
    expect(state.keys[0]!.pkcs8).toBeDefined();
    expect(mode(statePath("bob-laptop", BOB))).toBe(0o600);
    expect(mode(keyPath("bob-laptop", BOB))).toBe(0o600);
  });

  it("sends and reads with the encrypted home; without the store it stops with KEY_STORE", async () => {
    const input = join(tmp.dir, "plans.eml");
    const output = join(tmp.dir, "plans-sent.eml");
    writeFileSync(input, plainMessage(`Alice <${ALICE}>`, `Bob <${BOB}>`, "plans", "Meet at the station at nine."));
    const send = await devices.run("alice-laptop", ["send", "--to", BOB, "--in", input, "--out", output], withStore);
    expect(send.stderr).toBe("");
    expect(send.status).toBe(0);
    sent = readFileSync(output, "latin1");

    const bob = await devices.read("bob-laptop", sent, [], withoutStore);
    expect(bob.stderr).toBe(`mailseal: encrypted (aes-256-cbc); signed by ${ALICE}\n`);
    expect(bob.stdout.toString()).toContain("Meet at the station at nine.");
    // Alice's own copy, read with the keys from her encrypted home.
    const own = await devices.read("alice-laptop", sent, [], withStore);
    expect(own.stderr).toBe(`mailseal: encrypted (aes-256-cbc); signed by ${ALICE}\n`);
    expect(own.stdout.toString()).toContain("Meet at the station at nine.");

    const locked = await devices.read("alice-laptop", sent, [], withoutStore);
    expect(locked.status).toBe(1);
    expect(locked.stderr).toMatch(
      /^error KEY_STORE: the keys in .+ are encrypted under a key kept in the Secret Service/,
    );
    expect(locked.stdout.length).toBe(0);
    // The files were left alone, and still open where the store answers.
    expectSealed("alice-laptop", ALICE);
  });

  it("encrypts a plain home the first time the Secret Service answers, and it keeps working", async () => {
    const before = JSON.parse(readFileSync(statePath("bob-laptop", BOB), "utf8")) as { keys: { pkcs8?: string }[] };
    const read = await devices.read("bob-laptop", sent, [], withStore);
    expect(read.stderr).toBe(`mailseal: encrypted (aes-256-cbc); signed by ${ALICE}\n`);
    expect(read.status).toBe(0);
    const after = expectSealed("bob-laptop", BOB);
    expect(after.keys.map((k) => k.pkcs8)).toEqual(before.keys.map((k) => k.pkcs8));
    const again = await devices.read("bob-laptop", sent, [], withStore);
    expect(again.status).toBe(0);
    expect(again.stdout.toString()).toContain("Meet at the station at nine.");
  });
});

describe("a home whose key is gone from the Secret Service", () => {
  it("is refused with KEY_STORE and left as it was, never encrypted again under a new key", async () => {
    const before = readFileSync(statePath("alice-laptop", ALICE));
    const home = resolve(devices.home("alice-laptop"));
    execFileSync("secret-tool", ["clear", "service", "mailseal", "home", home], {
      env: { ...process.env, ...withStore },
    });
    const read = await devices.run("alice-laptop", ["devices"], withStore);
    expect(read.status).toBe(1);
    expect(read.stderr).toMatch(/^error KEY_STORE: /);
    expect(readFileSync(statePath("alice-laptop", ALICE)).equals(before)).toBe(true);
    // No new key was stored for the home: one would orphan the files encrypted under the old one.
    expect(() =>
      execFileSync("secret-tool", ["lookup", "service", "mailseal", "home", home], {
        env: { ...process.env, ...withStore },
      }),
    ).toThrow();
  });
});
