// Sending and reading with the client flows, on certificates made by openssl: the signing key and
// CSR made on the device (openssl verifies the request and issues from it), sign-then-encrypt that
// `openssl cms` decrypts and verifies, read back with the key history, and the directory cache and
// cipher choice the note specifies.
import { readFileSync, writeFileSync } from "node:fs";
import { CoreService } from "@mailseal/core-wasm";
import {
  describeStatus,
  chooseCipher,
  DirectoryCache,
  decodeBase64url,
  encodeBase64url,
  parseCertificate,
  fromAddress,
  manualClock,
  MailsealError,
  NEGATIVE_TTL_MS,
  POSITIVE_TTL_MS,
  readMessage,
  pathCheckWith,
  recipientCertificates,
  CRL_MAX_AGE_MS,
  refreshCrl,
  crlCheckWith,
  senderOf,
  sendMessage,
  type DeviceState,
  type CertificateEntry,
  type ServiceClient,
  type StateStore,
} from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXT, TestCa } from "../pki/test-ca.js";
import { listedKeys, lunchMessage, makeAccount, makeCaHierarchy, opensslCrl as makeCrl } from "./accounts.js";

const ca = new TestCa();
let core: CoreService;
let alice: DeviceState;
let bob: DeviceState;
let bobEntry: CertificateEntry;
const clock = manualClock(new Date());

/** An account of `ca` (accounts.ts): one encryption key, a signing key certified from its CSR. */
function account(name: string, address: string): Promise<DeviceState> {
  return makeAccount(ca, name, address);
}

/**
 * The directory's batch lookup as the client sees it, counting calls (the cache tests need the
 * count), and GET /v1/keys of the sender (Alice), which sendMessage asks for its own current key.
 */
function directory(entries: CertificateEntry[]): ServiceClient & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    keyList: async () => ({ keys: listedKeys(alice.keys) }),
    listKeys: async () => listedKeys(alice.keys),
    lookupCertificates: async (addresses: readonly string[]) => {
      calls.push([...addresses]);
      return entries.filter((e) => addresses.includes(e.address));
    },
  } as unknown as ServiceClient & { calls: string[][] };
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

const BOB = "bob@example.test";

function opensslCrl(serial: string, at: Date, reason: string, issuer?: string, issuerKey?: string): Uint8Array {
  return makeCrl(ca, serial, at, reason, issuer, issuerKey);
}

const MESSAGE = lunchMessage();

beforeAll(async () => {
  core = await CoreService.open();
  makeCaHierarchy(ca);
  alice = await account("alice", "alice@example.test");
  bob = await account("bob", "bob@example.test");
  // openssl's certificates start now: the tests' clock must not be earlier.
  clock.set(new Date(Date.now() + 1000));
  bobEntry = {
    address: "bob@example.test",
    certificate: encodeBase64url(ca.der("bob-enc")),
    chain: [encodeBase64url(ca.der("issuing"))],
    capabilities: ["aes-256-cbc"],
  };
}, 120_000);

afterAll(() => ca.dispose());

