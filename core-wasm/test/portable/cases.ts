// Core tests that run unchanged in Node (a worker_threads worker) and in Chromium (a Web Worker), both
// through comlink. The reference is the platform's WebCrypto, present in both. No test-runner API here:
// a case throws on failure.
import type { Remote } from "comlink";
import { rsaPrivateKeyFromJwk } from "../../src/rsa/index.js";
import type { CipherName, RsaPrivateKey } from "../../src/service/api.js";
import type { CoreService } from "../../src/service/core-service.js";

export type CoreApi = Remote<CoreService> | CoreService;

export interface PortableCase {
  name: string;
  run(core: CoreApi): Promise<void>;
}

const subtle = globalThis.crypto.subtle;

/** Deterministic pseudo-random numbers (xorshift32) so a failing split can be replayed by seed. */
function prng(seed: number): (max: number) => number {
  let x = seed >>> 0 || 1;
  return (max) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % max;
  };
}

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

function hex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
}

function hexBytes(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function assertEqualBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length || hex(actual) !== hex(expected)) {
    throw new Error(
      `${what}: got ${actual.length} bytes ${hex(actual.subarray(0, 32))}..., expected ${expected.length} bytes ${hex(expected.subarray(0, 32))}...`,
    );
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Cuts `data` into random pieces (some empty) to exercise streaming state across calls. */
function split(data: Uint8Array, next: (max: number) => number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let offset = 0;
  while (offset < data.length) {
    const size = next(4) === 0 ? next(17) : next(3 * 65536);
    pieces.push(data.slice(offset, offset + size));
    offset += size;
  }
  pieces.push(new Uint8Array(0));
  return pieces;
}

/**
 * The platform's WebCrypto result, or undefined where the platform lacks the key size (Chromium has
 * no AES-192; the Wycheproof files in the same run cover AES-192 there).
 */
async function referenceEncrypt(
  cipher: CipherName,
  key: Uint8Array<ArrayBuffer>,
  iv: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array | undefined> {
  const mode = cipher.slice(-3);
  const name = mode === "cbc" ? "AES-CBC" : mode === "ctr" ? "AES-CTR" : "AES-GCM";
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await subtle.importKey("raw", key, { name }, false, ["encrypt"]);
  } catch (error) {
    if (key.length === 24 && (error as Error).name === "OperationError") return undefined;
    throw error;
  }
  const params =
    mode === "cbc"
      ? { name, iv }
      : mode === "ctr"
        ? { name, counter: iv, length: 128 }
        : { name, iv, additionalData: aad, tagLength: 128 };
  return new Uint8Array(await subtle.encrypt(params, cryptoKey, data));
}

const ciphers: CipherName[] = [
  "aes-128-cbc",
  "aes-192-cbc",
  "aes-256-cbc",
  "aes-128-ctr",
  "aes-256-ctr",
  "aes-128-gcm",
  "aes-192-gcm",
  "aes-256-gcm",
];

function cipherCase(cipher: CipherName, seed: number): PortableCase {
  return {
    name: `${cipher} matches WebCrypto on random data and random chunk splits (seed ${seed})`,
    async run(core) {
      const next = prng(seed);
      for (let round = 0; round < 6; round++) {
        const keyLength = Number(cipher.slice(4, 7)) / 8;
        const key = randomBytes(keyLength);
        // GCM: 12-byte IVs mostly, sometimes longer ones (J0 through GHASH); Node's WebCrypto refuses IVs
        // under 12 bytes, so shorter ones are covered by the Wycheproof and node:crypto suites instead.
        const iv = randomBytes(cipher.endsWith("gcm") ? (next(3) === 0 ? 12 + next(53) : 12) : 16);
        const aad = cipher.endsWith("gcm") ? randomBytes(next(40)) : new Uint8Array(0);
        const data = randomBytes(round === 0 ? 0 : next(round < 3 ? 100 : 300_000));
        const expected = await referenceEncrypt(cipher, key, iv, data, aad);
        const gcm = cipher.endsWith("gcm");
        const encryptor = await core.createEncryptor({ cipher, key, iv, ...(gcm ? { aad } : {}) });
        const out: Uint8Array[] = [];
        for (const piece of split(data, next)) out.push(await encryptor.update(piece));
        const last = await encryptor.final();
        out.push(last.data);
        if (gcm) out.push(last.tag!);
        const ciphertext = concat(out);
        if (expected !== undefined) assertEqualBytes(ciphertext, expected, `${cipher} encrypt of ${data.length} bytes`);

        const body = gcm ? ciphertext.subarray(0, ciphertext.length - 16) : ciphertext;
        const decryptor = await core.createDecryptor({ cipher, key, iv, ...(gcm ? { aad } : {}) });
        const plain: Uint8Array[] = [];
        for (const piece of split(body, next)) plain.push(await decryptor.update(piece));
        plain.push(await decryptor.final(gcm ? ciphertext.slice(ciphertext.length - 16) : undefined));
        assertEqualBytes(concat(plain), data, `${cipher} decrypt of ${data.length} bytes`);
      }
    },
  };
}

async function expectCode(what: string, code: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const got = (error as { code?: unknown }).code;
    if (got !== code) throw new Error(`${what}: expected error code ${code}, got ${String(got)} (${String(error)})`);
    if ((error as Error).name !== "CryptoError")
      throw new Error(`${what}: expected a CryptoError, got ${(error as Error).name}`);
    return;
  }
  throw new Error(`${what}: expected error code ${code}, but it succeeded`);
}

