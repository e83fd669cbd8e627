// ML-DSA (FIPS 204) in SignedData (RFC 9882) and in certificates (RFC 9881): the three published LAMPS
// SignedData examples verify against the published certificates, which also pass path validation;
// ML-KEM's example certificate chains to its ML-DSA-65 CA; our own ML-DSA SignedData round-trips;
// a signature of the wrong length or an altered one is BAD_SIGNATURE. No peer here speaks ML-DSA
// (Debian's OpenSSL is 3.0): the published examples are the independent check.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { describe, expect, it } from "vitest";
import { detachedSignedData, signOpaque, verifySignedData } from "../../src/cms/signed-data.js";
import { readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { validateCertificatePath } from "../../src/pki/chain.js";
import { decodePem } from "../../src/pki/pem.js";
import { mlDsaVerify, pqPublicKeyOf, readPqPrivateKey, type MlDsaPrivateKey } from "../../src/pki/pq.js";
import { verifyCertificateSignature } from "../../src/pki/signature.js";
import { forEachCore, type TestCore } from "../core-hosts.js";
import { asn1parse, expectCode } from "./support.js";

const fixtures = join(import.meta.dirname, "fixtures", "pq-cms");
const text = (path: string) => readFileSync(join(fixtures, path), "utf8");
const certificate = (path: string): Certificate =>
  readCertificates(new Uint8Array(readFileSync(join(fixtures, path))))[0]!;
const levels = ["44", "65", "87"] as const;
const signers = Object.fromEntries(levels.map((l) => [l, certificate(`ml-dsa-certificates/ML-DSA-${l}.crt`)]));
const example = (level: string) => decodePem(text(`cms-ml-dsa/mldsa${level}-signed-attrs.pem`))[0]!.der;
/** Inside the validity of the ML-DSA examples (2020 .. 2040). */
const when = new Date("2026-06-01T00:00:00Z");
/** Inside the ML-KEM example certificate's (2025-03-10 .. 2025-04-09). */
const kemWhen = new Date("2025-03-20T00:00:00Z");

let core: TestCore;

/** `der` with the last byte of the SignerInfo's signature (the last OCTET STRING) changed, or cut by one. */
function damagedSignature(der: Uint8Array, how: "flip" | "cut"): Uint8Array {
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(der));
  const signed = new pkijs.SignedData({ schema: info.content });
  const signature = signed.signerInfos[0]!.signature;
  const bytes = new Uint8Array(signature.valueBlock.valueHexView).slice();
  signed.signerInfos[0]!.signature = new asn1js.OctetString({
    valueHex: how === "flip" ? ((bytes[bytes.length - 1]! ^= 1), bytes) : bytes.subarray(0, bytes.length - 1),
  });
  return new Uint8Array(
    new pkijs.ContentInfo({ contentType: info.contentType, content: signed.toSchema(true) }).toSchema().toBER(),
  );
}

