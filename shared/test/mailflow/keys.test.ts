// The key release of the client flows (refreshKeys, releaseKey) against a test double of the api's
// and the share stores' answers: a stub ServiceClient that lists a key, hands out tickets and
// serves the two shares sealed to the device's ephemeral key, as the services do. Its shares always
// combine to what its commitment names; what varies is whether that is the key of the certificate.
// Keys and certificates are made by openssl.
import { execFileSync } from "node:child_process";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  decodeBase64url,
  encodeBase64url,
  keyCommitment,
  MailsealError,
  mlKemByName,
  mlKemKeyFromSeed,
  pqPrivateKeyInfo,
  protectKey,
  refreshKeys,
  releaseAad,
  seal,
  signJws,
  splitSecret,
  STATE_VERSION,
  type DeviceState,
  type KeyInfo,
  type ProtectionLogin,
  type PublicJwk,
  type ReleaseTicket,
  type ServiceClient,
  type StateStore,
} from "@mailseal/shared";
import { afterAll, describe, expect, it } from "vitest";
import { EXT, TestCa } from "../pki/test-ca.js";

const ADDRESS = "alice@example.org";
const ca = new TestCa();
afterAll(() => ca.dispose());

function pkcs8Of(keyPath: string): Uint8Array {
  return new Uint8Array(
    execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", keyPath, "-outform", "DER"], { stdio: "pipe" }),
  );
}

/** A key pair and its self-signed encryption certificate (base64url DER). */
function keyWithCertificate(name: string): { pkcs8: Uint8Array; certificate: string } {
  const key = ca.key(name, "rsa");
  const der = ca.selfSigned(name, key, { subject: `/CN=${ADDRESS}`, ext: EXT.endEntity(ADDRESS, "keyEncipherment") });
  return { pkcs8: pkcs8Of(key), certificate: encodeBase64url(der) };
}

const certified = keyWithCertificate("certified");
const other = keyWithCertificate("other");

/**
 * An ML-KEM-768 key (PKCS#8, seed form) and a certificate for it: OpenSSL 3.0 makes no ML-KEM
 * certificate, so the RSA certificate's SubjectPublicKeyInfo is replaced by the ML-KEM key's
 * (the signature is not checked on this path).
 */
function kemKeyWithCertificate(fill: number): { pkcs8: Uint8Array; certificate: string } {
  const parameters = mlKemByName("ML-KEM-768");
  const seed = new Uint8Array(64).fill(fill);
  const key = mlKemKeyFromSeed(parameters, seed);
  const template = pkijs.Certificate.fromBER(decodeBase64url(certified.certificate));
  template.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({
    algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: parameters.oid }),
    subjectPublicKey: new asn1js.BitString({ valueHex: key.encapsulationKey }),
  });
  return {
    pkcs8: pqPrivateKeyInfo(parameters.oid, seed),
    certificate: encodeBase64url(new Uint8Array(template.toSchema(true).toBER())),
  };
}

const kemCertified = kemKeyWithCertificate(1);
const kemOther = kemKeyWithCertificate(2);

/**
 * A stub of the api and both stores: lists one key with `certificate`, and releases `blob` split
 * into two shares whose commitment it lists, so the shares always match the commitment.
 */
async function services(options: {
  certificate: string;
  blob: Uint8Array;
  protection: "none" | "opaque";
  /** List the key as an ML-KEM key (kemKeys, issue 15) rather than an RSA one. */
  kem?: boolean;
}): Promise<ServiceClient> {
  const keyId = "k1";
  const commitment = await keyCommitment(options.blob);
  const [share0, share1] = splitSecret(options.blob);
  const ticketKey = await globalThis.crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const listed: KeyInfo = {
    keyId,
    certificate: options.certificate,
    status: "current",
    notBefore: "2031-01-01T00:00:00.000Z",
    notAfter: "2032-01-01T00:00:00.000Z",
    protection: options.protection,
    commitment,
  };
  const epks = new Map<string, PublicJwk>();
  const stub = {
    listKeys: async () => (options.kem === true ? [] : [listed]),
    keyList: async () =>
      options.kem === true
        ? { keys: [], kemKeys: [{ ...listed, algorithm: "ml-kem-768", pairKeyId: "k0" }], pq: true }
        : { keys: [listed] },
    async releaseKey(id: string, ephemeralKey: PublicJwk): Promise<ReleaseTicket[]> {
      expect(id).toBe(keyId);
      return Promise.all(
        (["share-a", "share-b"] as const).map(async (store, idx) => {
          const jti = `${store}-${Math.random()}`;
          epks.set(jti, ephemeralKey);
          const ticket = await signJws(
            { alg: "ES256", typ: "mailseal-ticket+jwt" },
            { jti, idx },
            ticketKey.privateKey,
          );
          return { store, url: `http://${store}.invalid`, ticket };
        }),
      );
    },
    async releaseShare(ticket: ReleaseTicket) {
      const payload = JSON.parse(Buffer.from(ticket.ticket.split(".")[1]!, "base64url").toString("utf8")) as {
        jti: string;
        idx: 0 | 1;
      };
      const share = payload.idx === 0 ? share0 : share1;
      const sealed = await seal(epks.get(payload.jti)!, share, releaseAad(ADDRESS, keyId, payload.idx, payload.jti));
      return { keyId, index: payload.idx, sealed };
    },
  };
  return stub as unknown as ServiceClient;
}

