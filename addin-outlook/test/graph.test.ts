// The add-in's Graph client (src/graph/) against the Graph DOUBLE (test/graph-double.ts: real Graph
// cannot run here), which delivers what it is sent into a REAL Dovecot: the small path (sendMail,
// base64 MIME), the large one (an IPM.Note.SMIME draft, smime.p7m through an upload session, send)
// read back by openssl from the recipient's mailbox, throttling retried then given up with a stable
// code, a refused token, a failure half way that leaves no draft, $value, and the challenge mailbox.
import { challengeHeaderValue, hasCode } from "@mailseal/shared";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptionKey, makeCaHierarchy } from "../../shared/test/mailflow/accounts.js";
import { TestCa } from "../../shared/test/pki/test-ca.js";
import { GraphChallengeMailbox } from "../src/graph/challenge-mailbox.js";
import { GraphClient, SMALL_MIME_LIMIT, UPLOAD_CHUNK, type GraphClientOptions } from "../src/graph/graph-client.js";
import { startGraphDouble, type GraphDouble } from "./graph-double.js";
import { scopedToken } from "./graph-token.js";

const ca = new TestCa();
let graph: GraphDouble;
const ALICE = { address: "alice@example.test", token: "token-alice" };
const BOB = { address: "bob@example.test", token: "token-bob" };
const waits: number[] = [];

