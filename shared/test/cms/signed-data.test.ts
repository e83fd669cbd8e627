// Streaming SignedData against OpenSSL in both directions (opaque and detached, DER and BER), then
// tampering, truncation, garbage and random chunking.
import { execFileSync } from "node:child_process";
import { createPrivateKey, randomBytes, sign as nodeSign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HashAlgorithm } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import fc from "fast-check";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID_DATA, ID_SIGNED_DATA } from "../../src/pki/oids.js";
import { encodeHeader } from "../../src/asn1/ber-writer.js";
import { contextTag, SEQUENCE, SET } from "../../src/asn1/tag.js";
import {
  ContentDigests,
  detachedSignedData,
  signDetached,
  signOpaque,
  verifySignedData,
  SIGNED_DATA_LIMITS,
  type SignedDataSigner,
  type VerifiedSignedData,
} from "../../src/cms/signed-data.js";
import type { VerifyCore } from "../../src/cms/signer-info.js";
import { readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { readPrivateKey } from "../../src/pki/private-key.js";
import { SMIME_CAPABILITIES } from "../../src/smime/signature.js";
import { chunked, collect, cutsArbitrary, smimeError } from "../mime/support.js";
import { forEachCore, type TestCore } from "../core-hosts.js";
import { EXT, TestCa } from "../pki/test-ca.js";
import { opensslSignature } from "./support.js";

const ca = new TestCa();
const message = new Uint8Array(randomBytes(150_000));
let core: TestCore;
let alice: Certificate;
let root: Certificate;
let aliceEncryption: Certificate;
let signer: Omit<SignedDataSigner, "hash" | "signature">;

function openssl(...args: string[]): Uint8Array {
  return new Uint8Array(execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 }));
}

const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Verifies opaque or detached CMS, collecting what is written. */
async function verify(
  cms: Uint8Array | AsyncIterable<Uint8Array>,
  options: Parameters<typeof verifySignedData>[2] = {},
): Promise<{ result: VerifiedSignedData; content: Uint8Array }> {
  const parts: Uint8Array[] = [];
  const result = await verifySignedData(cms instanceof Uint8Array ? chunked(cms, [1000, 5000, 70_000]) : cms, core, {
    write: (chunk) => void parts.push(chunk.slice()),
    ...options,
  });
  return { result, content: concat(parts) };
}

function opensslSign(options: string[]): Uint8Array {
  return opensslSignature(
    ca.path("message"),
    { certPath: ca.path("alice.pem"), keyPath: ca.path("alice.key") },
    options,
  );
}

/** `openssl cms -verify` of DER/BER, chain to the root; returns the content it outputs. */
function opensslVerify(cms: Uint8Array, content?: Uint8Array): Uint8Array {
  writeFileSync(ca.path("ours.p7"), cms);
  const args = [
    "cms",
    "-verify",
    "-binary",
    "-inform",
    "DER",
    "-in",
    ca.path("ours.p7"),
    "-CAfile",
    ca.path("root.pem"),
  ];
  if (content !== undefined) {
    writeFileSync(ca.path("ours.content"), content);
    args.push("-content", ca.path("ours.content"));
  }
  return openssl(...args);
}

async function ourOpaque(hash: HashAlgorithm, pss = false, data = message): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const options = { ...signer, hash, signature: pss ? { scheme: "rsa-pss" as const, saltLength: 32 } : pkcs1 };
  for await (const part of signOpaque(chunked(data, [10, 70_000]), options, core)) parts.push(part);
  return concat(parts);
}

const pkcs1 = { scheme: "rsa-pkcs1" } as const;

beforeAll(() => {
  const rootKey = ca.key("root", "rsa");
  root = readCertificates(ca.selfSigned("root", rootKey, { subject: "/CN=SignedData Root", ext: EXT.root }))[0]!;
  for (const name of ["alice", "alice-enc"]) {
    const key = ca.key(name, "rsa");
    ca.issue(name, key, "root", rootKey, { subject: `/CN=${name}`, ext: EXT.endEntity("alice@example.org") });
  }
  alice = readCertificates(ca.pem("alice"))[0]!;
  aliceEncryption = readCertificates(ca.pem("alice-enc"))[0]!;
  writeFileSync(ca.path("message"), message);
});

