// TEST-ONLY commands the harness sends through the channel (see harness-channel.ts). Each is named
// test*: none of them is reachable unless the profile sets the test channel pref.
import { decodeBase64url, parseCertificate } from "@mailseal/shared";
import type { StateStore } from "../host/mailflow-types.js";
import type { HarnessCommand, HarnessHandlers } from "./harness-channel.js";

function field(command: HarnessCommand, name: string): string {
  const value = command[name];
  if (typeof value !== "string" || value === "") throw new Error(`${command.type}: ${name} is missing`);
  return value;
}

async function accountOf(address: string): Promise<messenger.MailAccount> {
  const accounts = await messenger.accounts.list(false);
  const account = accounts.find((a) => a.identities.some((i) => i.email.toLowerCase() === address.toLowerCase()));
  if (account === undefined) throw new Error(`no account has the identity ${address}`);
  return account;
}

async function findInInbox(accountId: string, subject: string): Promise<messenger.MessageHeader | undefined> {
  let page = await messenger.messages.query({ accountId, subject });
  for (;;) {
    const hit = page.messages.find((m) => m.subject === subject && m.folder?.specialUse?.includes("inbox") === true);
    if (hit !== undefined || page.id === null) return hit;
    page = await messenger.messages.continueList(page.id);
  }
}

export function testCommands(store: StateStore): HarnessHandlers {
  return {
    testAddLogin: async (c) =>
      messenger.mailseal.testAddLogin(field(c, "origin"), field(c, "username"), field(c, "password")),
    /**
     * Stands in for provisioning (the services will do it): stores a key of the account's history,
     * base64url PKCS#8 and certificate DER, the way DeviceState keeps released keys.
     */
    testProvisionKey: async (c) => {
      const address = field(c, "address").toLowerCase();
      const certificate = field(c, "certificate");
      const pkcs8 = field(c, "pkcs8");
      parseCertificate(decodeBase64url(certificate, "certificate")); // refuse garbage here, not at display time
      const state = (await store.load(address)) ?? {
        version: 1 as const,
        address,
        deviceName: "test harness",
        service: { api: "test:", shareStores: { "share-a": "test:", "share-b": "test:" } },
        keys: [],
      };
      const keyId = `test-${state.keys.length + 1}`;
      state.keys.push({
        keyId,
        certificate,
        status: "current",
        protection: "none",
        commitment: "test-provisioned",
        pkcs8,
      });
      await store.save(state);
      return { keyId };
    },
    /** Fetches the inbox of the address until Thunderbird manages (the first sync also discovers folders). */
    testSyncInbox: async (c) => {
      const account = await accountOf(field(c, "address"));
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          return await messenger.mailseal.updateInbox(account.id);
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    },
    /** Fetches new mail of the address's inbox, waits for a message with `subject`, opens it in a tab. */
    testOpenMessage: async (c) => {
      const account = await accountOf(field(c, "address"));
      const subject = field(c, "subject");
      const deadline = Date.now() + 25_000;
      let last = "not found";
      while (Date.now() < deadline) {
        // A busy folder (another update running) refuses an update: the next round tries again.
        await messenger.mailseal.updateInbox(account.id).catch((error: unknown) => (last = String(error)));
        const message = await findInInbox(account.id, subject);
        if (message !== undefined) {
          // Right after a fetch Thunderbird may re-add a header under a new id (the old one is then
          // invalid, or its open never finishes): query again and open the current one.
          last = await Promise.race([
            messenger.messageDisplay.open({ messageId: message.id, location: "tab" }).then(
              () => "opened",
              (error: unknown) => `open failed: ${String(error)}`,
            ),
            new Promise<string>((resolve) => setTimeout(() => resolve(`open(${message.id}) did not finish`), 4000)),
          ]);
          if (last === "opened") return { messageId: message.id };
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      throw new Error(`could not open "${subject}" in the inbox of ${account.name}: ${last}`);
    },
    testQuit: async () => messenger.mailseal.testQuit(),
  };
}
