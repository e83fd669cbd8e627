// The engine's one interface, run the same in this thread (MailEngine) and through a worker_threads
// worker (the bundled build/engine.node.mjs, comlink): sealing that openssl decrypts and verifies,
// opening what openssl made, keys loaded only when a message names them, errors with their class and
// code across the boundary, paths and CRLs checked inside.
import { readFileSync, writeFileSync } from "node:fs";
import { decodeBase64url, MailsealError, type DeviceState, type Certificate, parseCertificate } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeEngine } from "../src/client/node.js";
import { MailEngine, type Engine } from "../src/index.js";
import { TestCa } from "../../shared/test/pki/test-ca.js";
import { makeAccount, makeCaHierarchy, opensslCrl } from "../../shared/test/mailflow/accounts.js";

const ca = new TestCa();
let alice: DeviceState;
/** Bob with 20 keys: 19 retired, then the current one. */
let bob: DeviceState;
let root: Uint8Array;
let issuing: Uint8Array;
const HISTORY = 19;

const MESSAGE = new TextEncoder().encode(
  [
    "From: Alice <alice@example.test>",
    "To: bob@example.test",
    "Subject: lunch",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "See you at noon.",
    "",
  ].join("\r\n"),
);

function der(state: DeviceState, index: number): Uint8Array {
  return decodeBase64url(state.keys[index]!.certificate);
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  return Buffer.concat(chunks);
}

function opensslEncryptTo(cert: string, name: string): Uint8Array {
  writeFileSync(ca.path(`${name}.txt`), MESSAGE);
  ca.openssl(
    "cms",
    "-encrypt",
    "-in",
    ca.path(`${name}.txt`),
    "-aes-256-cbc",
    "-out",
    ca.path(`${name}.eml`),
    ca.path(`${cert}.pem`),
  );
  return new Uint8Array(readFileSync(ca.path(`${name}.eml`)));
}

beforeAll(async () => {
  makeCaHierarchy(ca);
  alice = await makeAccount(ca, "alice", "alice@example.test");
  bob = await makeAccount(ca, "bob", "bob@example.test", HISTORY);
  root = ca.der("root");
  issuing = ca.der("issuing");
}, 180_000);

afterAll(() => ca.dispose());

const hosts: [string, () => Promise<{ engine: Engine; close(): Promise<void> | void }>][] = [
  [
    "in this thread",
    async () => {
      const engine = await MailEngine.open();
      return { engine, close: () => engine.close() };
    },
  ],
  ["through a Node worker", () => startNodeEngine()],
];

