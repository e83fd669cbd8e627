// Outgoing mail (challenge mails, release notices): rendered as RFC 5322 messages by nodemailer and
// either written to an outbox directory (development, tests, or a relay that picks files up) or sent
// over SMTP.
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "@mailseal/shared";
import { systemClock } from "@mailseal/shared";
import nodemailer from "nodemailer";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Extra header fields (Auto-Submitted, Mailseal-Challenge, ...). */
  headers?: Record<string, string>;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
}

/** The display name of the From field of every mail the service sends, so people see who wrote it. */
export const MAIL_FROM_NAME = "mailseal";
/** The subject prefix of the service's notices (release, renewal, replacement). */
export const NOTICE_SUBJECT_PREFIX = "[mailseal] ";

/**
 * A notice of the service (a key released, renewed, replaced): a subject people and filters
 * recognise, and Auto-Submitted: auto-generated (RFC 3834 section 5) so that responders do not
 * answer it and clients can tell it is automatic. The challenge mail keeps its own fields.
 */
export function noticeMail(to: string, subject: string, text: string): OutgoingMail {
  const prefixed = subject.startsWith(NOTICE_SUBJECT_PREFIX) ? subject : `${NOTICE_SUBJECT_PREFIX}${subject}`;
  return { to, subject: prefixed, text, headers: { "Auto-Submitted": "auto-generated" } };
}

export interface MailerOptions {
  /** The clock of the Date header field and of outbox file names (default: the system clock). */
  clock?: Clock;
}

function message(from: string, mail: OutgoingMail, clock: Clock) {
  // Lines end in CRLF (RFC 5322 section 2.1); nodemailer converts the header's but not every body line end.
  const text = mail.text.replace(/\r?\n/g, "\r\n");
  return {
    from: { name: MAIL_FROM_NAME, address: from },
    to: mail.to,
    subject: mail.subject,
    text,
    headers: mail.headers ?? {},
    date: clock.now(),
  };
}

/**
 * Writes each mail as `<time>-<random>.eml` into `dir` (time = ISO 8601 UTC with `-` for `:`, so
 * names sort by time and are valid on every file system). CRLF line ends (RFC 5322 section 2.1).
 * The file is written under a temporary name that does not end in .eml and renamed when complete,
 * so a reader of the directory never sees part of a mail.
 */
export function outboxMailer(dir: string, from: string, options: MailerOptions = {}): Mailer {
  const clock = options.clock ?? systemClock();
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  return {
    async send(mail) {
      const info = await transport.sendMail(message(from, mail, clock));
      const bytes = info.message as Buffer;
      // Asynchronous file calls: the fsync runs in libuv's pool, not on the event loop, which a
      // synchronous one held for the disk's flush on every challenge and release notice.
      // 0700 like the data folder: challenge mails carry the tokens that prove an address.
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const name = `${clock.now().toISOString().replaceAll(":", "-")}-${randomBytes(8).toString("hex")}.eml`;
      const temporary = join(dir, `.${name}.tmp`);
      try {
        const file = await open(temporary, "wx", 0o600);
        try {
          await file.writeFile(bytes);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temporary, join(dir, name));
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}

/** Sends each mail through the SMTP server of `url` (smtp://[user:pass@]host[:port], smtps://...). */
export function smtpMailer(url: string, from: string, options: MailerOptions = {}): Mailer & { close(): void } {
  const clock = options.clock ?? systemClock();
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail(message(from, mail, clock));
    },
    close: () => transport.close(),
  };
}
