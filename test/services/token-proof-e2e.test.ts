// provision() with the proof by token (issue 13, "Setup with no typing"): a token source is tried
// first, and a device is set up with no challenge mail when the api takes its token; a token the
// api refuses is told to the source (its code) and the challenge mail proves the address instead.
// shared's provision() in this process against the real `mailseal server` process configured with
// a real OpenID provider on loopback (oidc-provider), the challenge found in the server's outbox by
// the CLI's OutboxMailbox.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { provision, type MailsealError } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboxMailbox } from "../../cli/src/home/outbox-mailbox.js";
import { startIdentityProvider, type TestIdentityProvider } from "../support/oidc-provider.js";
import { NO_SECRET_STORE, provisionHost, scratch, startServer, type RunningServer } from "./e2e-support.js";

Object.assign(process.env, NO_SECRET_STORE);

const AUDIENCE = "api://mailseal-e2e";
const tmp = scratch("token-proof");
const data = join(tmp.dir, "server");
let idp: TestIdentityProvider;
let server: RunningServer | undefined;

beforeAll(async () => {
  idp = await startIdentityProvider({ alice: { email: "alice@example.test" }, bob: { email: "bob@example.test" } });
  server = await startServer(data, { args: ["--oidc-issuer", `${idp.issuer} audience=${AUDIENCE}`] });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await idp?.close();
  tmp.remove();
});

/** The challenge mails the server sent (its outbox also holds the notices of key releases). */
function mails(): number {
  const outbox = join(data, "outbox");
  try {
    return readdirSync(outbox).filter(
      (name) => name.endsWith(".eml") && /^Mailseal-Challenge: /m.test(readFileSync(join(outbox, name), "utf8")),
    ).length;
  } catch {
    return 0;
  }
}

describe("provision with a token source", () => {
  it("sets the device up with the token alone: no challenge, keys and signing certificate", async () => {
    const asked: string[] = [];
    const state = await provision(provisionHost(tmp.dir, "outlook"), {
      address: "alice@example.test",
      deviceName: "outlook",
      server: server!.api,
      tokenSource: {
        token: async (address) => {
          asked.push(address);
          return idp.token("alice", AUDIENCE);
        },
        refused: (error) => {
          throw new Error(`refused: ${error.code}`);
        },
      },
      mailbox: {
        findChallenge: () => Promise.reject(new Error("no challenge may be asked for")),
      },
    });
    expect(asked).toEqual(["alice@example.test"]);
    expect(state.deviceId).toBeDefined();
    expect(state.keys.length).toBeGreaterThan(0);
    expect(state.signing?.certificate).toBeDefined();
    expect(mails()).toBe(0);
  }, 60_000);

  it("falls back to the challenge mail when the api refuses the token, telling the source why", async () => {
    const refused: MailsealError[] = [];
    const outbox = new OutboxMailbox(join(data, "outbox"), { timeoutMs: 20_000, intervalMs: 50 });
    const state = await provision(provisionHost(tmp.dir, "laptop"), {
      address: "bob@example.test",
      deviceName: "laptop",
      server: server!.api,
      // Alice's token for Bob's address: PROOF_TOKEN_ADDRESS.
      tokenSource: { token: () => idp.token("alice", AUDIENCE), refused: (error) => refused.push(error) },
      mailbox: outbox,
    });
    expect(refused.map((error) => error.code)).toEqual(["PROOF_TOKEN_ADDRESS"]);
    expect(state.deviceId).toBeDefined();
    expect(state.keys.length).toBeGreaterThan(0);
    expect(mails()).toBe(1);
  }, 60_000);

  it("tells the source and goes on to the challenge when getting a token fails (a sign-in library's error)", async () => {
    const refused: MailsealError[] = [];
    const failed = await provision(provisionHost(tmp.dir, "tablet"), {
      address: "bob@example.test",
      deviceName: "tablet",
      server: server!.api,
      tokenSource: {
        token: () => Promise.reject(new Error("the organisation does not allow this add-in")),
        refused: (error) => refused.push(error),
      },
      code: async () => undefined,
    }).catch((error: MailsealError) => error);
    expect(refused.map((error) => error.code)).toEqual(["PROOF_TOKEN_INVALID"]);
    expect(refused[0]!.message).toContain("does not allow");
    expect((failed as MailsealError).code).toBe("CODE_REQUIRED");
  }, 60_000);

  it("goes to the typed code when the source has no token", async () => {
    const state = await provision(provisionHost(tmp.dir, "desk"), {
      address: "bob@example.test",
      deviceName: "desk",
      server: server!.api,
      tokenSource: { token: async () => undefined },
      code: async () => undefined,
    }).catch((error: MailsealError) => error);
    // No code typed: the flow says a code was mailed (the challenge was asked for).
    expect((state as MailsealError).code).toBe("CODE_REQUIRED");
    expect(mails()).toBe(3);
  }, 60_000);
});