describe("send and read", () => {
  it("signs then encrypts to the recipient and the sender; openssl and readMessage both open it", async () => {
    const client = directory([bobEntry]);
    const { address, message } = await senderOf([new TextEncoder().encode(MESSAGE)]);
    expect(address).toBe("alice@example.test");
    const options = { client, cache: new DirectoryCache(clock), clock, state: alice, recipients: ["bob@example.test"] };
    const sent = await collect(sendMessage(message, options, core));
    const text = new TextDecoder().decode(sent);
    expect(text).toMatch(/^From: Alice <alice@example.test>\r\n/);
    expect(text).toContain("smime-type=enveloped-data");
    writeFileSync(ca.path("sent.eml"), sent);
    // Standard S/MIME: openssl decrypts with bob's key, then verifies alice's signature to the root.
    ca.openssl(
      "cms",
      "-decrypt",
      "-in",
      ca.path("sent.eml"),
      "-recip",
      ca.path("bob-enc.pem"),
      "-inkey",
      ca.path("bob-enc.key"),
      "-out",
      ca.path("inner.eml"),
    );
    ca.openssl(
      "cms",
      "-verify",
      "-in",
      ca.path("inner.eml"),
      "-CAfile",
      ca.path("root.pem"),
      "-purpose",
      "any",
      "-out",
      ca.path("content.txt"),
    );
    expect(readFileSync(ca.path("content.txt"), "latin1")).toContain("See you at noon.");
    // The sender's own key opens it too (the sent copy).
    ca.openssl(
      "cms",
      "-decrypt",
      "-in",
      ca.path("sent.eml"),
      "-recip",
      ca.path("alice-enc.pem"),
      "-inkey",
      ca.path("alice-enc.key"),
      "-out",
      ca.path("own.eml"),
    );

    const chunks: Uint8Array[] = [];
    const status = await readMessage([sent], { accounts: [bob], clock }, core, (c) => void chunks.push(c));
    expect(status).toMatchObject({
      encrypted: true,
      cipher: "aes-256-cbc",
      signature: { state: "valid", signer: "alice@example.test", fromMatches: true },
    });
    const read = new TextDecoder().decode(Buffer.concat(chunks));
    expect(read).toMatch(/^From: Alice <alice@example.test>\r\n/);
    expect(read).toContain("Subject: lunch\r\n");
    expect(read).toContain("Content-Type: text/plain; charset=utf-8\r\n\r\nSee you at noon.");
    expect(read).not.toContain("multipart/signed");
  });

  it("says why a signature is invalid, and NO_KEY when no key of this device opens the message", async () => {
    const client = directory([bobEntry]);
    const options = { client, cache: new DirectoryCache(clock), clock, state: alice, recipients: ["bob@example.test"] };
    const sent = await collect(sendMessage([new TextEncoder().encode(MESSAGE)], options, core));
    // A reader trusting another root: the signature is shown as invalid, the content still readable.
    const stranger = { ...bob, root: encodeBase64url(ca.der("bob-enc")) };
    const status = await readMessage([sent], { accounts: [stranger], clock }, core, () => undefined);
    expect(status.signature).toMatchObject({ state: "invalid", code: "UNTRUSTED_CERTIFICATE" });
    // Three years later alice's one-year signing certificate has expired: the message was signed
    // while it was valid (its signed signingTime), so it is still signed by her, and says so.
    const later = manualClock(new Date(Date.now() + 3 * 365 * 86_400_000));
    const old = await readMessage([sent], { accounts: [bob], clock: later }, core, () => undefined);
    expect(old.signature).toMatchObject({ state: "valid", signer: "alice@example.test", expiredSince: true });
    expect(describeStatus(old)).toContain(
      "signed by alice@example.test (certificate since expired; valid when signed, ",
    );
    expect(status.signature).not.toHaveProperty("expiredSince");
    // Signed (the signer's claimed signingTime) after the certificate expired: invalid, then and now.
    const late = manualClock(new Date(Date.now() + 2 * 365 * 86_400_000));
    const lateSigned = await collect(
      sendMessage([new TextEncoder().encode(MESSAGE)], { ...options, clock: late, encrypt: false }, core),
    );
    const stale = await readMessage([lateSigned], { accounts: [bob], clock: later }, core, () => undefined);
    expect(stale.signature).toMatchObject({ state: "invalid", code: "CERTIFICATE_EXPIRED" });
    const carol = { ...bob, keys: [] };
    await expect(readMessage([sent], { accounts: [carol], clock }, core, () => undefined)).rejects.toMatchObject({
      code: "NO_KEY",
    });
  });

  it("a failure of the flow itself while checking a signature is an error, not an invalid signature", async () => {
    // Only the S/MIME library's codes (SMIME_ERROR_CODES) make a signature "invalid": a saved root that
    // is not a certificate is the state's fault (BAD_RESPONSE), and must not read as a forged message.
    const options = { client: directory([bobEntry]), cache: new DirectoryCache(clock), clock, state: alice };
    const signed = await collect(
      sendMessage(
        [new TextEncoder().encode(MESSAGE)],
        { ...options, recipients: ["bob@example.test"], encrypt: false },
        core,
      ),
    );
    const damaged = { ...bob, root: encodeBase64url(new TextEncoder().encode("not a certificate")) };
    await expect(readMessage([signed], { accounts: [damaged], clock }, core, () => undefined)).rejects.toMatchObject({
      name: "MailsealError",
      code: "BAD_RESPONSE",
    });
  });

  it("applies the CA's CRL (made by openssl ca): revoked after signing shows revoked, before or for a compromise invalid", async () => {
    const client = directory([bobEntry]);
    const options = { client, cache: new DirectoryCache(clock), clock, state: alice, recipients: [BOB] };
    const sent = await collect(sendMessage([new TextEncoder().encode(MESSAGE)], options, core));
    const signingTime = Math.floor(clock.now().getTime() / 1000) * 1000;
    const serial = parseCertificate(decodeBase64url(alice.signing!.certificate)).serialHex;
    const reader = (crl: Uint8Array): DeviceState => ({
      ...bob,
      crl: { der: encodeBase64url(crl), nextUpdate: "2100-01-01T00:00:00.000Z", fetchedAt: clock.now().toISOString() },
    });
    // Read two hours after sending: every revocation below has happened by then.
    const later = manualClock(new Date(signingTime + 2 * 3600_000));
    const read = (crl: Uint8Array) =>
      readMessage([sent], { accounts: [reader(crl)], clock: later }, core, () => undefined);

    // Revoked an hour after the signed signingTime (the device was removed later): "revoked", not valid.
    const after = await read(opensslCrl(serial, new Date(signingTime + 3600_000), "cessationOfOperation"));
    expect(after.signature).toMatchObject({
      state: "revoked",
      code: "CERT_REVOKED",
      signer: "alice@example.test",
      signingTime: new Date(signingTime),
      revokedAt: new Date(signingTime + 3600_000),
    });
    expect(describeStatus(after)).toContain(
      "signed by alice@example.test, but the certificate is revoked (CERT_REVOKED)",
    );
    // Revoked before the claimed signingTime: the signature does not count.
    const before = await read(opensslCrl(serial, new Date(signingTime - 3600_000), "cessationOfOperation"));
    expect(before.signature).toMatchObject({ state: "invalid", code: "CERT_REVOKED" });
    // A compromised key can claim any time: invalid whenever it was revoked.
    const compromised = await read(opensslCrl(serial, new Date(signingTime + 3600_000), "keyCompromise"));
    expect(compromised.signature).toMatchObject({ state: "invalid", code: "CERT_REVOKED" });
    // A CRL that lists others only, and a CRL by a CA that is not the signer's issuer: valid as before.
    const other = await read(opensslCrl("7EAD", new Date(signingTime - 3600_000), "cessationOfOperation"));
    expect(other.signature).toMatchObject({ state: "valid" });
    const foreign = await read(
      opensslCrl(serial, new Date(signingTime - 3600_000), "cessationOfOperation", "bob-enc", ca.path("bob-enc.key")),
    );
    expect(foreign.signature).toMatchObject({ state: "valid" });
  });

  it("fetches the CRL when due, keeps it only when the service's CA signed it", async () => {
    const byIssuer = opensslCrl("7EAD", new Date(), "cessationOfOperation");
    const byStranger = opensslCrl("7EAD", new Date(), "cessationOfOperation", "bob-enc", ca.path("bob-enc.key"));
    let served = byIssuer;
    let fetches = 0;
    const client = { crl: async () => (fetches++, served) } as unknown as ServiceClient;
    const saved: DeviceState[] = [];
    const store = { save: async (state: DeviceState) => void saved.push(state) } as unknown as StateStore;
    const now = manualClock(clock.now());

    const first = await refreshCrl(client, store, alice, now, crlCheckWith(core));
    expect(Buffer.from(decodeBase64url(first.crl!.der)).equals(Buffer.from(byIssuer))).toBe(true);
    expect(Date.parse(first.crl!.nextUpdate)).toBeGreaterThan(now.now().getTime());
    expect(saved).toEqual([first]);
    // Kept for the hour: no fetch.
    now.advance(CRL_MAX_AGE_MS - 1000);
    expect(await refreshCrl(client, store, first, now, crlCheckWith(core))).toBe(first);
    expect(fetches).toBe(1);
    // Then due again; a CRL another CA signed is BAD_RESPONSE and the kept one stays.
    now.advance(1000);
    served = byStranger;
    await expect(refreshCrl(client, store, first, now, crlCheckWith(core))).rejects.toMatchObject({
      code: "BAD_RESPONSE",
    });
    expect(fetches).toBe(2);
    expect(saved).toHaveLength(1);
    served = new TextEncoder().encode("not a CRL");
    await expect(refreshCrl(client, store, first, now, crlCheckWith(core))).rejects.toMatchObject({
      code: "BAD_RESPONSE",
    });
  });

  it("refuses recipients without a valid certificate: NO_CERTIFICATE names them, nothing is written", async () => {
    const foreign = { ...bobEntry, address: "eve@example.test" }; // bob's certificate, not eve's
    const client = directory([bobEntry, foreign]);
    const options = {
      client,
      cache: new DirectoryCache(clock),
      clock,
      state: alice,
      recipients: ["bob@example.test", "carol@example.test", "eve@example.test"],
    };
    const error = await collect(sendMessage([new TextEncoder().encode(MESSAGE)], options, core)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailsealError);
    expect(error).toMatchObject({
      code: "NO_CERTIFICATE",
      details: { addresses: ["carol@example.test", "eve@example.test"] },
    });
  });
});

