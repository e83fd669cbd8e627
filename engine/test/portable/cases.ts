// The engine's cases, run unchanged in this thread, through a Node worker (engine.test.ts) and in
// headless Chromium with the engine in a module Web Worker (browser.test.ts). The fixtures (CA,
// accounts, messages openssl encrypted) are made in Node and handed over as data; a case that seals
// returns what it sealed, and Node has openssl open it. No test-runner API here: a case throws on
// failure.
import { decodeBase64url, MailsealError, type DeviceState } from "@mailseal/shared";
import type { ComposedMessage, Engine } from "../../src/api.js";
import { contains, equal, latin1, matchObject, rejects } from "../../../shared/test/portable/checks.js";

/** What Node makes with openssl before the cases run. */
export interface EngineFixtures {
  alice: DeviceState;
  /** Bob with a history of retired keys, then the current one (the last). */
  bob: DeviceState;
  /** DER of the root and the issuing CA. */
  root: Uint8Array;
  issuing: Uint8Array;
  /** A plain RFC 5322 message from Alice to Bob. */
  message: Uint8Array<ArrayBuffer>;
  /** `message` as openssl encrypts it (AES-256-CBC) to Bob's 7th and 3rd retired keys and to his current one. */
  toOld7: Uint8Array;
  toOld3: Uint8Array;
  toCurrent: Uint8Array;
  /** A CRL by the issuing CA, and one signed by Bob's key instead. */
  crl: Uint8Array;
  strangerCrl: Uint8Array;
}

export interface EngineCase {
  name: string;
  /** Runs the case; what it hands to `keep` (a sealed message) openssl checks in Node afterwards. */
  run(engine: Engine, fixtures: EngineFixtures, keep: (sealed: Uint8Array) => void): Promise<void>;
}

/** The text every fixture message carries. */
export const BODY = "See you at noon.";

/** Messages are judged a second after openssl's certificates begin. */
const time = (): number => Date.now() + 1000;

function der(state: DeviceState, index: number): Uint8Array {
  return decodeBase64url(state.keys[index]!.certificate);
}

