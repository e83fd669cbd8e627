// Node's side of the portable cases: the fixtures made with openssl (a root and an issuing CA, Alice,
// Bob with a history of keys, messages encrypted to his keys, CRLs), and openssl opening what a case
// sealed.
import { readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";
import type { TestCa } from "../../../shared/test/pki/test-ca.js";
import { lunchMessage, makeAccount, makeCaHierarchy, opensslCrl } from "../../../shared/test/mailflow/accounts.js";
import { BODY, type EngineFixtures } from "./cases.js";

/** Bob's retired keys before his current one. */
const HISTORY = 19;

const MESSAGE = new TextEncoder().encode(lunchMessage(BODY));

function opensslEncryptTo(ca: TestCa, cert: string): Uint8Array {
  writeFileSync(ca.path("message.txt"), MESSAGE);
  const out = ca.path(`to-${cert}.eml`);
  ca.openssl("cms", "-encrypt", "-in", ca.path("message.txt"), "-aes-256-cbc", "-out", out, ca.path(`${cert}.pem`));
  return new Uint8Array(readFileSync(out));
}

/** Makes the fixtures in `ca` (its folder keeps the keys openssl needs afterwards). */
export async function makeEngineFixtures(ca: TestCa): Promise<EngineFixtures> {
  makeCaHierarchy(ca);
  return {
    alice: await makeAccount(ca, "alice", "alice@example.test"),
    bob: await makeAccount(ca, "bob", "bob@example.test", HISTORY),
    root: ca.der("root"),
    issuing: ca.der("issuing"),
    message: MESSAGE,
    toOld7: opensslEncryptTo(ca, "bob-old7"),
    toOld3: opensslEncryptTo(ca, "bob-old3"),
    toCurrent: opensslEncryptTo(ca, "bob-enc"),
    crl: opensslCrl(ca, "7E", new Date(), "keyCompromise"),
    strangerCrl: opensslCrl(ca, "7E", new Date(), "keyCompromise", "bob-enc", ca.path("bob-enc.key")),
  };
}

/** openssl decrypts `sealed` with Bob's current key and verifies the inner message to the root. */
export function expectOpensslOpens(ca: TestCa, sealed: Uint8Array): void {
  const name = `sealed-${Math.random().toString(36).slice(2)}`;
  writeFileSync(ca.path(`${name}.eml`), sealed);
  ca.openssl(
    "cms",
    "-decrypt",
    "-in",
    ca.path(`${name}.eml`),
    "-recip",
    ca.path("bob-enc.pem"),
    "-inkey",
    ca.path("bob-enc.key"),
    "-out",
    ca.path(`${name}.inner`),
  );
  ca.openssl(
    "cms",
    "-verify",
    "-in",
    ca.path(`${name}.inner`),
    "-CAfile",
    ca.path("root.pem"),
    "-purpose",
    "any",
    "-out",
    ca.path(`${name}.txt`),
  );
  expect(readFileSync(ca.path(`${name}.txt`), "latin1")).toContain(BODY);
}