describe.each(hosts)("the engine %s", (_, start) => {
  let engine: Engine;
  let close: () => Promise<void> | void;
  // Messages are judged a second after openssl's certificates begin.
  const time = (): number => Date.now() + 1000;

  beforeAll(async () => {
    ({ engine, close } = await start());
  });
  afterAll(async () => {
    await close();
  });

  it("seals a composed message: openssl decrypts it with the recipient's key and verifies it to the root", async () => {
    await engine.setAccounts([alice]);
    const sealed = await bytesOf(
      await engine.sealMessage(
        {
          composed: {
            from: "Alice <alice@example.test>",
            to: ["bob@example.test"],
            cc: [],
            replyTo: [],
            subject: "Grüße",
            body: { type: "text/plain", text: "See you at noon." },
            attachments: [
              { name: "a.bin", type: "application/octet-stream", data: new Blob([new Uint8Array(70_000).fill(7)]) },
            ],
            messageId: "<1@example.test>",
            date: time(),
          },
        },
        {
          signer: "alice@example.test",
          ownCertificate: der(alice, 0),
          encryptTo: { certificates: [der(bob, HISTORY)], cipher: "aes-256-gcm" },
          time: time(),
        },
      ),
    );
    expect(sealed.toString("latin1")).toContain("smime-type=authEnveloped-data");
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
    const content = readFileSync(ca.path(`${name}.txt`), "latin1");
    expect(content).toContain("See you at noon.");
    // The subject, not ASCII, as an RFC 2047 encoded word in the outer header.
    expect(sealed.toString("latin1")).toMatch(/^Subject: =\?UTF-8\?/m);

    // And the engine opens it again with Bob's accounts: decrypted, signed by Alice.
    await engine.setAccounts([bob]);
    const opened = await engine.openMessage(new Uint8Array(sealed), { time: time() });
    expect(opened.status).toMatchObject({
      encrypted: true,
      cipher: "aes-256-gcm",
      signature: { state: "valid", signer: "alice@example.test", fromMatches: true },
    });
    expect(Buffer.from(opened.message).toString("latin1")).toContain("See you at noon.");
  });

  it("loads only the key a message names, once: twenty keys in the history cost what one does", async () => {
    await engine.setAccounts([]); // wipes what earlier tests loaded
    await engine.setAccounts([bob]);
    expect((await engine.info()).loadedKeys).toBe(0);
    const toOld = opensslEncryptTo("bob-old7", "to-old7");
    const first = await engine.openMessage(toOld, { time: time() });
    expect(first.status.encrypted).toBe(true);
    expect(Buffer.from(first.message).toString("latin1")).toContain("See you at noon.");
    expect((await engine.info()).loadedKeys).toBe(1);
    // The same key again: nothing new is loaded. Another old key: one more.
    await engine.openMessage(toOld, { time: time() });
    expect((await engine.info()).loadedKeys).toBe(1);
    await engine.openMessage(opensslEncryptTo("bob-old3", "to-old3"), { time: time() });
    expect((await engine.info()).loadedKeys).toBe(2);
    // setAccounts with the same states keeps them loaded; without the account wipes them.
    await engine.setAccounts([bob]);
    expect((await engine.info()).loadedKeys).toBe(2);
    await engine.setAccounts([alice]);
    expect((await engine.info()).loadedKeys).toBe(0);
  });

  it("reads a stream as it goes and renders what a message view shows", async () => {
    await engine.setAccounts([bob]);
    const bytes = opensslEncryptTo("bob-enc", "to-current");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 100) controller.enqueue(bytes.slice(i, i + 100));
        controller.close();
      },
    });
    const model = await engine.renderMessage(stream, { time: time() });
    expect(model?.banner).toMatchObject({ kind: "encrypted", cipher: "aes-256-cbc", signature: { state: "none" } });
    expect(model?.body).toEqual({ kind: "text", text: "See you at noon.\r\n" });
    // Not S/MIME: nothing to render.
    expect(await engine.renderMessage(MESSAGE, { time: time() })).toBeUndefined();
  });

  it("keeps error classes and codes across the boundary: NO_KEY, a bad path, a CRL of a stranger", async () => {
    await engine.setAccounts([alice]);
    const error = await engine
      .openMessage(opensslEncryptTo("bob-enc", "not-alice"), { time: time() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailsealError);
    expect(error).toMatchObject({ code: "NO_KEY" });
    // Bob's certificate chains to the root through the issuing CA; without that CA it does not.
    await engine.validatePath({
      certificate: der(bob, HISTORY),
      intermediates: [issuing],
      anchors: [root],
      usage: "encryption",
      time: time(),
    });
    const untrusted = await engine
      .validatePath({
        certificate: der(bob, HISTORY),
        intermediates: [],
        anchors: [root],
        usage: "encryption",
        time: time(),
      })
      .catch((e: unknown) => e);
    expect(untrusted).toBeInstanceOf(MailsealError);
    expect((untrusted as MailsealError).code).toMatch(/^(UNTRUSTED_CERTIFICATE)$/);
    // A CRL by the issuing CA is kept; one signed by another key is BAD_RESPONSE.
    const kept = await engine.acceptCrl(alice, opensslCrl(ca, "7E", new Date(), "keyCompromise"), time());
    expect(kept?.der).toBeDefined();
    const stranger = opensslCrl(ca, "7E", new Date(), "keyCompromise", "bob-enc", ca.path("bob-enc.key"));
    await expect(engine.acceptCrl(alice, stranger, time())).rejects.toMatchObject({ code: "BAD_RESPONSE" });
  });

  it("verifies a signed-only seal against the root, and refuses it against another anchor", async () => {
    await engine.setAccounts([alice]);
    const signed = await bytesOf(
      await engine.sealMessage(new Blob([MESSAGE]), {
        signer: "alice@example.test",
        ownCertificate: der(alice, 0),
        time: time(),
      }),
    );
    const verified = await engine.verifyMessage(signed, { anchors: [root], time: time() });
    expect(verified.signer.emailAddresses).toEqual(["alice@example.test"]);
    expect(Buffer.from(verified.message).toString("latin1")).toContain("See you at noon.");
    const other: Certificate = parseCertificate(der(bob, HISTORY));
    await expect(engine.verifyMessage(signed, { anchors: [other.der], time: time() })).rejects.toBeInstanceOf(
      MailsealError,
    );
  });
});