function client(options: Partial<GraphClientOptions> = {}): GraphClient {
  return new GraphClient({
    base: graph.base,
    token: () => Promise.resolve(ALICE.token),
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
}

/** `inner` encrypted by openssl to Bob's certificate, with outer header fields: an S/MIME message. */
function encryptedToBob(name: string, subject: string, inner: string): Buffer {
  writeFileSync(ca.path(`${name}.txt`), inner);
  ca.openssl(
    "cms",
    "-encrypt",
    "-in",
    ca.path(`${name}.txt`),
    "-aes-256-cbc",
    "-out",
    ca.path(`${name}.eml`),
    ca.path("bobk.pem"),
  );
  const header = [
    `From: ${ALICE.address}`,
    `To: ${BOB.address}`,
    `Subject: ${subject}`,
    `Message-ID: <${name}@example.test>`,
  ];
  // Stored mail has CRLF line ends (Dovecot gives them so): the message is written with them.
  const smime = readFileSync(ca.path(`${name}.eml`), "latin1").replace(/\r?\n/g, "\r\n");
  return Buffer.from(`${header.join("\r\n")}\r\n${smime}`, "latin1");
}

/** openssl cms -decrypt of a stored message with Bob's key. */
function decryptAsBob(name: string, stored: Buffer): string {
  writeFileSync(ca.path(`${name}.stored.eml`), stored);
  const out = ca.path(`${name}.decrypted`);
  ca.openssl("cms", "-decrypt", "-in", ca.path(`${name}.stored.eml`), "-inkey", ca.path("bobk.key"), "-out", out);
  return readFileSync(out, "latin1");
}

beforeAll(async () => {
  makeCaHierarchy(ca);
  encryptionKey(ca, "bobk", BOB.address, "current");
  graph = await startGraphDouble([ALICE, BOB]);
}, 60_000);

afterAll(async () => {
  await graph?.stop();
  ca.dispose();
});

describe("the Graph client on the Graph double (real Dovecot behind it)", () => {
  it("sends a small sealed message through sendMail: Bob's INBOX has it, Alice's Sent Items the copy", async () => {
    const sealed = encryptedToBob("small", "Small", "Content-Type: text/plain\r\n\r\nsmall secret\r\n");
    const before = graph.requests.length;
    expect(await client().sendSealed(sealed, { subject: "Small", to: [BOB.address], cc: [], bcc: [] })).toBe(
      "sendMail",
    );
    const [request] = graph.requests.slice(before);
    expect(request).toMatchObject({
      route: "POST /me/sendMail",
      user: ALICE.address,
      contentType: "text/plain",
      status: 202,
    });
    expect(Buffer.from(request!.body!, "base64")).toEqual(sealed);
    const inbox = await graph.mailbox(BOB.address);
    expect(inbox.at(-1)).toEqual(sealed);
    expect((await graph.mailbox(ALICE.address, "Sent Items")).at(-1)).toEqual(sealed);
    expect(decryptAsBob("small", inbox.at(-1)!)).toContain("small secret");
  });

  it("sends above the sendMail limit as an IPM.Note.SMIME draft with smime.p7m through an upload session", async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, "A")
      .toString("base64")
      .replace(/.{76}/g, "$&\r\n");
    const sealed = encryptedToBob(
      "large",
      "Large",
      `Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${big}\r\n`,
    );
    expect(sealed.length).toBeGreaterThan(SMALL_MIME_LIMIT);
    const before = graph.requests.length;
    const path = await client().sendSealed(sealed, {
      subject: "Large",
      to: [BOB.address],
      cc: [],
      bcc: [],
      messageId: "<large@example.test>",
    });
    expect(path).toBe("uploadSession");
    const requests = graph.requests.slice(before);
    const puts = requests.filter((r) => r.route === "PUT upload");
    expect(requests.map((r) => r.route)).toEqual([
      "POST /me/messages",
      "POST createUploadSession",
      ...puts.map(() => "PUT upload"),
      "POST send",
    ]);
    expect(puts.length).toBeGreaterThan(1);
    // Upload URLs carry their own authorisation: no bearer token goes there.
    expect(puts.every((p) => p.user === "none" && p.size <= UPLOAD_CHUNK)).toBe(true);
    expect(puts[0]!.contentRange).toMatch(/^bytes 0-\d+\/\d+$/);
    const stored = (await graph.mailbox(BOB.address)).at(-1)!;
    const header = stored.toString("latin1").split("\r\n\r\n")[0]!;
    expect(header).toMatch(/^Content-Type: application\/pkcs7-mime; smime-type=enveloped-data/m);
    expect(header).toMatch(/^Subject: Large$/m);
    expect(header).toMatch(/^Message-ID: <large@example\.test>$/m);
    expect(decryptAsBob("large", stored)).toContain(big.slice(0, 200));
    // Buffer.equals: a deep toEqual of megabytes takes a minute.
    expect((await graph.mailbox(ALICE.address, "Sent Items")).at(-1)!.equals(stored)).toBe(true);
  });

  it("a signed-only message takes the draft path as IPM.Note.SMIME.MultipartSigned; what arrives verifies", async () => {
    writeFileSync(ca.path("signed.txt"), "Content-Type: text/plain\r\n\r\nsigned only\r\n");
    ca.openssl(
      "cms",
      "-sign",
      "-in",
      ca.path("signed.txt"),
      "-signer",
      ca.path("bobk.pem"),
      "-inkey",
      ca.path("bobk.key"),
      "-crlfeol",
      "-out",
      ca.path("signed.eml"),
    );
    const smime = readFileSync(ca.path("signed.eml"), "latin1").replace(/\r?\n/g, "\r\n");
    const sealed = Buffer.from(`From: ${ALICE.address}\r\nTo: ${BOB.address}\r\nSubject: Signed\r\n${smime}`, "latin1");
    const before = graph.requests.length;
    await client().sendLarge(sealed, { subject: "Signed", to: [BOB.address], cc: [], bcc: [] });
    expect(graph.requests.slice(before).map((r) => r.route)).toEqual([
      "POST /me/messages",
      "POST createUploadSession",
      "PUT upload",
      "POST send",
    ]);
    const stored = (await graph.mailbox(BOB.address)).at(-1)!;
    expect(stored.toString("latin1")).toMatch(/^Content-Type: multipart\/signed;/m);
    writeFileSync(ca.path("signed.stored.eml"), stored);
    const out = ca.path("signed.verified");
    ca.openssl(
      "cms",
      "-verify",
      "-in",
      ca.path("signed.stored.eml"),
      // The signature over the entity as it arrived; the chain is not what this test is about.
      "-noverify",
      "-out",
      out,
    );
    expect(readFileSync(out, "latin1")).toContain("signed only");
  });

  it("waits out a 429 with Retry-After and sends; gives up after the bounded retries with MAIL_SERVICE_BUSY", async () => {
    const sealed = encryptedToBob("throttled", "Throttled", "Content-Type: text/plain\r\n\r\nthrottled\r\n");
    graph.failures.push({ route: "POST /me/sendMail", status: 429, retryAfter: "2", times: 1 });
    waits.length = 0;
    const count = (await graph.mailbox(BOB.address)).length;
    await client().sendMime(sealed.toString("base64"));
    expect(waits).toEqual([2000]);
    expect(await graph.mailbox(BOB.address)).toHaveLength(count + 1);

    graph.failures.push({ route: "POST /me/sendMail", status: 503, retryAfter: "1", times: Infinity });
    const before = graph.requests.length;
    try {
      const error = await client({ retries: 2 })
        .sendMime(sealed.toString("base64"))
        .catch((e: unknown) => e);
      expect(hasCode(error, "MAIL_SERVICE_BUSY")).toBe(true);
      expect(graph.requests.slice(before).map((r) => r.status)).toEqual([503, 503, 503]);
      expect(await graph.mailbox(BOB.address)).toHaveLength(count + 1);
      // A Retry-After longer than the pane would wait fails at once.
      graph.failures.splice(0);
      graph.failures.push({ route: "POST /me/sendMail", status: 429, retryAfter: "3600", times: 1 });
      const at = graph.requests.length;
      const busy = await client()
        .sendMime(sealed.toString("base64"))
        .catch((e: unknown) => e);
      expect(hasCode(busy, "MAIL_SERVICE_BUSY")).toBe(true);
      expect(graph.requests.slice(at).map((r) => r.status)).toEqual([429]);
    } finally {
      graph.failures.splice(0);
    }
  });

  it("a blind copy reaches its recipient through sendMail; the others' copies do not name it", async () => {
    const sealed = encryptedToBob("blind", "Blind", "Content-Type: text/plain\r\n\r\nblind\r\n");
    const aliceInbox = (await graph.mailbox(ALICE.address)).length;
    await client().sendSealed(sealed, { subject: "Blind", to: [BOB.address], cc: [], bcc: [ALICE.address] });
    expect((await graph.mailbox(BOB.address)).at(-1)).toEqual(sealed);
    expect(await graph.mailbox(ALICE.address)).toHaveLength(aliceInbox + 1);
    expect((await graph.mailbox(ALICE.address)).at(-1)).toEqual(sealed);
  });

  it("a message above the service's limit is MESSAGE_TOO_LARGE before anything is sent", async () => {
    const sealed = encryptedToBob("huge", "Huge", "Content-Type: text/plain\r\n\r\nhuge\r\n");
    const before = graph.requests.length;
    const error = await client({ messageLimit: sealed.length - 1 })
      .sendSealed(sealed, { subject: "Huge", to: [BOB.address], cc: [], bcc: [] })
      .catch((e: unknown) => e);
    expect(hasCode(error, "MESSAGE_TOO_LARGE")).toBe(true);
    expect(graph.requests.length).toBe(before);
  });

  it("a refused token is MAIL_SERVICE_DENIED; a failure half way deletes the draft and sends nothing", async () => {
    const denied = await client({ token: () => Promise.resolve("stolen") })
      .sendMime("AAAA")
      .catch((e: unknown) => e);
    expect(hasCode(denied, "MAIL_SERVICE_DENIED")).toBe(true);
    expect(graph.requests.at(-1)).toMatchObject({ user: "unknown", status: 401 });

    const sealed = encryptedToBob("half", "Half", "Content-Type: text/plain\r\n\r\nhalf\r\n");
    graph.failures.push({ route: "POST send", status: 500, times: 1 });
    const count = (await graph.mailbox(BOB.address)).length;
    const before = graph.requests.length;
    const failed = await client()
      .sendLarge(sealed, { subject: "Half", to: [BOB.address], cc: [], bcc: [] })
      .catch((e: unknown) => e);
    expect(hasCode(failed, "MAIL_SERVICE_FAILED")).toBe(true);
    expect(graph.requests.slice(before).map((r) => `${r.route} ${r.status}`)).toEqual([
      "POST /me/messages 201",
      "POST createUploadSession 200",
      "PUT upload 201",
      "POST send 500",
      "DELETE /me/messages/{id} 204",
    ]);
    expect(await graph.mailbox(BOB.address)).toHaveLength(count);
  });

  it("asks for the permission each request needs; a token without Mail.ReadWrite sends small, not large (MAIL_SERVICE_DENIED)", async () => {
    const asked: string[] = [];
    /** Tokens granting what was asked of `granted` only, as Entra ID gives what the tenant consented to. */
    const granting = (granted: readonly string[]) =>
      client({
        token: (wanted) => {
          asked.push(wanted.join(" "));
          return Promise.resolve(
            scopedToken(
              ALICE.token,
              granted.filter((s) => (wanted as string[]).includes(s)),
            ),
          );
        },
      });
    const sealed = encryptedToBob("scopes", "Scopes", "Content-Type: text/plain\r\n\r\nscopes\r\n");
    const envelope = { subject: "Scopes", to: [BOB.address], cc: [], bcc: [] };
    const count = (await graph.mailbox(BOB.address)).length;
    let before = graph.requests.length;
    await granting(["Mail.Send", "Mail.ReadWrite"]).sendLarge(sealed, envelope);
    expect(graph.requests.slice(before).map((r) => `${r.route} [${r.scopes}] ${r.status}`)).toEqual([
      "POST /me/messages [Mail.ReadWrite] 201",
      "POST createUploadSession [Mail.ReadWrite] 200",
      "PUT upload [] 201",
      "POST send [Mail.Send] 202",
    ]);
    expect(asked).toEqual(["Mail.ReadWrite", "Mail.ReadWrite", "Mail.Send"]);
    expect(await graph.mailbox(BOB.address)).toHaveLength(count + 1);

    // A deployment that granted only Mail.Send: sendMail goes, the draft of the large path is refused.
    asked.splice(0);
    before = graph.requests.length;
    expect(await granting(["Mail.Send"]).sendSealed(sealed, envelope)).toBe("sendMail");
    const refused = await granting(["Mail.Send"])
      .sendLarge(sealed, envelope)
      .catch((e: unknown) => e);
    expect(hasCode(refused, "MAIL_SERVICE_DENIED")).toBe(true);
    expect(graph.requests.slice(before).map((r) => `${r.route} [${r.scopes}] ${r.status}`)).toEqual([
      "POST /me/sendMail [Mail.Send] 202",
      "POST /me/messages [] 403",
    ]);
    expect(asked).toEqual(["Mail.Send", "Mail.ReadWrite"]);
    expect(await graph.mailbox(BOB.address)).toHaveLength(count + 2);

    // Reading asks for Mail.Read only.
    asked.splice(0);
    await granting(["Mail.Read"]).messageMime(await graph.deliver(ALICE.address, sealed));
    expect(asked).toEqual(["Mail.Read"]);
  });

  it("reads a stored message as MIME ($value), and finds and consumes a challenge mail", async () => {
    const api = "http://127.0.0.1:9/api";
    const token = Buffer.alloc(32, 7).toString("base64url");
    const challenge = (id: string, apiUrl: string) =>
      Buffer.from(
        [
          "From: mailseal@example.test",
          `To: ${BOB.address}`,
          "Subject: Confirm a new mailseal device",
          "Auto-Submitted: auto-generated; type=mailseal-challenge",
          `Mailseal-Challenge: ${challengeHeaderValue({ id, token, api: apiUrl })}`,
          "",
          "a device asked to set up mailseal",
          "",
        ].join("\r\n"),
      );
    await graph.deliver(BOB.address, challenge("other-id", api));
    await graph.deliver(BOB.address, challenge("c-1", "http://127.0.0.1:9/elsewhere"));
    const id = await graph.deliver(BOB.address, challenge("c-1", api));
    const bob = new GraphClient({ base: graph.base, token: () => Promise.resolve(BOB.token) });
    expect(Buffer.from(await bob.messageMime(id))).toEqual(challenge("c-1", api));

    const mailbox = new GraphChallengeMailbox(bob, { timeoutMs: 5_000, intervalMs: 100 });
    expect(await mailbox.findChallenge("c-1", api)).toBe(token);
    expect(await new GraphChallengeMailbox(bob, { timeoutMs: 0 }).findChallenge("c-2", api)).toBeUndefined();
    await mailbox.consumed("c-1");
    const deleted = await graph.mailbox(BOB.address, "Deleted Items");
    expect(deleted.at(-1)).toEqual(challenge("c-1", api));
    expect((await graph.mailbox(BOB.address)).some((m) => m.equals(challenge("c-1", api)))).toBe(false);
  });
});