const hashes = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as const;

const digestCases: PortableCase[] = hashes.flatMap((alg, i) => [
  {
    name: `${alg} matches WebCrypto on random data and chunk splits`,
    async run(core) {
      const next = prng(2000 + i);
      for (const length of [0, 1, 55, 56, 64, 111, 112, 128, 1000, 200_000]) {
        const data = randomBytes(length);
        const stream = await core.createHash(alg);
        for (const piece of split(data, next)) await stream.update(piece);
        const expected = new Uint8Array(await subtle.digest(alg, data));
        assertEqualBytes(await stream.digest(), expected, `${alg} of ${length} bytes`);
      }
    },
  },
  {
    name: `HMAC-${alg} matches WebCrypto for short, block-sized and long keys`,
    async run(core) {
      const next = prng(3000 + i);
      for (const keyLength of [1, 20, 64, 65, 128, 129, 300]) {
        const key = randomBytes(keyLength);
        const data = randomBytes(next(5000));
        const reference = await subtle.importKey("raw", key, { name: "HMAC", hash: alg }, false, ["sign"]);
        const expected = new Uint8Array(await subtle.sign("HMAC", reference, data));
        const stream = await core.createHmac(alg, key);
        for (const piece of split(data, next)) await stream.update(piece);
        assertEqualBytes(await stream.digest(), expected, `HMAC-${alg} with a ${keyLength}-byte key`);
      }
    },
  },
]);

// FIPS 202 known answers, the longest message of each NIST CAVP short-message file (vectors/sha3,
// SOURCES.md there): WebCrypto has no SHA-3 to compare with. SHAKE256's output there is 256 bits.
const sha3Answers = [
  {
    alg: "SHA3-256",
    file: "SHA3_256ShortMsg.rsp",
    message:
      "56ea14d7fcb0db748ff649aaa5d0afdc2357528a9aad6076d73b2805b53d89e73681abfad26bee6c0f3d20215295f354f538ae80990d2281be6de0f6919aa9eb048c26b524f4d91ca87b54c0c54aa9b54ad02171e8bf31e8d158a9f586e92ffce994ecce9a5185cc80364d50a6f7b94849a914242fcb73f33a86ecc83c3403630d20650ddb8cd9c4",
    output: "4beae3515ba35ec8cbd1d94567e22b0d7809c466abfbafe9610349597ba15b45",
  },
  {
    alg: "SHA3-384",
    file: "SHA3_384ShortMsg.rsp",
    message:
      "92c41d34bd249c182ad4e18e3b856770766f1757209675020d4c1cf7b6f7686c8c1472678c7c412514e63eb9f5aee9f5c9d5cb8d8748ab7a5465059d9cbbb8a56211ff32d4aaa23a23c86ead916fe254cc6b2bff7a9553df1551b531f95bb41cbbc4acddbd372921",
    output: "71307eec1355f73e5b726ed9efa1129086af81364e30a291f684dfade693cc4bc3d6ffcb7f3b4012a21976ff9edcab61",
  },
  {
    alg: "SHA3-512",
    file: "SHA3_512ShortMsg.rsp",
    message:
      "0ce9f8c3a990c268f34efd9befdb0f7c4ef8466cfdb01171f8de70dc5fefa92acbe93d29e2ac1a5c2979129f1ab08c0e77de7924ddf68a209cdfa0adc62f85c18637d9c6b33f4ff8",
    output:
      "b018a20fcf831dde290e4fb18c56342efe138472cbe142da6b77eea4fce52588c04c808eb32912faa345245a850346faec46c3a16d39bd2e1ddb1816bc57d2da",
  },
  {
    alg: "SHAKE256",
    file: "SHAKE256ShortMsg.rsp",
    message:
      "104fefe89f08d15d36a2233f42a7defa917c5ad2642e06cac56d5cc51ad914ecfb7d984f4199b9cf5fa5a03bf69207b9a353a9681c9cf6437bea0c49d9c3e3db1f3fc76519c70c40cc1dfdd70a9c150943c272cf9eeb861f485f10100c8f4a3e259c6470501932782512225ba64d70b219cf9d5013a21d25d6d65062dcc6b3deb49d58b90d18933f118df70ff42c807ccc851233a34a221eca56b38971ef858475488988794a975d3894633a19c1ae2f05e9b9c0756affd3cfe823ccf29228f60fa7e025bc39a79943325126409460926b057a3fb28a1b098b938872883804fd2bc245d7fd6d29bcda6ca6198f2eff6ea7e03ef78133de8ba65fc8c45a688160719fa1e7646d878ea44c4b5c2e16f48b",
    output: "46293a63c235750d58a24edca5ba637b96cae74325c6c8122c4155c0d15805e6",
  },
] as const;

