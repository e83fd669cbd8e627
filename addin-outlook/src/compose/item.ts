// The message being written, read through Office.js (compose mode): subject, recipients, the HTML
// body, the attachments with their content, and a reply's In-Reply-To and References where Outlook
// hands them over (internetHeaders, Mailbox 1.8). Every Office call is one callback turned into a
// promise; a failed result or a call that throws is ITEM_NOT_READ, its details naming what could not
// be read.
import type { ComposedMessage } from "@mailseal/engine";
import { MailsealError } from "@mailseal/shared";

export interface Recipient {
  address: string;
  name: string;
}

export interface ComposeItem {
  subject: string;
  to: Recipient[];
  cc: Recipient[];
  bcc: Recipient[];
  html: string;
  attachments: Office.AttachmentDetailsCompose[];
  inReplyTo?: string;
  references?: string;
}

/** What Outlook did not hand over: ITEM_NOT_READ, `part` naming it for the pane's words. */
export function itemNotRead(part: string, message: string): MailsealError {
  return new MailsealError("ITEM_NOT_READ", `${part}: ${message}`, { details: { part } });
}

function call<T>(what: string, start: (callback: Office.Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    try {
      start((result) => {
        if (result.status === "succeeded") resolve(result.value);
        else reject(itemNotRead(what, result.error?.message ?? "failed"));
      });
    } catch (error) {
      reject(itemNotRead(what, error instanceof Error ? error.message : String(error)));
    }
  });
}

async function recipients(field: Office.Recipients | undefined, what: string): Promise<Recipient[]> {
  if (field === undefined) return [];
  const list = await call<Office.EmailAddressDetails[]>(what, (done) => field.getAsync(done));
  return list
    .filter((r) => typeof r.emailAddress === "string" && r.emailAddress.includes("@"))
    .map((r) => ({ address: r.emailAddress.trim().toLowerCase(), name: r.displayName ?? "" }));
}

async function subjectOf(item: Office.MessageItem): Promise<string> {
  const subject = item.subject as string | { getAsync?(callback: Office.Callback<string>): void } | undefined;
  if (typeof subject === "string") return subject;
  if (subject === undefined || typeof subject.getAsync !== "function") return "";
  return call<string>("the subject", (done) => subject.getAsync!(done));
}

/** A reply's threading fields, when this Outlook gives them; none is no error (a new message has none). */
async function threadOf(item: Office.MessageItem): Promise<{ inReplyTo?: string; references?: string }> {
  if (item.internetHeaders === undefined) return {};
  try {
    const headers = await call<Record<string, string>>("the reply's header fields", (done) =>
      item.internetHeaders!.getAsync(["In-Reply-To", "References"], done),
    );
    const inReplyTo = headers["In-Reply-To"] ?? headers["in-reply-to"];
    const references = headers["References"] ?? headers["references"];
    return {
      ...(typeof inReplyTo === "string" && inReplyTo !== "" ? { inReplyTo } : {}),
      ...(typeof references === "string" && references !== "" ? { references } : {}),
    };
  } catch {
    // Threading is a convenience: without it the reply is still sent, as a new thread.
    return {};
  }
}

export async function readItem(item: Office.MessageItem): Promise<ComposeItem> {
  const [subject, to, cc, bcc] = await Promise.all([
    subjectOf(item),
    recipients(item.to, "the To line"),
    recipients(item.cc, "the Cc line"),
    recipients(item.bcc, "the Bcc line"),
  ]);
  const html =
    item.body === undefined ? "" : await call<string>("the message text", (done) => item.body!.getAsync("html", done));
  const attachments =
    item.getAttachmentsAsync === undefined
      ? []
      : await call<Office.AttachmentDetailsCompose[]>("the attachments", (done) => item.getAttachmentsAsync!(done));
  return { subject, to, cc, bcc, html, attachments, ...(await threadOf(item)) };
}

function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The attachments' bytes for the message writer: a file as it is, an attached message as
 * message/rfc822; a link (a cloud attachment) cannot go inside an encrypted message. An inline file
 * (an image in the HTML body) keeps its Content-ID, so the writer puts it in the body's
 * multipart/related where the body's cid: URL finds it; where Outlook gives no contentId, its name
 * (what an inline attachment added by name is referred to by).
 */
export async function attachmentData(
  item: Office.MessageItem,
  attachments: readonly Office.AttachmentDetailsCompose[],
): Promise<ComposedMessage["attachments"]> {
  const out: ComposedMessage["attachments"] = [];
  for (const attachment of attachments) {
    if (item.getAttachmentContentAsync === undefined)
      throw itemNotRead(`the attachment ${attachment.name}`, "getAttachmentContentAsync is not available");
    const content = await call<Office.AttachmentContent>(`the attachment ${attachment.name}`, (done) =>
      item.getAttachmentContentAsync!(attachment.id, done),
    );
    if (content.format === "base64") {
      const contentId = attachment.isInline ? (attachment.contentId ?? attachment.name) : undefined;
      out.push({
        name: attachment.name,
        type: attachment.contentType ?? "application/octet-stream",
        data: base64Bytes(content.content),
        ...(contentId === undefined || contentId === "" ? {} : { contentId }),
      });
    } else if (content.format === "eml") {
      const name = /\.eml$/i.test(attachment.name) ? attachment.name : `${attachment.name}.eml`;
      out.push({ name, type: "message/rfc822", data: new TextEncoder().encode(content.content) });
    } else if (content.format === "url") {
      // A link (a cloud file): no bytes to put inside an encrypted message.
      throw new MailsealError("ATTACHMENT_IS_LINK", `${attachment.name} is a link to a file, not the file itself`, {
        details: { part: attachment.name },
      });
    } else {
      throw itemNotRead(`the attachment ${attachment.name}`, `it came as ${content.format}`);
    }
  }
  return out;
}