forEachCore(
  async (opened) => {
    core = opened;
  },
  () => {
    describe("the published ML-DSA SignedData examples (draft-ietf-lamps-cms-ml-dsa, examples/)", () => {
      // That each verifies against its certificate is a portable case (../portable/smime-cases.ts).
      it.each(levels)("ML-DSA-%s: a signature one byte short or with a bit flipped is BAD_SIGNATURE", async (level) => {
        for (const how of ["cut", "flip"] as const) {
          const result = await verifySignedData([damagedSignature(example(level), how)], core, {
            certificates: [signers[level]!],
          }).catch((error: unknown) => error);
          const failure = (result as { failures?: { error: { code: string; message: string } }[] }).failures?.[0]
            ?.error;
          expect(failure?.code ?? (result as { code?: string }).code).toBe("BAD_SIGNATURE");
          if (how === "cut") expect(failure?.message ?? String(result)).toMatch(/signature is \d+ bytes, this one/);
        }
      });

      it("the ML-DSA-65 certificate's signature checked with the ML-DSA-44 key fails, without a crash", async () => {
        const signedBy44 = readCertificates(
          new Uint8Array(readFileSync(join(fixtures, "ml-dsa-certificates/ML-DSA-44.crt"))),
        )[0]!;
        const check = await verifyCertificateSignature(
          { ...signers["65"]!, displayName: "ML-DSA-65 under the 44 key" },
          signedBy44.publicKey,
          core,
        );
        expect(check.ok).toBe(false);
      });
    });

    describe("ML-DSA certificates (RFC 9881) in path validation", () => {
      it.each(levels)("the self-signed ML-DSA-%s certificate validates as its own anchor's child", async (level) => {
        const check = await verifyCertificateSignature(signers[level]!, signers[level]!.publicKey, core);
        expect(check).toEqual({ ok: true });
      });

      it("the ML-KEM-512 example certificate chains to its ML-DSA-65 CA", async () => {
        const leaf = certificate("cms-kyber/ML-KEM-512.pem");
        const root = certificate("cms-kyber/mldsa65RootCA.pem");
        const path = await validateCertificatePath(leaf, {
          anchors: [root],
          intermediates: [],
          time: kemWhen,
          usage: "encryption",
          crypto: core,
        });
        expect(path.map((c) => c.displayName)).toEqual([leaf.displayName, root.displayName]);
      });

      it("a CA whose ML-DSA signature was altered is UNTRUSTED_CERTIFICATE", async () => {
        const leaf = certificate("cms-kyber/ML-KEM-512.pem");
        const der = leaf.der.slice();
        der[der.length - 10]! ^= 1; // inside the signature
        const altered = readCertificates(der)[0]!;
        const error = await validateCertificatePath(altered, {
          anchors: [certificate("cms-kyber/mldsa65RootCA.pem")],
          intermediates: [],
          time: kemWhen,
          usage: "encryption",
          crypto: core,
        }).catch((e: unknown) => e as { code: string; message: string });
        expect((error as { code: string }).code).toBe("UNTRUSTED_CERTIFICATE");
        expect((error as { message: string }).message).toMatch(/signature/);
      });
    });

    describe("our ML-DSA SignedData", () => {
      it.each(levels)("ML-DSA-%s signs (opaque and detached) and verifies", async (level) => {
        const key = readPqPrivateKey(
          new Uint8Array(readFileSync(join(fixtures, `ml-dsa-certificates/ML-DSA-${level}-seed.priv`))),
        ) as MlDsaPrivateKey;
        expect(key.kind).toBe("ml-dsa");
        const signer = {
          key,
          certificate: signers[level]!,
          hash: "SHA-512" as const,
          signature: { scheme: "rsa-pkcs1" } as const,
          signingTime: when,
          capabilities: [],
        };
        const content = new TextEncoder().encode("signed with ML-DSA by mailseal\r\n");
        const parts: Uint8Array[] = [];
        for await (const part of signOpaque([content], signer, core)) parts.push(part);
        const opaque = new Uint8Array(Buffer.concat(parts));
        const result = await verifySignedData([opaque], core);
        expect(result.failures).toEqual([]);
        expect(result.signers[0]!.signer.certificate.der).toEqual(signers[level]!.der);
        const info = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(opaque).content });
        expect(info.signerInfos[0]!.signatureAlgorithm.algorithmId).toBe(
          `2.16.840.1.101.3.4.3.${{ "44": 17, "65": 18, "87": 19 }[level]}`,
        );
        expect(info.signerInfos[0]!.signatureAlgorithm.algorithmParams).toBeUndefined();

        // The structure against the documents, as OpenSSL's parser cuts it: id-sha512 as digest
        // algorithm (RFC 9882 3.1) in SignedData and SignerInfo; id-ml-dsa-* without parameters
        // (RFC 9882 3.2); a signature of FIPS 204's length (table 2: 2420, 3309, 4627 bytes); the
        // messageDigest is `openssl dgst -sha512` of the content. The signature is then checked over
        // the DER of the signed attributes as OpenSSL cut them, re-tagged as a SET (RFC 5652 5.4): with
        // @noble/post-quantum's ML-DSA, mailseal's own (OpenSSL 3.0 has none), so that step is not independent.
        const { lines, children } = asn1parse(opaque);
        const [, explicit] = children(lines[0]!);
        const [version, digestAlgorithms, , , signerInfos] = children(children(explicit!)[0]!);
        expect(version!.value).toBe("01");
        expect(children(digestAlgorithms!).flatMap((a) => children(a).map((l) => l.value))).toEqual(["sha512"]);
        const [, , digestAlgorithm, signedAttrs, signatureAlgorithm, signature] = children(children(signerInfos!)[0]!);
        expect(children(digestAlgorithm!).map((l) => l.value)).toEqual(["sha512"]);
        expect(signedAttrs!.type).toBe("cont [ 0 ]");
        const arc = { "44": 17, "65": 18, "87": 19 }[level];
        expect(children(signatureAlgorithm!).map((l) => l.value)).toEqual([`2.16.840.1.101.3.4.3.${arc}`]);
        expect([signature!.type, signature!.length]).toEqual([
          "OCTET STRING",
          { "44": 2420, "65": 3309, "87": 4627 }[level],
        ]);
        const messageDigest = children(signedAttrs!).find((a) => children(a)[0]!.value === "messageDigest")!;
        const [digestValue] = children(children(messageDigest)[1]!);
        const sha512 = execFileSync("openssl", ["dgst", "-sha512", "-binary"], { input: content });
        expect(digestValue!.value).toBe(`[HEX DUMP]:${sha512.toString("hex").toUpperCase()}`);
        const attributes = opaque.slice(
          signedAttrs!.offset,
          signedAttrs!.offset + signedAttrs!.headerLength + signedAttrs!.length!,
        );
        attributes[0] = 0x31;
        const signatureBytes = Buffer.from(signature!.value.replace("[HEX DUMP]:", ""), "hex");
        const publicKey = pqPublicKeyOf(signers[level]!.publicKey);
        if (publicKey?.kind !== "ml-dsa") throw new Error("not an ML-DSA certificate");
        expect(mlDsaVerify(publicKey.parameters, publicKey.key, attributes, signatureBytes)).toBeNull();
        attributes[attributes.length - 1]! ^= 1;
        expect(mlDsaVerify(publicKey.parameters, publicKey.key, attributes, signatureBytes)).not.toBeNull();

        const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-512", content));
        const detached = await detachedSignedData(digest, signer, core);
        const checked = await verifySignedData([detached], core, { detachedContent: [content] });
        expect(checked.signers).toHaveLength(1);
      });

      // A hostile certificate: the signer's own, in the SignedData, with its ML-DSA public key a byte
      // short, a byte long or empty (FIPS 204 4 table 2: 1312 bytes for ML-DSA-44). Its key is read when
      // the signature is checked: INVALID_KEY (the streamed content is unauthenticated until then; the
      // command writes none, test/interop/hostile.test.ts).
      it("an ML-DSA signer certificate whose public key has the wrong length is INVALID_KEY", async () => {
        const key = readPqPrivateKey(
          new Uint8Array(readFileSync(join(fixtures, "ml-dsa-certificates/ML-DSA-44-seed.priv"))),
        ) as MlDsaPrivateKey;
        const signer = {
          key,
          certificate: signers["44"]!,
          hash: "SHA-512" as const,
          signature: { scheme: "rsa-pkcs1" } as const,
          signingTime: when,
          capabilities: [],
        };
        const parts: Uint8Array[] = [];
        for await (const part of signOpaque([new TextEncoder().encode("x\r\n")], signer, core)) parts.push(part);
        const opaque = new Uint8Array(Buffer.concat(parts));
        /** `opaque` with its one certificate's subjectPublicKey replaced by `length` bytes (or as it was). */
        const withKeyLength = (length?: number): Uint8Array => {
          const root = asn1js.fromBER(opaque).result as asn1js.Sequence;
          // ContentInfo > [0] > SignedData > certificates [0] > the certificate > TBSCertificate > SPKI.
          const inside = (node: asn1js.AsnType, i: number) => (node as asn1js.Constructed).valueBlock.value[i]!;
          const certificates = inside(inside(inside(root, 1), 0), 3) as asn1js.Constructed;
          expect(certificates.valueBlock.value).toHaveLength(1);
          const spki = inside(inside(certificates.valueBlock.value[0]!, 0), 6) as asn1js.Sequence;
          expect((spki.valueBlock.value[1] as asn1js.BitString).valueBlock.valueHexView).toHaveLength(1312);
          if (length !== undefined) {
            spki.valueBlock.value[1] = new asn1js.BitString({ valueHex: new Uint8Array(length).fill(7) });
          }
          return new Uint8Array(root.toBER());
        };
        // Rebuilt unchanged, it verifies: the cases below fail for their change only.
        expect((await verifySignedData([withKeyLength()], core)).signers).toHaveLength(1);
        for (const length of [1311, 1313, 0]) {
          await expectCode(verifySignedData([withKeyLength(length)], core), "INVALID_KEY");
        }
      });
    });
  },
);
