// signMessage / verifyMessage on whole messages: OpenSSL verifies what we sign, and any chunking of a
// message verifies the same (a property test). The fixed cases (outer fields, canonical form, the hash
// and key kinds, openssl's signatures, trust and time errors, the public samples) are portable cases in
// ../portable/smime-cases.ts, run in Node and in Chromium.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCertificates, type Certificate } from "../../src/pki/certificate.js";
import { readPrivateKey } from "../../src/pki/private-key.js";
import {
  signMessage,
  verifyMessage,
  type SignMessageOptions,
  type VerifiedMessage,
} from "../../src/smime/signature.js";
import { bytes, chunked, collect, cutsArbitrary, latin1 } from "../mime/support.js";
import { EXT, TestCa } from "../pki/test-ca.js";
import { forEachCore, type TestCore } from "../core-hosts.js";

const ca = new TestCa();
let core: TestCore;
let root: Certificate;
let alice: Certificate;
let signer: SignMessageOptions;

const OUTER =
  "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: signed\n =?utf-8?q?gr=C3=BC=C3=9Fe?=\nDate: Fri, 27 Nov 2026 10:00:00 +0000\nMessage-ID: <1@example.org>\n";
const ENTITY =
  "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nHello Bob,\n\ngrüße\n.\nFrom the start of a line\n";
const INPUT = bytes(`${OUTER}MIME-Version: 1.0\n${ENTITY}`);
const CANONICAL_ENTITY = bytes(ENTITY.replaceAll("\n", "\r\n"));

async function sign(options: Partial<SignMessageOptions> = {}, input: Uint8Array = INPUT): Promise<Uint8Array> {
  return collect(signMessage(chunked(input, [5, 77]), { ...signer, ...options }, core));
}

async function verify(
  message: Uint8Array | AsyncIterable<Uint8Array>,
  options: { anchors?: Certificate[] } = {},
): Promise<{ verified: VerifiedMessage; content: Uint8Array }> {
  const parts: Uint8Array[] = [];
  const verified = await verifyMessage(
    message instanceof Uint8Array ? chunked(message, [3, 200, 1000]) : message,
    { anchors: options.anchors ?? [root], ...options },
    core,
    (chunk) => void parts.push(chunk.slice()),
  );
  return { verified, content: new Uint8Array(Buffer.concat(parts)) };
}

function openssl(...args: string[]): Uint8Array {
  return new Uint8Array(execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] }));
}

let aliceKey: string;

beforeAll(() => {
  const rootKey = ca.key("root", "rsa");
  root = readCertificates(ca.selfSigned("root", rootKey, { subject: "/CN=Message Root", ext: EXT.root }))[0]!;
  aliceKey = ca.key("alice", "rsa");
  ca.issue("alice", aliceKey, "root", rootKey, {
    subject: "/CN=alice@example.org",
    ext: EXT.endEntity("alice@example.org"),
    days: 30,
  });
  alice = readCertificates(ca.pem("alice"))[0]!;
});

async function useCore(opened: TestCore): Promise<void> {
  core = opened;
  signer = {
    key: await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(aliceKey)))),
    certificate: alice,
  };
}

afterAll(() => ca.dispose());

/** A message of about 600 KB (several batches of the content), its lines ending in `eol`. */
function largeMessage(eol: "\n" | "\r\n"): { message: Uint8Array; entity: Uint8Array } {
  const lines = Array.from({ length: 8000 }, (_, i) => `line ${i} ${"0123456789abcdef".repeat(4)}`);
  const entity = `Content-Type: text/plain; charset=utf-8\n\n${lines.join("\n")}\n`;
  return {
    message: bytes(`${OUTER}MIME-Version: 1.0\n${entity}`.replaceAll("\n", eol)),
    entity: bytes(entity.replaceAll("\n", "\r\n")),
  };
}

/**
 * `message` in fresh chunks of the caller's own, as the command's reads are: cut every `size`
 * bytes and at `cuts`.
 */
function handed(message: Uint8Array, size: number, cuts: readonly number[] = []): Uint8Array[] {
  const points = new Set(cuts);
  for (let at = size; at < message.length; at += size) points.add(at);
  const sorted = [...points, message.length].sort((a, b) => a - b);
  return sorted.map((end, i) => message.slice(i === 0 ? 0 : sorted[i - 1], end));
}

/** A multipart/signed message with its random boundary (outside what is signed) made a fixed one. */
function fixedBoundary(message: Uint8Array): string {
  const text = latin1(message);
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  return boundary === undefined ? text : text.replaceAll(boundary, "BOUNDARY");
}

