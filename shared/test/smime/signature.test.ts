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
import { bytes, chunked, collect, cutsArbitrary } from "../mime/support.js";
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
  });

  describe("verifyMessage", () => {
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
