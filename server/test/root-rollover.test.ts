// The pinned root (docs/services.md, "The pinned root") with certificates made by the real CA on the
// soft HSM: a device that pinned a root refuses another CA's root (ROOT_CHANGED), takes a rollover
// the CA made (the new root's key certified by the pinned root), refuses a forged rollover (signed
// by another CA's root), and refuses an issuing CA that does not chain to the root. openssl checks
// the rollover's chains on its own: the re-certified issuing CA under the new root, the link under
// the old one.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acceptServiceRoot, encodeBase64url, MailsealError, type CaCertificatesResponse } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CertificateAuthority } from "../src/ca/index.js";
import { openHsm, type HsmBackend } from "../src/hsm/backend.js";
import { run } from "../../test/interop/peers/run.js";
import { MemoryCaStore } from "./ca-memory-store.js";

const pem = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;

function answerOf(ca: CertificateAuthority): CaCertificatesResponse {
  return {
    root: encodeBase64url(ca.root),
    issuing: encodeBase64url(ca.issuing),
    ...(ca.rollover === undefined ? {} : { rollover: encodeBase64url(ca.rollover) }),
  };
}

async function refusal(promise: Promise<unknown>): Promise<MailsealError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailsealError);
  expect((error as MailsealError).code).toBe("ROOT_CHANGED");
  return error as MailsealError;
}

describe("the pinned root against the real CA", () => {
  let dir: string;
  let hsm: HsmBackend;
  const clock = { now: () => new Date() };
  const store = new MemoryCaStore();
  let first: CertificateAuthority;
  let other: CertificateAuthority;
  let rolled: CertificateAuthority;
  let pinned: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "root-rollover-"));
    hsm = await openHsm("soft", { dataDir: dir });
    first = await CertificateAuthority.open({ hsm, store, clock, profile: "private" });
    pinned = encodeBase64url(first.root);
    // Another CA altogether (its own store, its own keys), as a service that swapped its root serves.
    other = await CertificateAuthority.open({ hsm, store: new MemoryCaStore(), clock, profile: "private" });
    rolled = await CertificateAuthority.rollRoot({ hsm, store, clock, profile: "private" });
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("takes the first answer as the pin, and the same root again", async () => {
    expect(first.rollover).toBeUndefined();
    expect((await acceptServiceRoot(undefined, answerOf(first), clock.now())).root).toBe(pinned);
    expect((await acceptServiceRoot(pinned, answerOf(first), clock.now())).root).toBe(pinned);
  });

  it("refuses a service that swapped its root (another CA, no rollover)", async () => {
    const error = await refusal(acceptServiceRoot(pinned, answerOf(other), clock.now()));
    expect(error.message).toMatch(/without a rollover signed by the pinned root/);
  });

  it("takes a rollover made by the CA: the new root's key certified by the pinned root", async () => {
    expect(Buffer.compare(Buffer.from(rolled.root), Buffer.from(first.root))).not.toBe(0);
    expect(rolled.rollover).toBeDefined();
    const accepted = await acceptServiceRoot(pinned, answerOf(rolled), clock.now());
    expect(accepted.root).toBe(encodeBase64url(rolled.root));
    // The issuing CA keeps its key: certified anew under the new root.
    expect(accepted.issuing.subjectKeyIdentifier).toEqual(
      (await acceptServiceRoot(undefined, answerOf(first), clock.now())).issuing.subjectKeyIdentifier,
    );
    // A device that already took the new root keeps taking it.
    expect((await acceptServiceRoot(accepted.root, answerOf(rolled), clock.now())).root).toBe(accepted.root);
    // And the rollover survives a restart: the CA opened again serves the same three certificates.
    expect(answerOf(await CertificateAuthority.open({ hsm, store, clock, profile: "private" }))).toEqual(
      answerOf(rolled),
    );
  });

  it("openssl: the new issuing CA chains to the new root, the link to the pinned one", async () => {
    const file = (name: string, der: Uint8Array) => {
      const path = join(dir, name);
      writeFileSync(path, pem(der));
      return path;
    };
    const verify = (ca: string, cert: string) =>
      run("openssl", ["verify", "-CAfile", ca, cert], { okCodes: [0, 2] }).then(
        (r) => r.stdout.toString("utf8") + r.stderr,
      );
    const oldRoot = file("old-root.pem", first.root);
    const newRoot = file("new-root.pem", rolled.root);
    expect(await verify(newRoot, file("issuing.pem", rolled.issuing))).toMatch(/: OK/);
    expect(await verify(oldRoot, file("link.pem", rolled.rollover!))).toMatch(/: OK/);
    expect(await verify(oldRoot, file("issuing2.pem", rolled.issuing))).not.toMatch(/: OK/);
  });

  it("refuses a forged rollover: the new root's key certified by another CA's root", async () => {
    // Another CA rolls over too: its link is genuine, but signed by its own root, not the pinned one.
    const otherStore = new MemoryCaStore();
    await CertificateAuthority.open({ hsm, store: otherStore, clock, profile: "private" });
    const otherRolled = await CertificateAuthority.rollRoot({ hsm, store: otherStore, clock, profile: "private" });
    const error = await refusal(acceptServiceRoot(pinned, answerOf(otherRolled), clock.now()));
    expect(error.message).toMatch(/not signed by the pinned root/);
    // The pinned root's own link presented with another root: not for that root's key.
    const mixed = { ...answerOf(otherRolled), rollover: encodeBase64url(rolled.rollover!) };
    expect((await refusal(acceptServiceRoot(pinned, mixed, clock.now()))).message).toMatch(/new root's key/);
  });

  it("refuses an issuing CA that does not chain to the root", async () => {
    const mixed = { root: pinned, issuing: encodeBase64url(other.issuing) };
    expect((await refusal(acceptServiceRoot(pinned, mixed, clock.now()))).message).toMatch(/issuing CA/);
  });

  it("refuses a rollover no longer valid", async () => {
    const later = new Date(Date.now() + 25 * 365 * 86_400_000); // the old root, and with it the link, ended
    expect((await refusal(acceptServiceRoot(pinned, answerOf(rolled), later))).message).toMatch(/valid now/);
  });
});
