// TEST ONLY: the compose driver of test/thunderbird/ldap-lookup.test.ts, for a Thunderbird that has
// no mailseal add-on (the point of that test). It speaks the harness's channel (harness/channel.ts:
// long-polls GET /command, answers with POST /result, reports with POST /event, text/plain JSON
// bodies so that the requests are CORS "simple") through MailExtension APIs only. The harness writes
// the channel's URL into channel.json when it packs this folder into the profile.
/* global messenger */
"use strict";

async function post(url, body) {
  await fetch(url, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "text/plain" } });
}

async function identityOf(address) {
  for (const account of await messenger.accounts.list()) {
    for (const identity of account.identities) if (identity.email === address) return identity;
  }
  throw new Error(`no identity ${address}`);
}

const handlers = {
  // A compose window from `from` to `to`, plain text: its tab id.
  async compose({ from, to, subject, body }) {
    const identity = await identityOf(from);
    const tab = await messenger.compose.beginNew({
      identityId: identity.id,
      to: [to],
      subject,
      plainTextBody: body,
      isPlainText: true,
    });
    return { tabId: tab.id };
  },
  // What the compose window would send as: the selected technology and whether it encrypts.
  async composeState({ tabId }) {
    const details = await messenger.compose.getComposeDetails(tabId);
    return { to: details.to, encryption: details.selectedEncryptionTechnology ?? null };
  },
  // Presses Send (sendNow): the Message-ID once the SMTP server took it, or Thunderbird's error.
  async send({ tabId }) {
    const result = await messenger.compose.sendMessage(tabId, { mode: "sendNow" });
    return { headerMessageId: result.headerMessageId ?? null };
  },
};

async function run() {
  const { channel } = await (await fetch(messenger.runtime.getURL("channel.json"))).json();
  await post(`${channel}/event`, { type: "ready" });
  for (;;) {
    let command;
    try {
      const response = await fetch(`${channel}/command`, { cache: "no-store" });
      if (response.status === 204) continue;
      if (response.status === 410) return;
      command = await response.json();
    } catch (error) {
      console.error("compose driver: channel", error);
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      const handler = handlers[command.type];
      if (handler === undefined) throw new Error(`unknown command ${command.type}`);
      const value = await handler(command);
      await post(`${channel}/result`, { id: command.id, ok: true, value: value ?? null });
    } catch (error) {
      await post(`${channel}/result`, {
        id: command.id,
        ok: false,
        error: { code: "ERROR", message: error instanceof Error ? error.message : String(error) },
      });
    }
  }
}

run().catch((error) => console.error("compose driver", error));
