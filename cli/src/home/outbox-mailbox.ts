// The ChallengeMailbox of the mailseal command: the server's outbox folder of .eml files stands in
// for the inbox. The client polls it for the challenge mail of the enrollment it started: a mail
// counts only if its Mailseal-Challenge marker has that challenge id AND names the api in use, since
// anyone can put a mail that looks like a challenge in an inbox (RFC 8823 7 makes the same point).
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseChallengeMail, type ChallengeMailbox } from "@mailseal/shared";

/** A challenge mail is a few kilobytes; anything much larger in the folder is someone else's mail. */
const MAX_MAIL_BYTES = 1024 * 1024;

export interface OutboxOptions {
  /** How long to wait for the mail (default 60 s). */
  timeoutMs?: number;
  /** How often to look (default 250 ms). */
  intervalMs?: number;
  /** The time source of the wait (tests). */
  now?: () => number;
}

/** Two API base URLs name the same service: scheme and host case-insensitive, default port and trailing slash dropped. */
export function sameApi(a: string, b: string): boolean {
  const canonical = (value: string): string | undefined => {
    try {
      const url = new URL(value);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
    } catch {
      return undefined;
    }
  };
  const x = canonical(a);
  return x !== undefined && x === canonical(b);
}

export class OutboxMailbox implements ChallengeMailbox {
  constructor(
    readonly folder: string,
    readonly options: OutboxOptions = {},
  ) {}

  /** One look through the folder: the token of a matching mail, or undefined. */
  async scan(challengeId: string, api: string): Promise<string | undefined> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch {
      return undefined; // the folder may not exist yet: the server creates it with its first mail
    }
    for (const name of names.filter((n) => n.toLowerCase().endsWith(".eml")).sort()) {
      const path = join(this.folder, name);
      try {
        const info = await stat(path);
        if (!info.isFile() || info.size > MAX_MAIL_BYTES) continue;
        const marker = await parseChallengeMail(new Uint8Array(await readFile(path)));
        if (marker !== undefined && marker.id === challengeId && sameApi(marker.api, api)) return marker.token;
      } catch {
        continue; // a file being written or removed meanwhile: look again next round
      }
    }
    return undefined;
  }

  async findChallenge(challengeId: string, api: string): Promise<string | undefined> {
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.timeoutMs ?? 60_000);
    for (;;) {
      const token = await this.scan(challengeId, api);
      if (token !== undefined) return token;
      if (now() >= deadline) return undefined;
      await sleep(this.options.intervalMs ?? 250);
    }
  }
}