function fromHex(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

const sha3Cases: PortableCase[] = sha3Answers.map((answer, i) => ({
  name: `${answer.alg} gives NIST's answer (${answer.file}, last entry) whole and in random pieces`,
  async run(core) {
    const message = fromHex(answer.message);
    const options = answer.alg === "SHAKE256" ? { outputLength: 32 } : undefined;
    const whole = await core.createHash(answer.alg, options);
    await whole.update(message);
    assertEqualBytes(await whole.digest(), fromHex(answer.output), `${answer.alg} whole`);
    const next = prng(5000 + i);
    const pieces = await core.createHash(answer.alg, options);
    for (const piece of split(message, next)) await pieces.update(piece);
    assertEqualBytes(await pieces.digest(), fromHex(answer.output), `${answer.alg} in pieces`);
  },
}));

const latin1 = (bytes: Uint8Array): string => Array.from(bytes, (b) => String.fromCharCode(b)).join("");

const base64Cases: PortableCase[] = [
  {
    name: "base64 encoder wraps at 76 columns with CRLF and matches btoa; the decoder inverts it",
    async run(core) {
      const next = prng(4000);
      for (const length of [0, 1, 2, 3, 56, 57, 58, 114, 1000, 100_000]) {
        const data = randomBytes(length);
        const encoder = await core.createBase64Encoder({ lineLength: 76 });
        const parts: Uint8Array[] = [];
        for (const piece of split(data, next)) parts.push(await encoder.update(piece));
        parts.push(await encoder.final());
        const text = latin1(concat(parts));
        const expected = (btoa(latin1(data)).match(/.{1,76}/g) ?? []).join("\r\n");
        if (text !== expected) throw new Error(`base64 of ${length} bytes: wrapped text differs from btoa`);
        const decoder = await core.createBase64Decoder();
        const decoded: Uint8Array[] = [];
        for (const piece of split(concat(parts), next)) decoded.push(await decoder.update(piece));
        decoded.push(await decoder.final());
        assertEqualBytes(concat(decoded), data, `base64 decode of ${length} bytes`);
      }
    },
  },
  {
    name: "base64 decoder rejects characters outside the alphabet with MALFORMED_BASE64",
    async run(core) {
      const decoder = await core.createBase64Decoder();
      await expectCode("base64 with '*'", "MALFORMED_BASE64", async () => {
        await decoder.update(new TextEncoder().encode("QUJD*RUZH"));
        await decoder.final();
      });
    },
  },
];

interface ReferenceRsaKey {
  components: RsaPrivateKey;
  oaep: CryptoKeyPair;
  pss: CryptoKeyPair;
  pkcs1: CryptoKeyPair;
}

/** One RSA-2048 key from WebCrypto, imported for each algorithm it is used with there. */
async function referenceRsaKey(): Promise<ReferenceRsaKey> {
  const generated = await subtle.generateKey(
    { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  const jwk = await subtle.exportKey("jwk", generated.privateKey);
  const components = rsaPrivateKeyFromJwk(jwk);
  // Fresh JWKs without "alg"/"key_ops", so each can be imported for another algorithm.
  const { kty, n, e, d, p, q, dp, dq, qi } = jwk;
  const pair = async (algorithm: RsaHashedImportParams, usages: [KeyUsage, KeyUsage]): Promise<CryptoKeyPair> => ({
    privateKey: await subtle.importKey("jwk", { kty, n, e, d, p, q, dp, dq, qi } as JsonWebKey, algorithm, false, [
      usages[0],
    ]),
    publicKey: await subtle.importKey("jwk", { kty, n, e } as JsonWebKey, algorithm, false, [usages[1]]),
  });
  return {
    components,
    oaep: await pair({ name: "RSA-OAEP", hash: "SHA-256" }, ["decrypt", "encrypt"]),
    pss: await pair({ name: "RSA-PSS", hash: "SHA-256" }, ["sign", "verify"]),
    pkcs1: await pair({ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, ["sign", "verify"]),
  };
}

const rsaCases: PortableCase[] = [
  {
    name: "RSA-2048: OAEP, PKCS#1 v1.5 and PSS interoperate with WebCrypto both ways",
    async run(core) {
      const reference = await referenceRsaKey();
      const key = await core.loadRsaPrivateKey(reference.components);
      const publicKey = { n: reference.components.n, e: reference.components.e };
      try {
        const secret = randomBytes(32);
        const wrapped = new Uint8Array(await subtle.encrypt({ name: "RSA-OAEP" }, reference.oaep.publicKey, secret));
        assertEqualBytes(
          await key.oaepDecrypt(wrapped, { hash: "SHA-256" }),
          secret,
          "OAEP decrypt of WebCrypto's ciphertext",
        );
        const ours = await core.rsaOaepEncrypt(publicKey, secret, { hash: "SHA-256" });
        const theirs = new Uint8Array(
          await subtle.decrypt({ name: "RSA-OAEP" }, reference.oaep.privateKey, bufferOf(ours)),
        );
        assertEqualBytes(theirs, secret, "WebCrypto's OAEP decrypt of our ciphertext");

        const message = randomBytes(1000);
        const digest = new Uint8Array(await subtle.digest("SHA-256", message));
        const pkcs1 = await key.pkcs1v15Sign("SHA-256", digest);
        if (!(await subtle.verify("RSASSA-PKCS1-v1_5", reference.pkcs1.publicKey, bufferOf(pkcs1), message))) {
          throw new Error("WebCrypto rejects our PKCS#1 v1.5 signature");
        }
        const pkcs1Theirs = new Uint8Array(await subtle.sign("RSASSA-PKCS1-v1_5", reference.pkcs1.privateKey, message));
        if (!(await core.rsaPkcs1v15Verify(publicKey, "SHA-256", digest, pkcs1Theirs))) {
          throw new Error("we reject WebCrypto's PKCS#1 v1.5 signature");
        }
        pkcs1Theirs[10]! ^= 1;
        if (await core.rsaPkcs1v15Verify(publicKey, "SHA-256", digest, pkcs1Theirs)) {
          throw new Error("we accept a PKCS#1 v1.5 signature with a flipped bit");
        }

        const pss = await key.pssSign(digest, { hash: "SHA-256", saltLength: 32 });
        if (
          !(await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, reference.pss.publicKey, bufferOf(pss), message))
        ) {
          throw new Error("WebCrypto rejects our PSS signature");
        }
        const pssTheirs = new Uint8Array(
          await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, reference.pss.privateKey, message),
        );
        if (!(await core.rsaPssVerify(publicKey, digest, pssTheirs, { hash: "SHA-256", saltLength: 32 }))) {
          throw new Error("we reject WebCrypto's PSS signature");
        }
      } finally {
        key.dispose();
      }
    },
  },
  {
    name: "RSA PKCS#1 v1.5 decryption of a corrupted ciphertext gives no error (implicit rejection)",
    async run(core) {
      const reference = await referenceRsaKey();
      const key = await core.loadRsaPrivateKey(reference.components);
      try {
        const publicKey = { n: reference.components.n, e: reference.components.e };
        const secret = randomBytes(32);
        const ciphertext = await core.rsaPkcs1v15Encrypt(publicKey, secret);
        assertEqualBytes(await key.pkcs1v15DecryptKey(ciphertext, 32), secret, "PKCS#1 v1.5 round trip");
        ciphertext[100]! ^= 0x40;
        const first = await key.pkcs1v15DecryptKey(ciphertext, 32);
        const second = await key.pkcs1v15DecryptKey(ciphertext, 32);
        assertEqualBytes(first, second, "synthetic key is deterministic");
        if (hex(first) === hex(secret)) throw new Error("corrupted ciphertext decrypted to the original key");
      } finally {
        key.dispose();
      }
    },
  },
];

function bufferOf(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(data);
}

/** The DSA sample of the portable cases (see the dsaVerify case). */
const DSA_SAMPLE = {
  p: "00fb7fcf543a3f7805389134b5c48c1ce7ac26c7b36b64f82dd82da226557a4514a3b0d0da83d3ec43c8ec64c0731982bacba2ead29012958d290891121c7d173a5e26507306228f196babf47737121b0ff61070f6c5885a04966305537a5877a60e9189c798dd35f2ab2c58fd2157046cc7806892fb75aee4f2a4feb1f663b5df",
  q: "00b041d321a2f53ac1235c08e9ea160c52244c42bd",
  g: "00c5093c54e8329f1494a404f67db763293ccec0ebd848cabea9017d38e9c9c9d903f9511a503c832dd722e5328921cc5554ce6c7a4d263f94208178e53c04e77bb534828d029c00edda6fda876c69486ccf52185739991ec71880f175f8a85bc7471a1174a9dff141346efc4a1b87c095ae677a3c978d306d2df3ce51569cdabf",
  y: "00ab660137a7b382a9d99d9562fa0a587448a0e756e9ef7ce705655335bcafabcfc8fc552035f3324c35085a864997b848f536d75f5dfe689e77eb553b2b4a1c10208f9a5120bb2a97642b60e431b84cb87ba223234586f6a5a92a0c040cb02a9ea1ad95867ab8b450e0bbecceea220772d5fd23318ecdf469d119352055b7a868",
  digest: "ebd985b463cf09c5a950d9f647a28f1199f19844",
  signature: "302c02144d0ccf98ac3bcab9b8a55168c9ca5e6338ce6ca0021429885c4ee7bd21a8625d51bbacce6e5a1601b290",
};

export const portableCases: PortableCase[] = [
  ...ciphers.map((cipher, i) => cipherCase(cipher, 1000 + i)),
  ...digestCases,
  ...sha3Cases,
  ...base64Cases,
  ...rsaCases,
  {
    name: "a tampered GCM tag fails with AUTH_TAG_MISMATCH, and the code survives the worker boundary",
    async run(core) {
      const key = randomBytes(32);
      const iv = randomBytes(12);
      const encryptor = await core.createEncryptor({ cipher: "aes-256-gcm", key, iv });
      const body = await encryptor.update(randomBytes(1000));
      const { data, tag } = await encryptor.final();
      tag![0]! ^= 1;
      const decryptor = await core.createDecryptor({ cipher: "aes-256-gcm", key, iv });
      await decryptor.update(concat([body, data]));
      await expectCode("GCM with a flipped tag bit", "AUTH_TAG_MISMATCH", () => decryptor.final(tag));
    },
  },
  {
    name: "CBC with a wrong key fails with DECRYPTION_FAILED",
    async run(core) {
      const iv = randomBytes(16);
      const encryptor = await core.createEncryptor({ cipher: "aes-128-cbc", key: randomBytes(16), iv });
      const ciphertext = concat([await encryptor.update(randomBytes(100)), (await encryptor.final()).data]);
      // A wrong key gives valid-looking padding with probability about 1/256; retry with fresh keys.
      let failures = 0;
      for (let i = 0; i < 4; i++) {
        const decryptor = await core.createDecryptor({ cipher: "aes-128-cbc", key: randomBytes(16), iv });
        await decryptor.update(ciphertext);
        try {
          await decryptor.final();
        } catch (error) {
          if ((error as { code?: unknown }).code !== "DECRYPTION_FAILED") throw error;
          failures++;
        }
      }
      if (failures < 3) throw new Error(`wrong keys decrypted ${4 - failures} of 4 times`);
    },
  },
  {
    name: "des-ede3-cbc: the FIPS 81 CBC example, and a round trip over random chunk splits",
    async run(core) {
      // WebCrypto has no DES, so the reference here is a known answer (FIPS 81 Appendix C, with
      // K1 = K2 = K3 making TDEA single DES) plus the core's own inverse.
      const key = hexBytes("0123456789abcdef".repeat(3));
      const iv = hexBytes("1234567890abcdef");
      const encryptor = await core.createEncryptor({ cipher: "des-ede3-cbc", key, iv });
      const head = await encryptor.update(new TextEncoder().encode("Now is the time for all "));
      const known = concat([head, (await encryptor.final()).data]);
      assertEqualBytes(
        known.subarray(0, 24),
        hexBytes("e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"),
        "des-ede3-cbc FIPS 81 example",
      );
      const next = prng(5000);
      const data = randomBytes(5000);
      const randomKey = randomBytes(24);
      const e = await core.createEncryptor({ cipher: "des-ede3-cbc", key: randomKey, iv });
      const out: Uint8Array[] = [];
      for (const piece of split(data, next)) out.push(await e.update(piece));
      out.push((await e.final()).data);
      const d = await core.createDecryptor({ cipher: "des-ede3-cbc", key: randomKey, iv });
      const plain: Uint8Array[] = [];
      for (const piece of split(concat(out), next)) plain.push(await d.update(piece));
      plain.push(await d.final());
      assertEqualBytes(concat(plain), data, "des-ede3-cbc round trip");
    },
  },
  {
    name: "rc2-cbc: OpenSSL's enc -rc2-40-cbc output decrypts in chunks; encrypting with RC2 is UNSUPPORTED_ALGORITHM",
    async run(core) {
      // WebCrypto has no RC2: the reference is `openssl enc -rc2-40-cbc -provider legacy -provider default
      // -K 0102030405 -iv 0001020304050607` of the plaintext below (OpenSSL 3.0.19).
      const key = hexBytes("0102030405");
      const iv = hexBytes("0001020304050607");
      const ciphertext = hexBytes("67dbb5a9624f140636d68dcc7994c8d198d5d80177792764e784a80acf28c1a5a17df05266558b3c");
      const d = await core.createDecryptor({ cipher: "rc2-cbc", key, iv, effectiveKeyBits: 40 });
      const plain = [await d.update(ciphertext.subarray(0, 13)), await d.update(ciphertext.subarray(13))];
      plain.push(await d.final());
      assertEqualBytes(concat(plain), new TextEncoder().encode("Old mail, RC2 with 40 effective bits."), "rc2-40-cbc");
      await expectCode("RC2 encryptor", "UNSUPPORTED_ALGORITHM", () =>
        core.createEncryptor({ cipher: "rc2-cbc", key, iv }),
      );
    },
  },
  {
    name: "dsaVerify: a DSA signature verifies and a changed digest does not (across the worker boundary too)",
    async run(core) {
      // FIPS 186-4 sizes 1024/160, made once with OpenSSL 3.0.19 (genpkey -genparam pbits:1024 qbits:160,
      // pkeyutl -sign of the SHA-1 digest below); WebCrypto has no DSA to make one here.
      const key = {
        p: hexBytes(DSA_SAMPLE.p),
        q: hexBytes(DSA_SAMPLE.q),
        g: hexBytes(DSA_SAMPLE.g),
        y: hexBytes(DSA_SAMPLE.y),
      };
      const digest = hexBytes(DSA_SAMPLE.digest);
      const signature = hexBytes(DSA_SAMPLE.signature);
      if (!(await core.dsaVerify(key, digest, signature))) throw new Error("the DSA signature does not verify");
      const other = Uint8Array.from(digest);
      other[0]! ^= 1;
      if (await core.dsaVerify(key, other, signature)) throw new Error("a changed digest verifies");
    },
  },
  {
    name: "a key of the wrong size fails with INVALID_KEY",
    async run(core) {
      await expectCode("17-byte AES key", "INVALID_KEY", () =>
        core.createEncryptor({ cipher: "aes-128-cbc", key: randomBytes(17), iv: randomBytes(16) }),
      );
    },
  },
];