forEachCore(useCore, () => {
  describe("signMessage", () => {
    it("OpenSSL verifies both forms (S/MIME input, chain to the root)", async () => {
      for (const opaque of [false, true]) {
        writeFileSync(ca.path("ours.eml"), await sign({ opaque, encryptionCertificate: alice, chain: [root] }));
        const content = openssl(
          "cms",
          "-verify",
          "-inform",
          "SMIME",
          "-in",
          ca.path("ours.eml"),
          "-CAfile",
          ca.path("root.pem"),
        );
        expect(content).toEqual(CANONICAL_ENTITY);
      }
    });

    it("with consumed and handOver, frees the message's chunks and its own copies once taken (issue 11); the output is unchanged", async () => {
      const signingTime = new Date("2026-12-05T08:00:00Z");
      for (const eol of ["\n", "\r\n"] as const) {
        const { message } = largeMessage(eol);
        for (const opaque of [false, true]) {
          const options = { ...signer, opaque, signingTime };
          const expected = await collect(signMessage(handed(message, 4096), options, core));
          const chunks = handed(message, 4096);
          const yielded: Uint8Array[] = [];
          const copies: Uint8Array[] = [];
          for await (const chunk of signMessage(chunks, { ...options, consumed: true, handOver: true }, core)) {
            yielded.push(chunk);
            copies.push(chunk.slice());
          }
          expect(fixedBoundary(new Uint8Array(Buffer.concat(copies)))).toBe(fixedBoundary(expected));
          // Every read chunk was freed once taken (bare LF: the canonical copies too).
          expect(chunks.every((chunk) => chunk.byteLength === 0)).toBe(true);
          // What was yielded and is still held is the header and the signature: the content's
          // batches (multipart/signed) and the base64 text (opaque) were freed once consumed.
          const held = yielded.reduce((n, chunk) => n + chunk.byteLength, 0);
          expect(held).toBeLessThan(16 * 1024);
          expect(expected.length).toBeGreaterThan(500_000);
        }
      }
    });
  });

  describe("verifyMessage", () => {
    it("with handOver, frees the message's chunks and the batches written once taken, multipart/signed and opaque in base64 or binary (issue 11); the content is unchanged", async () => {
      const { message, entity } = largeMessage("\n");
      const clear = await sign({}, message);
      const opaque = await sign({ opaque: true }, message);
      // The same SignedData in binary, every segment header of its eContent split between two chunks
      // (the BER reader carries the first half over).
      const opaqueText = latin1(opaque);
      const der = Buffer.from(opaqueText.slice(opaqueText.indexOf("\r\n\r\n") + 4), "base64");
      const binary = new Uint8Array([
        ...bytes("Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n"),
        ...bytes("Content-Transfer-Encoding: binary\r\n\r\n"),
        ...der,
      ]);
      const headerEnd = binary.length - der.length;
      const splits: number[] = [];
      for (let at = der.indexOf(Buffer.from([4, 0x82, 0xff, 0xfc])); at !== -1; at = der.indexOf(4, at + 1)) {
        if (der[at + 1] === 0x82 && der[at + 2] === 0xff && der[at + 3] === 0xfc) splits.push(headerEnd + at + 2);
      }
      expect(splits.length).toBeGreaterThan(5);
      // The signature part of multipart/signed split between chunks too.
      const signaturePart = latin1(clear).indexOf("smime.p7s\r\n\r\n");
      expect(signaturePart).toBeGreaterThan(0);
      for (const [signed, cuts] of [
        [clear, [signaturePart + 300, signaturePart + 1000]],
        [opaque, []],
        [binary, splits],
      ] as const) {
        const chunks = handed(signed, 4096, cuts);
        const written: Uint8Array[] = [];
        const parts: Uint8Array[] = [];
        const write = (chunk: Uint8Array): void => {
          written.push(chunk);
          parts.push(chunk.slice());
        };
        const verified = await verifyMessage(chunks, { anchors: [root] }, core, write, { handOver: true });
        expect(verified.signer.serialHex).toBe(alice.serialHex);
        expect(Buffer.concat(parts).toString("latin1")).toBe(latin1(entity));
        // The body's chunks were freed once taken (the first holds the header, read into a copy; the
        // BER reader never asks past the last one); the batches written once the write had settled.
        expect(chunks.slice(1, -1).every((chunk) => chunk.byteLength === 0)).toBe(true);
        expect(written.every((chunk) => chunk.byteLength === 0)).toBe(true);
      }
      // Without handOver nothing is freed.
      const kept = handed(clear, 4096);
      const written: Uint8Array[] = [];
      await verifyMessage(kept, { anchors: [root] }, core, (chunk) => void written.push(chunk));
      expect(kept.every((chunk) => chunk.byteLength > 0) && written.every((chunk) => chunk.byteLength > 0)).toBe(true);
    });

    it("any chunking of the message verifies the same", async () => {
      const clear = await sign();
      const opaque = await sign({ opaque: true });
      await fc.assert(
        fc.asyncProperty(fc.boolean(), cutsArbitrary(clear.length), async (useOpaque, cuts) => {
          expect((await verify(chunked(useOpaque ? opaque : clear, cuts))).content).toEqual(CANONICAL_ENTITY);
        }),
        { numRuns: 25 },
      );
    });
  });
});
