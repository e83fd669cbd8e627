// The post-quantum hybrid on the sending path (issue 15): prepareSend takes a recipient's ML-KEM
// certificate from the directory entry beside the RSA one (and the sender's own from its key list),
// sealOptionsOf turns the recipe into seal options with both, and the engine writes one
// EnvelopedData with an RSA KeyTransRecipientInfo and an ML-KEM KEMRecipientInfo per person. A
// reader with only the ML-KEM key opens it (so the KEM recipient was used), OpenSSL 3.0 with only
// the RSA key opens it too (an old client skips the `ori`), and `pq: false` leaves the KEM out.
// Certificates by openssl; the ML-KEM ones (which OpenSSL 3.0 cannot make) are the issuing CA's
// RSA-signed certificates with the ML-KEM key put in and signed again with the CA's key (WebCrypto).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  decodeBase64url,
  DirectoryCache,
  encodeBase64url,
  manualClock,
  mlKemByName,
  mlKemKeyFromSeed,
  pqPrivateKeyInfo,
  prepareSend,
  type CertificateEntry,
  type DeviceState,
  type KeysResponse,
  type ServiceClient,
  type StoredKey,
} from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enginePathCheck, MailEngine, sealOptionsOf } from "../src/index.js";
import { listedKeys, lunchMessage, makeAccount, makeCaHierarchy } from "../../shared/test/mailflow/accounts.js";
import { TestCa } from "../../shared/test/pki/test-ca.js";

const ca = new TestCa();
const clock = manualClock(new Date());
const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const MESSAGE = lunchMessage();

let alice: DeviceState;
let bob: DeviceState;
let engine: MailEngine;

/**
 * An ML-KEM-768 key of `address` and its certificate from "issuing": `name`'s RSA encryption
 * certificate (issued by openssl) with the ML-KEM key and a new serial, signed again by the CA.
 */
async function kemKey(name: string, rsaCertificate: string, seedByte: number): Promise<StoredKey> {
  const parameters = mlKemByName("ML-KEM-768");
  const seed = new Uint8Array(64).fill(seedByte);
  const key = mlKemKeyFromSeed(parameters, seed);
  const certificate = pkijs.Certificate.fromBER(decodeBase64url(rsaCertificate));
  certificate.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({
    algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: parameters.oid }),
    subjectPublicKey: new asn1js.BitString({ valueHex: key.encapsulationKey }),
  });
  certificate.serialNumber = new asn1js.Integer({ value: 0x4b454d00 + seedByte });
  const caKey = execFileSync("openssl", [
    "pkcs8",
    "-topk8",
    "-nocrypt",
    "-in",
    ca.path("issuing.key"),
    "-outform",
    "DER",
  ]);
  const signer = await crypto.subtle.importKey(
    "pkcs8",
    new Uint8Array(caKey),
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["sign"],
  );
  await certificate.sign(signer, "SHA-256");
  return {
    keyId: `${name}-kem`,
    certificate: encodeBase64url(new Uint8Array(certificate.toSchema(true).toBER())),
    status: "current",
    protection: "none",
    commitment: "x",
    pkcs8: encodeBase64url(pqPrivateKeyInfo(parameters.oid, seed)),
  };
}

/** The directory (Bob's entry, with his ML-KEM certificate) and Alice's GET /v1/keys, as the client sees them. */
function services(): ServiceClient {
  const entry: CertificateEntry = {
    address: BOB,
    certificate: bob.keys[0]!.certificate,
    chain: [encodeBase64url(ca.der("issuing"))],
    capabilities: ["aes-256-cbc"],
    kemCertificate: bob.kemKeys![0]!.certificate,
  };
  const keyList: KeysResponse = {
    keys: listedKeys(alice.keys),
    kemKeys: listedKeys(alice.kemKeys!).map((key) => ({ ...key, algorithm: "ml-kem-768" as const, pairKeyId: "a" })),
    pq: true,
  };
  return {
    keyList: async () => keyList,
    lookupCertificates: async (addresses: readonly string[]) => (addresses.includes(BOB) ? [entry] : []),
  } as unknown as ServiceClient;
}

