// The message being written, read on the Office double (not Outlook): what Outlook does not hand over
// is ITEM_NOT_READ and a cloud link ATTACHMENT_IS_LINK, catalogue codes whose details name the part,
// so the pane's words can say which one and the code stays for support.
import { hasCode } from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { attachmentData, readItem } from "../src/compose/item.js";
import { createOfficeDouble, type DoubleAttachment, type DoubleCompose } from "./office-double.js";

const file: DoubleAttachment = {
  id: "a",
  name: "budget.xlsx",
  attachmentType: "file",
  size: 3,
  isInline: false,
  content: { format: "base64", content: "AQID" },
};

function itemOf(compose: Partial<DoubleCompose>): Office.MessageItem {
  const double = createOfficeDouble({
    item: {
      itemId: "d1",
      itemClass: "IPM.Note",
      subject: "plans",
      compose: { to: [], cc: [], bcc: [], html: "<p>hi</p>", attachments: [], ...compose },
    },
  });
  return (double.Office as { context: { mailbox: { item: Office.MessageItem } } }).context.mailbox.item;
}

/** What `promise` rejects with (a promise that resolves gives its value, which no check below accepts). */
const failureOf = (promise: Promise<unknown>): Promise<unknown> => promise.catch((error: unknown) => error);

describe("the message being written (Office double)", () => {
  it("an attachment Outlook does not hand over is ITEM_NOT_READ naming it", async () => {
    const item = itemOf({ attachments: [{ ...file, failContent: true }] });
    const error = await failureOf(attachmentData(item, (await readItem(item)).attachments));
    expect(hasCode(error, "ITEM_NOT_READ")).toBe(true);
    expect(error).toMatchObject({ details: { part: "the attachment budget.xlsx" } });
    expect((error as Error).message).toMatch(/^the attachment budget\.xlsx: /);
  });

  it("a cloud link is ATTACHMENT_IS_LINK naming the attachment", async () => {
    const cloud: DoubleAttachment = {
      ...file,
      name: "plan.docx",
      attachmentType: "cloud",
      content: { format: "url", content: "https://files.example/plan.docx" },
    };
    const item = itemOf({ attachments: [cloud] });
    const error = await failureOf(attachmentData(item, (await readItem(item)).attachments));
    expect(hasCode(error, "ATTACHMENT_IS_LINK")).toBe(true);
    expect(error).toMatchObject({
      details: { part: "plan.docx" },
      message: "plan.docx is a link to a file, not the file itself",
    });
  });

  it("a body or recipients Outlook does not hand over is ITEM_NOT_READ naming what", async () => {
    const body = await failureOf(readItem(itemOf({ failBody: true })));
    expect(hasCode(body, "ITEM_NOT_READ")).toBe(true);
    expect(body).toMatchObject({ details: { part: "the message text" } });
    const recipients = await failureOf(readItem(itemOf({ failRecipients: true })));
    expect(hasCode(recipients, "ITEM_NOT_READ")).toBe(true);
    expect((recipients as { details: { part: string } }).details.part).toMatch(/^the (To|Cc|Bcc) line$/);
  });

  it("an attachment handed over whole is its bytes", async () => {
    const item = itemOf({ attachments: [file] });
    const [data] = await attachmentData(item, (await readItem(item)).attachments);
    expect(data).toEqual({ name: "budget.xlsx", type: "application/octet-stream", data: new Uint8Array([1, 2, 3]) });
  });
});