function current(state: DeviceState): Uint8Array {
  return der(state, state.keys.length - 1);
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function loadedKeys(engine: Engine): Promise<number> {
  return (await engine.info()).loadedKeys;
}

/**
 * What Alice composed (the parts besides its addresses) to Bob, written and sealed by the engine with
 * her account: signed, and encrypted with AES-256-GCM to Bob's current key and her own.
 */
async function composedToBob(
  engine: Engine,
  alice: DeviceState,
  bob: DeviceState,
  parts: Omit<ComposedMessage, "from" | "to" | "cc" | "replyTo">,
): Promise<Uint8Array> {
  await engine.setAccounts([alice]);
  const composed = { from: "Alice <alice@example.test>", to: ["bob@example.test"], cc: [], replyTo: [], ...parts };
  return bytesOf(
    await engine.sealMessage(
      { composed },
      {
        signer: "alice@example.test",
        ownCertificate: der(alice, 0),
        encryptTo: { certificates: [current(bob)], cipher: "aes-256-gcm" },
        time: time(),
      },
    ),
  );
}

export const SEAL_COMPOSED = "seals a composed message with a Blob attachment, and opens it again as the recipient";

export const engineCases: EngineCase[] = [
  {
    name: SEAL_COMPOSED,
    async run(engine, { alice, bob }, keep) {
      const sealed = await composedToBob(engine, alice, bob, {
        subject: "Grüße",
        body: { type: "text/plain", text: BODY },
        attachments: [
          { name: "a.bin", type: "application/octet-stream", data: new Blob([new Uint8Array(70_000).fill(7)]) },
        ],
        messageId: "<1@example.test>",
        date: time(),
        inReplyTo: "<0@example.test>",
        references: "<first@example.test>\n <0@example.test>",
      });
      contains(latin1(sealed), "smime-type=authEnveloped-data", "the sealed message's type");
      // The subject, not ASCII, as an RFC 2047 encoded word in the outer header.
      contains(latin1(sealed), /^Subject: =\?UTF-8\?/m, "the outer Subject");
      // A reply's threading fields, outside (RFC 5322 3.6.4), References folded between its ids.
      contains(latin1(sealed), /^In-Reply-To: <0@example\.test>\r\n/m, "the outer In-Reply-To");
      contains(latin1(sealed), /^References: <first@example\.test>\r\n <0@example\.test>\r\n/m, "the outer References");
      // The engine opens it again with Bob's accounts: decrypted, signed by Alice.
      await engine.setAccounts([bob]);
      const opened = await engine.openMessage(sealed.slice(), { time: time() });
      matchObject(
        opened.status,
        {
          encrypted: true,
          cipher: "aes-256-gcm",
          signature: { state: "valid", signer: "alice@example.test", fromMatches: true },
        },
        "the status of the reopened message",
      );
      contains(latin1(opened.message), BODY, "the reopened message");
      keep(sealed);
    },
  },
  {
    name: "writes an HTML body with inline images as multipart/related (RFC 2387); the recipient's render shows them in place",
    async run(engine, { alice, bob }) {
      const image = new Uint8Array(300).map((_, i) => (i * 13) & 0xff);
      const sealed = await composedToBob(engine, alice, bob, {
        subject: "Seal",
        body: { type: "text/html", text: '<p>Our seal:</p><img src="cid:image001.png@01DB0000.00000000">' },
        attachments: [
          { name: "seal.png", type: "image/png", data: image, contentId: "image001.png@01DB0000.00000000" },
          { name: "a.bin", type: "application/octet-stream", data: new Uint8Array(500).fill(3) },
          // Not a usable Content-ID: an ordinary attachment.
          { name: "odd.png", type: "image/png", data: image, contentId: "with space" },
        ],
        messageId: "<2@example.test>",
        date: time(),
      });
      await engine.setAccounts([bob]);
      const opened = latin1((await engine.openMessage(sealed.slice(), { time: time() })).message);
      contains(opened, /^Content-Type: multipart\/mixed;/m, "the whole: the body, then the attachments");
      contains(opened, /^Content-Type: multipart\/related; type="text\/html";/m, "the body with its images");
      contains(
        opened,
        /^Content-ID: <image001\.png@01DB0000\.00000000>\r\nContent-Disposition: inline;/m,
        "the image part",
      );
      const model = await engine.renderMessage(sealed, { time: time() });
      matchObject(model?.banner, { kind: "encrypted", signature: { state: "valid" } }, "the banner");
      equal(model?.body.kind, "html", "the body's kind");
      equal(
        model?.inlineImages,
        [{ contentId: "image001.png@01DB0000.00000000", contentType: "image/png", data: image }],
        "the inline images",
      );
      equal(
        model?.attachments.map((a) => a.name),
        ["a.bin", "odd.png"],
        "the attachments listed",
      );
    },
  },
  {
    name: "loads only the key a message names, once: a history of keys costs what one does",
    async run(engine, { alice, bob, toOld7, toOld3 }) {
      await engine.setAccounts([]); // wipes what earlier cases loaded
      await engine.setAccounts([bob]);
      equal(await loadedKeys(engine), 0, "keys loaded before any message");
      const first = await engine.openMessage(toOld7, { time: time() });
      equal(first.status.encrypted, true, "encrypted");
      contains(latin1(first.message), BODY, "the opened message");
      equal(await loadedKeys(engine), 1, "keys loaded after one message");
      // The same key again: nothing new is loaded. Another old key: one more.
      await engine.openMessage(toOld7, { time: time() });
      equal(await loadedKeys(engine), 1, "keys loaded after the same message again");
      await engine.openMessage(toOld3, { time: time() });
      equal(await loadedKeys(engine), 2, "keys loaded after a message to another old key");
      // setAccounts with the same states keeps them loaded; without the account wipes them.
      await engine.setAccounts([bob]);
      equal(await loadedKeys(engine), 2, "keys loaded after the same accounts again");
      await engine.setAccounts([alice]);
      equal(await loadedKeys(engine), 0, "keys loaded once Bob's account is gone");
    },
  },
  {
    name: "reads a stream as it goes and renders what a message view shows",
    async run(engine, { bob, toCurrent, message }) {
      await engine.setAccounts([bob]);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < toCurrent.length; i += 100) controller.enqueue(toCurrent.slice(i, i + 100));
          controller.close();
        },
      });
      const model = await engine.renderMessage(stream, { time: time() });
      matchObject(
        model?.banner,
        { kind: "encrypted", cipher: "aes-256-cbc", signature: { state: "none" } },
        "the banner",
      );
      equal(model?.body, { kind: "text", text: `${BODY}\r\n` }, "the body");
      // Not S/MIME: nothing to render.
      equal(await engine.renderMessage(message, { time: time() }), undefined, "the render of a plain message");
    },
  },
  {
    name: "keeps error classes and codes across the boundary: NO_KEY, a bad path, a CRL of a stranger",
    async run(engine, { alice, bob, root, issuing, toCurrent, crl, strangerCrl }) {
      await engine.setAccounts([alice]);
      await rejects(engine.openMessage(toCurrent, { time: time() }), MailsealError, "NO_KEY", "a message for Bob");
      // Bob's certificate chains to the root through the issuing CA; without that CA it does not.
      const path = { certificate: current(bob), anchors: [root], usage: "encryption" as const, time: time() };
      await engine.validatePath({ ...path, intermediates: [issuing] });
      await rejects(
        engine.validatePath({ ...path, intermediates: [] }),
        MailsealError,
        "UNTRUSTED_CERTIFICATE",
        "a path without the issuing CA",
      );
      // A CRL by the issuing CA is kept; one signed by another key is BAD_RESPONSE.
      const kept = await engine.acceptCrl(alice, crl, time());
      equal(kept?.der !== undefined, true, "the CRL kept");
      await rejects(engine.acceptCrl(alice, strangerCrl, time()), MailsealError, "BAD_RESPONSE", "a stranger's CRL");
    },
  },
  {
    name: "verifies a signed-only seal against the root, and refuses it against another anchor",
    async run(engine, { alice, bob, root, message }) {
      await engine.setAccounts([alice]);
      const signed = await bytesOf(
        await engine.sealMessage(new Blob([message]), {
          signer: "alice@example.test",
          ownCertificate: der(alice, 0),
          time: time(),
        }),
      );
      const verified = await engine.verifyMessage(signed, { anchors: [root], time: time() });
      equal(verified.signer.emailAddresses, ["alice@example.test"], "the signer's addresses");
      contains(latin1(verified.message), BODY, "the verified message");
      await rejects(
        engine.verifyMessage(signed, { anchors: [current(bob)], time: time() }),
        MailsealError,
        undefined,
        "the seal against Bob's certificate as the anchor",
      );
    },
  },
];
