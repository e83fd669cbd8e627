// The command's home folder and outbox mailbox, on real files: modes, atomic replacement, the
// device key as a JWK file, and which challenge mails count.
import { createVerify, createPublicKey, sign as nodeSign } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  challengeHeaderValue,
  encodeBase64url,
  MailsealError,
  STATE_VERSION,
  type DeviceState,
} from "@mailseal/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commandClock, homeFolder, passwordSource } from "../src/home/host.js";
import { OutboxMailbox, sameApi } from "../src/home/outbox-mailbox.js";
import { FileStateStore } from "../src/home/state-store.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mailseal-home-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function state(address: string, extra: Partial<DeviceState> = {}): DeviceState {
  return {
    version: STATE_VERSION,
    address,
    deviceName: "laptop",
    service: {
      api: "http://127.0.0.1:1",
      shareStores: { "share-a": "http://127.0.0.1:2", "share-b": "http://127.0.0.1:3" },
    },
    keys: [],
    ...extra,
  };
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("FileStateStore", () => {
  it("writes each account's state 0600 in a 0700 folder and reads it back", async () => {
    const store = new FileStateStore(join(dir, "home"));
    expect(await store.list()).toEqual([]);
    expect(await store.load("alice@example.test")).toBeUndefined();
    const alice = state("alice@example.test", { deviceId: "dev-1" });
    await store.save(alice);
    await store.save(state("a/b@example.test"));
    expect(mode(store.accounts)).toBe(0o700);
    expect(mode(store.statePath("alice@example.test"))).toBe(0o600);
    expect(await store.load("alice@example.test")).toEqual(alice);
    // '/' is legal in a local part (RFC 5322 atext): it must not make a sub-folder.
    expect(await store.list()).toEqual(["a/b@example.test", "alice@example.test"]);
  });

  it("tightens a home folder that others could read", async () => {
    mkdirSync(join(dir, "home", "accounts"), { recursive: true, mode: 0o755 });
    chmodSync(join(dir, "home", "accounts"), 0o755);
    const store = new FileStateStore(join(dir, "home"));
    await store.save(state("alice@example.test"));
    expect(mode(store.accounts)).toBe(0o700);
  });

  it("replaces a state whole: no temporary file stays, a failed write leaves the old state", async () => {
    const store = new FileStateStore(dir);
    await store.save(state("alice@example.test", { deviceId: "one" }));
    await store.save(state("alice@example.test", { deviceId: "two" }));
    expect(readdirSync(store.accounts)).toEqual(["alice%40example.test.json"]);
    expect((await store.load("alice@example.test"))?.deviceId).toBe("two");
    // A folder where the state should go makes the rename fail: the temporary file must go too.
    const blocked = store.statePath("bob@example.test");
    mkdirSync(blocked);
    await expect(store.save(state("bob@example.test"))).rejects.toMatchObject({ code: "IO" });
    expect(readdirSync(store.accounts).sort()).toEqual(["alice%40example.test.json", "bob%40example.test.json"]);
    expect(statSync(blocked).isDirectory()).toBe(true);
  });

  it("refuses a state file that is not a state: STATE_INVALID, never a crash", async () => {
    const store = new FileStateStore(dir);
    await store.save(state("alice@example.test"));
    const path = store.statePath("alice@example.test");
    for (const text of [
      "{",
      "[]",
      JSON.stringify({ ...state("alice@example.test"), version: 2 }),
      JSON.stringify({ ...state("alice@example.test"), keys: [{}] }),
    ]) {
      writeFileSync(path, text);
      await expect(store.load("alice@example.test")).rejects.toMatchObject({
        name: "MailsealError",
        code: "STATE_INVALID",
      });
    }
    // Another account's state under this name is refused too.
    writeFileSync(path, JSON.stringify(state("mallory@example.test")));
    await expect(store.load("alice@example.test")).rejects.toBeInstanceOf(MailsealError);
  });

  it("keeps the device key as a 0600 JWK file that signs what node:crypto verifies", async () => {
    const store = new FileStateStore(dir);
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    await store.saveDeviceKey("alice@example.test", pair);
    const path = store.keyPath("alice@example.test");
    expect(mode(path)).toBe(0o600);
    const jwk = JSON.parse(readFileSync(path, "utf8")) as JsonWebKey;
    expect(jwk).toMatchObject({ kty: "EC", crv: "P-256" });
    const loaded = await store.loadDeviceKey("alice@example.test");
    expect(loaded?.privateKey.extractable).toBe(false);
    const data = new TextEncoder().encode("proof");
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, loaded!.privateKey, data);
    const publicKey = createPublicKey({ key: { kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y! }, format: "jwk" });
    const verifier = createVerify("SHA256");
    verifier.update(data);
    expect(verifier.verify({ key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature))).toBe(true);
    // And the loaded public key verifies node:crypto's signature with the file's private key.
    const privateKey = { key: jwk as never, format: "jwk" as const, dsaEncoding: "ieee-p1363" as const };
    const theirs = nodeSign("sha256", data, privateKey);
    expect(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, loaded!.publicKey, theirs, data)).toBe(true);
    writeFileSync(path, JSON.stringify({ kty: "EC", crv: "P-256", x: jwk.x }));
    await expect(store.loadDeviceKey("alice@example.test")).rejects.toMatchObject({ code: "STATE_INVALID" });
  });
});