describe("directory cache", () => {
  it("keeps a certificate an hour and a missing one ten minutes, asking only for what is not cached", async () => {
    const clock = manualClock(new Date("2030-01-01T00:00:00Z"));
    const cache = new DirectoryCache(clock);
    const client = directory([bobEntry]);
    const first = await cache.lookup(client, ["bob@example.test", "nobody@example.test"]);
    expect(first.get("bob@example.test")?.address).toBe("bob@example.test");
    expect(first.get("nobody@example.test")).toBeUndefined();
    await cache.lookup(client, ["bob@example.test", "nobody@example.test"]);
    expect(client.calls).toHaveLength(1);
    clock.advance(NEGATIVE_TTL_MS);
    await cache.lookup(client, ["bob@example.test", "nobody@example.test"]);
    expect(client.calls[1]).toEqual(["nobody@example.test"]);
    clock.advance(POSITIVE_TTL_MS - NEGATIVE_TTL_MS);
    await cache.lookup(client, ["bob@example.test"]);
    expect(client.calls[2]).toEqual(["bob@example.test"]);
  });

  it("asks in batches of at most 100", async () => {
    const client = directory([]);
    const many = Array.from({ length: 250 }, (_, i) => `u${i}@example.test`);
    await new DirectoryCache(clock).lookup(client, many);
    expect(client.calls.map((c) => c.length)).toEqual([100, 100, 50]);
  });
});