async function seal(pq: boolean | undefined): Promise<Uint8Array> {
  const recipe = await prepareSend(
    { client: services(), cache: new DirectoryCache(clock), clock, state: alice, recipients: [BOB] },
    enginePathCheck(engine),
  );
  const options = sealOptionsOf(recipe, ALICE, clock.now().getTime(), pq === undefined ? {} : { pq });
  const stream = await engine.sealMessage(new TextEncoder().encode(MESSAGE), options);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The RecipientInfo CHOICE of each recipient of an S/MIME enveloped message: 1 ktri, 5 ori. */
function recipientKinds(message: Uint8Array): number[] {
  const text = new TextDecoder().decode(message);
  const body = text.slice(text.indexOf("\r\n\r\n") + 4).replace(/\s+/g, "");
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(Buffer.from(body, "base64")));
  return new pkijs.EnvelopedData({ schema: info.content }).recipientInfos.map((r) => r.variant);
}

/** A state of `account` holding only its ML-KEM key: the RSA key listed but not on this device. */
function kemOnly(account: DeviceState): DeviceState {
  return {
    ...account,
    keys: account.keys.map((key) => {
      const listed = { ...key };
      delete listed.pkcs8;
      return listed;
    }),
  };
}

beforeAll(async () => {
  makeCaHierarchy(ca);
  alice = await makeAccount(ca, "alice", ALICE);
  bob = await makeAccount(ca, "bob", BOB);
  alice = { ...alice, kemKeys: [await kemKey("alice", alice.keys[0]!.certificate, 1)] };
  bob = { ...bob, kemKeys: [await kemKey("bob", bob.keys[0]!.certificate, 2)] };
  clock.set(new Date(Date.now() + 1000));
  engine = await MailEngine.open();
}, 120_000);

afterAll(async () => {
  await engine?.close();
  ca.dispose();
});

describe("the hybrid through sealOptionsOf", () => {
  it("writes an RSA and an ML-KEM recipient for Bob and for Alice's own copy", async () => {
    await engine.setAccounts([alice]);
    const sealed = await seal(undefined);
    expect(recipientKinds(sealed).sort()).toEqual([1, 1, 5, 5]);
  });

  it("opens for a reader that holds only the ML-KEM key: the KEMRecipientInfo was used", async () => {
    await engine.setAccounts([alice]);
    const sealed = await seal(undefined);
    await engine.setAccounts([kemOnly(bob)]);
    const opened = await engine.openMessage(sealed, { time: clock.now().getTime() });
    expect(new TextDecoder().decode(opened.message)).toContain("See you at noon.");
    expect(opened.status.encrypted).toBe(true);
  });

  it("opens with OpenSSL 3.0 and the RSA key alone (an old client skips the ML-KEM recipient)", async () => {
    await engine.setAccounts([alice]);
    const sealed = await seal(undefined);
    writeFileSync(ca.path("hybrid.eml"), sealed);
    const inner = execFileSync(
      "openssl",
      [
        "cms",
        "-decrypt",
        "-in",
        ca.path("hybrid.eml"),
        "-inkey",
        ca.path("bob-enc.key"),
        "-recip",
        ca.path("bob-enc.pem"),
      ],
      { stdio: "pipe" },
    ).toString("utf8");
    expect(inner).toContain("See you at noon.");
  });

  it("leaves the ML-KEM recipients out with pq: false; the ML-KEM key alone then opens nothing", async () => {
    await engine.setAccounts([alice]);
    const sealed = await seal(false);
    expect(recipientKinds(sealed)).toEqual([1, 1]);
    await engine.setAccounts([kemOnly(bob)]);
    await expect(engine.openMessage(sealed, { time: clock.now().getTime() })).rejects.toMatchObject({
      code: "NO_KEY",
    });
  });
});