async function useCore(opened: TestCore): Promise<void> {
  core = opened;
  const key = await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(ca.path("alice.key")))));
  signer = {
    key,
    certificate: alice,
    chain: [root],
    encryptionCertificate: aliceEncryption,
    signingTime: new Date(),
    capabilities: SMIME_CAPABILITIES,
  };
}

afterAll(() => ca.dispose());

forEachCore(useCore, () => {
  describe("OpenSSL signs, we verify", () => {
    it.each([
      ["opaque DER, SHA-256", ["-nodetach", "-md", "sha256"]],
      ["opaque BER (-stream), SHA-1", ["-nodetach", "-stream", "-md", "sha1"]],
      ["opaque BER (-stream), SHA-384", ["-nodetach", "-stream", "-md", "sha384"]],
      ["opaque DER, SHA-512", ["-nodetach", "-md", "sha512"]],
      ["opaque DER, PSS SHA-256", ["-nodetach", "-keyopt", "rsa_padding_mode:pss"]],
    ])("%s", async (_name, options) => {
      const { result, content } = await verify(opensslSign(options));
      expect(content).toEqual(message);
      expect(result.detached).toBe(false);
      expect(result.contentType).toBe(ID_DATA);
      expect(result.signers.map((s) => s.signer.certificate.serialHex)).toEqual([alice.serialHex]);
      expect(result.signers[0]!.signer.signingTime).toBeInstanceOf(Date);
    });

    it.each([
      ["detached DER, SHA-256", ["-md", "sha256"]],
      ["detached DER, SHA-512", ["-md", "sha512"]],
      [
        "detached DER, PSS SHA-384 salt = digest",
        ["-md", "sha384", "-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:digest"],
      ],
    ])("%s, content as a stream and as digests", async (_name, options) => {
      const cms = opensslSign(options);
      const streamed = await verify(cms, { detachedContent: chunked(message, [3, 100_000]) });
      expect(streamed.result.detached).toBe(true);
      expect(streamed.content).toEqual(message); // the detached content passes to `write` too
      const digests = await ContentDigests.open(core, ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]);
      await digests.update(message);
      const byDigest = await verify(cms, { detachedContent: await digests.digests() });
      expect(byDigest.result.signers).toHaveLength(1);
      const altered = message.slice();
      altered[7]! ^= 1;
      await smimeError(verify(cms, { detachedContent: [altered] }), "BAD_SIGNATURE");
    });

    it("two signers: both verified, in order", async () => {
      const key = ca.key("bob", "rsa");
      ca.issue("bob", key, "root", ca.path("root.key"), { subject: "/CN=bob", ext: EXT.endEntity("bob@example.org") });
      const cms = opensslSign(["-nodetach", "-signer", ca.path("bob.pem"), "-inkey", key]);
      const { result } = await verify(cms);
      expect(result.signerCount).toBe(2);
      expect(result.signers.map((s) => s.index)).toEqual([0, 1]);
    });

    it("without certificates: the signer from options.certificates, else UNTRUSTED_CERTIFICATE", async () => {
      const cms = opensslSign(["-nodetach", "-nocerts"]);
      await smimeError(verify(cms), "UNTRUSTED_CERTIFICATE");
      const { result } = await verify(cms, { certificates: [alice] });
      expect(result.certificates).toEqual([]);
      expect(result.signers[0]!.signer.certificate.serialHex).toBe(alice.serialHex);
    });

    it("detached without content, content given to an opaque one: MALFORMED_CMS", async () => {
      await smimeError(verify(opensslSign([])), "MALFORMED_CMS");
      await smimeError(verify(opensslSign(["-nodetach"]), { detachedContent: [message] }), "MALFORMED_CMS");
    });
  });

  describe("Ed25519 without signed attributes (RFC 8419 3.1: PureEdDSA over the content), CryptoSys examples", () => {
    // draft-ireland-examples-cms with RFC 9216's keys; provenance in test/interop/samples/SOURCES.md.
    const samples = join(import.meta.dirname, "..", "..", "..", "test", "interop", "samples");
    const sample = (name: string): Uint8Array => new Uint8Array(readFileSync(join(samples, name)));

    // signedByAliceAndCarlosNoCerts and signedByCarlosDetached themselves are portable cases
    // (../portable/smime-cases.ts); this one needs node:crypto to sign a longer content.
    it(`content is held up to SIGNED_DATA_LIMITS.heldContent bytes; past it INPUT_TOO_LARGE`, async () => {
      // Carlos's signature over a long content, put in place of the example's (its last 64 bytes).
      const template = sample("cryptosys-signedByCarlosDetached.p7m");
      const carlos = createPrivateKey(Buffer.from(sample("rfc9216-carlos.p8.pem")));
      const signedOver = (content: Uint8Array): Uint8Array => {
        const cms = template.slice();
        cms.set(nodeSign(null, content, carlos), cms.length - 64);
        return cms;
      };
      const limit = SIGNED_DATA_LIMITS.heldContent;
      const atLimit = new Uint8Array(randomBytes(limit));
      const cms = signedOver(atLimit);
      const { result } = await verify(cms, { detachedContent: chunked(atLimit, [65_536, limit - 1]) });
      expect(result.signers).toHaveLength(1);
      const over = new Uint8Array(randomBytes(limit + 1));
      const error = await smimeError(
        verify(signedOver(over), { detachedContent: chunked(over, [65_536, limit]) }),
        "INPUT_TOO_LARGE",
      );
      expect(error.message).toContain(`${limit} bytes`);
    });
  });

  describe("we sign, OpenSSL verifies", () => {
    it.each<[HashAlgorithm, boolean]>([
      ["SHA-256", false],
      ["SHA-512", false],
      ["SHA-1", false],
      ["SHA-256", true],
    ])("opaque BER, %s, PSS %s", async (hash, pss) => {
      const cms = await ourOpaque(hash, pss);
      expect(opensslVerify(cms)).toEqual(message);
      expect((await verify(cms)).content).toEqual(message);
    });

    it.each<[HashAlgorithm, boolean]>([
      ["SHA-256", false],
      ["SHA-384", false],
      ["SHA-512", true],
    ])("detached DER, %s, PSS %s", async (hash, pss) => {
      const saltLength = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 }[hash as "SHA-256"];
      const options = { ...signer, hash, signature: pss ? { scheme: "rsa-pss" as const, saltLength } : pkcs1 };
      const der = await signDetached(chunked(message, [1, 2, 65_536]), options, core);
      expect(opensslVerify(der, message)).toEqual(message);
      // DER: asn1js reads it whole, and re-encoding gives the same bytes.
      const parsed = asn1js.fromBER(der);
      expect(parsed.offset).toBe(der.length);
      expect(new Uint8Array(parsed.result.toBER())).toEqual(der);
    });

    it("empty content, opaque and detached", async () => {
      const empty = new Uint8Array(0);
      const cms = await ourOpaque("SHA-256", false, empty);
      expect(opensslVerify(cms)).toEqual(empty);
      const der = await signDetached([empty], { ...signer, hash: "SHA-256", signature: pkcs1 }, core);
      expect((await verify(der, { detachedContent: [] })).result.signers).toHaveLength(1);
    });

    it("certificates: signer, chain and encryption certificate once each; S/MIME signed attributes", async () => {
      const der = await detachedSignedData(
        new Uint8Array(32),
        { ...signer, chain: [root, alice], hash: "SHA-256", signature: pkcs1 },
        core,
      );
      const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(der)).content });
      expect(signed.version).toBe(1);
      expect(signed.certificates).toHaveLength(3);
      const types = signed.signerInfos[0]!.signedAttrs!.attributes.map((a) => a.type);
      // contentType, messageDigest, signingTime (RFC 5652 11.1-11.3), smimeCapabilities and
      // encryptionKeyPreference (RFC 8551 2.5.2, 2.5.3).
      const smimeCapabilities = "1.2.840.113549.1.9.15";
      expect(new Set(types)).toEqual(
        new Set([
          "1.2.840.113549.1.9.3",
          "1.2.840.113549.1.9.4",
          "1.2.840.113549.1.9.5",
          smimeCapabilities,
          "1.2.840.113549.1.9.16.2.11",
        ]),
      );
      const capabilities = signed.signerInfos[0]!.signedAttrs!.attributes.find((a) => a.type === smimeCapabilities)!
        .values[0] as asn1js.Sequence;
      const oids = capabilities.valueBlock.value.map((c) =>
        ((c as asn1js.Sequence).valueBlock.value[0] as asn1js.ObjectIdentifier).getValue(),
      );
      expect(oids).toEqual([
        "2.16.840.1.101.3.4.1.46",
        "2.16.840.1.101.3.4.1.6",
        "2.16.840.1.101.3.4.1.42",
        "2.16.840.1.101.3.4.1.22",
        "2.16.840.1.101.3.4.1.2",
        "1.2.840.113549.1.1.7",
      ]);
      // RSAES-OAEP-params: [0] SHA-256, [1] MGF1 SHA-256 (RFC 4055 4.1, RFC 3560 5).
      const oaep = (capabilities.valueBlock.value[5] as asn1js.Sequence).valueBlock.value[1]!;
      expect(Buffer.from(oaep.toBER()).toString("hex")).toBe(
        "302ba00d300b0609608648016503040201a11a301806092a864886f70d010108300b0609608648016503040201",
      );
    });
  });

  describe("tampering", () => {
    it("a content byte changed in an opaque signature: BAD_SIGNATURE", async () => {
      const cms = await ourOpaque("SHA-256");
      const at = Buffer.from(cms).indexOf(Buffer.from(message.subarray(5000, 5032)));
      expect(at).toBeGreaterThan(0);
      const altered = cms.slice();
      altered[at]! ^= 0x20;
      await smimeError(verify(altered), "BAD_SIGNATURE");
    });

    it("a signature byte changed: BAD_SIGNATURE", async () => {
      const der = await detachedSignedData(new Uint8Array(32), { ...signer, hash: "SHA-256", signature: pkcs1 }, core);
      const altered = der.slice();
      altered[der.length - 10]! ^= 1; // the SignerInfo's signature is last
      await smimeError(
        verify(altered, { detachedContent: new Map([["SHA-256", new Uint8Array(32)]]) }),
        "BAD_SIGNATURE",
      );
    });

    it("a signed attribute changed (signingTime): BAD_SIGNATURE", async () => {
      const cms = opensslSign(["-nodetach"]);
      // UTCTime tag 0x17, length 13, "YY...": change a digit of the signing time.
      const at = Buffer.from(cms).lastIndexOf(Buffer.from([0x17, 0x0d]));
      const altered = cms.slice();
      altered[at + 12]! = altered[at + 12] === 0x30 ? 0x31 : 0x30;
      await smimeError(verify(altered), "BAD_SIGNATURE");
    });

    it("a micalg-style digest set without the signer's hash: BAD_SIGNATURE naming both", async () => {
      const cms = opensslSign(["-md", "sha512"]);
      const error = await smimeError(
        verify(cms, { detachedContent: new Map([["SHA-256", new Uint8Array(32)]]) }),
        "BAD_SIGNATURE",
      );
      expect(error.message).toMatch(/SHA-512.*SHA-256/);
    });
  });

  describe("hostile and broken input", () => {
    it("every truncation of DER and BER fails with TRUNCATED or MALFORMED_CMS", async () => {
      for (const cms of [
        opensslSign(["-nodetach"]).subarray(0, 0),
        opensslSign(["-nodetach"]),
        await ourOpaque("SHA-256", false, message.subarray(0, 3000)),
      ]) {
        const step = Math.max(1, Math.floor(cms.length / 60));
        for (let end = 0; end < cms.length; end += step) {
          const error = await verify(cms.subarray(0, end)).then(
            () => undefined,
            (e: unknown) => e as { code?: string },
          );
          expect(["TRUNCATED", "MALFORMED_CMS"], `cut at ${end}`).toContain(error?.code);
        }
      }
    });

    it("garbage, trailing bytes, another CMS type", async () => {
      await smimeError(verify(new Uint8Array(randomBytes(500)).fill(0x42, 0, 1)), "MALFORMED_CMS");
      const cms = opensslSign(["-nodetach"]);
      await smimeError(verify(concat([cms, new Uint8Array([0])])), "MALFORMED_CMS");
      const enveloped = openssl(
        "cms",
        "-encrypt",
        "-binary",
        "-outform",
        "DER",
        "-in",
        ca.path("message"),
        ca.path("alice.pem"),
      );
      await smimeError(verify(enveloped), "NOT_SMIME");
    });

    it("too many certificates, oversized signerInfos: INPUT_TOO_LARGE", async () => {
      const wrap = (...fields: Uint8Array[]): Uint8Array => {
        const el = (tag: Parameters<typeof encodeHeader>[0], parts: Uint8Array[]) => {
          const body = concat(parts);
          return concat([encodeHeader(tag, true, body.length), body]);
        };
        const signedData = el(SEQUENCE, [
          new Uint8Array([2, 1, 1]),
          el(SET, []),
          el(SEQUENCE, [new Uint8Array(new asn1js.ObjectIdentifier({ value: ID_DATA }).toBER())]),
          ...fields,
        ]);
        return el(SEQUENCE, [
          new Uint8Array(new asn1js.ObjectIdentifier({ value: ID_SIGNED_DATA }).toBER()),
          el(contextTag(0), [signedData]),
        ]);
      };
      const certs = concat([
        encodeHeader(contextTag(0), true, alice.der.length * 65),
        ...Array<Uint8Array>(65).fill(alice.der),
      ]);
      await smimeError(verify(wrap(certs), { detachedContent: [] }), "INPUT_TOO_LARGE");
      const huge = new Uint8Array(SIGNED_DATA_LIMITS.signerInfos + 1);
      const signerInfos = concat([
        encodeHeader(SET, true, huge.length + 5),
        encodeHeader({ tagNumber: 4 }, false, huge.length),
        huge,
      ]);
      await smimeError(verify(wrap(signerInfos), { detachedContent: [] }), "INPUT_TOO_LARGE");
      // No signers at all (a certs-only SignedData) is not a signed message.
      await smimeError(verify(wrap(new Uint8Array([0x31, 0])), { detachedContent: [] }), "BAD_SIGNATURE");
    });

    it("hash streams in the core are freed when the input breaks off", async () => {
      let open = 0;
      // The core's verify operations, and its hash streams counted as they open and close.
      const counting: VerifyCore = {
        rsaPkcs1v15Verify: (...args) => core.rsaPkcs1v15Verify(...args),
        rsaPssVerify: (...args) => core.rsaPssVerify(...args),
        dsaVerify: (...args) => core.dsaVerify(...args),
        createHash: async (alg) => {
          const stream = await core.createHash(alg);
          open++;
          return {
            update: (data: Uint8Array) => stream.update(data),
            digest: () => (open--, stream.digest()),
            dispose: () => (open--, stream.dispose?.()),
          };
        },
      };
      const cms = await ourOpaque("SHA-256", false, message.subarray(0, 3000));
      await smimeError(verifySignedData([cms.subarray(0, 2000)], counting), "TRUNCATED");
      expect(open).toBe(0);
      await verifySignedData([cms], counting);
      expect(open).toBe(0);
    });

    it("random chunk splits of DER and BER verify the same", async () => {
      const small = message.subarray(0, 20_000);
      writeFileSync(ca.path("small"), small);
      const der = openssl(
        ...["cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-in", ca.path("small")],
        ...["-signer", ca.path("alice.pem"), "-inkey", ca.path("alice.key")],
      );
      const ber = await ourOpaque("SHA-256", false, small);
      await fc.assert(
        fc.asyncProperty(fc.boolean(), cutsArbitrary(der.length + 100), async (useBer, cuts) => {
          const { content } = await verify(chunked(useBer ? ber : der, cuts));
          expect(content).toEqual(small);
        }),
        { numRuns: 40 },
      );
      expect(await collect(chunked(ber))).toEqual(ber);
    });
  });
});
