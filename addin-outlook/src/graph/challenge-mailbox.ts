// ChallengeMailbox (shared/src/mailflow/provision.ts) over Microsoft Graph, for setting an address up
// in Outlook: the challenge mail (after RFC 8823) lands in the inbox of the address being proved, and
// the add-in finds it there itself, as the Thunderbird add-in does in its inbox
// (addin-thunderbird/src/host/challenge-mailbox.ts). Each poll searches the inbox for mailseal's
// challenge mails (Graph $search over subject and body), reads each new one as MIME ($value) and
// parses its Mailseal-Challenge field; the id and the api must both match.
import { parseChallengeMail, type ChallengeMailbox } from "@mailseal/shared";
import type { GraphClient } from "./graph-client.js";

export interface GraphMailboxOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** How many of the newest matches each poll reads (a challenge is recent). */
  newest?: number;
}

/** Words every challenge mail has (its subject, shared/src/protocol/challenge.ts challengeMailText). */
const SEARCH = "mailseal device";

export class GraphChallengeMailbox implements ChallengeMailbox {
  /** The Graph message each found challenge came in, by challenge id, for consumed(). */
  private readonly found = new Map<string, string>();

  constructor(
    private readonly graph: GraphClient,
    private readonly options: GraphMailboxOptions = {},
  ) {}

  async findChallenge(challengeId: string, api: string): Promise<string | undefined> {
    const { timeoutMs = 120_000, intervalMs = 3_000, newest = 25 } = this.options;
    const deadline = Date.now() + timeoutMs;
    const seen = new Set<string>();
    for (;;) {
      const messages = (await this.graph.searchInbox(SEARCH, newest))
        .filter((m) => !seen.has(m.id))
        .sort((a, b) => Date.parse(b.receivedDateTime) - Date.parse(a.receivedDateTime));
      for (const message of messages) {
        seen.add(message.id);
        const marker = await parseChallengeMail(await this.graph.messageMime(message.id));
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

  /** The single-use mail served its purpose: to Deleted Items, where the owner can still read it. */
  async consumed(challengeId: string): Promise<void> {
    const id = this.found.get(challengeId);
    if (id === undefined) return;
    this.found.delete(challengeId);
    await this.graph.moveToDeletedItems(id);
  }
}