describe("choices", () => {
  it("AES-256-GCM only when every recipient lists it, else AES-256-CBC", () => {
    expect(chooseCipher([["aes-256-gcm", "aes-256-cbc"], ["2.16.840.1.101.3.4.1.46"]]).name).toBe("aes-256-gcm");
    expect(chooseCipher([["aes-256-gcm"], ["aes-256-cbc"]]).name).toBe("aes-256-cbc");
    expect(chooseCipher([["aes-256-gcm"], []]).name).toBe("aes-256-cbc");
    expect(chooseCipher([["aes-128-gcm"]]).name).toBe("aes-256-cbc");
  });

  it("the From address: one mailbox, display names and comments do not confuse it", async () => {
    expect(fromAddress("Alice <alice@example.test>")).toBe("alice@example.test");
    expect(fromAddress("alice@example.test")).toBe("alice@example.test");
    expect(fromAddress('"Smith, <Bob>" <bob@example.test>')).toBe("bob@example.test");
    expect(fromAddress("bob@example.test (Bob <x@y.test>)")).toBe("bob@example.test");
    expect(fromAddress("a@example.test, b@example.test")).toBeUndefined();
    expect(fromAddress("undisclosed")).toBeUndefined();
    await expect(senderOf([new TextEncoder().encode("Subject: x\r\n\r\nbody")])).rejects.toMatchObject({
      code: "SENDER_UNKNOWN",
    });
    const { address } = await senderOf([new TextEncoder().encode("From: A <a@EXAMPLE.Test>\r\n\r\nbody")]);
    expect(address).toBe("a@example.test");
  });
});

