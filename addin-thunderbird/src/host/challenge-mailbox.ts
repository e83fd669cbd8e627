// ChallengeMailbox over the account's inbox (docs/services.md, "Client flows"): the challenge mail
// (after RFC 8823) lands in the inbox of the address being proved; the add-in finds it there by
// itself. Each poll first asks Thunderbird to fetch new mail now (our Experiment), then reads the
// raw source of the inbox's messages and parses the Mailseal-Challenge field.
import { parseChallengeMail } from "@mailseal/shared";
import type { ChallengeMailbox } from "@mailseal/shared";

export interface InboxMailboxOptions {
  accountId: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** How many of the newest messages each poll reads (a challenge is recent). */
  newest?: number;
}

async function inboxMessages(accountId: string): Promise<messenger.MessageHeader[]> {
  const accounts = await messenger.accounts.list(false);
  const account = accounts.find((a) => a.id === accountId);
  if (account === undefined) throw new Error(`no account ${accountId}`);
  const all: messenger.MessageHeader[] = [];
  let page = await messenger.messages.query({ accountId });
  for (;;) {
    all.push(...page.messages.filter((m) => m.folder?.specialUse?.includes("inbox") === true));
    if (page.id === null) break;
    page = await messenger.messages.continueList(page.id);
  }
  return all;
}

export class InboxChallengeMailbox implements ChallengeMailbox {
  /** The message each found challenge came in, by challenge id, for consumed(). */
  private readonly found = new Map<string, number>();

  constructor(private readonly options: InboxMailboxOptions) {}

  /**
   * The answer was taken: the challenge mail is of no more use (single-use token, docs/services.md
   * "Wire formats"), so it is marked read and moved to the account's Trash (issue 14, finding 7)
   * instead of staying unread in the inbox. Trash, not a permanent delete: the owner can still read it.
   */
  async consumed(challengeId: string): Promise<void> {
    const messageId = this.found.get(challengeId);
    if (messageId === undefined) return;
    this.found.delete(challengeId);
    await messenger.messages.update(messageId, { read: true });
    await messenger.messages.delete([messageId], { deletePermanently: false });
  }

  async findChallenge(challengeId: string, api: string): Promise<string | undefined> {
    const { accountId, timeoutMs = 120_000, intervalMs = 2_000, newest = 50 } = this.options;
    const deadline = Date.now() + timeoutMs;
    const seen = new Set<number>();
    for (;;) {
      // A folder busy with another update refuses this one: the poll reads what is there and tries again.
      await messenger.mailseal.updateInbox(accountId).catch(() => undefined);
      const messages = (await inboxMessages(accountId))
        .filter((m) => !seen.has(m.id))
        .sort((a, b) => +b.date - +a.date)
        .slice(0, newest);
      for (const message of messages) {
        seen.add(message.id);
        const raw = new Uint8Array(await (await messenger.messages.getRaw(message.id)).arrayBuffer());
        const marker = await parseChallengeMail(raw);
        // Anyone can send a mail that looks like a challenge: the id and the api must both match.
        if (marker !== undefined && marker.id === challengeId && marker.api === api) {
          this.found.set(challengeId, message.id);
          return marker.token;
        }
      }
      if (Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