const API = "http://127.0.0.1:7400";
/** A well-formed token: 32 bytes of `byte`. */
const tok = (byte: number): string => encodeBase64url(new Uint8Array(32).fill(byte));

function challengeMail(id: string, api: string, token = tok(0x41)): string {
  return [
    "From: mailseal <noreply@example.test>",
    "To: alice@example.test",
    "Subject: Confirm your address",
    "Auto-Submitted: auto-generated; type=mailseal-challenge",
    `Mailseal-Challenge: ${challengeHeaderValue({ id, token, api })}`,
    "",
    "Your code: ABCDE-FGHJK",
    "",
  ].join("\r\n");
}

describe("OutboxMailbox", () => {
  it("finds the mail of its own challenge at its own api and ignores forged ones", async () => {
    const token = tok(1);
    writeFileSync(join(dir, "1-other-id.eml"), challengeMail("other", API, tok(2)));
    writeFileSync(join(dir, "2-other-api.eml"), challengeMail("ch1", "http://evil.example:7400", tok(3)));
    writeFileSync(join(dir, "3-no-marker.eml"), "From: a@b.test\r\nSubject: hi\r\n\r\nch1\r\n");
    writeFileSync(join(dir, "4-garbage.eml"), new Uint8Array([0, 1, 2, 255, 13, 10, 13, 10]));
    writeFileSync(join(dir, "5-not-mail.txt"), challengeMail("ch1", API, tok(4)));
    const mailbox = new OutboxMailbox(dir, { timeoutMs: 0 });
    expect(await mailbox.findChallenge("ch1", API)).toBeUndefined();
    writeFileSync(join(dir, "6-right.eml"), challengeMail("ch1", `${API}/`, token));
    expect(await mailbox.findChallenge("ch1", API)).toBe(token);
  });

  it("waits for a mail that arrives later, and gives up at the timeout", async () => {
    const mailbox = new OutboxMailbox(join(dir, "outbox"), { timeoutMs: 5000, intervalMs: 20 });
    const later = setTimeout(() => {
      mkdirSync(join(dir, "outbox"));
      writeFileSync(join(dir, "outbox", "m.eml"), challengeMail("late", API, tok(5)));
    }, 150);
    try {
      expect(await mailbox.findChallenge("late", API)).toBe(tok(5));
    } finally {
      clearTimeout(later);
    }
    const started = Date.now();
    expect(
      await new OutboxMailbox(dir, { timeoutMs: 200, intervalMs: 20 }).findChallenge("never", API),
    ).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("compares api URLs as URLs", () => {
    expect(sameApi("HTTP://LOCALHOST:80/", "http://localhost")).toBe(true);
    expect(sameApi("https://a.example/api/", "https://a.example/api")).toBe(true);
    expect(sameApi("https://a.example", "http://a.example")).toBe(false);
    expect(sameApi("https://a.example:8443", "https://a.example")).toBe(false);
    expect(sameApi("not a url", "not a url")).toBe(false);
  });
});

describe("host settings", () => {
  it("home: --home, else MAILSEAL_HOME, else ~/.mailseal", () => {
    expect(homeFolder("/x", { MAILSEAL_HOME: "/y" })).toBe("/x");
    expect(homeFolder(undefined, { MAILSEAL_HOME: "/y" })).toBe("/y");
    expect(homeFolder(undefined, {})).toMatch(/\.mailseal$/);
  });

  it("MAILSEAL_CLOCK_OFFSET shifts the clock; anything but whole milliseconds is USAGE", () => {
    const year = 365 * 24 * 3600 * 1000;
    const shifted = commandClock({ MAILSEAL_CLOCK_OFFSET: String(3 * year) })
      .now()
      .getTime();
    expect(Math.abs(shifted - (Date.now() + 3 * year))).toBeLessThan(1000);
    expect(
      Math.abs(commandClock({ MAILSEAL_CLOCK_OFFSET: "-5000" }).now().getTime() - (Date.now() - 5000)),
    ).toBeLessThan(1000);
    for (const bad of ["1.5", "3y", "0x10"]) {
      expect(() => commandClock({ MAILSEAL_CLOCK_OFFSET: bad })).toThrow(/MAILSEAL_CLOCK_OFFSET/);
    }
  });

  it("password: the file's first line, else MAILSEAL_PASSWORD, else nothing without a terminal", async () => {
    writeFileSync(join(dir, "pw"), "s3cret pass\n");
    expect(await passwordSource(join(dir, "pw"), {}, { MAILSEAL_PASSWORD: "env" })(true)).toBe("s3cret pass");
    expect(await passwordSource(undefined, {}, { MAILSEAL_PASSWORD: "env" })(true)).toBe("env");
    expect(await passwordSource(undefined, { stdinCarriesInput: true }, {})(true)).toBeUndefined();
    writeFileSync(join(dir, "empty"), "\n");
    await expect(passwordSource(join(dir, "empty"), {}, {})(true)).rejects.toMatchObject({ code: "USAGE" });
  });
});