/** A state store in memory that records every state saved. */
function memoryStore(): StateStore & { saved: DeviceState[] } {
  const saved: DeviceState[] = [];
  return {
    saved,
    keepsCryptoKeys: true,
    list: async () => [ADDRESS],
    load: async () => saved.at(-1),
    save: async (state) => {
      saved.push(structuredClone(state));
    },
    loadDeviceKey: async () => undefined,
    saveDeviceKey: async () => undefined,
  };
}

const state: DeviceState = {
  version: STATE_VERSION,
  address: ADDRESS,
  deviceName: "laptop",
  service: { api: "http://api.invalid", shareStores: { "share-a": "http://a.invalid", "share-b": "http://b.invalid" } },
  deviceId: "dev-1",
  keys: [],
};

describe("key release against a test double of the services' answers", () => {
  it("keeps a released key that is the key of its certificate", async () => {
    const store = memoryStore();
    const client = await services({ certificate: certified.certificate, blob: certified.pkcs8, protection: "none" });
    const refreshed = await refreshKeys(client, store, state);
    expect(refreshed.keys[0]!.pkcs8).toBe(encodeBase64url(certified.pkcs8));
  });

  it("refuses shares of another key than the certificate's (KEY_CERT_MISMATCH), storing nothing", async () => {
    const store = memoryStore();
    const client = await services({ certificate: certified.certificate, blob: other.pkcs8, protection: "none" });
    const refused = await refreshKeys(client, store, state).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MailsealError);
    expect((refused as MailsealError).code).toBe("KEY_CERT_MISMATCH");
    expect(store.saved.every((saved) => saved.keys.every((key) => key.pkcs8 === undefined))).toBe(true);
  });

  it("refuses a protected key that unwraps to another key than the certificate's", async () => {
    const exportKey = globalThis.crypto.getRandomValues(new Uint8Array(64));
    const login: ProtectionLogin = { session: "session", exportKey };
    const store = memoryStore();
    const wrapped = await protectKey(other.pkcs8, exportKey, ADDRESS, "k1");
    const client = await services({ certificate: certified.certificate, blob: wrapped, protection: "opaque" });
    const refused = await refreshKeys(client, store, state, { login }).catch((error: unknown) => error);
    expect((refused as MailsealError).code).toBe("KEY_CERT_MISMATCH");
    expect(store.saved.every((saved) => saved.keys.every((key) => key.pkcs8 === undefined))).toBe(true);

    // The same with the certificate's own key: released and kept.
    const right = await services({
      certificate: certified.certificate,
      blob: await protectKey(certified.pkcs8, exportKey, ADDRESS, "k1"),
      protection: "opaque",
    });
    const refreshed = await refreshKeys(right, memoryStore(), state, { login });
    expect(refreshed.keys[0]!.pkcs8).toBe(encodeBase64url(certified.pkcs8));
  });

  it("refuses a released blob that is no RSA key at all (KEY_CERT_MISMATCH)", async () => {
    const client = await services({
      certificate: certified.certificate,
      blob: new Uint8Array(64).fill(7),
      protection: "none",
    });
    const refused = await refreshKeys(client, memoryStore(), state).catch((error: unknown) => error);
    expect((refused as MailsealError).code).toBe("KEY_CERT_MISMATCH");
  });

  it("keeps a released ML-KEM key that is its certificate's, in the state's kemKeys (issue 15)", async () => {
    const store = memoryStore();
    const client = await services({
      certificate: kemCertified.certificate,
      blob: kemCertified.pkcs8,
      protection: "none",
      kem: true,
    });
    const refreshed = await refreshKeys(client, store, state);
    expect(refreshed.keys).toEqual([]);
    expect(refreshed.kemKeys?.map((key) => [key.keyId, key.pkcs8])).toEqual([
      ["k1", encodeBase64url(kemCertified.pkcs8)],
    ]);
  });

  it("refuses an ML-KEM key that is not its certificate's, or no ML-KEM key at all (KEY_CERT_MISMATCH)", async () => {
    for (const blob of [kemOther.pkcs8, certified.pkcs8]) {
      const store = memoryStore();
      const client = await services({ certificate: kemCertified.certificate, blob, protection: "none", kem: true });
      const refused = await refreshKeys(client, store, state).catch((error: unknown) => error);
      expect((refused as MailsealError).code).toBe("KEY_CERT_MISMATCH");
      expect(store.saved.every((saved) => (saved.kemKeys ?? []).every((key) => key.pkcs8 === undefined))).toBe(true);
    }
  });
});
