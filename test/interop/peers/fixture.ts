// The peers set up the way the interop suites use them: one NSS database and one GNUPGHOME trusting the
// test root, each holding the keys of alice, bob and bob's other key types. Call `peers()` in beforeAll
// and `releaseAll()` (run.ts) in afterAll.
import { GpgsmHome } from "./gpgsm.js";
import { NssDb } from "./nss.js";
import type { Identity, KeyType, TestPki } from "./pki.js";
import { testPki } from "./pki.js";

export interface Peers {
  readonly pki: TestPki;
  readonly nss: NssDb;
  readonly gpgsm: GpgsmHome;
  /**
   * bob with each non-default key type (alice stays unique per key type, so lookups by e-mail are
   * exact). P-384 and P-521 are made on request only (`pki.identity`), for the tests that use them.
   */
  readonly bobs: Readonly<Record<Exclude<KeyType, "rsa2048" | "dsa2048" | "ec-p384" | "ec-p521">, Identity>>;
}

export async function peers(): Promise<Peers> {
  const pki = await testPki();
  const [rsa3072, rsa4096, ec] = await Promise.all([
    pki.identity("bob", "rsa3072"),
    pki.identity("bob", "rsa4096"),
    pki.identity("bob", "ec-p256"),
  ]);
  const [nss, gpgsm] = await Promise.all([NssDb.create([pki.ca]), GpgsmHome.create([pki.ca])]);
  for (const identity of [pki.alice, pki.bob, rsa3072, rsa4096]) {
    await Promise.all([nss.importIdentity(identity), gpgsm.importIdentity(identity)]);
  }
  // gpgsm 2.2 cannot import an EC key from PKCS#12 (measured in gpgsm.test.ts); NSS can.
  await nss.importIdentity(ec);
  return { pki, nss, gpgsm, bobs: { rsa3072, rsa4096, "ec-p256": ec } };
}

/** A MIME entity of a few kilobytes with CRLF line ends and non-ASCII UTF-8, as mail content is. */
export function sampleEntity(lines = 60): Buffer {
  const body = Array.from({ length: lines }, (_, i) => `line ${i}: interop plaintext, grüße ✓ ${"x".repeat(i % 50)}`);
  return Buffer.from(`Content-Type: text/plain; charset=utf-8\r\n\r\n${body.join("\r\n")}\r\n`, "utf8");
}

/** A copy with one byte changed at `index` (default: the middle). */
export function flipByte(bytes: Uint8Array, index = Math.floor(bytes.length / 2)): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}
