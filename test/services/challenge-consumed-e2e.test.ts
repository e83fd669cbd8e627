// ChallengeMailbox.consumed (issue 14, finding 7): provision() tells the mailbox once the api took
// the answer, so a host can tidy the used challenge mail away (the add-in: read, to Trash); a
// mailbox that fails at it does not fail the setup. shared's provision() in this process against
// the real `mailseal server` process, the challenge found in its outbox by the CLI's OutboxMailbox.
import { join } from "node:path";
import { provision } from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { OutboxMailbox } from "../../cli/src/home/outbox-mailbox.js";
import { NO_SECRET_STORE, provisionHost, ServerSuite } from "./e2e-support.js";

// The homes stay plain files, whatever secret store this machine has (as for the CLI's commands).
Object.assign(process.env, NO_SECRET_STORE);

const suite = new ServerSuite("consumed");
const { tmp, data } = suite;

describe("ChallengeMailbox.consumed", () => {
  it("is called with the challenge once its answer was taken, and its failure does not fail the setup", async () => {
    const outbox = new OutboxMailbox(join(data, "outbox"), { timeoutMs: 20_000, intervalMs: 50 });
    const found: string[] = [];
    const consumed: string[] = [];
    const state = await provision(provisionHost(tmp.dir, "laptop"), {
      address: "alice@example.test",
      deviceName: "laptop",
      server: suite.server.api,
      mailbox: {
        findChallenge: async (id, api) => {
          found.push(id);
          return outbox.findChallenge(id, api);
        },
        consumed: async (id) => {
          consumed.push(id);
        },
      },
    });
    expect(state.deviceId).toBeDefined();
    expect(found).toHaveLength(1);
    expect(consumed).toEqual(found);

    // A host whose tidying fails (a folder gone, a permission refused) still gets its device.
    const failing = await provision(provisionHost(tmp.dir, "phone"), {
      address: "alice@example.test",
      deviceName: "phone",
      server: suite.server.api,
      mailbox: {
        findChallenge: (id, api) => outbox.findChallenge(id, api),
        consumed: () => Promise.reject(new Error("the folder is gone")),
      },
    });
    expect(failing.deviceId).toBeDefined();
    expect(failing.deviceId).not.toBe(state.deviceId);
    expect(failing.keys.length).toBeGreaterThan(0);
  }, 60_000);
});