describe("certificates from other sources (the gateway's learned ones)", () => {
  /** A partner CA's root and Dave's certificate from it (valid `days`), as a source offers them. */
  function partner(days: number, name: string, issuer = "partner-root", issuerKey = ca.path("partner-root.key")) {
    const der = ca.issue(name, ca.key(name, "rsa"), issuer, issuerKey, {
      subject: "/CN=Dave",
      ext: EXT.endEntity("dave@partner.test"),
      days,
      serial: Math.floor(Math.random() * 2 ** 48)
        .toString(16)
        .padStart(12, "0"),
    });
    const chain = issuer === "issuing" ? [parseCertificate(ca.der("issuing"))] : [];
    return { address: "dave@partner.test", certificate: parseCertificate(der), chain, capabilities: [] };
  }
  // openssl's certificates start when made: a clock of their own, set after they are.
  const now = manualClock(new Date());
  const options = (state: DeviceState, entries: ReturnType<typeof partner>[], anchors: Uint8Array[]) => ({
    client: directory([]),
    cache: new DirectoryCache(now),
    clock: now,
    state,
    recipients: ["dave@partner.test"],
    others: {
      anchors: anchors.map((der) => parseCertificate(der)),
      lookup: async (addresses: readonly string[]) =>
        new Map(addresses.filter((a) => a === "dave@partner.test").map((a) => [a, entries])),
    },
  });

  it("uses one the directory lacks only when it chains to a given anchor, is valid now and not revoked", async () => {
    const rootKey = ca.key("partner-root", "rsa");
    const root = ca.selfSigned("partner-root", rootKey, { subject: "/CN=Partner Root", ext: EXT.root, days: 3650 });
    const check = pathCheckWith(core);
    const dave = partner(30, "dave-good");
    const revoked = partner(30, "dave-revoked", "issuing", ca.path("issuing.key"));
    now.set(new Date(Date.now() + 1000));
    const { entries } = await recipientCertificates(options(alice, [dave], [root]), check);
    expect(entries.map((e) => e.certificate.serialHex)).toEqual([dave.certificate.serialHex]);
    // No anchor for the partner's CA: not used.
    await expect(recipientCertificates(options(alice, [dave], []), check)).rejects.toMatchObject({
      code: "NO_CERTIFICATE",
      message: expect.stringContaining("dave@partner.test (other source): UNTRUSTED_CERTIFICATE"),
    });
    // Expired by the clock's time: not used.
    const later = manualClock(new Date(now.now().getTime() + 40 * 86_400_000));
    await expect(
      recipientCertificates({ ...options(alice, [dave], [root]), clock: later }, check),
    ).rejects.toMatchObject({ code: "NO_CERTIFICATE", message: expect.stringContaining("CERTIFICATE_EXPIRED") });
    // Issued by the service's CA and listed on the CRL the account holds: not used.
    const crl = opensslCrl(revoked.certificate.serialHex, new Date(now.now().getTime() - 60_000), "keyCompromise");
    const withCrl: DeviceState = {
      ...alice,
      crl: { der: encodeBase64url(crl), nextUpdate: "2100-01-01T00:00:00.000Z", fetchedAt: now.now().toISOString() },
    };
    await expect(recipientCertificates(options(withCrl, [revoked], []), check)).rejects.toMatchObject({
      code: "NO_CERTIFICATE",
      message: expect.stringContaining("CERT_REVOKED"),
    });
    // The same certificate without the CRL passes: the CRL is what refused it.
    expect((await recipientCertificates(options(alice, [revoked], []), check)).entries).toHaveLength(1);
  });
});
