// RSA: differential tests against node:crypto (raw, OAEP, PKCS #1 v1.5, PSS) on both builds and
// key sizes 1024..4096, implicit rejection against an independent model of the draft's algorithm,
// and error codes for bad keys and inputs.
import {
  constants,
  createHash,
  createHmac,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CryptoError } from "../src/errors.js";
import {
  oaepEncrypt,
  pkcs1v15Encrypt,
  pkcs1v15Verify,
  publicOp,
  pssVerify,
  RsaPrivateKeyHandle,
  rsaPrivateKeyFromJwk,
  type HashAlgorithm,
  type RsaCore,
  type RsaPrivateKey,
} from "../src/rsa/index.js";
import { loadBuilds } from "./support/builds.js";

interface TestKey {
  bits: number;
  nodePrivate: KeyObject;
  nodePublic: KeyObject;
  key: RsaPrivateKey;
}

const KEY_SIZES = [1024, 2048, 3072, 4096];
const HASHES: HashAlgorithm[] = ["SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"];
const digestLength: Record<HashAlgorithm, number> = {
  "SHA-1": 20,
  "SHA-224": 28,
  "SHA-256": 32,
  "SHA-384": 48,
  "SHA-512": 64,
};
const nodeHash = (hash: HashAlgorithm): string => hash.replace("-", "").toLowerCase();
const bytes = (buffer: Buffer | Uint8Array): Uint8Array => Uint8Array.from(buffer);
const toBigInt = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString("hex")}`));
const toBytes = (x: bigint, length: number): Uint8Array =>
  Uint8Array.from(Buffer.from(x.toString(16).padStart(length * 2, "0"), "hex"));

function componentsOf(nodePrivate: KeyObject): RsaPrivateKey {
  return rsaPrivateKeyFromJwk(nodePrivate.export({ format: "jwk" }));
}

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(CryptoError);
  expect((thrown as CryptoError).code).toBe(code);
}

/** A random integer below n as k bytes. */
function randomBelow(n: Uint8Array): Uint8Array {
  const value = toBigInt(bytes(randomBytes(n.length + 8))) % toBigInt(n);
  return toBytes(value, n.length);
}

/**
 * Independent model of the implicit-rejection synthetic message (draft-irtf-cfrg-rsa-guidance,
 * written from the draft's description): KDK = HMAC-SHA256(SHA-256(I2OSP(d, k)), C); PRF(label,
 * bits) = concatenated HMAC-SHA256(KDK, I2OSP(i, 2) || label || I2OSP(bits, 2)); the length is the
 * last of 128 big-endian 16-bit candidates, masked to the bit width of k - 10, that is below k - 10.
 */
function syntheticModel(key: RsaPrivateKey, ct: Uint8Array, expectedLength?: number): Uint8Array {
  const k = key.n.length;
  const d = toBytes(toBigInt(key.d), k);
  const kdk = createHmac("sha256", createHash("sha256").update(d).digest()).update(ct).digest();
  const prf = (label: string, length: number): Buffer => {
    const blocks: Buffer[] = [];
    for (let i = 0; blocks.length * 32 < length; i++) {
      const input = Buffer.concat([
        Buffer.from([i >> 8, i & 0xff]),
        Buffer.from(label),
        Buffer.from([(length * 8) >> 8, (length * 8) & 0xff]),
      ]);
      blocks.push(createHmac("sha256", kdk).update(input).digest());
    }
    return Buffer.concat(blocks).subarray(0, length);
  };
  const message = prf("message", k);
  const candidates = prf("length", 256);
  const maxLength = k - 10;
  const mask = (1 << maxLength.toString(2).length) - 1;
  let length = 0;
  for (let i = 0; i < 256; i += 2) {
    const candidate = ((candidates[i]! << 8) | candidates[i + 1]!) & mask;
    if (candidate < maxLength) length = candidate;
  }
  if (expectedLength !== undefined) length = expectedLength;
  return bytes(message.subarray(k - length));
}

/** MGF1 (RFC 8017 B.2.1) from node's hashes: counter-mode hashes of seed || I2OSP(i, 4), truncated. */
function mgf1Model(hash: HashAlgorithm, seed: Uint8Array, length: number): Uint8Array {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * digestLength[hash] < length; i++) {
    blocks.push(
      createHash(nodeHash(hash))
        .update(seed)
        .update(Buffer.from([i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]))
        .digest(),
    );
  }
  return bytes(Buffer.concat(blocks).subarray(0, length));
}

const xorInto = (target: Uint8Array, mask: Uint8Array): void => mask.forEach((m, i) => (target[i]! ^= m));

/**
 * EME-OAEP encoding (RFC 8017 7.1.1 step 2) written from the RFC with node's hashes, for label and
 * MGF1 hashes that differ (node's OAEP takes one hash for both).
 */
function oaepEncodeModel(
  k: number,
  hash: HashAlgorithm,
  mgfHash: HashAlgorithm,
  label: Uint8Array,
  message: Uint8Array,
  seed: Uint8Array,
): Uint8Array {
  const hLen = digestLength[hash];
  const db = new Uint8Array(k - hLen - 1);
  db.set(createHash(nodeHash(hash)).update(label).digest());
  db[db.length - message.length - 1] = 1;
  db.set(message, db.length - message.length);
  xorInto(db, mgf1Model(mgfHash, seed, db.length));
  const maskedSeed = seed.slice();
  xorInto(maskedSeed, mgf1Model(mgfHash, db, hLen));
  return Uint8Array.of(0, ...maskedSeed, ...db);
}

/** Encrypts a raw k-byte encoded message with node (RSA_NO_PADDING), to build any padding. */
function rawEncrypt(test: TestKey, em: Uint8Array): Uint8Array {
  return bytes(publicEncrypt({ key: test.nodePublic, padding: constants.RSA_NO_PADDING }, em));
}

const builds = await loadBuilds();
const keys: TestKey[] = [];

beforeAll(() => {
  for (const bits of KEY_SIZES) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
    keys.push({ bits, nodePrivate: privateKey, nodePublic: publicKey, key: componentsOf(privateKey) });
  }
});

describe.each(builds)("RSA on the $name build", ({ core: baseCore }) => {
  const core = baseCore as unknown as RsaCore;

  describe.each(KEY_SIZES)("%d-bit key", (bits) => {
    let test: TestKey;
    let handle: RsaPrivateKeyHandle;
    beforeAll(() => {
      test = keys.find((k) => k.bits === bits)!;
      handle = new RsaPrivateKeyHandle(core, test.key);
      return () => handle.dispose();
    });
    const runs = bits >= 3072 ? 4 : 10;

    it("raw public and private operations match RSA_NO_PADDING", () => {
      for (let i = 0; i < runs; i++) {
        const x = randomBelow(test.key.n);
        const c = rawEncrypt(test, x);
        expect(publicOp(core, test.key, x)).toEqual(c);
        expect(handle.privateOp(c)).toEqual(x);
        expect(rawEncrypt(test, handle.privateOp(x))).toEqual(x);
      }
    });

    it("OAEP interoperates with node in both directions, with and without label", () => {
      const k = test.key.n.length;
      fc.assert(
        fc.property(
          // SHA-512 OAEP needs 130 bytes: not with a 1024-bit key (checked in the error tests).
          fc.constantFrom(...HASHES.filter((hash) => k >= 2 * digestLength[hash] + 2)),
          fc.nat(),
          fc.uint8Array({ maxLength: 32 }),
          fc.boolean(),
          (hash, lengthSeed, label, withLabel) => {
            const max = k - 2 * digestLength[hash] - 2;
            const message = bytes(randomBytes(lengthSeed % (max + 1)));
            const options = withLabel ? { hash, label } : { hash };
            const oaepLabel = withLabel ? label : undefined;
            const ours = oaepEncrypt(core, test.key, message, options);
            const decrypted = privateDecrypt(
              {
                key: test.nodePrivate,
                padding: constants.RSA_PKCS1_OAEP_PADDING,
                oaepHash: nodeHash(hash),
                ...(oaepLabel ? { oaepLabel } : {}),
              },
              ours,
            );
            expect(bytes(decrypted)).toEqual(message);
            const theirs = publicEncrypt(
              {
                key: test.nodePublic,
                padding: constants.RSA_PKCS1_OAEP_PADDING,
                oaepHash: nodeHash(hash),
                ...(oaepLabel ? { oaepLabel } : {}),
              },
              message,
            );
            expect(handle.oaepDecrypt(bytes(theirs), options)).toEqual(message);
          },
        ),
        { numRuns: runs },
      );
    });

    it("OAEP with SHA-224 as only the label hash or only the MGF1 hash matches the RFC's encoding", () => {
      const k = test.key.n.length;
      const pairs: [HashAlgorithm, HashAlgorithm][] = [
        ["SHA-224", "SHA-1"],
        ["SHA-256", "SHA-224"],
      ];
      for (const [hash, mgfHash] of pairs) {
        const options = { hash, mgfHash, label: bytes(randomBytes(5)) };
        const message = bytes(randomBytes(k - 2 * digestLength[hash] - 2));
        const seed = bytes(randomBytes(digestLength[hash]));
        const theirs = rawEncrypt(test, oaepEncodeModel(k, hash, mgfHash, options.label, message, seed));
        expect(handle.oaepDecrypt(theirs, options)).toEqual(message);
        // Our ciphertext decrypted raw: its seed, unmasked with the model's MGF1, must give back
        // exactly the model's encoding of the message.
        const ours = oaepEncrypt(core, test.key, message, options);
        const em = bytes(privateDecrypt({ key: test.nodePrivate, padding: constants.RSA_NO_PADDING }, ours));
        const ourSeed = em.slice(1, 1 + digestLength[hash]);
        xorInto(ourSeed, mgf1Model(mgfHash, em.subarray(1 + digestLength[hash]), digestLength[hash]));
        expect(em).toEqual(oaepEncodeModel(k, hash, mgfHash, options.label, message, ourSeed));
      }
    });

    it("OAEP with different label and MGF1 hashes round-trips, and rejects a wrong label or hash", () => {
      const options = { hash: "SHA-256" as const, mgfHash: "SHA-1" as const, label: new Uint8Array([1, 2, 3]) };
      const message = bytes(randomBytes(20));
      const ct = oaepEncrypt(core, test.key, message, options);
      expect(handle.oaepDecrypt(ct, options)).toEqual(message);
      expectCode(() => handle.oaepDecrypt(ct, { ...options, label: new Uint8Array([1, 2, 4]) }), "DECRYPTION_FAILED");
      expectCode(() => handle.oaepDecrypt(ct, { ...options, mgfHash: "SHA-256" }), "DECRYPTION_FAILED");
      expectCode(
        () =>
          handle.oaepDecrypt(
            ct.map((b, i) => (i === 5 ? b ^ 1 : b)),
            options,
          ),
        "DECRYPTION_FAILED",
      );
    });

    it("PKCS #1 v1.5 encryption interoperates with node in both directions", () => {
      const k = test.key.n.length;
      fc.assert(
        fc.property(fc.nat(), (lengthSeed) => {
          const message = bytes(randomBytes(lengthSeed % (k - 10)));
          const ours = pkcs1v15Encrypt(core, test.key, message);
          // Node 20 refuses RSA_PKCS1_PADDING decryption (Marvin), so check the padding by hand.
          const em = bytes(privateDecrypt({ key: test.nodePrivate, padding: constants.RSA_NO_PADDING }, ours));
          const psLength = k - message.length - 3;
          expect([em[0], em[1], em[2 + psLength]]).toEqual([0, 2, 0]);
          expect(em.subarray(2, 2 + psLength).every((b) => b !== 0)).toBe(true);
          expect(em.subarray(3 + psLength)).toEqual(message);
          const theirs = publicEncrypt({ key: test.nodePublic, padding: constants.RSA_PKCS1_PADDING }, message);
          expect(handle.pkcs1v15Decrypt(bytes(theirs))).toEqual(message);
          if (message.length > 0) expect(handle.pkcs1v15DecryptKey(bytes(theirs), message.length)).toEqual(message);
        }),
        { numRuns: runs },
      );
    });

    it("implicit rejection returns the draft's synthetic message for bad padding", () => {
      const k = test.key.n.length;
      for (let i = 0; i < runs; i++) {
        // Random EM (almost never valid padding), and a type-1 (signature) padded one.
        const em = randomBelow(test.key.n);
        em[0] = 0;
        em[1] = i % 2 === 0 ? 1 : em[1]! === 2 ? 3 : em[1]!;
        const ct = rawEncrypt(test, em);
        expect(handle.pkcs1v15Decrypt(ct)).toEqual(syntheticModel(test.key, ct));
        expect(handle.pkcs1v15DecryptKey(ct, 32)).toEqual(syntheticModel(test.key, ct, 32));
      }
      // A valid padding whose message has the wrong length for key transport.
      const ct = bytes(publicEncrypt({ key: test.nodePublic, padding: constants.RSA_PKCS1_PADDING }, randomBytes(24)));
      expect(handle.pkcs1v15DecryptKey(ct, 32)).toEqual(syntheticModel(test.key, ct, 32));
      // PS shorter than 8 bytes is invalid even though the rest parses.
      const shortPs = new Uint8Array(k).fill(0x55);
      shortPs[0] = 0;
      shortPs[1] = 2;
      shortPs[9] = 0;
      const shortCt = rawEncrypt(test, shortPs);
      expect(handle.pkcs1v15Decrypt(shortCt)).toEqual(syntheticModel(test.key, shortCt));
    });

    it("PKCS #1 v1.5 signatures equal node's and verify both ways", () => {
      for (const hash of HASHES) {
        const message = randomBytes(100);
        const digest = bytes(createHash(nodeHash(hash)).update(message).digest());
        const ours = handle.pkcs1v15Sign(hash, digest);
        const theirs = bytes(nodeSign(nodeHash(hash), message, test.nodePrivate));
        expect(ours).toEqual(theirs);
        expect(pkcs1v15Verify(core, test.key, hash, digest, theirs)).toBe(true);
        const tampered = theirs.slice();
        tampered[tampered.length - 1]! ^= 1;
        expect(pkcs1v15Verify(core, test.key, hash, digest, tampered)).toBe(false);
        expect(
          pkcs1v15Verify(
            core,
            test.key,
            hash,
            digest.map((b, i) => (i === 0 ? b ^ 1 : b)),
            theirs,
          ),
        ).toBe(false);
      }
    });

    it("PSS signatures verify with node and node's verify here", () => {
      fc.assert(
        fc.property(fc.constantFrom(...HASHES), fc.integer({ min: 0, max: 64 }), (hash, saltSeed) => {
          const k = test.key.n.length;
          const saltLength = Math.min(saltSeed, k - digestLength[hash] - 2 - 1);
          const message = randomBytes(50);
          const digest = bytes(createHash(nodeHash(hash)).update(message).digest());
          const options = { hash, saltLength };
          const ours = handle.pssSign(digest, options);
          const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
          expect(nodeVerify(nodeHash(hash), message, { key: test.nodePublic, ...pss }, ours)).toBe(true);
          const theirs = bytes(nodeSign(nodeHash(hash), message, { key: test.nodePrivate, ...pss }));
          expect(pssVerify(core, test.key, digest, theirs, options)).toBe(true);
          expect(pssVerify(core, test.key, digest, theirs, { hash, saltLength: saltLength + 1 })).toBe(false);
          expect(
            pssVerify(
              core,
              test.key,
              digest,
              ours.map((b, i) => (i === 3 ? b ^ 0x80 : b)),
              options,
            ),
          ).toBe(false);
        }),
        { numRuns: runs },
      );
    });
  });

  describe("errors and key handling", () => {
    let test: TestKey;
    beforeAll(() => {
      test = keys.find((k) => k.bits === 2048)!;
    });

    it("rejects keys outside the supported shapes", () => {
      const { key } = test;
      expectCode(() => new RsaPrivateKeyHandle(core, { ...key, n: key.n.subarray(0, 64) }), "INVALID_KEY");
      expectCode(
        () => publicOp(core, { n: new Uint8Array(63).fill(0xff), e: key.e }, new Uint8Array(63)),
        "INVALID_KEY",
      );
      expectCode(
        () => publicOp(core, { n: new Uint8Array(1025).fill(0xff), e: key.e }, new Uint8Array(1025)),
        "INVALID_KEY",
      );
      expectCode(() => publicOp(core, { n: key.n, e: new Uint8Array([1, 0, 0]) }, new Uint8Array(256)), "INVALID_KEY");
      expectCode(() => publicOp(core, { n: key.n, e: new Uint8Array([1]) }, new Uint8Array(256)), "INVALID_KEY");
      expectCode(
        () => publicOp(core, { n: key.n.map((b, i) => (i === 255 ? b & 0xfe : b)), e: key.e }, new Uint8Array(256)),
        "INVALID_KEY",
      );
      // Inconsistent CRT components are caught when the key is loaded.
      expectCode(() => new RsaPrivateKeyHandle(core, { ...key, dp: key.dq }), "INVALID_KEY");
      expectCode(
        () => new RsaPrivateKeyHandle(core, { ...key, qi: key.qi.map((b, i) => (i === 10 ? b ^ 1 : b)) }),
        "INVALID_KEY",
      );
      expectCode(() => new RsaPrivateKeyHandle(core, { ...key, p: key.q, q: key.p }), "INVALID_KEY");
      expectCode(
        () => new RsaPrivateKeyHandle(core, { ...key, n: key.n.map((b, i) => (i === 100 ? b ^ 2 : b)) }),
        "INVALID_KEY",
      );
      expectCode(() => new RsaPrivateKeyHandle(core, { ...key, dq: new Uint8Array(0) }), "INVALID_KEY");
      // Leading zero bytes are accepted (JWK/DER forms).
      const padded = new RsaPrivateKeyHandle(core, {
        ...key,
        n: Uint8Array.of(0, ...key.n),
        p: Uint8Array.of(0, ...key.p),
      });
      expect(padded.modulusLength).toBe(256);
      padded.dispose();
    });

    it("checks lengths, ranges and algorithm names", () => {
      const handle = new RsaPrivateKeyHandle(core, test.key);
      const k = 256;
      const n = test.key.n;
      expectCode(() => publicOp(core, test.key, new Uint8Array(k - 1)), "INVALID_ARGUMENT");
      expectCode(() => publicOp(core, test.key, n), "INVALID_ARGUMENT");
      expectCode(() => handle.privateOp(n), "INVALID_ARGUMENT");
      expectCode(() => handle.pkcs1v15Decrypt(n), "INVALID_ARGUMENT");
      expectCode(() => handle.pkcs1v15Decrypt(new Uint8Array(k + 1)), "INVALID_ARGUMENT");
      expectCode(() => handle.pkcs1v15DecryptKey(new Uint8Array(k), 0), "INVALID_ARGUMENT");
      expectCode(() => handle.pkcs1v15DecryptKey(new Uint8Array(k), k - 10), "INVALID_ARGUMENT");
      expectCode(() => handle.oaepDecrypt(new Uint8Array(k - 1), { hash: "SHA-256" }), "DECRYPTION_FAILED");
      expectCode(() => handle.oaepDecrypt(n, { hash: "SHA-256" }), "DECRYPTION_FAILED");
      expectCode(
        () => oaepEncrypt(core, test.key, new Uint8Array(k - 2 * 32 - 1), { hash: "SHA-256" }),
        "MESSAGE_TOO_LONG",
      );
      expect(oaepEncrypt(core, test.key, new Uint8Array(k - 2 * 32 - 2), { hash: "SHA-256" }).length).toBe(k);
      const small = keys.find((key) => key.bits === 1024)!.key;
      expectCode(() => oaepEncrypt(core, small, new Uint8Array(0), { hash: "SHA-512" }), "MESSAGE_TOO_LONG");
      expectCode(() => pkcs1v15Encrypt(core, test.key, new Uint8Array(k - 10)), "MESSAGE_TOO_LONG");
      expect(pkcs1v15Encrypt(core, test.key, new Uint8Array(k - 11)).length).toBe(k);
      expectCode(
        () => oaepEncrypt(core, test.key, new Uint8Array(1), { hash: "SHA-3" as HashAlgorithm }),
        "UNSUPPORTED_ALGORITHM",
      );
      expectCode(() => handle.pkcs1v15Sign("SHA-256", new Uint8Array(20)), "INVALID_ARGUMENT");
      expectCode(() => handle.pkcs1v15Sign("SHA-224", new Uint8Array(32)), "INVALID_ARGUMENT");
      expectCode(
        () => pkcs1v15Verify(core, test.key, "SHA-1", new Uint8Array(32), new Uint8Array(k)),
        "INVALID_ARGUMENT",
      );
      expectCode(
        () => handle.pssSign(new Uint8Array(64), { hash: "SHA-512", saltLength: k - 64 - 1 }),
        "INVALID_ARGUMENT",
      );
      expectCode(() => handle.pssSign(new Uint8Array(32), { hash: "SHA-256", saltLength: -1 }), "INVALID_ARGUMENT");
      // Signatures of the wrong length or not below n are invalid, not errors.
      const digest = new Uint8Array(32);
      const sig = handle.pkcs1v15Sign("SHA-256", digest);
      expect(pkcs1v15Verify(core, test.key, "SHA-256", digest, sig)).toBe(true);
      expect(pkcs1v15Verify(core, test.key, "SHA-256", digest, sig.subarray(1))).toBe(false);
      expect(pkcs1v15Verify(core, test.key, "SHA-256", digest, n)).toBe(false);
      handle.dispose();
      expectCode(() => handle.privateOp(sig), "INVALID_STATE");
      expectCode(() => handle.pkcs1v15Decrypt(sig), "INVALID_STATE");
    });

    it("blinding is refreshed per operation and results stay stable; dispose wipes the context", () => {
      const handle = new RsaPrivateKeyHandle(core, test.key);
      const x = randomBelow(test.key.n);
      const first = handle.privateOp(x);
      for (let i = 0; i < 4; i++) expect(handle.privateOp(x)).toEqual(first);
      const internals = handle as unknown as { ctx: number; ctxSize: number };
      const { ctx, ctxSize } = internals;
      expect(core.read(ctx, ctxSize).some((b) => b !== 0)).toBe(true);
      handle.dispose();
      expect(core.read(ctx, ctxSize).every((b) => b === 0)).toBe(true);
    });

    it("the fault check catches a corrupted CRT exponent and withholds the result", () => {
      const handle = new RsaPrivateKeyHandle(core, test.key);
      const x = randomBelow(test.key.n);
      const good = handle.privateOp(x);
      // Flip a bit of dp inside the loaded context (header slot 60 holds dp's offset, key.ts H_DP).
      const { ctx } = handle as unknown as { ctx: number };
      const view = new DataView(core.exports.memory.buffer);
      const dp = ctx + view.getUint32(ctx + 60, true);
      view.setUint32(dp, view.getUint32(dp, true) ^ 4, true);
      expectCode(() => handle.privateOp(x), "INVALID_KEY");
      expectCode(() => handle.pkcs1v15Sign("SHA-256", new Uint8Array(32)), "INVALID_KEY");
      view.setUint32(dp, view.getUint32(dp, true) ^ 4, true);
      expect(handle.privateOp(x)).toEqual(good);
      handle.dispose();
    });

    it("two handles of one key decrypt the same invalid ciphertext to the same synthetic message", () => {
      const a = new RsaPrivateKeyHandle(core, test.key);
      const b = new RsaPrivateKeyHandle(core, test.key);
      const ct = rawEncrypt(test, new Uint8Array(256).fill(7));
      expect(a.pkcs1v15Decrypt(ct)).toEqual(b.pkcs1v15Decrypt(ct));
      a.dispose();
      b.dispose();
    });
  });
});
